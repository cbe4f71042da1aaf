// POST /api/push: a model from the store to a registry, with Ollama's progress stream (stream defaults to true).
// A bad name (400) is refused before the stream starts; after that an error (an unknown model included, as
// Ollama reports it after "retrieving manifest") is a last {"error"} line under status 200.
import type { FastifyInstance } from 'fastify';
import type { ManagerContext } from '../../context.ts';
import { clientGone } from '../clientGone.ts';
import { EventStream } from '../eventStream.ts';
import { asBody, modelField, optionalBoolean } from '../validate.ts';

export function pushRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  app.post('/api/push', async (req, reply) => {
    const body = asBody(req.body);
    const ref = ctx.pushes.prepare(modelField(body), optionalBoolean(body, 'insecure') ?? false);
    // A client that goes away stops the push; blobs already sent are not sent again next time.
    const signal = clientGone(reply);
    if (optionalBoolean(body, 'stream') === false) {
      await ctx.pushes.push(ref, () => {}, signal);
      return { status: 'success' };
    }
    const out = new EventStream(reply);
    try {
      await ctx.pushes.push(ref, (p) => out.write(p), signal);
    } catch (e) {
      if (!out.isStarted) throw e;
      if (!signal.aborted) req.log.warn({ err: e }, 'push failed');
      out.write({ error: (e as Error).message });
    }
    out.end();
  });
}
