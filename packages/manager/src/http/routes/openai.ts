// The OpenAI-compatible API (/v1): requests are turned into Ollama's and answered by the same inference as
// /api/chat and /api/generate; answers are OpenAI's JSON or server-sent events, errors OpenAI's error bodies.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { embedWith, infer } from '../../answer/inference.ts';
import type { ManagerContext } from '../../context.ts';
import { BadRequestError, CanceledError } from '../../errors.ts';
import { errorStatus } from '../errorStatus.ts';
import { clientGone } from '../eventStream.ts';
import {
  fromChatRequest,
  fromCompletionRequest,
  fromEmbeddingRequest,
  type Streaming,
} from '../openai/request.ts';
import {
  type AnswerHead,
  chatChunk,
  chatCompletion,
  embeddingList,
  type FinishReason,
  modelObject,
  openaiError,
  textCompletion,
  usage,
  usageChunk,
} from '../openai/response.ts';
import { SseStream } from '../sse.ts';
import { asBody } from '../validate.ts';
import { normalise } from './embed.ts';
import { type Kind, type PreparedAnswer, prepareAnswer } from './generate.ts';

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
    await answer(ctx, 'chat', await prepareAnswer(ctx, 'chat', ollama), streaming, reply);
  });

  app.post('/v1/completions', async (req, reply) => {
    const { ollama, streaming } = fromCompletionRequest(asBody(req.body));
    await answer(ctx, 'generate', await prepareAnswer(ctx, 'generate', ollama), streaming, reply);
  });

  app.post('/v1/embeddings', async (req, reply) => {
    const r = fromEmbeddingRequest(asBody(req.body));
    const model = await ctx.store.resolve(r.model);
    const result = await embedWith(ctx, model, r.inputs, true, {}, ctx.config.keepAlive, clientGone(reply));
    // Unit length, as /api/embed answers; `dimensions` keeps the first values, normalised again (as Ollama does).
    const vectors = result.embeddings.map((e) =>
      normalise(r.dimensions && r.dimensions < e.length ? normalise(e).slice(0, r.dimensions) : e),
    );
    return embeddingList(r.model, vectors, result.promptTokens, r.encoding);
  });
}

/** Generates and answers in OpenAI's shape: one JSON object, or SSE chunks ending with data: [DONE]. */
async function answer(
  ctx: ManagerContext,
  kind: Kind,
  p: PreparedAnswer,
  streaming: Streaming,
  reply: FastifyReply,
): Promise<void> {
  if (!p.input) throw new BadRequestError('nothing to answer: the prompt is empty');
  const head: AnswerHead = {
    id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: p.name,
  };
  const chunk = (text: string, finish: FinishReason) =>
    kind === 'chat' ? chatChunk(head, text, finish) : textCompletion(head, text, finish);
  const out = streaming.stream ? new SseStream(reply) : undefined;
  let text = '';
  try {
    const r = await infer(
      ctx,
      p.model,
      p.input,
      p.options,
      p.format,
      p.keepAliveMs,
      (t) => {
        if (out) out.data(chunk(t, null));
        else text += t;
      },
      clientGone(reply),
    );
    const u = usage(r);
    if (!out) {
      reply.send(
        kind === 'chat'
          ? chatCompletion(head, text, r.doneReason, u)
          : textCompletion(head, text, r.doneReason, u),
      );
      return;
    }
    out.data(chunk('', r.doneReason));
    if (streaming.includeUsage) {
      out.data(usageChunk(head, kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', u));
    }
    out.done();
  } catch (e) {
    if (e instanceof CanceledError) {
      ctx.log.info({ model: p.name, status: 499 }, 'client went away: generation stopped');
      if (out?.isStarted) out.end();
      else if (!reply.sent) reply.code(499).send(openaiError(499, e.message));
      return;
    }
    if (!out?.isStarted) throw e;
    // The status is 200 already: the error is the last event (the OpenAI SDKs raise it as an APIError).
    ctx.log.error({ model: p.name, err: e }, 'generation failed mid-stream');
    const { status, message } = errorStatus(e);
    out.data(openaiError(status, message));
    out.end();
  }
}
