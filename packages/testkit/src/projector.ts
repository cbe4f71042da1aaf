// A tiny vision projector (an "mmproj" GGUF) that llama.cpp's mtmd loads: LLaVA's layout, the smallest one mtmd
// has. A CLIP-style ViT whose patch embedding is a convolution, then the MLP projector (mm.0, GELU, mm.2) into
// the language model's embedding width. Its one ViT block is loaded but never run (LLaVA takes the features of
// the second-to-last block; `blocks` adds blocks that do run), so an image becomes (imageSize / patchSize)² embeddings that differ with its
// pixels. Weights are seeded random numbers, larger than a language model's N(0, 0.02) so that an image moves
// the model's answer.

import { bool, f32, f32Arr, str, u32 } from './gguf/values.ts';
import { type GgufTensor, type RowFiller, writeGguf } from './gguf/writer.ts';
import { deriveSeed, Rng } from './random.ts';

export interface ProjectorShape {
  /** The language model's embedding width (TINY's is 64): mtmd refuses a projector of another width. */
  textEmbedding: number;
  /** Width of the vision encoder. */
  embedding: number;
  /** Side of the square image the encoder takes, in pixels (images are padded and resized to it). */
  imageSize: number;
  patchSize: number;
  /** ViT blocks: LLaVA runs all but the last, so 1 (the default) runs none; more make encoding cost real time. */
  blocks: number;
  /** The type of the matrices (a benchmark's large projector is smaller as F16). */
  type: 'F32' | 'F16';
  seed: number;
}

export const TINY_PROJECTOR: ProjectorShape = {
  textEmbedding: 64,
  embedding: 32,
  imageSize: 56,
  patchSize: 14,
  blocks: 1,
  type: 'F32',
  seed: 7,
};

export interface ProjectorInfo {
  path: string;
  size: number;
  shape: ProjectorShape;
  /** Embeddings (tokens of the language model) one image becomes. */
  imageTokens: number;
}

/** N(0, sigma) rows from a stream seeded by (projector seed, tensor name). */
export function randomRows(seed: number, name: string, sigma: number): RowFiller {
  const rng = new Rng(deriveSeed(seed, name));
  return (_row, out) => rng.fillNormal(out, sigma);
}

/** Writes a projector GGUF for a language model of `textEmbedding` width. Missing fields come from TINY_PROJECTOR. */
export async function writeProjector(
  path: string,
  shape: Partial<ProjectorShape> = {},
): Promise<ProjectorInfo> {
  const s: ProjectorShape = { ...TINY_PROJECTOR, ...shape };
  if (s.imageSize % s.patchSize !== 0) throw new Error('imageSize must be a multiple of patchSize');
  const patches = (s.imageSize / s.patchSize) ** 2;
  const e = s.embedding;
  const ff = e * 2;
  const ones = (n: number) => new Float32Array(n).fill(1);
  const zeros = (n: number) => new Float32Array(n);
  const random = (name: string, dims: number[], sigma: number): GgufTensor => ({
    name,
    dims,
    type: s.type,
    data: randomRows(s.seed, name, sigma),
  });
  const block = (b: number): GgufTensor[] => [
    { name: `v.blk.${b}.ln1.weight`, dims: [e], type: 'F32', data: ones(e) },
    { name: `v.blk.${b}.ln1.bias`, dims: [e], type: 'F32', data: zeros(e) },
    random(`v.blk.${b}.attn_q.weight`, [e, e], 0.02),
    random(`v.blk.${b}.attn_k.weight`, [e, e], 0.02),
    random(`v.blk.${b}.attn_v.weight`, [e, e], 0.02),
    random(`v.blk.${b}.attn_out.weight`, [e, e], 0.02),
    { name: `v.blk.${b}.ln2.weight`, dims: [e], type: 'F32', data: ones(e) },
    { name: `v.blk.${b}.ln2.bias`, dims: [e], type: 'F32', data: zeros(e) },
    random(`v.blk.${b}.ffn_up.weight`, [e, ff], 0.02),
    random(`v.blk.${b}.ffn_down.weight`, [ff, e], 0.02),
  ];
  const tensors: GgufTensor[] = [
    // A convolution kernel [kw, kh, channels, out]: each patch of pixels becomes one embedding.
    random('v.patch_embd.weight', [s.patchSize, s.patchSize, 3, e], 0.2),
    random('v.position_embd.weight', [e, patches], 0.02),
    ...Array.from({ length: s.blocks }, (_, b) => block(b)).flat(),
    random('mm.0.weight', [e, s.textEmbedding], 0.5),
    { name: 'mm.0.bias', dims: [s.textEmbedding], type: 'F32', data: zeros(s.textEmbedding) },
    random('mm.2.weight', [s.textEmbedding, s.textEmbedding], 0.5),
    { name: 'mm.2.bias', dims: [s.textEmbedding], type: 'F32', data: zeros(s.textEmbedding) },
  ];
  const written = await writeGguf(path, {
    metadata: [
      ['general.architecture', str('clip')],
      ['general.name', str('ownchat-tiny-projector')],
      ['general.file_type', u32(s.type === 'F16' ? 1 : 0)],
      ['clip.has_vision_encoder', bool(true)],
      ['clip.projector_type', str('mlp')],
      ['clip.use_gelu', bool(true)],
      ['clip.vision.image_size', u32(s.imageSize)],
      ['clip.vision.patch_size', u32(s.patchSize)],
      ['clip.vision.embedding_length', u32(e)],
      ['clip.vision.feed_forward_length', u32(ff)],
      ['clip.vision.projection_dim', u32(s.textEmbedding)],
      ['clip.vision.block_count', u32(s.blocks)],
      ['clip.vision.attention.head_count', u32(Math.max(2, Math.floor(e / 64)))],
      ['clip.vision.attention.layer_norm_epsilon', f32(1e-6)],
      ['clip.vision.image_mean', f32Arr([0.5, 0.5, 0.5])],
      ['clip.vision.image_std', f32Arr([0.5, 0.5, 0.5])],
    ],
    tensors,
  });
  return { path, size: written.size, shape: s, imageTokens: patches };
}
