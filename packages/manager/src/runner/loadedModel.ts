// What a runner holds once its model is loaded, shared by generation, embedding and ranking.
import type {
  JinjaTemplateChatWrapper,
  Llama,
  LlamaCompletion,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaGrammar,
  LlamaModel,
  LlamaRankingContext,
} from 'node-llama-cpp';
import type { LoadSpec } from './protocol.ts';
import type { Vision } from './vision.ts';

export type Slot = {
  sequence: LlamaContextSequence;
  completion: LlamaCompletion;
  /** The draft model's sequence for this slot (LoadSpec.draftModelPath), which guesses for it. */
  draft?: LlamaContextSequence;
  busy: boolean;
  lastUsed: number;
};

export type LoadedModel = {
  llama: Llama;
  model: LlamaModel;
  spec: LoadSpec;
  context: LlamaContext;
  slots: Slot[];
  /** The GGUF's own chat template (Jinja), made at its first use; undefined when the file has none. */
  chatWrapper: () => JinjaTemplateChatWrapper | undefined;
  /** Made on the first embedding request: a model used only for chat never pays for it. */
  embedding?: Promise<LlamaEmbeddingContext>;
  /** Made on the first rerank request, as the embedding context is. */
  ranking?: Promise<LlamaRankingContext>;
  /** The projector that turns images into embeddings, for a model that has one (vision.ts). */
  vision?: Vision;
  /** Why a model with a projector takes no images here (the prebuilt engine has no mtmd). */
  visionUnavailable?: string;
  /** Grammars for `format` (json, or a schema's JSON), made once each. */
  grammars: Map<string, Promise<LlamaGrammar>>;
};

/** A failure caused by the request (answered 400), not by the runner. */
export class RequestError extends Error {}
