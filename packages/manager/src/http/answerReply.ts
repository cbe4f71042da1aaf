// The one writer of generated answers, for Ollama's NDJSON, OpenAI's server-sent events and buffered JSON alike:
// chunks go out as they come (or are joined for stream: false), a complete answer ends with its last events, a
// client that leaves stops the generation (499 when nothing was sent yet), and an error after the 200 has gone
// out becomes the stream's last event. The routes only say what their events look like (AnswerShape).
import type { FastifyReply } from 'fastify';
import type { AnswerChunk } from '../answer/chunk.ts';
import { joinChunks } from '../answer/chunk.ts';
import { type InferenceResult, infer } from '../answer/inference.ts';
import type { AnswerToGenerate } from '../answer/prepare.ts';
import type { ManagerContext } from '../context.ts';
import { CanceledError } from '../errors.ts';
import { clientGone } from './clientGone.ts';
import { errorStatus } from './errorStatus.ts';
import { EventStream, type Framing } from './eventStream.ts';

/** What one API's answers look like on the wire. */
export type AnswerShape = {
  framing: Framing;
  /** The streamed events carrying one chunk (OpenAI sends reasoning and content apart). */
  chunk(chunk: AnswerChunk): unknown[];
  /** The events that close a streamed answer (Ollama's statistics; OpenAI's finish reason and usage). */
  last(result: InferenceResult): unknown[];
  /** The whole answer as one JSON object (stream: false). */
  whole(answer: AnswerChunk, result: InferenceResult): unknown;
  /** An error's body: the whole reply before streaming began, the last event after. */
  error(status: number, message: string): unknown;
};

/** Generates the answer and writes it to the client in `shape`, streamed or whole. */
export async function replyWithAnswer(
  ctx: ManagerContext,
  reply: FastifyReply,
  p: AnswerToGenerate,
  shape: AnswerShape,
  stream: boolean,
): Promise<void> {
  const out = stream ? new EventStream(reply, shape.framing) : undefined;
  const chunks: AnswerChunk[] = [];
  try {
    const result = await infer(
      ctx,
      p,
      (chunk) => {
        if (out) for (const event of shape.chunk(chunk)) out.write(event);
        else chunks.push(chunk);
      },
      clientGone(reply),
    );
    if (!out) {
      reply.send(shape.whole(joinChunks(chunks), result));
      return;
    }
    for (const event of shape.last(result)) out.write(event);
    out.finish();
  } catch (e) {
    if (e instanceof CanceledError) {
      ctx.log.info({ model: p.name, status: 499 }, 'client went away: generation stopped');
      if (out?.isStarted) out.end();
      else if (!reply.sent) reply.code(499).send(shape.error(499, e.message));
      return;
    }
    if (!out?.isStarted) throw e;
    // Streaming has begun: the status is 200 already, so the error is the last event (Ollama's clients and the
    // OpenAI SDKs both raise it).
    ctx.log.error({ model: p.name, err: e }, 'generation failed mid-stream');
    const { status, message } = errorStatus(e);
    out.write(shape.error(status, message));
    out.end();
  }
}
