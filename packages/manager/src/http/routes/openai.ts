// The OpenAI-compatible API (/v1): requests are turned into Ollama's and answered by the same inference as
// /api/chat and /api/generate; answers are OpenAI's JSON or server-sent events, errors OpenAI's error bodies.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { embedWith } from '../../answer/inference.ts';
import { normalise } from '../../answer/normalise.ts';
import { type AnswerKind, type PreparedAnswer, prepareAnswer } from '../../answer/prepare.ts';
import type { ManagerContext } from '../../context.ts';
import { BadRequestError } from '../../errors.ts';
import { type AnswerShape, replyWithAnswer } from '../answerReply.ts';
import { clientGone } from '../clientGone.ts';
import { errorStatus } from '../errorStatus.ts';
import { SSE } from '../eventStream.ts';
import {
  fromChatRequest,
  fromCompletionRequest,
  fromEmbeddingRequest,
  type Streaming,
} from '../openai/request.ts';
import {
  type AnswerHead,
  chatChunk,
  chatChunks,
  chatCompletion,
  embeddingList,
  finishReason,
  modelObject,
  openaiError,
  textCompletion,
  usage,
  usageChunk,
} from '../openai/response.ts';
import { fromResponsesRequest } from '../openai/responsesRequest.ts';
import { responsesShape } from '../openai/responsesResponse.ts';
import { asBody } from '../validate.ts';
import { rerankRoute } from './rerank.ts';

/** Registered in a scope of its own: its errors, API-key refusals included, take OpenAI's shape. */
export async function openaiRoutes(app: FastifyInstance, ctx: ManagerContext): Promise<void> {
  app.setErrorHandler((error, req, reply) => {
    const { status, message, headers } = errorStatus(error);
    if (status >= 500) req.log.error({ err: error }, message);
    if (headers) reply.headers(headers);
    return reply.code(status).send(openaiError(status, message, (error as BadRequestError).param));
  });

  app.get('/v1/models', async () => ({
    object: 'list',
    data: (await ctx.store.list()).map((m) => modelObject(m)),
  }));

  // A wildcard, not :model: names hold slashes (hf.co/user/repo:tag).
  app.get<{ Params: { '*': string } }>('/v1/models/*', async (req) => {
    const name = req.params['*'];
    return modelObject(await ctx.store.resolve(name), name);
  });

  app.post('/v1/chat/completions', async (req, reply) => {
    const { ollama, streaming } = fromChatRequest(asBody(req.body));
    await openaiAnswer(ctx, await prepareAnswer(ctx, 'chat', ollama), streaming, reply);
  });

  app.post('/v1/completions', async (req, reply) => {
    const { ollama, streaming } = fromCompletionRequest(asBody(req.body));
    await openaiAnswer(ctx, await prepareAnswer(ctx, 'generate', ollama), streaming, reply);
  });

  // The Responses API (Codex and the newer OpenAI SDK helpers), answered as a chat.
  app.post('/v1/responses', async (req, reply) => {
    const body = asBody(req.body);
    const { ollama, stream } = fromResponsesRequest(body);
    const p = await prepareAnswer(ctx, 'chat', ollama);
    if (!p.input) throw new BadRequestError('input is required: a string or a list of input items', 'input');
    await replyWithAnswer(ctx, reply, { ...p, input: p.input }, responsesShape(p.name, body), stream);
  });

  // Not OpenAI's (it has no reranking) but llama.cpp's and Jina's path, answered with OpenAI's error bodies.
  rerankRoute(app, ctx, '/v1/rerank');

  app.post('/v1/embeddings', async (req, reply) => {
    const r = fromEmbeddingRequest(asBody(req.body));
    const model = await ctx.store.resolve(r.model);
    const result = await embedWith(
      ctx,
      { model, options: {}, keepAliveMs: ctx.config.keepAlive, inputs: r.inputs, truncate: true },
      clientGone(reply),
    );
    // Unit length, as /api/embed answers; `dimensions` keeps the first values, normalised again (as Ollama does).
    const vectors = result.embeddings.map((e) =>
      normalise(r.dimensions && r.dimensions < e.length ? normalise(e).slice(0, r.dimensions) : e),
    );
    return embeddingList(r.model, vectors, result.promptTokens, r.encoding);
  });
}

/** OpenAI's answer objects: chat.completion(.chunk) or text_completion, sharing one id; SSE ends with [DONE]. */
function openaiShape(kind: AnswerKind, name: string, streaming: Streaming): AnswerShape {
  const head: AnswerHead = {
    id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: name,
  };
  let sentCalls = false;
  return {
    framing: SSE,
    chunk: (c) => {
      if (c.toolCalls?.length) sentCalls = true;
      return kind === 'chat' ? chatChunks(head, c) : [textCompletion(head, c, null)];
    },
    last: (r) => [
      kind === 'chat'
        ? chatChunk(head, { role: 'assistant', content: '' }, finishReason(r.doneReason, sentCalls))
        : textCompletion(head, {}, r.doneReason),
      ...(streaming.includeUsage
        ? [usageChunk(head, kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', usage(r))]
        : []),
    ],
    whole: (answer, r) =>
      kind === 'chat'
        ? chatCompletion(head, answer, r.doneReason, usage(r))
        : textCompletion(head, answer, r.doneReason, usage(r)),
    error: (status, message) => openaiError(status, message),
  };
}

/** Generates and answers in OpenAI's shape: one JSON object, or SSE chunks ending with data: [DONE]. */
async function openaiAnswer(
  ctx: ManagerContext,
  p: PreparedAnswer,
  streaming: Streaming,
  reply: FastifyReply,
): Promise<void> {
  if (!p.input) throw new BadRequestError('nothing to answer: the prompt is empty');
  const shape = openaiShape(p.kind, p.name, streaming);
  await replyWithAnswer(ctx, reply, { ...p, input: p.input }, shape, streaming.stream);
}
