// /api/generate and /api/chat: Ollama's streamed NDJSON (or one JSON object with stream:false), final statistics
// in nanoseconds, and generation that stops the moment the client leaves (answerReply.ts writes them).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AnswerChunk } from '../../answer/chunk.ts';
import { type InferenceResult, loadOrUnload } from '../../answer/inference.ts';
import { type AnswerKind, type PreparedAnswer, prepareAnswer } from '../../answer/prepare.ts';
import type { ManagerContext } from '../../context.ts';
import { type AnswerShape, replyWithAnswer } from '../answerReply.ts';
import { clientGone } from '../clientGone.ts';
import { NDJSON } from '../eventStream.ts';

export function generateRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  app.post('/api/generate', (req, reply) => ollamaAnswer(ctx, 'generate', req.body, reply));
  app.post('/api/chat', (req, reply) => ollamaAnswer(ctx, 'chat', req.body, reply));
}

/**
 * One of Ollama's answer objects: `response` (and `thinking`) for generate, an assistant `message` with
 * `thinking` and `tool_calls` when there are any, for chat; `logprobs` of its tokens when asked for.
 */
function ollamaPart(p: PreparedAnswer, c: AnswerChunk) {
  const head = { model: p.name, created_at: new Date().toISOString() };
  const thinking = c.thinking ? { thinking: c.thinking } : {};
  const logprobs = c.logprobs?.length ? { logprobs: c.logprobs } : {};
  if (p.kind === 'generate')
    return { ...head, response: c.content ?? '', ...thinking, done: false, ...logprobs };
  const message = {
    role: 'assistant',
    content: c.content ?? '',
    ...thinking,
    ...(c.toolCalls?.length ? { tool_calls: c.toolCalls } : {}),
  };
  return { ...head, message, done: false, ...logprobs };
}

/** Ollama's answers: the parts, then the statistics in the last object; `started` times the whole request. */
function ollamaShape(p: PreparedAnswer, started: bigint): AnswerShape {
  const partOf = (c: AnswerChunk) => ollamaPart(p, c);
  const final = (c: AnswerChunk, r: InferenceResult) => ({
    ...partOf(c),
    done: true,
    done_reason: r.doneReason,
    total_duration: Number(process.hrtime.bigint() - started),
    load_duration: r.loadNs,
    prompt_eval_count: r.promptTokens,
    prompt_eval_duration: r.promptEvalNs,
    eval_count: r.evalTokens,
    eval_duration: r.evalNs,
    ...(p.kind === 'generate' && r.context ? { context: r.context } : {}),
  });
  return {
    framing: NDJSON,
    chunk: (c) => [partOf(c)],
    last: (r) => [final({}, r)],
    whole: final,
    error: (_status, message) => ({ error: message }),
  };
}

async function ollamaAnswer(
  ctx: ManagerContext,
  kind: AnswerKind,
  rawBody: unknown,
  reply: FastifyReply,
): Promise<void> {
  const started = process.hrtime.bigint();
  const p = await prepareAnswer(ctx, kind, rawBody);
  if (p.input && (rawBody as Record<string, unknown>)._debug_render_only === true) {
    // Ollama's DebugRenderOnly: the prompt the model would continue, without running it.
    const text = p.input.kind === 'text' ? p.input.text : '';
    const head = { model: p.name, created_at: new Date().toISOString() };
    const empty = p.kind === 'generate' ? { response: '' } : { message: { role: '', content: '' } };
    return reply.send({ ...head, ...empty, done: false, _debug_info: { rendered_template: text } });
  }
  if (!p.input) {
    // An empty prompt only loads the model (or, with keep_alive 0, unloads it).
    const r = await loadOrUnload(ctx, p, clientGone(reply));
    return reply.send({ ...ollamaPart(p, {}), done: true, done_reason: r.doneReason });
  }
  await replyWithAnswer(ctx, reply, { ...p, input: p.input }, ollamaShape(p, started), p.stream);
}
