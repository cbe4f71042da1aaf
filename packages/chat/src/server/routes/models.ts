// The models on the llm-manager, for the model menu: what is there (size, family, quantization), where the loaded
// ones run, pulling a new one with summed progress (Cancel = closing the request), and deleting one.
import type { FastifyInstance } from 'fastify';
import type { ModelEntry, ModelsResponse, PullEvents } from '../../api.ts';
import { takesThinkLevels } from '../../shared/thinkLevels.ts';
import type { ChatContext } from '../context.ts';
import { BadRequestError, NotFoundError, UpstreamError } from '../errors.ts';
import { relayPull } from '../pullProgress.ts';
import { SseStream } from '../sse.ts';
import { describeProblem, insecurePullRefusal, placementOf, pullFailure, sameModel } from '../upstream.ts';

/** Ollama's clients send dates as strings, whatever the client's types say. */
const dateText = (d: unknown) => (d instanceof Date ? d.toISOString() : String(d ?? ''));

export function modelRoutes(app: FastifyInstance, ctx: ChatContext): void {
  app.get('/api/models', { config: { access: 'user' } }, async (): Promise<ModelsResponse> => {
    const [local, running] = await Promise.all([ctx.upstream.list(), ctx.upstream.ps()]);
    const capabilities = await Promise.all(local.map((m) => ctx.upstream.capabilities(m)));
    const models: ModelEntry[] = local.map((m, i) => {
      const r = running.find((p) => sameModel(p.name, m.name));
      return {
        name: m.name,
        size: m.size,
        family: m.details?.family ?? '',
        parameterSize: m.details?.parameter_size ?? '',
        quantization: m.details?.quantization_level ?? '',
        modifiedAt: dateText(m.modified_at),
        capabilities: capabilities[i]!,
        thinkLevels:
          capabilities[i]!.includes('thinking') &&
          takesThinkLevels({ name: m.name, family: m.details?.family }),
        loaded: r
          ? {
              placement: placementOf(r.size, r.size_vram),
              sizeVram: r.size_vram,
              contextLength: (r as { context_length?: number }).context_length,
              expiresAt: dateText(r.expires_at),
            }
          : null,
      };
    });
    models.sort((a, b) => a.name.localeCompare(b.name));
    return { models, defaultModel: ctx.config.defaultModel, upstream: ctx.upstream.url };
  });

  app.post<{ Body: { model: string } }>(
    '/api/models/pull',
    {
      // Everyone chooses among the local models; pulling and deleting them is for admins.
      config: { access: 'admin' },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['model'],
          properties: { model: { type: 'string', minLength: 1, maxLength: 300, pattern: '\\S' } },
        },
      },
    },
    async (req, reply) => {
      const model = req.body.model.trim();
      const refusal = insecurePullRefusal(model, ctx.upstream.insecureRegistries);
      if (refusal) throw new BadRequestError(refusal);
      const sse = new SseStream<PullEvents>(reply, ctx.heartbeatMs);
      // Cancel in the page closes this request: the pull's own request to the llm-manager is aborted with it.
      const client = ctx.upstream.client(sse.clientGone);
      try {
        await relayPull(client, model, ctx.upstream, (p) => sse.send('progress', p));
        req.log.info({ model }, 'model pulled');
        sse.send('done', {});
      } catch (e) {
        if (sse.clientGone.aborted) {
          req.log.info({ model }, 'pull cancelled');
        } else {
          const p = describeProblem(e, { url: ctx.upstream.url });
          const error =
            p.kind === 'unreachable' || p.kind === 'refused'
              ? p.message
              : `Could not pull "${model}": ${pullFailure(e, ctx.upstream.url)}`;
          req.log.warn({ model, err: e }, 'pull failed');
          sse.send('error', { error });
        }
      } finally {
        sse.end();
      }
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/models/:name',
    { config: { access: 'admin' } },
    async (req, reply) => {
      const name = req.params.name;
      try {
        await ctx.upstream.delete(name);
      } catch (e) {
        const p = describeProblem(e, { url: ctx.upstream.url, model: name });
        if (p.kind === 'model-missing')
          throw new NotFoundError(`the model "${name}" is not on the llm-manager`);
        throw new UpstreamError(p.message, p.status);
      }
      req.log.info({ model: name }, 'model deleted');
      return reply.code(204).send();
    },
  );
}
