// Embeddings in the runner, from an embedding context made on first use beside the generation context.
import type { LlamaEmbeddingContext } from 'node-llama-cpp';
import { contextPerSequence } from './contextOptions.ts';
import { type LoadedModel, RequestError } from './loadedModel.ts';

function contextSize(l: LoadedModel): number {
  return contextPerSequence(l.spec, l.model.trainContextSize);
}

function embeddingContext(l: LoadedModel): Promise<LlamaEmbeddingContext> {
  // An input is embedded in one batch, so the batch is as large as the context.
  l.embedding ??= l.model.createEmbeddingContext({
    contextSize: contextSize(l),
    batchSize: contextSize(l),
    threads: l.spec.threads,
  });
  return l.embedding;
}

/**
 * One vector per input. An input longer than the context is cut to fit when `truncate` is set (Ollama's
 * default), else refused.
 */
export async function embed(
  l: LoadedModel,
  inputs: string[],
  truncate: boolean,
): Promise<{ embeddings: number[][]; promptTokens: number }> {
  const ctx = await embeddingContext(l);
  // node-llama-cpp keeps one position of the context free.
  const limit = contextSize(l) - 1;
  const embeddings: number[][] = [];
  let promptTokens = 0;
  for (const text of inputs) {
    let tokens = l.model.tokenize(text);
    if (tokens.length > limit) {
      if (!truncate) {
        throw new RequestError(
          // Ollama's words first: clients match them.
          `the input length exceeds the context length (${tokens.length} tokens, the context holds ${limit}): shorten the input or leave truncate on`,
        );
      }
      tokens = tokens.slice(0, limit);
    }
    promptTokens += tokens.length;
    embeddings.push([...(await ctx.getEmbeddingFor(tokens)).vector]);
  }
  return { embeddings, promptTokens };
}
