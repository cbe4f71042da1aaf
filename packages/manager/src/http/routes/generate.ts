// /api/generate and /api/chat: Ollama's streamed NDJSON (or one JSON object with stream:false), final statistics
// in nanoseconds, and generation that stops the moment the client leaves.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ManagerContext } from '../../context.ts';
import { parseKeepAlive } from '../../duration.ts';
import type { GenerateInput, OutputFormat } from '../../engine/protocol.ts';
import { CanceledError } from '../../errors.ts';
import { infer, loadOrUnload } from '../../inference.ts';
import { checkOptionLimits, checkOptions, type Options } from '../../model/options.ts';
import { chatInput, generateInput } from '../../promptInput.ts';
import type { ResolvedModel } from '../../store/modelStore.ts';
import { errorStatus } from '../errorStatus.ts';
import { clientGone, NdjsonStream } from '../ndjson.ts';
import { chatMessages, contextTokens, generateImages, outputFormat, tools } from '../requestFields.ts';
import { asBody, type Body, modelField, optionalBoolean, optionalString } from '../validate.ts';

export type Kind = 'generate' | 'chat';

export function generateRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  app.post('/api/generate', (req, reply) => answer(ctx, 'generate', req.body, reply));
  app.post('/api/chat', (req, reply) => answer(ctx, 'chat', req.body, reply));
}

/** The input the runner continues, or undefined for a load-only request (empty prompt or no messages). */
function inputFor(kind: Kind, body: Body, model: ResolvedModel): GenerateInput | undefined {
  if (kind === 'generate') {
    generateImages(body);
    const prompt = optionalString(body, 'prompt') ?? '';
    const suffix = optionalString(body, 'suffix');
    if (!prompt && !suffix) return undefined;
    return generateInput(model, {
      prompt,
      suffix,
      system: optionalString(body, 'system'),
      template: optionalString(body, 'template'),
      raw: optionalBoolean(body, 'raw') ?? false,
      context: contextTokens(body),
    });
  }
  const messages = chatMessages(body);
  if (messages.length === 0) return undefined;
  return chatInput(model, { messages, tools: tools(body) });
}

/** A /api/generate or /api/chat request, checked and resolved: what inference needs. */
export type PreparedAnswer = {
  name: string;
  stream: boolean;
  options: Options;
  format: OutputFormat | undefined;
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
  checkOptionLimits(options, ctx.config);
  const format = outputFormat(body);
  const keepAliveMs =
    body.keep_alive === undefined || body.keep_alive === null
      ? ctx.config.keepAlive
      : parseKeepAlive(body.keep_alive);
  const model = await ctx.store.resolve(name);
  return { name, stream, options, format, keepAliveMs, model, input: inputFor(kind, body, model) };
}

async function answer(ctx: ManagerContext, kind: Kind, rawBody: unknown, reply: FastifyReply): Promise<void> {
  const started = process.hrtime.bigint();
  const { name, stream, options, format, keepAliveMs, model, input } = await prepareAnswer(
    ctx,
    kind,
    rawBody,
  );
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
      format,
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
      ...(kind === 'generate' && r.context ? { context: r.context } : {}),
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
