// Positions for M-RoPE images (the Qwen2-VL family), where an image's embeddings take fewer positions than
// they are: mtmd gives all of an image's embeddings the time position of its start (and their height and
// width offsets beside it), and the text after it goes on max(rows, columns) positions later. node-llama-cpp
// counts one position per token (a token's position is its index in the sequence), which would leave a gap of
// (embeddings - positions) after each image.
//
// The choice (issue 23): the positions llama-server computes, exactly. Ollama serves these models through
// llama-server, and its own former Go engine (model/models/qwen25vl, PostTokenize) placed them the same way:
// the image at the position after <|vision_start|>, <|vision_end|> max(w, h) / merge positions later. Two
// cheaper ways were ruled out: keeping node-llama-cpp's count (the gap between an image and everything after
// it, the question and the answer included, grows by 240 positions for a 448×448 picture, 1000 or more for a
// large one: not what the model was trained on), and moving cells with llama_memory_seq_add (llama.cpp
// aborts on it for M-RoPE models: GGML_ASSERT n_pos_per_embd() == 1 in llama_kv_cache::seq_add).
//
// So token indexes and positions part after an image: a token's position is its index less what the images
// before it saved. node-llama-cpp still counts tokens (KV cells, which is what the context holds) and this
// module translates the calls of its native context that take positions (addToBatch, the native decode loop's
// start, and the removal and disposal of cells) for the sequences that hold such images. Nothing else is needed: a sequence with
// images never shifts its context (generation.ts ends the answer at the context's end instead), erasures
// always run to the sequence's end, and placeholder tokens never reach addToBatch (vision.ts evaluates images).
import type { LlamaContext } from 'node-llama-cpp';

/** An image in a sequence: token indexes [start, end) and the positions it saves (embeddings - positions). */
type ImageSpan = { start: number; end: number; saved: number };

type NativeContext = {
  addToBatch(sequenceId: number, firstTokenIndex: number, tokens: Uint32Array, logits: Uint32Array): unknown;
  removeTokenCellsFromSequence(sequenceId: number, start: number, end: number): boolean;
  disposeSequence(sequenceId: number): void;
  /** The native decode loop's start (AddonTokenRun.cpp): it places each next token one position further. */
  runTokens(sequenceId: number, firstTokenIndex: number, ...rest: unknown[]): unknown;
};

/** Each sequence's M-RoPE images, by context, installed on the context at its first such image. */
const tables = new WeakMap<object, Map<number, ImageSpan[]>>();

/** The position of the token at `index` of a sequence: its index less what earlier images saved. */
function positionOf(images: readonly ImageSpan[] | undefined, index: number): number {
  let position = index;
  for (const image of images ?? []) {
    if (image.end <= index) position -= image.saved;
    // Inside an image (never asked for: an image is evaluated, kept or erased whole): its start's position.
    else if (image.start < index) return positionOf(images, image.start);
  }
  return position;
}

/** The native context's calls that take positions, translated for the sequences that hold M-RoPE images. */
function install(native: NativeContext): Map<number, ImageSpan[]> {
  const table = new Map<number, ImageSpan[]>();
  const { addToBatch, removeTokenCellsFromSequence, disposeSequence, runTokens } = native;
  // The addon's methods are read-only on its prototype: the translations are the instance's own.
  const wrap = <K extends keyof NativeContext>(name: K, fn: NativeContext[K]) =>
    Object.defineProperty(native, name, { value: fn, configurable: true });
  wrap('addToBatch', function (this: NativeContext, sequenceId, firstTokenIndex, tokens, logits) {
    const position = positionOf(table.get(sequenceId), firstTokenIndex);
    return addToBatch.call(this, sequenceId, position, tokens, logits);
  });
  wrap('runTokens', function (this: NativeContext, sequenceId, firstTokenIndex, ...rest) {
    return runTokens.call(this, sequenceId, positionOf(table.get(sequenceId), firstTokenIndex), ...rest);
  });
  wrap('removeTokenCellsFromSequence', function (this: NativeContext, sequenceId, start, end) {
    const images = table.get(sequenceId);
    if (!images?.length) return removeTokenCellsFromSequence.call(this, sequenceId, start, end);
    // Removal runs to the sequence's end (above): the images left are those wholly before it. An image's cells
    // all hold the position of its start, so they go together.
    const from = start < 0 ? -1 : positionOf(images, start);
    const to = end < 0 ? -1 : positionOf(images, end);
    table.set(
      sequenceId,
      images.filter((image) => start >= 0 && image.end <= start),
    );
    return removeTokenCellsFromSequence.call(this, sequenceId, from, to);
  });
  wrap('disposeSequence', function (this: NativeContext, sequenceId) {
    table.delete(sequenceId);
    return disposeSequence.call(this, sequenceId);
  });
  return table;
}

/** The sequence positions of a context whose model uses M-RoPE (translation starts at the first image). */
export function mropePositions(context: LlamaContext) {
  const native = (context as unknown as { _ctx: NativeContext })._ctx;
  const table = () => {
    let t = tables.get(native);
    if (!t) {
      t = install(native);
      tables.set(native, t);
    }
    return t;
  };
  return {
    /** Where the token at `index` of the sequence is placed. */
    positionOf: (sequenceId: number, index: number) => positionOf(tables.get(native)?.get(sequenceId), index),
    /** Records an image just evaluated at token indexes [start, end), taking `positions` positions. */
    addImage(sequenceId: number, start: number, end: number, positions: number) {
      const t = table();
      t.set(sequenceId, [...(t.get(sequenceId) ?? []), { start, end, saved: end - start - positions }]);
    },
  };
}
