// The draft layer of a model (Ollama's `DRAFT <path>` Modelfile line, /api/create's `draft_files`): a smaller
// model of the same vocabulary, carried in its target's manifest as `application/vnd.ollama.image.draft`, that
// guesses for speculative decoding (runner/speculation.ts). Ollama's create.go checks the files as it checks a
// model's; it does not compare vocabularies, but a draft whose token ids mean other words than its target's can
// only guess wrong, and one with ids past the target's vocabulary would fail the decode, so that is a 400 here.
import { readGgufFileInfo } from 'node-llama-cpp';
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

type Vocabulary = { model: string; tokens: string[] };

async function vocabularyOf(file: string): Promise<Vocabulary> {
  await checkGgufBounds(file); // a pulled model has not been through create's checks
  const info = await readGgufFileInfo(file, { readTensorInfo: false, logWarnings: false });
  const tokenizer = (info.metadata as { tokenizer?: { ggml?: { model?: unknown; tokens?: unknown } } })
    .tokenizer?.ggml;
  return {
    model: String(tokenizer?.model ?? 'unknown'),
    tokens: Array.isArray(tokenizer?.tokens) ? tokenizer.tokens.map(String) : [],
  };
}

/**
 * llama.cpp's own test for a draft (common_speculative_are_compatible): the same tokenizer, vocabularies within
 * 128 tokens of each other in size, and the same text for every token id both have.
 */
async function checkSameVocabulary(modelPath: string, draftPath: string, draftFile: string): Promise<void> {
  const [target, draft] = await Promise.all([vocabularyOf(modelPath), vocabularyOf(draftPath)]);
  const refuse = (why: string) => {
    throw new BadRequestError(
      `the draft model ${draftFile} cannot guess for this model: ${why}. A draft must share its model's tokenizer (e.g. a smaller model of the same family)`,
    );
  };
  if (target.model !== draft.model) {
    refuse(`its tokenizer is ${JSON.stringify(draft.model)} and the model's ${JSON.stringify(target.model)}`);
  }
  if (Math.abs(target.tokens.length - draft.tokens.length) > 128) {
    refuse(`it has ${draft.tokens.length} tokens and the model ${target.tokens.length}`);
  }
  const n = Math.min(target.tokens.length, draft.tokens.length);
  for (let i = 0; i < n; i++) {
    if (target.tokens[i] !== draft.tokens[i]) {
      refuse(
        `token ${i} is ${JSON.stringify(draft.tokens[i])} in it and ${JSON.stringify(target.tokens[i])} in the model`,
      );
    }
  }
}
