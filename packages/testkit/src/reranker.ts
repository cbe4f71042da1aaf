// A deterministic reranker GGUF: a two-layer BERT cross-encoder (rank pooling, a cls.output head, as converted
// bge-reranker / jina-reranker files are) whose score for a (query, document) pair depends on whether a word of
// the query appears in the document, through real llama.cpp inference. node-llama-cpp's ranking context needs
// what it has: a `cls.output.weight` tensor and an end token; it evaluates <s> query </s> document </s>.
//
// Only a declared list of words (RERANKER_WORDS) are "words" to the model; every other token is filler. The
// forward pass (width E, one head as wide, ± pairs keep every vector at mean zero so LayerNorm only rescales):
// - Embeddings: every token has a constant pair; <s> adds its marker pair; word w adds its own identity pair.
// - Layer 1 (duplicate counting): every token attends, with one large score, to <s> and to the copies of its own
//   word (itself included); nothing else scores. Only <s> has a value (its marker → the "shared" pair), so a word
//   present k times gets 1 / (1 + k) there: 1/2 alone, 1/3 when query and document both hold it.
// - Layer 2 (pooling into <s>): <s>'s query meets keys that grow as the "shared" value falls (k ≥ 2 scores far
//   above k = 1, filler far below), so <s> copies the value of the most repeated word: a "match" pair.
// - Rank pooling reads <s>; cls.output maps the match pair to a logit; node-llama-cpp answers its sigmoid.
// The score therefore depends on the most repeated word's count alone: testRerankerScore(count) replays the
// same arithmetic in float64 on a canonical sequence. With query and document each free of repeated words,
// count 1 means no query word in the document, 2 means one (or more) shared, 3 a query word twice in the document.
import { bool, f32, type GgufValue, str, strArr, u32 } from './gguf/values.ts';
import { type GgufTensor, writeGguf } from './gguf/writer.ts';
import { buildVocabulary, COMMON_WORDS, SPACE_MARKER, TOKEN_ID, vocabularyMetadata } from './tokenizer.ts';

/** The words the model knows (each spelled bare and after a space); at most (E / 2 - 4). */
export const RERANKER_WORDS: readonly string[] = [
  'fox',
  'dog',
  'cat',
  'bird',
  'fish',
  'tree',
  'river',
  'stone',
  'cloud',
  'apple',
  'bread',
  'music',
];

const E = 32;
const CONTEXT = 512;
const FEED_FORWARD = 32;
const EPS = 1e-12;
/** Pairs of dimensions (2p, 2p + 1) hold (+v, -v). */
const P = { constant: 0, bos: 1, shared: 2, match: 3, firstWord: 4 } as const;
/** Layer 1's score for <s> and for a copy of the token's word, after the 1/sqrt(E) scale. */
const COPY_LOGIT = 40;
/** Layer 2: key = TAU * constant - shared, positive for words present twice or more, negative otherwise. */
const TAU = 0.42;
const POOL_SCALE = 300;
const MATCH_GAIN = 4;
const SLOPE = 2.5;
const BIAS = -0.2;
/** llama.cpp `enum llama_pooling_type`: RANK = 4. */
const POOLING_RANK = 4;

type Matrix = number[][]; // [out][in]
const zeros = (rows: number, cols: number): Matrix =>
  Array.from({ length: rows }, () => new Array(cols).fill(0));
/** Writes v into pair p of an E-vector (or a matrix row's column pair). */
const plus = (p: number) => 2 * p;
const minus = (p: number) => 2 * p + 1;

/** The weights, in float64: the GGUF gets them as f32, testRerankerScore computes with them. */
function weights() {
  const sWord = Math.sqrt(E / 4); // a LayerNorm'd token with two pairs has ±sWord on each
  const a = Math.sqrt(COPY_LOGIT * Math.sqrt(E));
  const q1 = zeros(E, E);
  const k1 = zeros(E, E);
  q1[0]![plus(P.constant)] = a / sWord; // every token asks for <s> …
  k1[0]![plus(P.bos)] = a / sWord; // … which answers
  for (let w = 0; w < RERANKER_WORDS.length; w++) {
    const d = plus(P.firstWord + w);
    q1[d]![d] = a / sWord; // and for its own word, which its copies answer
    k1[d]![d] = a / sWord;
  }
  const v1 = zeros(E, E);
  v1[plus(P.shared)]![plus(P.bos)] = 1 / sWord;
  v1[minus(P.shared)]![minus(P.bos)] = 1 / sWord;
  const o1 = zeros(E, E);
  o1[plus(P.shared)]![plus(P.shared)] = sWord;
  o1[minus(P.shared)]![minus(P.shared)] = sWord;

  const q2 = zeros(E, E);
  q2[0]![plus(P.bos)] = POOL_SCALE; // only <s> asks
  const k2 = zeros(E, E);
  k2[0]![plus(P.constant)] = TAU;
  k2[0]![plus(P.shared)] = -1;
  const v2 = zeros(E, E);
  v2[plus(P.match)]![plus(P.constant)] = TAU;
  v2[plus(P.match)]![plus(P.shared)] = -1;
  v2[minus(P.match)]![plus(P.constant)] = -TAU;
  v2[minus(P.match)]![plus(P.shared)] = 1;
  const o2 = zeros(E, E);
  o2[plus(P.match)]![plus(P.match)] = MATCH_GAIN;
  o2[minus(P.match)]![minus(P.match)] = MATCH_GAIN;

  const cls = zeros(1, E);
  cls[0]![plus(P.match)] = SLOPE / 2;
  cls[0]![minus(P.match)] = -SLOPE / 2;
  return {
    layers: [
      { q: q1, k: k1, v: v1, o: o1 },
      { q: q2, k: k2, v: v2, o: o2 },
    ],
    cls,
  };
}

type Kind = { bos: true } | { word: number } | { filler: true };

function embed(kind: Kind): number[] {
  const x = new Array(E).fill(0);
  const pair = (p: number) => {
    x[plus(p)] = 1;
    x[minus(p)] = -1;
  };
  pair(P.constant);
  if ('bos' in kind) pair(P.bos);
  if ('word' in kind) pair(P.firstWord + kind.word);
  return x;
}

// --- the reference forward pass (float64), as llama.cpp's BERT graph computes it -----------------------------

const layerNorm = (x: number[]): number[] => {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
  return x.map((v) => (v - mean) / Math.sqrt(variance + EPS));
};
const apply = (m: Matrix, x: number[]): number[] => m.map((row) => row.reduce((s, w, i) => s + w * x[i]!, 0));
const add = (x: number[], y: number[]): number[] => x.map((v, i) => v + y[i]!);

function attention(
  layer: { q: Matrix; k: Matrix; v: Matrix; o: Matrix },
  xs: number[][],
  row: number,
): number[] {
  const q = apply(layer.q, xs[row]!);
  const scores = xs.map((x) => apply(layer.k, x).reduce((s, k, i) => s + k * q[i]!, 0) / Math.sqrt(E));
  const top = Math.max(...scores);
  const weights = scores.map((s) => Math.exp(s - top));
  const total = weights.reduce((s, w) => s + w, 0);
  const out = new Array(E).fill(0);
  xs.forEach((x, j) => {
    const v = apply(layer.v, x);
    for (let i = 0; i < E; i++) out[i] += (weights[j]! / total) * v[i]!;
  });
  return apply(layer.o, out);
}

/** <s>'s final state → the ranking score, for a sequence of token kinds starting with <s>. */
function referenceScore(kinds: Kind[]): number {
  const w = weights();
  // The feed-forward blocks are zero: each layer is LN(x + attention), then LN again (idempotent up to eps).
  let xs = kinds.map((k) => layerNorm(embed(k)));
  xs = xs.map((x, row) => layerNorm(layerNorm(add(x, attention(w.layers[0]!, xs, row)))));
  const bos = layerNorm(layerNorm(add(xs[0]!, attention(w.layers[1]!, xs, 0))));
  const logit = apply(w.cls, bos)[0]! + BIAS;
  return 1 / (1 + Math.exp(-logit));
}

/**
 * The score for a pair whose most repeated known word occurs `count` times in query and document together
 * (1: no query word in the document; 2: a shared word; 3: a query word twice in the document). About 0.13,
 * 0.89 and 0.98 for 1, 2 and 3.
 */
export function testRerankerScore(count: number): number {
  const kinds: Kind[] = [
    { bos: true },
    { filler: true },
    ...Array.from({ length: count }, () => ({ word: 0 })),
  ];
  return referenceScore(kinds);
}

export interface TestRerankerInfo {
  path: string;
  size: number;
}

/** Writes the deterministic reranker (about 0.1 MB). */
export async function writeTestReranker(path: string): Promise<TestRerankerInfo> {
  const spellings = RERANKER_WORDS.map((w) => [w, SPACE_MARKER + w]);
  const vocab = buildVocabulary({ size: 1024, words: [...spellings.flat(), ...COMMON_WORDS] });
  const wordOf = new Map<number, number>();
  spellings.forEach((spelled, w) => {
    for (const s of spelled) wordOf.set(vocab.idOf(s), w);
  });
  const w = weights();
  const f32Tensor = (name: string, dims: number[], data: ArrayLike<number>): GgufTensor => ({
    name,
    dims,
    type: 'F32',
    data: Float32Array.from(data),
  });
  const matrix = (name: string, m: Matrix) => f32Tensor(name, [m[0]!.length, m.length], m.flat());
  const filled = (n: number, v: number) => new Array(n).fill(v);

  const tokenEmbedding = (row: number, out: Float32Array): void => {
    const word = wordOf.get(row);
    const kind: Kind =
      row === TOKEN_ID.bos ? { bos: true } : word === undefined ? { filler: true } : { word };
    out.set(embed(kind));
  };
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [E, vocab.tokens.length], type: 'F32', data: tokenEmbedding },
    f32Tensor('position_embd.weight', [E, CONTEXT], filled(E * CONTEXT, 0)),
    f32Tensor('token_embd_norm.weight', [E], filled(E, 1)),
    f32Tensor('token_embd_norm.bias', [E], filled(E, 0)),
  ];
  w.layers.forEach((layer, l) => {
    const blk = `blk.${l}.`;
    tensors.push(
      matrix(`${blk}attn_q.weight`, layer.q),
      matrix(`${blk}attn_k.weight`, layer.k),
      matrix(`${blk}attn_v.weight`, layer.v),
      matrix(`${blk}attn_output.weight`, layer.o),
      f32Tensor(`${blk}attn_output_norm.weight`, [E], filled(E, 1)),
      f32Tensor(`${blk}attn_output_norm.bias`, [E], filled(E, 0)),
      f32Tensor(`${blk}ffn_up.weight`, [E, FEED_FORWARD], filled(E * FEED_FORWARD, 0)),
      f32Tensor(`${blk}ffn_down.weight`, [FEED_FORWARD, E], filled(E * FEED_FORWARD, 0)),
      f32Tensor(`${blk}layer_output_norm.weight`, [E], filled(E, 1)),
      f32Tensor(`${blk}layer_output_norm.bias`, [E], filled(E, 0)),
    );
  });
  tensors.push(matrix('cls.output.weight', w.cls), f32Tensor('cls.output.bias', [1], [BIAS]));
  const metadata: Array<readonly [string, GgufValue]> = [
    ['general.architecture', str('bert')],
    ['general.name', str('ownchat-test-reranker')],
    ['general.file_type', u32(0)],
    ['bert.context_length', u32(CONTEXT)],
    ['bert.embedding_length', u32(E)],
    ['bert.feed_forward_length', u32(FEED_FORWARD)],
    ['bert.block_count', u32(w.layers.length)],
    ['bert.attention.head_count', u32(1)],
    ['bert.attention.layer_norm_epsilon', f32(EPS)],
    ['bert.attention.causal', bool(false)],
    ['bert.pooling_type', u32(POOLING_RANK)],
    ['bert.classifier.output_labels', strArr(['relevant'])],
    ...vocabularyMetadata(vocab),
    ['tokenizer.ggml.token_type_count', u32(2)],
  ];
  const written = await writeGguf(path, { metadata, tensors });
  return { path, size: written.size };
}
