// POST /api/pull: a model from a registry into the store, with Ollama's progress stream (stream defaults to
// true). A bad name (400) or a model OWNCHAT_PULL_ALLOW does not list (403) is refused before the stream starts;
// after that an error is a last {"error"} line under status 200, as Ollama does it. With OWNCHAT_PEERS the pull is
// done on every replica (peers/everyReplica.ts), and "success" means every replica has the model.
import type { FastifyInstance } from 'fastify';
import type { ManagerContext } from '../../context.ts';
import { pullOnEveryReplica } from '../../peers/everyReplica.ts';
import { RELAYED_HEADER } from '../../peers/peerClient.ts';
import { clientGone } from '../clientGone.ts';
import { EventStream } from '../eventStream.ts';
import { asBody, modelField, optionalBoolean } from '../validate.ts';

export function pullRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  app.post('/api/pull', async (req, reply) => {
    const body = asBody(req.body);
    const model = modelField(body);
    const insecure = optionalBoolean(body, 'insecure') ?? false;
    const ref = ctx.pulls.prepare(model, insecure);
    // A client that goes away stops the download (when no other pull waits for it); it resumes next time.
    const signal = clientGone(reply);
    const relayed = req.headers[RELAYED_HEADER] !== undefined;
    const pull = (progress: Parameters<typeof pullOnEveryReplica>[4]) =>
      pullOnEveryReplica(ctx, ref, { model, insecure }, relayed, progress, signal);
    if (optionalBoolean(body, 'stream') === false) {
      await pull(() => {});
      return { status: 'success' };
    }
    const out = new EventStream(reply);
    try {
      await pull((p) => out.write(p));
    } catch (e) {
      if (!out.isStarted) throw e;
      if (!signal.aborted) req.log.warn({ err: e }, 'pull failed');
      out.write({ error: (e as Error).message });
    }
    out.end();
  });
}
