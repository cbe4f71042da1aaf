// Writes an image's runtime tree to <dest>/app: what the Dockerfile's runtime stage copies.
//   node --import tsx deploy/docker/assemble.ts <image> <dest>
// Run from the repository root after `npm ci`; images.ts says what each image holds.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGES, type ImageName } from './images.ts';
import { assemble } from './runtimeTree.ts';

const [image, dest] = process.argv.slice(2);
if (!image || !dest || !(image in IMAGES)) {
  process.stderr.write(
    `usage: node --import tsx deploy/docker/assemble.ts <image> <dest>\n  images: ${Object.keys(IMAGES).join(', ')}\n`,
  );
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '../..');
const files = await assemble(image as ImageName, root, path.resolve(dest));
let bytes = 0;
for (const f of files) bytes += (await stat(path.join(dest, 'app', f)).catch(() => ({ size: 0 }))).size;
process.stdout.write(`${image}: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB in ${dest}/app\n`);
