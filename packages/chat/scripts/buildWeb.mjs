// `npm run build -w @ownchat/chat` (and the root `prepare`, so `npm ci` builds it): the browser app, with Vite,
// into dist/web. Vite and React are development dependencies, needed to build the page, not to serve it: under
// `npm ci --omit=dev` (a production image) this says so and builds nothing; such an image gets the page built
// where they are installed (deploy/docker/chatbot.Dockerfile does it in a stage of its own).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let vite;
try {
  vite = path.join(
    path.dirname(createRequire(import.meta.url).resolve('vite/package.json')),
    'bin',
    'vite.js',
  );
} catch {
  console.log('@ownchat/chat: Vite is not installed (production install): the page is not built here');
  process.exit(0);
}
const r = spawnSync(
  process.execPath,
  [vite, 'build', '--config', path.join(here, '..', 'web', 'vite.config.ts')],
  {
    cwd: path.join(here, '..'),
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
