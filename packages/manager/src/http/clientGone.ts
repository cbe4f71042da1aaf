// An AbortSignal that fires when the client goes away, so the model load, queue wait or generation behind the
// request stops at once instead of working for nobody.
import type { FastifyReply } from 'fastify';

/** Fires when the client disconnects before the answer is complete. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}
