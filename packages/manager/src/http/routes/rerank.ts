// Reranking, which Ollama lacks (its issue #3368): POST /api/rerank and /v1/rerank in the shape llama.cpp's
// server and Jina's API use, which RAG front ends (Open WebUI's "external" reranker, LibreChat) call:
// {model, query, documents, top_n, return_documents} → {model, object: "list", results: [{index,
// relevance_score, document?}] best first, usage}. Scores are node-llama-cpp's probabilities in [0, 1] (llama.cpp's
// server answers the raw logit; Jina and Cohere answer [0, 1], and Open WebUI's relevance threshold assumes it).
// Documents may be strings or Jina's {text} objects; return_documents answers them as {text}, as Jina does.
import type { FastifyInstance } from 'fastify';
import { rerankWith } from '../../answer/inference.ts';
import { requestedKeepAlive } from '../../answer/keepAlive.ts';
import type { ManagerContext } from '../../context.ts';
import { BadRequestError } from '../../errors.ts';
import { capabilitiesOf } from '../../model/capabilitiesOf.ts';
import { checkOptionLimits, checkOptions } from '../../model/options.ts';
import { clientGone } from '../clientGone.ts';
import {
  asBody,
  type Body,
  modelField,
  optionalBoolean,
  optionalInteger,
  optionalString,
} from '../validate.ts';

function query(body: Body): string {
  const q = optionalString(body, 'query');
  if (!q) throw new BadRequestError('query is required: the text to rank the documents against', 'query');
  return q;
}

/** Strings, or Jina's {"text": "..."} objects. */
function documents(body: Body): string[] {
  const v = body.documents;
  const what = 'documents must be a non-empty list of strings (or of {"text": "..."} objects)';
  if (!Array.isArray(v) || v.length === 0) throw new BadRequestError(what, 'documents');
  return v.map((d, i) => {
    if (typeof d === 'string') return d;
    const text = d && typeof d === 'object' ? (d as Record<string, unknown>).text : undefined;
    if (typeof text === 'string') return text;
    throw new BadRequestError(`${what}: document ${i} is ${JSON.stringify(d)}`, 'documents');
  });
}

function topN(body: Body, count: number): number {
  const n = optionalInteger(body, 'top_n');
  if (n === undefined) return count;
  if (n < 1) throw new BadRequestError(`top_n must be at least 1, not ${n}`, 'top_n');
  return n;
}

/** Registers the rerank route at `url`: /api/rerank beside Ollama's routes, /v1/rerank among OpenAI's (its errors). */
export function rerankRoute(app: FastifyInstance, ctx: ManagerContext, url: string): void {
  app.post(url, async (req, reply) => {
    const body = asBody(req.body);
    const name = modelField(body);
    const use = {
      query: query(body),
      documents: documents(body),
      options: checkOptionLimits(checkOptions(body.options), ctx.config),
      keepAliveMs: requestedKeepAlive(ctx, body.keep_alive),
    };
    const n = topN(body, use.documents.length);
    const withDocuments = optionalBoolean(body, 'return_documents') ?? false;
    const model = await ctx.store.resolve(name);
    if (!(await capabilitiesOf(model)).includes('rerank')) {
      throw new BadRequestError(
        `${JSON.stringify(name)} does not support rerank: it is not a reranker (a GGUF with a classifier head, such as bge-reranker-v2-m3 or jina-reranker); for similarity with an embedding model use /api/embed`,
        'model',
      );
    }
    const r = await rerankWith(ctx, { model, ...use }, clientGone(reply));
    const results = r.scores
      .map((relevance_score, index) => ({
        index,
        relevance_score,
        ...(withDocuments && { document: { text: use.documents[index] } }),
      }))
      // Best first; equal scores keep the documents' order.
      .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
      .slice(0, n);
    return {
      model: name,
      object: 'list',
      results,
      usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
    };
  });
}
