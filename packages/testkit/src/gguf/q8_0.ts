// Q8_0 quantisation, byte-compatible with ggml's quantize_row_q8_0_ref: blocks of 32 values, each stored as
// an f16 scale d = max|x| / 127 followed by 32 int8 q = round(x / d). Matching the reference (f32 maths,
// multiply by the reciprocal, round half away from zero) keeps our files identical to what llama-quantize
// would produce from the same f32 weights.

import { f32ToF16Bits } from './f16.ts';

export const Q8_0_BLOCK = 32;
/** Bytes per block: 2 (f16 scale) + 32 (int8 values). */
export const Q8_0_BLOCK_BYTES = 34;

/** Quantise `src` (length a multiple of 32) into `dst` starting at `offset`; returns the offset after it. */
export function quantizeQ8_0(src: Float32Array, dst: Uint8Array, offset = 0): number {
  if (src.length % Q8_0_BLOCK !== 0)
    throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${src.length}`);
  let o = offset;
  for (let b = 0; b < src.length; b += Q8_0_BLOCK) {
    let amax = 0;
    // Branch-free (Math.max, Math.sign): on random weights every branch here would be a coin flip, and
    // mispredictions made this loop ~4x slower when writing the 0.5B model.
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(src[b + j]!));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const h = f32ToF16Bits(d);
    dst[o] = h & 0xff;
    dst[o + 1] = h >>> 8;
    o += 2;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const x = Math.fround(src[b + j]! * id);
      // C roundf (halves away from zero) without Math.round, which costs ~10 ns here (vs ~1 for `| 0`): |x| <=
      // 127, so x + 128.5 > 0 and truncating it is floor(x + 0.5) (exact in doubles: x is an f32). That rounds
      // negative halves up (-2.5 -> -2); the rare exact negative half is moved down to match roundf.
      let q = ((x + 128.5) | 0) - 128;
      if (q - x === 0.5 && x < 0) q--;
      dst[o++] = q & 0xff; // two's complement int8
    }
  }
  return o;
}
