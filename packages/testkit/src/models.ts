// Generated llama-architecture models for tests and benchmarks. No weights can be downloaded on this machine,
// so we write our own GGUF files: random ones give real shapes and speeds, a deterministic one lets tests
// assert exact text through real llama.cpp inference.

import { f32, type GgufValue, i32Arr, str, u32 } from './gguf/values.ts';
import { type GgmlTypeName, type GgufTensor, type RowFiller, writeGguf } from './gguf/writer.ts';
import { MEMORY_ROPE_FREQ_BASE, MEMORY_VALUE, markerMemoryWeights } from './markerMemory.ts';
import { deriveSeed, Rng } from './random.ts';
import {
  buildVocabulary,
  COMMON_WORDS,
  SPACE_MARKER,
  type Vocabulary,
  vocabularyMetadata,
} from './tokenizer.ts';

export type WeightType = 'f32' | 'f16' | 'q8_0';

export interface ModelShape {
  /** n_embd, the residual width. */
  embedding: number;
  layers: number;
  heads: number;
  /** Grouped-query attention: key/value heads (divides `heads`). */
  headsKv: number;
  feedForward: number;
  vocab: number;
  contextLength: number;
  /** Type of the 2-D weights; norms are always f32, as in llama.cpp's own quantised files. */
  type: WeightType;
  seed: number;
  name: string;
  /**
   * `llama` (the default), or `qwen2vl`: Qwen2-VL's language model, llama's tensors with M-RoPE (rotary
   * sections for time, height and width), which a qwen2vl_merger projector (writeQwen2vlProjector) serves.
   */
  architecture?: 'llama' | 'qwen2vl';
}

export interface ModelInfo {
  path: string;
  /** File size in bytes. */
  size: number;
  shape: ModelShape;
}

export interface DeterministicModelInfo extends ModelInfo {
  /** The sentence every chat answer is. */
  sentence: string;
  /** The vocabulary pieces generated, in order (before the final `<|im_end|>`). */
  tokens: readonly string[];
  /** The text each of those tokens decodes to; joining the first n gives the answer cut at n tokens. */
  pieces: readonly string[];
}

/** A model small enough to load and decode in milliseconds: for tests that need a model, not its quality. */
export const TINY: ModelShape = {
  embedding: 64,
  layers: 2,
  heads: 4,
  headsKv: 4,
  feedForward: 128,
  vocab: 512,
  contextLength: 2048,
  type: 'f32',
  seed: 1,
  name: 'ownchat-tiny',
};

/**
 * Qwen2.5-0.5B's shape (minus its 151k vocabulary and qkv biases) in Q8_0, about 440 MB: realistic decode
 * speed for benchmarks. Write it at benchmark time; never commit it.
 */
export const QWEN_0_5B: ModelShape = {
  embedding: 896,
  layers: 24,
  heads: 14,
  headsKv: 2,
  feedForward: 4864,
  vocab: 32000,
  contextLength: 32768,
  type: 'q8_0',
  seed: 1,
  name: 'ownchat-qwen2.5-0.5b-shape',
};

export const DETERMINISTIC_ANSWER = 'The quick brown fox jumps over the lazy dog.';

/**
 * Splits a sentence into SPM pieces: the first word bare (after "assistant\n" a real model starts a word with
 * no space), later words with the space marker, trailing punctuation as its own single-character token. A
 * "word" is whatever lies between spaces, newlines included, so an answer can be multi-line markdown.
 */
export function sentenceTokens(sentence: string): string[] {
  const tokens: string[] = [];
  for (const [i, raw] of sentence.split(' ').entries()) {
    const match = /^(.*?)([.,!?;:]*)$/su.exec(raw)!;
    const word = match[1]!;
    if (word) tokens.push(i === 0 ? word : SPACE_MARKER + word);
    else if (i > 0) throw new Error(`sentence must not contain a word that is only punctuation: ${raw}`);
    for (const p of match[2]!) tokens.push(p);
  }
  return tokens;
}

export const DETERMINISTIC_TOKENS: readonly string[] = sentenceTokens(DETERMINISTIC_ANSWER);
/** e.g. `DETERMINISTIC_PIECES.slice(0, 3).join('')` is what num_predict: 3 returns: "The quick brown". */
export const DETERMINISTIC_PIECES: readonly string[] = DETERMINISTIC_TOKENS.map((t) =>
  t.replaceAll(SPACE_MARKER, ' '),
);

const GGML_TYPE_OF: Record<WeightType, GgmlTypeName> = { f32: 'F32', f16: 'F16', q8_0: 'Q8_0' };
/** llama.cpp `enum llama_ftype`: ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q8_0 = 7. */
const FILE_TYPE_OF: Record<WeightType, number> = { f32: 0, f16: 1, q8_0: 7 };

function checkShape(shape: ModelShape): void {
  const { embedding, heads, headsKv, feedForward, type } = shape;
  if (embedding % heads !== 0) throw new Error(`embedding ${embedding} is not a multiple of heads ${heads}`);
  if (heads % headsKv !== 0) throw new Error(`heads ${heads} is not a multiple of headsKv ${headsKv}`);
  // Q8_0 blocks run along ne0, which is n_embd for every weight but ffn_down (n_ff).
  if (type === 'q8_0' && (embedding % 32 !== 0 || feedForward % 32 !== 0)) {
    throw new Error('q8_0 needs embedding and feedForward divisible by 32');
  }
}

interface TensorSpec {
  name: string;
  dims: number[];
  /** Norm weights are 1-D and stay f32. */
  norm: boolean;
}

/** The tensors llama.cpp's llama architecture loads, in its order, dims in GGUF order ([n_in, n_out]). */
function llamaTensorSpecs(shape: ModelShape): TensorSpec[] {
  const { embedding: e, feedForward: ff, vocab, layers, heads, headsKv } = shape;
  const kv = (e / heads) * headsKv;
  const specs: TensorSpec[] = [{ name: 'token_embd.weight', dims: [e, vocab], norm: false }];
  for (let l = 0; l < layers; l++) {
    const blk = `blk.${l}.`;
    specs.push(
      { name: `${blk}attn_norm.weight`, dims: [e], norm: true },
      { name: `${blk}attn_q.weight`, dims: [e, e], norm: false },
      { name: `${blk}attn_k.weight`, dims: [e, kv], norm: false },
      { name: `${blk}attn_v.weight`, dims: [e, kv], norm: false },
      { name: `${blk}attn_output.weight`, dims: [e, e], norm: false },
      { name: `${blk}ffn_norm.weight`, dims: [e], norm: true },
      { name: `${blk}ffn_gate.weight`, dims: [e, ff], norm: false },
      { name: `${blk}ffn_up.weight`, dims: [e, ff], norm: false },
      { name: `${blk}ffn_down.weight`, dims: [ff, e], norm: false },
    );
  }
  specs.push(
    { name: 'output_norm.weight', dims: [e], norm: true },
    { name: 'output.weight', dims: [e, vocab], norm: false },
  );
  return specs;
}

/** RoPE's base frequency, llama's; a model that must attend by content alone, whatever the distance, raises it. */
const ROPE_FREQ_BASE = 10000;

function llamaMetadata(
  shape: ModelShape,
  vocab: Vocabulary,
  chatTemplate?: string,
  ropeFreqBase = ROPE_FREQ_BASE,
): Array<readonly [string, GgufValue]> {
  const arch = shape.architecture ?? 'llama';
  const headSize = shape.embedding / shape.heads;
  return [
    ['general.architecture', str(arch)],
    ['general.name', str(shape.name)],
    ['general.file_type', u32(FILE_TYPE_OF[shape.type])],
    [`${arch}.vocab_size`, u32(shape.vocab)],
    [`${arch}.context_length`, u32(shape.contextLength)],
    [`${arch}.embedding_length`, u32(shape.embedding)],
    [`${arch}.block_count`, u32(shape.layers)],
    [`${arch}.feed_forward_length`, u32(shape.feedForward)],
    [`${arch}.attention.head_count`, u32(shape.heads)],
    [`${arch}.attention.head_count_kv`, u32(shape.headsKv)],
    [`${arch}.rope.dimension_count`, u32(headSize)],
    [`${arch}.rope.freq_base`, f32(ropeFreqBase)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(1e-6)],
    ...(arch === 'qwen2vl' ? [[`${arch}.rope.dimension_sections`, mropeSections(headSize)] as const] : []),
    ...vocabularyMetadata(vocab, chatTemplate),
  ];
}

/**
 * M-RoPE's split of a head's rotary pairs (half its size) into time, height, width and an unused fourth
 * section, in Qwen2-VL's proportions ([16, 24, 24, 0] of 64 pairs).
 */
function mropeSections(headSize: number): GgufValue {
  const pairs = headSize / 2;
  const time = Math.floor(pairs / 4);
  const height = Math.floor((pairs - time) / 2);
  return i32Arr([time, height, pairs - time - height, 0]);
}

/** N(0, 0.02) rows from a stream seeded by (model seed, tensor name). */
function randomRows(seed: number, name: string, distinctRows?: number): RowFiller {
  const rng = new Rng(deriveSeed(seed, name));
  if (!distinctRows) return (_row, out) => rng.fillNormal(out, 0.02);
  const pool: Float32Array[] = [];
  return (row, out) => {
    const i = row % distinctRows;
    if (!pool[i]) {
      pool[i] = new Float32Array(out.length);
      rng.fillNormal(pool[i], 0.02);
    }
    out.set(pool[i]);
  };
}

async function writeLlama(
  path: string,
  shape: ModelShape,
  vocab: Vocabulary,
  dataFor: (spec: TensorSpec) => Float32Array | RowFiller,
  chatTemplate?: string,
  ropeFreqBase?: number,
): Promise<number> {
  const tensors: GgufTensor[] = llamaTensorSpecs(shape).map((spec) => ({
    name: spec.name,
    dims: spec.dims,
    type: spec.norm ? 'F32' : GGML_TYPE_OF[shape.type],
    data: dataFor(spec),
  }));
  const written = await writeGguf(path, {
    metadata: llamaMetadata(shape, vocab, chatTemplate, ropeFreqBase),
    tensors,
  });
  return written.size;
}

/** Norm weights of 1 leave RMS-normalised activations unscaled. */
const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

export interface RandomModelOptions {
  /**
   * Each tensor's rows repeat after this many: the same shape and the same speed (llama.cpp reads every byte
   * whatever they hold), written in a fraction of the time, for the multi-gigabyte shapes (scripts/gpu-check's 7B).
   */
  distinctRows?: number;
}

/**
 * Writes a llama-architecture model with N(0, 0.02) weights from a seeded PRNG (same shape and seed, same
 * bytes). Missing shape fields come from TINY.
 */
export async function writeRandomModel(
  path: string,
  shape: Partial<ModelShape> = {},
  options: RandomModelOptions = {},
): Promise<ModelInfo> {
  const full: ModelShape = { ...TINY, ...shape };
  checkShape(full);
  // Qwen2-VL's vocabulary has the tags mtmd puts around an image: one token each, as in the real model.
  const special = full.architecture === 'qwen2vl' ? ['<|vision_start|>', '<|vision_end|>'] : [];
  const vocab = buildVocabulary({ size: full.vocab, special });
  const size = await writeLlama(path, full, vocab, (spec) =>
    spec.norm ? ones(spec.dims[0]!) : randomRows(full.seed, spec.name, options.distinctRows),
  );
  return { path, size, shape: full };
}

export interface DeterministicModelOptions {
  /** Defaults to DETERMINISTIC_ANSWER. Its tokens must all differ (the next token depends on the current one). */
  sentence?: string;
  /** Shape overrides; defaults are TINY with one layer (layers add nothing here but time). */
  shape?: Partial<ModelShape>;
  /**
   * More answers, each starting after a given prompt token instead of "\n" (the next token depends on the
   * token just read): a prompt that ends with that token gets that sentence. All chain tokens, across
   * sentences and starts, must differ.
   */
  continuations?: { after: string; sentence: string }[];
  /**
   * The answer as exact vocabulary pieces instead of `sentence` (SPM spelling, `▁` for a space), for answers
   * that hold special tokens: a piece listed in `special` is a control token, the rest are words.
   */
  tokens?: string[];
  /** Control tokens the vocabulary gets (a family's tags: `<|channel|>`, `<|return|>`, …). */
  special?: string[];
  /** The prompt token the answer follows; defaults to `<0x0A>`, the end of ChatML's "<|im_start|>assistant\n". */
  after?: string;
  /**
   * Words that must be one token in prompts (the first of them merge before any other word), like
   * "assistant" where a template's generation prompt ends with `<|start|>assistant`.
   */
  promptWords?: string[];
  /** The GGUF's tokenizer.chat_template (Jinja); defaults to ChatML's. */
  chatTemplate?: string;
  /**
   * A second answer, given instead of the first (after the same `after` token) where the prompt holds `marker`
   * anywhere before: the model's one memory beyond the token it just read (see markerMemory.ts), e.g. a final
   * answer once a tool result's `<tool_response>` is in the prompt. The marker is one token: one of `special`,
   * or a word the vocabulary gets (merged before every other word). The answer's tokens must differ from every
   * chain token. Prompts should be a few dozen tokens or more: in the answer, the marker still adds
   * (markers / tokens so far) to the memory, a nudge toward the marked answer's first token that a prompt of
   * only a handful of tokens would make large.
   */
  afterMarker?: { marker: string; sentence?: string; tokens?: string[] };
}

/**
 * The logit the expected next token gets; every other token gets 0. At temperature T the chance of leaving
 * the sentence is below vocab * exp(-LOGIT / T), about 1e-19 at T = 10, so sampling is deterministic in
 * practice, with or without a seed, and repeat penalties (which divide a positive logit by ~1.1) cannot
 * change the winner.
 */
const NEXT_TOKEN_LOGIT = 500;

/**
 * Writes a tiny model that answers every chat with `sentence` and then `<|im_end|>`, through real inference:
 *
 * - attn_output and ffn_down are zero, so no layer adds anything to the residual stream: the final hidden
 *   state at a position is just the RMS-normalised embedding of the token there, and the next token depends
 *   on the current token alone (hence the sentence's tokens must be distinct). With `afterMarker`, one
 *   attention head adds one more dimension, the memory (markerMemory.ts).
 * - The chain's tokens (`<0x0A>`, the last token of the ChatML generation prompt "<|im_start|>assistant\n",
 *   then the sentence's tokens) get one-hot embeddings: exactly orthogonal. Other tokens' embeddings are random
 *   but zero on those dimensions, so they give no chain token any logit.
 * - output.weight's row for each chain token's successor is a multiple of that token's embedding, so the
 *   normalised one-hot (value ~sqrt(n_embd)) produces NEXT_TOKEN_LOGIT for the successor and 0 for the rest.
 */
export async function writeDeterministicModel(
  path: string,
  options: DeterministicModelOptions = {},
): Promise<DeterministicModelInfo> {
  const sentence = options.sentence ?? DETERMINISTIC_ANSWER;
  const full: ModelShape = { ...TINY, layers: 1, name: 'ownchat-deterministic', ...options.shape };
  checkShape(full);
  const tokens = options.tokens ?? sentenceTokens(sentence);
  const more = (options.continuations ?? []).map((c) => ({
    after: c.after,
    tokens: sentenceTokens(c.sentence),
  }));
  const marked = options.afterMarker && {
    marker: options.afterMarker.marker,
    tokens: options.afterMarker.tokens ?? sentenceTokens(options.afterMarker.sentence ?? ''),
  };
  if (marked && marked.tokens.length === 0) throw new Error('afterMarker needs a sentence or tokens');
  const special = options.special ?? [];
  const allWords = [
    ...(marked ? [marked.marker] : []),
    ...(options.promptWords ?? []),
    ...tokens,
    ...more.flatMap((c) => [c.after, ...c.tokens]),
    ...(marked?.tokens ?? []),
  ].filter((w) => !special.includes(w));
  const vocab = buildVocabulary({ size: full.vocab, words: [...allWords, ...COMMON_WORDS], special });
  const after = options.after ?? '<0x0A>';
  const chains = [{ after, tokens }, ...more];
  // The marked answer follows `after` too, through the memory rather than a dimension of its own (below).
  const chainTokens = [...chains.flatMap((c) => [c.after, ...c.tokens]), ...(marked?.tokens ?? [])];
  const chain = chainTokens.map((t) => vocab.idOf(t));
  const successors = [...chains, ...(marked ? [{ tokens: marked.tokens.slice(1) }] : [])]
    .flatMap((c) => [...c.tokens, '<|im_end|>'])
    .map((t) => vocab.idOf(t));
  if (new Set(chain).size !== chain.length) {
    throw new Error(`the sentence's tokens must be distinct (and not "\\n"): ${JSON.stringify(chainTokens)}`);
  }
  if (marked && chainTokens.includes(marked.marker)) {
    throw new Error(`the marker ${JSON.stringify(marked.marker)} must not be a token of an answer`);
  }
  // With the memory, the two dimensions after the chain's hold the marker and the memory (markerMemory.ts).
  const reserved = chain.length + (marked ? 2 : 0);
  if (reserved > full.embedding) {
    throw new Error(
      `${reserved} chain tokens need an embedding of at least that width, got ${full.embedding}`,
    );
  }

  const e = full.embedding;
  const dimOf = new Map(chain.map((id, i) => [id, i]));
  const markerId = marked && vocab.idOf(marked.marker);
  const rng = new Rng(deriveSeed(full.seed, 'token_embd.weight'));
  const embedding = (row: number, out: Float32Array): void => {
    out.fill(0);
    const dim = row === markerId ? chain.length : dimOf.get(row);
    if (dim !== undefined) out[dim] = 1;
    else for (let i = reserved; i < e; i++) out[i] = rng.normal() * 0.02;
  };
  // RMSNorm turns the one-hot into sqrt(e) / sqrt(1 + e * eps) ~ sqrt(e) on its dimension.
  const scale = NEXT_TOKEN_LOGIT / Math.sqrt(e);
  // A token may follow several chain tokens (every sentence ends with <|im_end|>): its row adds them all.
  const nextRows = new Map<number, number[]>();
  successors.forEach((id, i) => {
    nextRows.set(id, [...(nextRows.get(id) ?? []), i]);
  });
  const markedFirst = marked && vocab.idOf(marked.tokens[0]!);
  const memoryDim = chain.length + 1;
  const output = (row: number, out: Float32Array): void => {
    out.fill(0);
    for (const i of nextRows.get(row) ?? []) out[i] = scale; // dim i holds chain[i], the token this one follows
    // Where the memory is MEMORY_VALUE, `after` and the memory each normalise to sqrt(e / 2): the first
    // answer's first token gets NEXT_TOKEN_LOGIT / sqrt(2), the marked answer's twice that.
    if (row === markedFirst) out[memoryDim] = (2 * scale) / MEMORY_VALUE;
  };
  const memory = marked
    ? markerMemoryWeights({
        afterDim: dimOf.get(vocab.idOf(after))!,
        markerDim: chain.length,
        memoryDim,
        embedding: e,
        heads: full.heads,
      })
    : new Map<string, RowFiller>();

  const size = await writeLlama(
    path,
    full,
    vocab,
    (spec) => {
      if (spec.norm) return ones(spec.dims[0]!);
      if (spec.name === 'token_embd.weight') return embedding;
      if (spec.name === 'output.weight') return output;
      const memoryWeights = memory.get(spec.name);
      if (memoryWeights) return memoryWeights;
      if (spec.name.endsWith('attn_output.weight') || spec.name.endsWith('ffn_down.weight')) {
        return new Float32Array(spec.dims[0]! * spec.dims[1]!);
      }
      return randomRows(full.seed, spec.name);
    },
    options.chatTemplate,
    marked ? MEMORY_ROPE_FREQ_BASE : undefined,
  );
  return {
    path,
    size,
    shape: full,
    sentence: options.tokens ? tokens.join('').replaceAll(SPACE_MARKER, ' ') : sentence,
    tokens,
    pieces: tokens.map((t) => t.replaceAll(SPACE_MARKER, ' ')),
  };
}
