// The GGUF files a create request names (`files`, `draft_files`): each an uploaded blob and a valid GGUF, told
// apart as models and projectors by their content.
import { type GgufSummary, inspectGguf, isProjectorGguf } from '../engine/gguf.ts';
import { BadRequestError } from '../errors.ts';
import { parseDigest } from './blobs.ts';
import type { Layer } from './manifests.ts';
import { LAYER } from './mediaTypes.ts';
import type { ModelStore } from './modelStore.ts';

/** A GGUF named in a create request's `files` or `draft_files`, checked and read. */
export type CreateFile = { file: string; layer: Layer; gguf: GgufSummary };

/**
 * The GGUF blobs a request names (`field`: "files" or "draft_files"), each in the store and a valid GGUF, sorted
 * into models and projectors by their content, as Ollama's ggufLayersWithMediaType decides.
 */
export async function inspectFiles(
  store: ModelStore,
  files: Record<string, string>,
  field: string,
  progress: (status: string) => void,
): Promise<{ models: CreateFile[]; projectors: CreateFile[] }> {
  const entries = Object.entries(files);
  if (entries.some(([file]) => !file.toLowerCase().endsWith('.gguf'))) {
    throw new BadRequestError(
      `${field} must name GGUF files, like {"model.gguf": "sha256:…"} and, for images, {"mmproj.gguf": "sha256:…"} (split GGUFs and safetensors are not supported)`,
    );
  }
  const models: CreateFile[] = [];
  const projectors: CreateFile[] = [];
  for (const [file, digestText] of entries) {
    const digest = parseDigest(String(digestText));
    if (!(await store.blobs.has(digest))) {
      throw new BadRequestError(
        `blob ${digest} for ${file} is not in the store: upload it first with POST /api/blobs/${digest}`,
      );
    }
    progress('parsing GGUF');
    const gguf = await inspectGguf(store.blobs.path(digest), file);
    const size = await store.blobs.size(digest);
    if (isProjectorGguf(gguf.modelInfo)) {
      projectors.push({ file, layer: { mediaType: LAYER.projector, digest, size }, gguf });
    } else models.push({ file, layer: { mediaType: LAYER.model, digest, size }, gguf });
    progress(`using existing layer ${digest}`);
  }
  return { models, projectors };
}
