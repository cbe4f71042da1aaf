// POST /api/pull: a model from a registry into the store, with Ollama's progress stream (stream defaults to
// true). A bad name (400) or a model OWNCHAT_PULL_ALLOW does not list (403) is refused before the stream starts;
// after that an error is a last {"error"} line under status 200, as Ollama does it.
import type { FastifyInstance } from 'fastify';
import type { ManagerContext } from '../../context.ts';
import { clientGone } from '../clientGone.ts';
import { EventStream } from '../eventStream.ts';
import { asBody, modelField, optionalBoolean } from '../validate.ts';

export function pullRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  app.post('/api/pull', async (req, reply) => {
    const body = asBody(req.body);
    const ref = ctx.pulls.prepare(modelField(body), optionalBoolean(body, 'insecure') ?? false);
    // A client that goes away stops the download (when no other pull waits for it); it resumes next time.
    const signal = clientGone(reply);
    if (optionalBoolean(body, 'stream') === false) {
      await ctx.pulls.pull(ref, () => {}, signal);
      return { status: 'success' };
    }
    const out = new EventStream(reply);
    try {
      await ctx.pulls.pull(ref, (p) => out.write(p), signal);
    } catch (e) {
      if (!out.isStarted) throw e;
      if (!signal.aborted) req.log.warn({ err: e }, 'pull failed');
      out.write({ error: (e as Error).message });
    }
    out.end();
  });
}
