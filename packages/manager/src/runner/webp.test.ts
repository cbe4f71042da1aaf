// WebP decoding for the projector (webp.ts): libwebp's WebAssembly decoder on a worker thread, its pixels written
// as the binary PPM that stb_image reads. Images are encoded by the testkit with libwebp's encoder.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { webpImage } from '@ownchat/testkit';
import { describe, expect, it } from 'vitest';
import { isWebp, MAX_WEBP_PIXELS, WebpError, webpSize, webpToPpm } from './webp.ts';

/** A PPM's size and its RGB bytes. */
function readPpm(ppm: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const header = /^P6\n(\d+) (\d+)\n255\n/.exec(Buffer.from(ppm.subarray(0, 32)).toString('latin1'));
  if (!header) throw new Error('not a binary PPM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, rgb: ppm.subarray(header[0].length) };
}

const drawn = (x: number, y: number) => [x * 20, y * 30, (x * y) % 256, x < 3 ? 0 : 255] as const;

describe('webpToPpm', () => {
  it('decodes a lossless WebP to exactly its RGB pixels, alpha dropped (transparent pixels keep their colour)', async () => {
    const webp = await webpImage(7, 5, drawn, { lossless: true });
    expect(isWebp(webp)).toBe(true);
    expect(webpSize(webp)).toEqual({ width: 7, height: 5 });
    const { width, height, rgb } = readPpm(await webpToPpm(webp));
    expect([width, height]).toEqual([7, 5]);
    const expected: number[] = [];
    for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) expected.push(...drawn(x, y).slice(0, 3));
    expect([...rgb]).toEqual(expected);
  });

  it('decodes a lossy WebP to pixels near the drawn ones', async () => {
    const grey = () => [128, 128, 128] as const;
    const webp = await webpImage(32, 16, grey, { quality: 90 });
    expect(webpSize(webp)).toEqual({ width: 32, height: 16 });
    const { width, height, rgb } = readPpm(await webpToPpm(webp));
    expect([width, height]).toEqual([32, 16]);
    expect(rgb.length).toBe(32 * 16 * 3);
    for (const v of rgb) expect(Math.abs(v - 128)).toBeLessThanOrEqual(4);
  });

  it('several at once, each answered with its own pixels', async () => {
    const colours = [0, 80, 160, 240];
    const ppms = await Promise.all(
      colours.map(async (c) => webpToPpm(await webpImage(3, 3, () => [c, c, c], { lossless: true }))),
    );
    expect(ppms.map((p) => readPpm(p).rgb[0])).toEqual(colours);
  });

  it('decodes a 4000×3000 photo-sized WebP, then more images (the worker it grew is replaced)', async () => {
    const flat = await webpImage(4000, 3000, () => [10, 200, 30], { lossless: true });
    const big = readPpm(await webpToPpm(flat));
    expect([big.width, big.height, big.rgb.at(-2)]).toEqual([4000, 3000, 200]);
    const [again, small] = await Promise.all([
      webpToPpm(flat),
      webpToPpm(await webpImage(2, 2, () => [7, 7, 7], { lossless: true })),
    ]);
    expect(readPpm(again).rgb.length).toBe(4000 * 3000 * 3);
    expect([...readPpm(small).rgb]).toEqual(new Array(12).fill(7));
  }, 60_000);

  it('refuses a corrupt WebP (cut short) with a WebpError, and decodes the next one', async () => {
    const webp = await webpImage(40, 30, drawn, { quality: 50 });
    const cut = webp.subarray(0, webp.length - 40);
    await expect(webpToPpm(cut)).rejects.toThrow(WebpError);
    await expect(webpToPpm(cut)).rejects.toThrow(/could not be decoded/);
    expect(readPpm(await webpToPpm(webp)).width).toBe(40);
  });

  it('refuses an animated WebP (libwebp decodes still images), as a WebpError', async () => {
    // Two 4×4 lossless frames, red then blue: made by Debian's webp 1.2.4 as
    // `img2webp -lossless red.png -d 100 blue.png -o anim.webp` (140 bytes).
    const animated = Buffer.from(
      'UklGRoQAAABXRUJQVlA4WAoAAAACAAAAAwAAAwAAQU5JTQYAAAD/////AABBTk1GKAAAAAAAAAAAAAMAAAMAAGQAAAJWUDhMDwAAAC8DwAAABxD9j/4HIqL/AQBBTk1GKAAAAAAAAAAAAAMAAAMAAGQAAABWUDhMDwAAAC8DwAAABxDR//4HIqL/AQA=',
      'base64',
    );
    expect(isWebp(animated)).toBe(true);
    expect(webpSize(animated)).toEqual({ width: 4, height: 4 });
    await expect(webpToPpm(animated)).rejects.toThrow(
      /could not be decoded \(corrupt, cut short, or animated\)/,
    );
  });

  it('a process with an idle decoder ends by itself, and one waiting for a decode does not end early', async () => {
    const webp = (await webpImage(5, 5, drawn, { lossless: true })).toString('base64');
    // Nothing else keeps this script alive: it prints the decoded size only if the worker held the process.
    const script = `
      const { webpToPpm } = await import(${JSON.stringify(new URL('./webp.ts', import.meta.url).href)});
      const ppm = await webpToPpm(Buffer.from(${JSON.stringify(webp)}, 'base64'));
      console.log(ppm.length);`;
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 60_000 },
    );
    const { stdout } = await run;
    expect(stdout.trim()).toBe(String('P6\n5 5\n255\n'.length + 5 * 5 * 3));
  }, 70_000);

  it('refuses a WebP that claims a huge canvas before decoding it', async () => {
    const webp = await webpImage(8, 8, drawn, { lossless: true });
    // VP8L keeps width-1 and height-1 in 14 bits each after its signature byte: claim 16384×16384.
    const huge = Buffer.from(webp);
    huge.writeUInt32LE(0x3fff | (0x3fff << 14) | (huge.readUInt32LE(21) & 0xf0000000), 21);
    expect(webpSize(huge)).toEqual({ width: 16384, height: 16384 });
    expect(16384 * 16384).toBeGreaterThan(MAX_WEBP_PIXELS);
    await expect(webpToPpm(huge)).rejects.toThrow(/is 16384×16384 pixels, more than the 50 million/);
  });
});
