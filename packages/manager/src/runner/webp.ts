// WebP images for the projector. llama.cpp's mtmd reads images with stb_image, which has no WebP; Ollama decodes
// WebP itself before its engine sees it (golang.org/x/image/webp). Here libwebp's decoder, built to WebAssembly
// (@jsquash/webp: no native download, the same file on every platform), turns a WebP into RGB pixels, written as
// a binary PPM ("P6"), which stb_image reads. Alpha is dropped, as stb_image drops a PNG's alpha on the same
// path (mtmd asks it for 3 channels) and as Ollama's llama-server engine does (WebP to PNG, then stb_image): the
// same pixels in WebP and PNG give the model the same image.
// Decoding a photo takes long (a 4000×3000 lossy WebP: 0.7 s here), so it runs on a worker thread: the runner's
// event loop goes on streaming other sequences' tokens meanwhile.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Whether these bytes are a WebP file (a RIFF container of kind WEBP). */
export function isWebp(bytes: Uint8Array): boolean {
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  return bytes.length >= 12 && tag(0) === 'RIFF' && tag(8) === 'WEBP';
}

/**
 * The most pixels a WebP may have: a phone's 48-megapixel photo fits; a small file that claims a huge canvas
 * (WebP allows 16383×16383) is refused before any memory is taken for it.
 */
export const MAX_WEBP_PIXELS = 50_000_000;

/** A WebP's canvas size from its header (VP8X, lossy VP8 or lossless VP8L), or undefined if it has none. */
export function webpSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = String.fromCharCode(...bytes.subarray(12, 16));
  const b = (at: number) => bytes[at]!;
  const u24 = (at: number) => b(at) | (b(at + 1) << 8) | (b(at + 2) << 16);
  if (chunk === 'VP8X') return { width: u24(24) + 1, height: u24(27) + 1 };
  // Lossy: a key frame's start code, then 14-bit sizes.
  if (chunk === 'VP8 ' && b(23) === 0x9d && b(24) === 0x01 && b(25) === 0x2a) {
    return { width: (b(26) | (b(27) << 8)) & 0x3fff, height: (b(28) | (b(29) << 8)) & 0x3fff };
  }
  // Lossless: a signature byte, then 14-bit sizes less one.
  if (chunk === 'VP8L' && b(20) === 0x2f) {
    const bits = b(21) | (b(22) << 8) | (b(23) << 16) | (b(24) << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  return undefined;
}

// Plain JavaScript evaluated by the worker (no TypeScript loader needed): libwebp's Emscripten module, given its
// wasm bytes (its own loader would fetch them, which Node.js cannot do for a file), decodes to RGBA; the reply is
// the PPM, its buffer handed over rather than copied. A file libwebp refuses is answered (the request's fault) and
// the worker goes on; a thrown failure (the decoder not loading, or aborting at its memory limit) is the server's,
// and the worker stops, since an aborted WebAssembly module is not used again: the next image starts a fresh one.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const ready = import(workerData.glue).then((m) =>
  m.default({ noInitialRun: true, wasmBinary: readFileSync(workerData.wasm) }),
);
parentPort.on('message', async ({ id, bytes }) => {
  try {
    const image = (await ready).decode(bytes);
    if (!image) {
      parentPort.postMessage({ id, error: 'could not be decoded (corrupt, cut short, or animated)' });
      return;
    }
    const { width, height, data } = image;
    const header = Buffer.from('P6\\n' + width + ' ' + height + '\\n255\\n', 'latin1');
    const ppm = new Uint8Array(header.length + width * height * 3);
    ppm.set(header);
    for (let i = 0, o = header.length; i < width * height; i++, o += 3) {
      ppm[o] = data[i * 4];
      ppm[o + 1] = data[i * 4 + 1];
      ppm[o + 2] = data[i * 4 + 2];
    }
    parentPort.postMessage({ id, ppm }, [ppm.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, failure: String((e && e.message) || e) });
    process.exit(1);
  }
});
`;

/** A decoded image this big (about 10 megapixels) leaves the worker's memory grown by several times it. */
const LARGE_IMAGE_BYTES = 32 * 1024 * 1024;

type Pending = { resolve: (ppm: Uint8Array) => void; reject: (e: Error) => void };

let worker: { thread: Worker; pending: Map<number, Pending> } | undefined;
let nextId = 0;

function startWorker(): NonNullable<typeof worker> {
  const require = createRequire(import.meta.url);
  const codec = require.resolve('@jsquash/webp/codec/dec/webp_dec.js');
  const thread = new Worker(WORKER_SOURCE, {
    eval: true,
    // Plain JavaScript: none of this process's loaders (tsx, from source) are needed there.
    execArgv: [],
    workerData: { glue: pathToFileURL(codec).href, wasm: codec.replace(/\.js$/, '.wasm') },
  });
  const started = { thread, pending: new Map<number, Pending>() };
  const failAll = (e: Error) => {
    if (worker === started) worker = undefined;
    for (const p of started.pending.values()) p.reject(e);
    started.pending.clear();
  };
  thread.on('message', (m: { id: number; ppm?: Uint8Array; error?: string; failure?: string }) => {
    const p = started.pending.get(m.id);
    started.pending.delete(m.id);
    if (started.pending.size === 0) {
      thread.unref();
      // WebAssembly memory only grows: after a large image the idle worker goes, and its memory with it.
      if ((m.ppm?.length ?? 0) > LARGE_IMAGE_BYTES) {
        if (worker === started) worker = undefined;
        void thread.terminate();
      }
    }
    if (m.ppm) p?.resolve(m.ppm);
    else if (m.error) p?.reject(new WebpError(m.error));
    else p?.reject(new Error(`the WebP decoder failed: ${m.failure}`));
  });
  thread.on('error', (e) => failAll(e));
  thread.on('exit', () => failAll(new Error('the WebP decoder stopped')));
  // An idle decoder does not keep the process alive (unref'd after the listeners, which would hold it again);
  // one decoding does.
  thread.unref();
  return started;
}

/** A WebP the decoder refused (corrupt, cut short, not a still image, or too large): the request's fault. Its
 * message is a predicate ("could not be decoded …") for the caller to put after the image's name. */
export class WebpError extends Error {}

/** A WebP file as a binary PPM of its RGB pixels (alpha dropped), decoded on the worker thread. */
export function webpToPpm(bytes: Uint8Array): Promise<Uint8Array> {
  const size = webpSize(bytes);
  if (size && size.width * size.height > MAX_WEBP_PIXELS) {
    return Promise.reject(
      new WebpError(
        `is ${size.width}×${size.height} pixels, more than the ${MAX_WEBP_PIXELS / 1e6} million this server decodes: send a smaller image`,
      ),
    );
  }
  worker ??= startWorker();
  const { thread, pending } = worker;
  const id = nextId++;
  return new Promise<Uint8Array>((resolve, reject) => {
    if (pending.size === 0) thread.ref();
    pending.set(id, { resolve, reject });
    thread.postMessage({ id, bytes });
  });
}
