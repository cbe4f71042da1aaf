// Small WebP images for vision tests, encoded by libwebp built to WebAssembly (@jsquash/webp's encoder, the same
// package the llm-manager decodes with), drawn from a function of the pixel position as pngImage draws them.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { EncodeOptions, WebPModule } from '@jsquash/webp/codec/enc/webp_enc.js';
import { defaultOptions } from '@jsquash/webp/meta.js';
import type { Rgb } from './png.ts';

/** An RGBA colour, each channel 0-255 (alpha 0 is fully transparent). */
export type Rgba = readonly [number, number, number, number];

let encoder: Promise<WebPModule> | undefined;

function loadEncoder(): Promise<WebPModule> {
  encoder ??= (async () => {
    // The Emscripten loader would fetch the .wasm beside it, which Node.js cannot do for a file: it is given the bytes.
    const glue = createRequire(import.meta.url).resolve('@jsquash/webp/codec/enc/webp_enc.js');
    const { default: factory } = await import('@jsquash/webp/codec/enc/webp_enc.js');
    return factory({ noInitialRun: true, wasmBinary: await readFile(glue.replace(/\.js$/, '.wasm')) });
  })();
  return encoder;
}

/**
 * A width × height WebP whose pixel (x, y) is `pixel(x, y)` (RGB, or RGBA for a picture with transparency):
 * lossless (the decoded pixels are exactly these) or lossy at `quality` 0-100.
 */
export async function webpImage(
  width: number,
  height: number,
  pixel: (x: number, y: number) => Rgb | Rgba,
  options: { lossless?: boolean; quality?: number } = {},
): Promise<Buffer> {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      rgba.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  const settings: EncodeOptions = {
    ...defaultOptions,
    quality: options.quality ?? 75,
    lossless: options.lossless ? 1 : 0,
    // Keep the colour under transparent pixels, so a lossless file decodes to exactly what was drawn.
    exact: 1,
  };
  const encoded = (await loadEncoder()).encode(rgba, width, height, settings);
  if (!encoded) throw new Error(`libwebp could not encode a ${width}×${height} image`);
  return Buffer.from(encoded);
}
