// The draft layer of a model (Ollama's `DRAFT <path>` Modelfile line, /api/create's `draft_files`): a smaller
// model of the same vocabulary, carried in its target's manifest as `application/vnd.ollama.image.draft`, that
// guesses for speculative decoding (runner/speculation.ts). Ollama's create.go checks the files as it checks a
// model's; it does not compare vocabularies, which is a 400 here (engine/draftVocabulary.ts says why).
import { readGgufFileInfo } from 'node-llama-cpp';
import { DRAFT_VOCABULARY_HINT, vocabularyMismatch, vocabularyOf } from '../engine/draftVocabulary.ts';
import { checkGgufBounds } from '../engine/ggufBounds.ts';
import { BadRequestError } from '../errors.ts';
import { type CreateFile, inspectFiles } from './createFiles.ts';
import type { Layer } from './manifests.ts';
import { LAYER } from './mediaTypes.ts';
import type { ModelConfig, ModelStore } from './modelStore.ts';

/** Ollama's answer to draft_quantize without draft_files (server/create.go, also the CLI's flag check). */
export const DRAFT_QUANTIZE_WITHOUT_DRAFT = '--draft-quantize requires a DRAFT model';

/**
 * The checks made before the first progress line: draft_quantize needs draft files (Ollama's message), and this
 * server quantizes no model, so it cannot quantize a draft either.
 */
export function checkDraftRequest(draftFiles: Record<string, string> | undefined, quantize?: string): void {
  if (!quantize) return;
  if (!draftFiles || Object.keys(draftFiles).length === 0) {
    throw new BadRequestError(DRAFT_QUANTIZE_WITHOUT_DRAFT);
  }
  throw new BadRequestError(
    `draft_quantize ${JSON.stringify(quantize)} is not supported: this server does not quantize models; quantize the draft GGUF first (llama.cpp's llama-quantize) and leave draft_quantize out`,
  );
}

/** The draft layer from draft_files (one model GGUF), checked against the target model's file. */
export async function draftLayer(
  store: ModelStore,
  draftFiles: Record<string, string>,
  modelPath: string,
  progress: (status: string) => void,
): Promise<{ layer: Layer; draft: NonNullable<ModelConfig['draft']> }> {
  const { models, projectors } = await inspectFiles(store, draftFiles, 'draft_files', progress);
  if (models.length !== 1 || projectors.length > 0) {
    throw new BadRequestError(
      `draft_files must hold one model GGUF (the draft model), like {"draft.gguf": "sha256:…"}; these hold ${models.length} models and ${projectors.length} projectors`,
    );
  }
  const draft = models[0] as CreateFile;
  await checkSameVocabulary(modelPath, store.blobs.path(draft.layer.digest), draft.file);
  return {
    layer: { ...draft.layer, mediaType: LAYER.draft },
    draft: { model_format: 'gguf', architecture: draft.gguf.architecture },
  };
}

/** The draft must share the model's vocabulary (engine/draftVocabulary.ts). */
async function checkSameVocabulary(modelPath: string, draftPath: string, draftFile: string): Promise<void> {
  const read = async (file: string) => {
    await checkGgufBounds(file); // a pulled model has not been through create's checks
    return vocabularyOf(
      (await readGgufFileInfo(file, { readTensorInfo: false, logWarnings: false })).metadata,
    );
  };
  const why = vocabularyMismatch(await read(modelPath), await read(draftPath));
  if (why) {
    throw new BadRequestError(
      `the draft model ${draftFile} cannot guess for this model: ${why}. ${DRAFT_VOCABULARY_HINT}`,
    );
  }
}
