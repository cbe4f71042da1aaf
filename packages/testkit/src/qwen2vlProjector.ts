// A tiny Qwen2-VL projector (projector type `qwen2vl_merger`, or Qwen2.5-VL's `qwen2.5vl_merger`: RMS norms and
// windowed attention in the ViT) that llama.cpp's mtmd loads, for a language model
// of architecture `qwen2vl` (writeRandomModel with `architecture: 'qwen2vl'`): its images take M-RoPE positions.
// A ViT whose patch embedding is two convolutions (Qwen2-VL's two video frames; a still image goes through
// both), blocks with biased attention and M-RoPE over the patch grid, then the merger: each 2×2 square of
// patches becomes one embedding through an MLP (mm.0, GELU, mm.2) into the language model's width.
// Images keep their own size (rounded to 28 pixels, at least 8 embeddings): an image of w×h pixels becomes
// (w/28)·(h/28) embeddings that take max(w/28, h/28) positions (imageGrid says how many of each).

import { bool, f32, f32Arr, str, u32 } from './gguf/values.ts';
import { type GgufTensor, writeGguf } from './gguf/writer.ts';
import { type ProjectorShape, randomRows, TINY_PROJECTOR } from './projector.ts';

/** What mtmd makes of one image: embeddings (tokens), and the positions they take in the language model. */
export interface ImageGrid {
  width: number;
  height: number;
  tokens: number;
  positions: number;
}

export interface Qwen2vlProjectorInfo {
  path: string;
  size: number;
  shape: ProjectorShape;
  /** The grid an image of width×height pixels becomes (mtmd's resize, Qwen's "smart_resize"). */
  imageGrid(width: number, height: number): ImageGrid;
}

/** Qwen2-VL merges 2×2 patches into one embedding; mtmd keeps an image between 8 and 4096 of them. */
const MERGE = 2;
const MIN_TOKENS = 8;
const MAX_TOKENS = 4096;

/** mtmd's calc_size_preserved_ratio (tools/mtmd/mtmd-image.cpp) for Qwen2-VL's limits. */
function resized(width: number, height: number, patchSize: number): { width: number; height: number } {
  const align = patchSize * MERGE;
  const minPixels = MIN_TOKENS * align * align;
  const maxPixels = MAX_TOKENS * align * align;
  const round = (x: number) => Math.round(x / align) * align;
  let w = Math.max(align, round(width));
  let h = Math.max(align, round(height));
  if (w * h > maxPixels) {
    const beta = Math.sqrt((width * height) / maxPixels);
    w = Math.max(align, Math.floor(width / beta / align) * align);
    h = Math.max(align, Math.floor(height / beta / align) * align);
  } else if (w * h < minPixels) {
    const beta = Math.sqrt(minPixels / (width * height));
    w = Math.ceil((width * beta) / align) * align;
    h = Math.ceil((height * beta) / align) * align;
  }
  return { width: w, height: h };
}

/**
 * Writes a qwen2vl_merger projector GGUF (`version` 2.5: qwen2.5vl_merger). Missing fields come from
 * TINY_PROJECTOR (imageSize is only nominal).
 */
export async function writeQwen2vlProjector(
  path: string,
  shape: Partial<ProjectorShape> = {},
  version: '2' | '2.5' = '2',
): Promise<Qwen2vlProjectorInfo> {
  const s: ProjectorShape = { ...TINY_PROJECTOR, imageSize: 28 * 16, ...shape };
  const e = s.embedding;
  const ff = e * 2;
  // The merger's input: the 2×2 patches of one embedding, side by side.
  const merged = e * MERGE * MERGE;
  const ones = (n: number) => new Float32Array(n).fill(1);
  const zeros = (n: number) => new Float32Array(n);
  const random = (name: string, dims: number[], sigma: number, type = s.type): GgufTensor => ({
    name,
    dims,
    type,
    data: randomRows(s.seed, name, sigma),
  });
  const block = (b: number): GgufTensor[] => [
    { name: `v.blk.${b}.ln1.weight`, dims: [e], type: 'F32', data: ones(e) },
    { name: `v.blk.${b}.ln1.bias`, dims: [e], type: 'F32', data: zeros(e) },
    ...['q', 'k', 'v'].flatMap((x) => [
      random(`v.blk.${b}.attn_${x}.weight`, [e, e], 0.02),
      random(`v.blk.${b}.attn_${x}.bias`, [e], 0.02, 'F32'),
    ]),
    random(`v.blk.${b}.attn_out.weight`, [e, e], 0.02),
    { name: `v.blk.${b}.ln2.weight`, dims: [e], type: 'F32', data: ones(e) },
    { name: `v.blk.${b}.ln2.bias`, dims: [e], type: 'F32', data: zeros(e) },
    random(`v.blk.${b}.ffn_up.weight`, [e, ff], 0.02),
    random(`v.blk.${b}.ffn_down.weight`, [ff, e], 0.02),
  ];
  const tensors: GgufTensor[] = [
    // Two convolution kernels [kw, kh, channels, out] (Qwen2-VL's temporal patch of two frames).
    random('v.patch_embd.weight', [s.patchSize, s.patchSize, 3, e], 0.2),
    random('v.patch_embd.weight.1', [s.patchSize, s.patchSize, 3, e], 0.2),
    ...Array.from({ length: s.blocks }, (_, b) => block(b)).flat(),
    { name: 'v.post_ln.weight', dims: [e], type: 'F32', data: ones(e) },
    { name: 'v.post_ln.bias', dims: [e], type: 'F32', data: zeros(e) },
    random('mm.0.weight', [merged, merged], 0.5),
    { name: 'mm.0.bias', dims: [merged], type: 'F32', data: zeros(merged) },
    random('mm.2.weight', [merged, s.textEmbedding], 0.5),
    { name: 'mm.2.bias', dims: [s.textEmbedding], type: 'F32', data: zeros(s.textEmbedding) },
  ];
  const written = await writeGguf(path, {
    metadata: [
      ['general.architecture', str('clip')],
      ['general.name', str('ownchat-tiny-qwen2vl-projector')],
      ['general.file_type', u32(s.type === 'F16' ? 1 : 0)],
      ['clip.has_vision_encoder', bool(true)],
      ['clip.projector_type', str(version === '2.5' ? 'qwen2.5vl_merger' : 'qwen2vl_merger')],
      // Qwen2.5-VL: every second block attends to the whole image, the others within windows of 112 pixels.
      ...(version === '2.5' ? [['clip.vision.n_wa_pattern', u32(2)] as const] : []),
      ['clip.use_gelu', bool(true)],
      ['clip.vision.image_size', u32(s.imageSize)],
      ['clip.vision.patch_size', u32(s.patchSize)],
      ['clip.vision.embedding_length', u32(e)],
      ['clip.vision.feed_forward_length', u32(ff)],
      ['clip.vision.projection_dim', u32(s.textEmbedding)],
      ['clip.vision.block_count', u32(s.blocks)],
      ['clip.vision.attention.head_count', u32(2)],
      ['clip.vision.attention.layer_norm_epsilon', f32(1e-6)],
      ['clip.vision.image_mean', f32Arr([0.5, 0.5, 0.5])],
      ['clip.vision.image_std', f32Arr([0.5, 0.5, 0.5])],
    ],
    tensors,
  });
  const imageGrid = (width: number, height: number): ImageGrid => {
    const r = resized(width, height, s.patchSize);
    const nx = r.width / (s.patchSize * MERGE);
    const ny = r.height / (s.patchSize * MERGE);
    return { ...r, tokens: nx * ny, positions: Math.max(nx, ny) };
  };
  return { path, size: written.size, shape: s, imageGrid };
}
