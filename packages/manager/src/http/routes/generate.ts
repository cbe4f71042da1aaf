// /api/generate and /api/chat: Ollama's streamed NDJSON (or one JSON object with stream:false), final statistics
// in nanoseconds, and generation that stops the moment the client leaves.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ManagerContext } from '../../context.ts';
import { parseKeepAlive } from '../../duration.ts';
import type { ChatMessage, GenerateInput } from '../../engine/protocol.ts';
import { BadRequestError, CanceledError } from '../../errors.ts';
import { infer, loadOrUnload } from '../../inference.ts';
import { checkOptions, type Options } from '../../model/options.ts';
import type { ResolvedModel } from '../../store/modelStore.ts';
import { errorStatus } from '../errorStatus.ts';
import { clientGone, NdjsonStream } from '../ndjson.ts';
import { asBody, type Body, modelField, optionalBoolean, optionalString } from '../validate.ts';

export type Kind = 'generate' | 'chat';

export function generateRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  app.post('/api/generate', (req, reply) => answer(ctx, 'generate', req.body, reply));
  app.post('/api/chat', (req, reply) => answer(ctx, 'chat', req.body, reply));
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

function chatMessages(body: Body): ChatMessage[] {
  const v = body.messages;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new BadRequestError('messages must be a list of {"role", "content"} objects');
  return v.map((m, i) => {
    if (!m || typeof m !== 'object')
      throw new BadRequestError(`messages[${i}] must be an object with role and content`);
    const { role, content, images } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw new BadRequestError(
        `messages[${i}].role must be one of system, user, assistant, tool; got ${JSON.stringify(role)}`,
      );
    }
    if (content !== undefined && content !== null && typeof content !== 'string') {
      throw new BadRequestError(`messages[${i}].content must be a string`);
    }
    if (Array.isArray(images) && images.length > 0) {
      throw new BadRequestError('this model does not support images (it has no vision projector)');
    }
    return { role: role as ChatMessage['role'], content: (content as string | undefined) ?? '' };
  });
}

/** The input the runner renders: the model's system prompt unless the request brings its own. */
function inputFor(kind: Kind, body: Body, model: ResolvedModel): GenerateInput | undefined {
  if (kind === 'generate') {
    const prompt = optionalString(body, 'prompt') ?? '';
    if (Array.isArray(body.images) && body.images.length > 0) {
      throw new BadRequestError('this model does not support images (it has no vision projector)');
    }
    if (!prompt) return undefined;
    const system = optionalString(body, 'system') ?? model.system;
    return {
      kind: 'messages',
      messages: [
        ...(system ? [{ role: 'system' as const, content: system }] : []),
        { role: 'user', content: prompt },
      ],
    };
  }
  const messages = chatMessages(body);
  if (messages.length === 0) return undefined;
  if (model.system && !messages.some((m) => m.role === 'system')) {
    messages.unshift({ role: 'system', content: model.system });
  }
  return { kind: 'messages', messages };
}

/** A /api/generate or /api/chat request, checked and resolved: what inference needs. */
export type PreparedAnswer = {
  name: string;
  stream: boolean;
  options: Options;
  keepAliveMs: number;
  model: ResolvedModel;
  /** Undefined for an empty prompt: the request only loads (or unloads) the model. */
  input: GenerateInput | undefined;
};

/** Checks a request body and resolves its model; the OpenAI routes hand theirs over in Ollama's shape. */
export async function prepareAnswer(
  ctx: ManagerContext,
  kind: Kind,
  rawBody: unknown,
): Promise<PreparedAnswer> {
  const body = asBody(rawBody);
  const name = modelField(body);
  const stream = optionalBoolean(body, 'stream') !== false; // the server's default is to stream
  const options = checkOptions(body.options);
  const keepAliveMs =
    body.keep_alive === undefined || body.keep_alive === null
      ? ctx.config.keepAlive
      : parseKeepAlive(body.keep_alive);
  const model = await ctx.store.resolve(name);
  return { name, stream, options, keepAliveMs, model, input: inputFor(kind, body, model) };
}

async function answer(ctx: ManagerContext, kind: Kind, rawBody: unknown, reply: FastifyReply): Promise<void> {
  const started = process.hrtime.bigint();
  const { name, stream, options, keepAliveMs, model, input } = await prepareAnswer(ctx, kind, rawBody);
  const signal = clientGone(reply);
  const createdAt = () => new Date().toISOString();
  const chunkOf = (text: string) =>
    kind === 'generate'
      ? { model: name, created_at: createdAt(), response: text, done: false }
      : { model: name, created_at: createdAt(), message: { role: 'assistant', content: text }, done: false };

  if (!input) {
    // An empty prompt only loads the model (or, with keep_alive 0, unloads it).
    const r = await loadOrUnload(ctx, model, options, keepAliveMs, signal);
    const last = { ...chunkOf(''), done: true, done_reason: r.doneReason };
    return reply.send(last);
  }

  const out = stream ? new NdjsonStream(reply) : undefined;
  let text = '';
  try {
    const r = await infer(
      ctx,
      model,
      input,
      options,
      keepAliveMs,
      (t) => {
        if (out) out.write(chunkOf(t));
        else text += t;
      },
      signal,
    );
    const final = {
      ...chunkOf(out ? '' : text),
      done: true,
      done_reason: r.doneReason,
      total_duration: Number(process.hrtime.bigint() - started),
      load_duration: r.loadNs,
      prompt_eval_count: r.promptTokens,
      prompt_eval_duration: r.promptEvalNs,
      eval_count: r.evalTokens,
      eval_duration: r.evalNs,
    };
    if (out) {
      out.write(final);
      out.end();
    } else {
      reply.send(final);
    }
  } catch (e) {
    if (e instanceof CanceledError) {
      ctx.log.info({ model: name, status: 499 }, 'client went away: generation stopped');
      if (out?.isStarted) out.end();
      else if (!reply.sent) reply.code(499).send({ error: e.message });
      return;
    }
    if (!out?.isStarted) throw e;
    // Streaming has begun: the status is 200 already, so the error is the last line.
    ctx.log.error({ model: name, err: e }, 'generation failed mid-stream');
    out.write({ error: errorStatus(e).message });
    out.end();
  }
}
