// What the page needs to know at start, and a health check for probes.
import type { FastifyInstance } from 'fastify';
import type { InfoResponse } from '../../api.ts';
import type { ChatContext } from '../context.ts';

export const CHAT_VERSION = '0.1.0';

export function metaRoutes(app: FastifyInstance, ctx: ChatContext): void {
  app.get(
    '/api/info',
    { config: { access: 'user' } },
    async (): Promise<InfoResponse> => ({
      version: CHAT_VERSION,
      defaultModel: ctx.config.defaultModel,
      upstream: ctx.upstream.url,
      imageMaxBytes: ctx.config.imageMaxMb * 1_000_000,
    }),
  );
  app.get('/healthz', async () => ({ status: 'ok' }));
}
