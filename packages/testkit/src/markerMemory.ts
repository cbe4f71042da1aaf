// The one memory a deterministic test model (models.ts) has beyond the token it just read: whether a marker
// token (qwen's `<tool_response>`, llama3.1's `ipython` header word, …) occurred anywhere earlier in the prompt.
// An agent loop's prompts all end with the same generation prompt; the memory is what lets the turn after a
// tool result end in a final answer instead of the same call again.
//
// One attention head of layer 0 does it, every other weight of the layer being zero:
// - Q is nonzero only at the token the answers follow (the generation prompt's last token), K only at the
//   marker, both on the head's slowest-rotating RoPE pair, with a RoPE base so high that the score does not
//   depend on the distance. With a marker in the prompt, that token's attention all goes to the marker(s)
//   (score MARKER_SCORE against 0); without one it is uniform over tokens whose V is zero: exactly nothing.
// - V is nonzero only at the marker, and attn_output writes it to a residual dimension no token uses, the
//   memory, which is 1 where the marker was seen and 0 where it was not.
// - Everywhere else Q is zero, so attention is uniform and the marker adds only (markers / tokens so far) to
//   the memory: a few thousandths in a real prompt, which cannot move a chain's next-token logit.
// models.ts gives the marked answer's first token an output row on the memory dimension that outweighs the
// first answer's first token when the memory is 1.
import type { RowFiller } from './gguf/writer.ts';

/** The dimensions the memory uses, and the model's attention shape. */
export interface MarkerMemoryLayout {
  /** The residual dimension that holds the (one-hot) token the answers follow. */
  afterDim: number;
  /** The residual dimension that holds the (one-hot) marker token. */
  markerDim: number;
  /** The residual dimension no token's embedding uses, that the head writes the memory to. */
  memoryDim: number;
  embedding: number;
  heads: number;
}

/** The marker's attention score against every other token's 0: e^40 outweighs any context's length. */
const MARKER_SCORE = 40;

/**
 * The RoPE base of a model with the memory. Its head's slowest pair turns by base^(-(d-2)/d) per position:
 * 1e9 and head size 16 give 1.3e-8 rad, so the marker's score is the same 10^5 tokens away as next door.
 */
export const MEMORY_ROPE_FREQ_BASE = 1e9;

/** What the memory holds where the marker was seen (RMSNorm then scales it like a one-hot token). */
export const MEMORY_VALUE = 1;

/**
 * The layer-0 attention weights that make the memory, by tensor name (`blk.0.attn_q.weight`, …): all zero but
 * the entries named above. The layer's input is RMS-normalised, so a one-hot token reads sqrt(n_embd).
 */
export function markerMemoryWeights(layout: MarkerMemoryLayout): Map<string, RowFiller> {
  const { afterDim, markerDim, memoryDim, embedding: e, heads } = layout;
  const headDim = e / heads;
  // Head 0's slowest RoPE pair is its last: (headDim - 2, headDim - 1), rotating together (llama's NORM mode).
  const slow = headDim - 2;
  // q·k / sqrt(headDim) = (qk * sqrt(e))^2 / sqrt(headDim) = MARKER_SCORE.
  const qk = Math.sqrt(MARKER_SCORE * Math.sqrt(headDim)) / Math.sqrt(e);
  const only =
    (at: number, from: number, value: number): RowFiller =>
    (row, out) => {
      out.fill(0);
      if (row === at) out[from] = value;
    };
  return new Map([
    ['blk.0.attn_q.weight', only(slow, afterDim, qk)],
    ['blk.0.attn_k.weight', only(slow, markerDim, qk)],
    // V = MEMORY_VALUE on head 0's first component at the marker; attn_output copies it to the memory.
    ['blk.0.attn_v.weight', only(0, markerDim, MEMORY_VALUE / Math.sqrt(e))],
    ['blk.0.attn_output.weight', only(memoryDim, 0, 1)],
  ]);
}
