// Images in, for a model with a projector: llama.cpp's mtmd library through the bindings the engine patch adds
// to node-llama-cpp's addon (AddonMtmd, patches/node-llama-cpp+3.21.1.patch). node-llama-cpp 3.x knows only
// tokens, so an image enters a sequence beside it: mtmd tokenizes the rendered prompt with its images into text
// and image chunks; node-llama-cpp evaluates the text as always, and the addon evaluates each image's embeddings
// into the same sequence, under node-llama-cpp's own context lock (no other sequence's batch decodes meanwhile;
// the projector's encoding runs before, outside it).
// The sequence then records the image as placeholder tokens, one per embedding, derived from the image's SHA-256
// and outside the vocabulary: the next request with the same image at the same place shares that prefix and
// does not encode it again (a follow-up question about a picture), and a placeholder that ever reached the
// decoder as a token would be refused by llama.cpp, never read as text.
// An M-RoPE model's image (the Qwen2-VL family) takes fewer positions than embeddings: mropePositions.ts places
// it, and the text after it, where llama-server does.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { promptRoom } from './fitContext.ts';
import { type LoadedModel, RequestError } from './loadedModel.ts';
import { mropePositions } from './mropePositions.ts';
import { promptTokens } from './promptTokens.ts';
import type { GenerateInput } from './protocol.ts';
import { isWebp, WebpError, webpToPpm } from './webp.ts';

type Chunk =
  | { type: 'text'; tokens: Uint32Array }
  | { type: 'image'; tokenCount: number; positionCount: number; id: string };

/** The addon's AddonMtmd (llama/addon/AddonMtmd.cpp in the patch). */
type AddonMtmd = {
  init(): Promise<void>;
  tokenize(text: string, images: Uint8Array[]): Promise<{ handle: number; chunks: Chunk[] }>;
  encodeImageChunk(handle: number, index: number): Promise<void>;
  evalImageChunk(
    handle: number,
    index: number,
    context: unknown,
    nPast: number,
    sequenceId: number,
    batchSize: number,
  ): Promise<number>;
  freeChunks(handle: number): void;
  getInfo(): { mrope: boolean; marker: string };
  dispose(): void;
};

type Bindings = {
  AddonMtmd?: new (model: unknown, path: string, options: { useGpu: boolean; threads: number }) => AddonMtmd;
};

/**
 * The projector of a loaded model, ready to turn images into embeddings; `mrope`: its images take M-RoPE positions;
 * `memory`: what its load took (projectorMemory).
 */
export type Vision = {
  mtmd: AddonMtmd;
  marker: string;
  mrope: boolean;
  memory: { vram: number; ram: number };
};

/** Why images cannot be served by this runner (the prebuilt engine), said when a request brings one. */
export const NEEDS_ENGINE_BUILD =
  "images need the llama.cpp engine built at install (npm run build:engine, with cmake and a C++ compiler): node-llama-cpp's prebuilt binaries have no multimodal (mtmd) support";

/** Ollama's answer to images for a model without a projector (the manager refuses them before this). */
const NO_PROJECTOR = 'this model does not support images (it has no vision projector)';

/** Loads the projector beside the model, or says why it cannot be used. */
export async function loadProjector(
  model: LlamaModel,
  path: string,
  options: { useGpu: boolean; threads: number },
): Promise<Vision> {
  // node-llama-cpp keeps its addon and native model private; the patch's class is reached through them.
  const internals = model as unknown as { _llama: { _bindings: Bindings }; _model: unknown };
  const AddonMtmd = internals._llama._bindings.AddonMtmd;
  if (!AddonMtmd) throw new Error(NEEDS_ENGINE_BUILD);
  const mtmd = new AddonMtmd(internals._model, path, options);
  const gpuFree = () =>
    options.useGpu ? model.llama.getVramState().then((v) => v.free) : Promise.resolve(0);
  const [ramBefore, vramBefore] = [processMemory(), await gpuFree()];
  await mtmd.init();
  const memory = {
    vram: Math.max(0, vramBefore - (await gpuFree())),
    ram: Math.max(0, processMemory() - ramBefore),
  };
  const info = mtmd.getInfo();
  return { mtmd, marker: info.marker, mrope: info.mrope, memory };
}

/**
 * The runner's memory as the projector's load grows it: the address space it has mapped (Linux), else its
 * resident size. Not the resident size alone: mtmd reserves its compute buffer at load (sized for its largest
 * image), and the CPU backend's pages of it are touched only when an image is encoded, so the resident size
 * misses it (41 MiB more after loading testkit's Qwen2.5-VL projector, whose compute buffer is 429 MiB). The
 * mapped size counts it whole, and with it some reservation that may never be touched (158 MiB more for both
 * testkit projectors, released with the projector): the figure errs on the side of room.
 */
function processMemory(): number {
  try {
    const kib = /VmSize:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib) return Number(kib) * 1024;
  } catch {
    // Not Linux: the resident size is the best there is.
  }
  return process.memoryUsage.rss();
}

/**
 * Where one image lies in the prompt's tokens, which chunk of the tokenized prompt it is, and the positions it
 * takes (its tokens, or fewer with M-RoPE).
 */
type ImageSpan = { start: number; end: number; chunk: number; positions: number };

/** A prompt with its images: tokens (images as placeholders) and where each image lies. */
export type VisionPrompt = { tokens: Token[]; images: ImageSpan[]; handle: number };

/** An id past the vocabulary for each embedding of an image, the same for the same image (its SHA-256). */
function placeholders(model: LlamaModel, id: string, count: number): Token[] {
  const vocabulary = (model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: readonly unknown[] } } })
    .tokenizer?.ggml?.tokens?.length;
  const base = Math.max(vocabulary ?? 0, 1 << 20);
  const hash = Number.parseInt(id.slice(0, 7) || '0', 16);
  return new Array<Token>(count).fill((base + (Number.isNaN(hash) ? 0 : hash)) as Token);
}

/**
 * The prompt as text for mtmd, which tokenizes it again with its special tokens parsed: text as it came, or the
 * chat rendered by the model's template (its tokens written back as text, special ones included).
 */
function promptText(l: LoadedModel, input: GenerateInput): string {
  if (input.kind === 'text') return input.text;
  return l.model.detokenize(promptTokens(l, { ...input, prefixTokens: undefined }), true);
}

/**
 * Tokenizes a prompt (the image places marked with the marker) with its images, after any `context` tokens.
 * An image that is not one (corrupt, or another kind of file) is the request's fault: 400. A prompt with images
 * is not shortened to fit (cutting through an image would leave half of it): one too long is refused.
 */
export async function visionPrompt(l: LoadedModel, input: GenerateInput): Promise<VisionPrompt> {
  // The prebuilt engine is the server's shortcoming (500), a model without a projector the request's (400).
  if (l.visionUnavailable) throw new Error(l.visionUnavailable);
  if (!l.vision) throw new RequestError(NO_PROJECTOR);
  const images = await Promise.all(
    (input.images ?? []).map((b64, i) => readableImage(Buffer.from(b64, 'base64'), i)),
  );
  const prompt = await tokenizeWithImages(l, l.vision, promptText(l, input), images);
  const prefix = (input.prefixTokens ?? []) as Token[];
  if (prefix.length) {
    prompt.tokens = [...prefix, ...prompt.tokens];
    for (const s of prompt.images) [s.start, s.end] = [s.start + prefix.length, s.end + prefix.length];
  }
  const room = promptRoom(l);
  if (prompt.tokens.length > room) {
    l.vision.mtmd.freeChunks(prompt.handle);
    throw new RequestError(
      `the prompt with its images takes ${prompt.tokens.length} tokens, more than the ${room} this context has room for: raise num_ctx or send fewer images`,
    );
  }
  return prompt;
}

/** An image as stb_image (inside mtmd) can read it: a WebP decoded first (webp.ts), others as they are. */
async function readableImage(bytes: Uint8Array, index: number): Promise<Uint8Array> {
  if (!isWebp(bytes)) return bytes;
  return webpToPpm(bytes).catch((e: Error) => {
    throw e instanceof WebpError ? new RequestError(`image ${index + 1} (WebP) ${e.message}`) : e;
  });
}

async function tokenizeWithImages(
  l: LoadedModel,
  vision: Vision,
  text: string,
  images: Uint8Array[],
): Promise<VisionPrompt> {
  const { handle, chunks } = await vision.mtmd
    .tokenize(text, images)
    .catch((e: Error & { badImage?: number }) => {
      // The addon's own wording lists stb_image's formats; WebP is read too (decoded before, readableImage).
      if (e.badImage !== undefined) {
        throw new RequestError(
          `image ${e.badImage + 1} is not an image this server can read: send PNG, JPEG, WebP, GIF or BMP`,
        );
      }
      throw /image places/.test(e.message) ? new RequestError(e.message) : e;
    });
  const tokens: Token[] = [];
  const spans: ImageSpan[] = [];
  chunks.forEach((c, i) => {
    if (c.type === 'text') {
      for (const t of c.tokens) tokens.push(t as Token);
      return;
    }
    spans.push({
      start: tokens.length,
      end: tokens.length + c.tokenCount,
      chunk: i,
      positions: c.positionCount,
    });
    tokens.push(...placeholders(l.model, c.id, c.tokenCount));
  });
  // LlamaCompletion puts the BOS first itself: one the template wrote must not be doubled.
  const bos = l.model.tokens.bos;
  if (l.model.tokens.shouldPrependBosToken && bos != null && tokens[0] === bos) {
    tokens.shift();
    for (const s of spans) [s.start, s.end] = [s.start - 1, s.end - 1];
  }
  return { tokens, images: spans, handle };
}

/** node-llama-cpp's lock on a context's decoding, from the lifecycle-utils instance node-llama-cpp itself uses. */
let lockModule: Promise<{ withLock: <T>(scope: unknown[], fn: () => Promise<T>) => Promise<T> }> | undefined;
function contextLock() {
  lockModule ??= (async () => {
    const nodeLlamaCpp = createRequire(import.meta.url).resolve('node-llama-cpp');
    const path = createRequire(nodeLlamaCpp).resolve('lifecycle-utils');
    return import(pathToFileURL(path).href);
  })();
  return lockModule;
}

/** The sequence's private token record, which an image evaluated beside node-llama-cpp must extend. */
type SequenceInternals = { _contextTokens: Token[]; _nextTokenIndex: number; _sequenceId: number };

/**
 * Brings the sequence up to the end of the prompt's last image: what it already holds of the prompt is kept
 * (an image is kept whole or evaluated again whole), the text between images is evaluated by node-llama-cpp,
 * each image by mtmd. What follows the last image LlamaCompletion evaluates as usual. Returns the image
 * embeddings evaluated (0 when the sequence held them all).
 */
export async function evaluateImages(
  l: LoadedModel,
  vision: Vision,
  sequence: LlamaContextSequence,
  prompt: VisionPrompt,
): Promise<number> {
  const bos = l.model.tokens.shouldPrependBosToken ? l.model.tokens.bos : undefined;
  const offset = bos != null ? 1 : 0;
  const full = bos != null ? [bos, ...prompt.tokens] : prompt.tokens;
  const spans = prompt.images.map((s) => ({ ...s, start: s.start + offset, end: s.end + offset }));
  const lastEnd = spans.at(-1)?.end ?? 0;
  // What the sequence holds of the whole prompt (what follows the last image is LlamaCompletion's to compare).
  const held = Math.min(sequence.compareContextTokens(full).firstDifferentIndex, sequence.nextTokenIndex);
  if (held >= lastEnd) return 0;
  let at = spans.find((s) => held > s.start && held < s.end)?.start ?? held;
  if (at < sequence.nextTokenIndex) {
    await sequence.eraseContextTokenRanges([{ start: at, end: sequence.nextTokenIndex }]);
    at = sequence.nextTokenIndex;
  }
  const context: LlamaContext = sequence.context;
  const internals = sequence as unknown as SequenceInternals;
  const { withLock } = await contextLock();
  const positions = vision.mrope ? mropePositions(context) : undefined;
  const sequenceId = internals._sequenceId;
  let evaluated = 0;
  for (const span of spans) {
    if (span.end <= at) continue;
    // Encoding (the long part) runs outside the lock: other sequences go on decoding meanwhile.
    await vision.mtmd.encodeImageChunk(prompt.handle, span.chunk);
    if (span.start > at) await sequence.evaluateWithoutGeneratingNewTokens(full.slice(at, span.start));
    await withLock([context, 'context'], async () => {
      const ctx = (context as unknown as { _ctx: unknown })._ctx;
      const position = positions ? positions.positionOf(sequenceId, span.start) : span.start;
      const next = await vision.mtmd.evalImageChunk(
        prompt.handle,
        span.chunk,
        ctx,
        position,
        sequenceId,
        context.batchSize,
      );
      // mtmd says where the text after the image goes: where the positions above will put it.
      if (next !== position + span.positions) {
        throw new Error(
          `mtmd placed an image's text after it at ${next}, not at ${position + span.positions}`,
        );
      }
      positions?.addImage(sequenceId, span.start, span.end, span.positions);
      internals._contextTokens.push(...full.slice(span.start, span.end));
      internals._nextTokenIndex += span.end - span.start;
    });
    evaluated += span.end - span.start;
    at = span.end;
  }
  return evaluated;
}
