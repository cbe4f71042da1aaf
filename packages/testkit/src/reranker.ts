// A deterministic reranker GGUF: a one-layer BERT cross-encoder (rank pooling, a cls.output head) whose score
// for a (query, document) pair is a known function of how many "relevant" word tokens the pair holds, through
// real llama.cpp inference. Real rerankers (bge-reranker, jina-reranker) are BERT-family files of this shape;
// node-llama-cpp's ranking context needs exactly what this has: a `cls.output.weight` tensor and an end token.
//
// The forward pass, step by step (n_embd E, one head of width E, ± pairs keep every vector at mean zero, so
// LayerNorm only rescales):
// - Embeddings: <s> is (1, -1) on dims 0-1, a relevant word (1, -1) on dims 2-3, every other token zero. Position
//   embeddings are zero. After the embedding LayerNorm both are ±s on their dims, s = sqrt(E / 2).
// - Attention (bidirectional): the query of <s> meets the keys of <s> and of every relevant token with the same
//   large score (ATTENTION_LOGIT), every other key with 0, so <s> averages its own value (zero) and the relevant
//   tokens' values (±1 on dims 4-5): with c relevant tokens that is m = c / (c + 1) on dims 4-5.
// - attn_output scales by s; the residual adds <s>'s own ±s on dims 0-1; LayerNorm divides by sqrt(1 + m²).
//   The feed-forward block is zero, and the last LayerNorm leaves the (already normalised) vector as it is.
// - Rank pooling takes the first token (<s>); cls.output reads dims 4-5: logit = SLOPE·m/sqrt(1+m²) + BIAS, and
//   node-llama-cpp answers sigmoid(logit).
import { bool, f32, type GgufValue, str, strArr, u32 } from './gguf/values.ts';
import { type GgufTensor, writeGguf } from './gguf/writer.ts';
import { buildVocabulary, COMMON_WORDS, SPACE_MARKER, TOKEN_ID, vocabularyMetadata } from './tokenizer.ts';

const E = 16;
const CONTEXT = 512;
const FEED_FORWARD = 32;
/** q·k / sqrt(E) for a relevant key: other keys (score 0) get e^-40 of its weight, nothing measurable. */
const ATTENTION_LOGIT = 40;
const SLOPE = 10;
const BIAS = -3;
/** llama.cpp `enum llama_pooling_type`: RANK = 4. */
const POOLING_RANK = 4;

export const RERANKER_RELEVANT_WORDS: readonly string[] = ['fox'];

export interface TestRerankerInfo {
  path: string;
  size: number;
  /** The words whose occurrences (in the query and the document together) raise the score. */
  relevant: readonly string[];
}

/**
 * The score the test reranker gives a (query, document) pair holding `count` relevant word tokens in all:
 * 0.047 for none, 0.813 for one, 0.928 for two, 0.953 for three, rising towards sigmoid(7) = 0.999.
 */
export function testRerankerScore(count: number): number {
  const m = count / (count + 1);
  const logit = (SLOPE * m) / Math.sqrt(1 + m * m) + BIAS;
  return 1 / (1 + Math.exp(-logit));
}

/** Writes the deterministic reranker; `relevant` words count whether they follow a space or start the text. */
export async function writeTestReranker(
  path: string,
  relevant: readonly string[] = RERANKER_RELEVANT_WORDS,
): Promise<TestRerankerInfo> {
  const spelled = relevant.flatMap((w) => [w, SPACE_MARKER + w]);
  const vocab = buildVocabulary({ size: 512, words: [...spelled, ...COMMON_WORDS] });
  const relevantIds = new Set(spelled.map((w) => vocab.idOf(w)));
  const s = Math.sqrt(E / 2);
  const a = Math.sqrt(ATTENTION_LOGIT * Math.sqrt(E));

  /** A weight of nOut rows of nIn values, zero but for the given (row, column, value) entries. */
  const weights = (name: string, nIn: number, nOut: number, entries: [number, number, number][]) => {
    const data = new Float32Array(nIn * nOut);
    for (const [row, col, v] of entries) data[row * nIn + col] = v;
    return tensor(name, [nIn, nOut], data);
  };
  const tensor = (name: string, dims: number[], data: Float32Array): GgufTensor => ({
    name,
    dims,
    type: 'F32',
    data,
  });
  const zeros = (n: number) => new Float32Array(n);
  const ones = (n: number) => new Float32Array(n).fill(1);
  const identity = Array.from({ length: E }, (_, i): [number, number, number] => [i, i, s]);

  const tokenEmbedding = (row: number, out: Float32Array): void => {
    out.fill(0);
    if (row === TOKEN_ID.bos) [out[0], out[1]] = [1, -1];
    else if (relevantIds.has(row)) [out[2], out[3]] = [1, -1];
  };
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [E, vocab.tokens.length], type: 'F32', data: tokenEmbedding },
    tensor('position_embd.weight', [E, CONTEXT], zeros(E * CONTEXT)),
    tensor('token_embd_norm.weight', [E], ones(E)),
    tensor('token_embd_norm.bias', [E], zeros(E)),
    // q of <s> = a on dim 0; k of <s> and of a relevant token = a on dim 0.
    weights('blk.0.attn_q.weight', E, E, [[0, 0, a / s]]),
    weights('blk.0.attn_k.weight', E, E, [
      [0, 0, a / s],
      [0, 2, a / s],
    ]),
    // v of a relevant token = (1, -1) on dims 4-5.
    weights('blk.0.attn_v.weight', E, E, [
      [4, 2, 1 / s],
      [5, 3, 1 / s],
    ]),
    weights('blk.0.attn_output.weight', E, E, identity),
    tensor('blk.0.attn_output_norm.weight', [E], ones(E)),
    tensor('blk.0.attn_output_norm.bias', [E], zeros(E)),
    tensor('blk.0.ffn_up.weight', [E, FEED_FORWARD], zeros(E * FEED_FORWARD)),
    tensor('blk.0.ffn_down.weight', [FEED_FORWARD, E], zeros(E * FEED_FORWARD)),
    tensor('blk.0.layer_output_norm.weight', [E], ones(E)),
    tensor('blk.0.layer_output_norm.bias', [E], zeros(E)),
    weights('cls.output.weight', E, 1, [
      [0, 4, SLOPE / (2 * s)],
      [0, 5, -SLOPE / (2 * s)],
    ]),
    tensor('cls.output.bias', [1], Float32Array.of(BIAS)),
  ];
  const metadata: Array<readonly [string, GgufValue]> = [
    ['general.architecture', str('bert')],
    ['general.name', str('ownchat-test-reranker')],
    ['general.file_type', u32(0)],
    ['bert.context_length', u32(CONTEXT)],
    ['bert.embedding_length', u32(E)],
    ['bert.feed_forward_length', u32(FEED_FORWARD)],
    ['bert.block_count', u32(1)],
    ['bert.attention.head_count', u32(1)],
    ['bert.attention.layer_norm_epsilon', f32(1e-12)],
    ['bert.attention.causal', bool(false)],
    ['bert.pooling_type', u32(POOLING_RANK)],
    ['bert.classifier.output_labels', strArr(['relevant'])],
    ...vocabularyMetadata(vocab),
    ['tokenizer.ggml.token_type_count', u32(2)],
  ];
  const written = await writeGguf(path, { metadata, tensors });
  return { path, size: written.size, relevant };
}
