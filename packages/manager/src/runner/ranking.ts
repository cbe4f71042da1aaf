// Reranking in the runner: a reranker model's ranking context (rank pooling and a classifier head, as
// bge-reranker or jina-reranker GGUFs have), made on first use beside the generation context, as embedding.ts
// makes its embedding context.
import type { LlamaRankingContext } from 'node-llama-cpp';
import { contextPerSequence } from './contextOptions.ts';
import { type LoadedModel, RequestError } from './loadedModel.ts';

function rankingContext(l: LoadedModel): Promise<LlamaRankingContext> {
  const size = contextPerSequence(l.spec, l.model.trainContextSize);
  // A query and a document are evaluated in one batch (a cross-encoder attends both ways), so the batch is
  // as large as the context.
  l.ranking ??= l.model
    .createRankingContext({ contextSize: size, batchSize: size, threads: l.spec.threads })
    .catch((e: Error) => {
      l.ranking = undefined;
      // node-llama-cpp's own words ("Computing rankings is not supported for this model") say what is missing.
      throw new RequestError(`this model cannot rerank: ${e.message}`);
    });
  return l.ranking;
}

/** One relevance score in [0, 1] per document, in the documents' order. */
export async function rerank(
  l: LoadedModel,
  query: string,
  documents: string[],
): Promise<{ scores: number[]; promptTokens: number }> {
  const ctx = await rankingContext(l);
  let promptTokens = 0;
  for (const [index, document] of documents.entries()) {
    const length = ctx.calculateInputLength(query, document);
    // node-llama-cpp keeps one position of the context free.
    if (length >= ctx.contextSize) {
      throw new RequestError(
        `the query with document ${index} is ${length} tokens, more than the context holds (${ctx.contextSize - 1}): shorten the query or the document, or raise num_ctx`,
      );
    }
    promptTokens += length;
  }
  return { scores: await ctx.rankAll(query, documents), promptTokens };
}
