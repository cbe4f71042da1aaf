// Operations: liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics).
import type { FastifyInstance } from 'fastify';
import type { ManagerContext } from '../../context.ts';

export function opsRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  // Alive: the process answers HTTP. Cheap, and never about models, so a slow load never gets the pod restarted.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/healthz',
    handler: async () => ({ status: 'alive' }),
  });

  // Ready: started, every OWNCHAT_PRELOAD model loaded, caught up with the peers, and not shutting down. 503 (with the reason) otherwise,
  // so a load balancer sends traffic elsewhere meanwhile.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/readyz',
    handler: async (_req, reply) => {
      const catchingUp = ctx.peers.catchingUp;
      const state = ctx.draining.isDraining
        ? { ready: false as const, reason: 'shutting down' }
        : catchingUp && ctx.preload.state().ready
          ? { ready: false as const, reason: catchingUp }
          : ctx.preload.state();
      if (state.ready) return { status: 'ready' };
      return reply.code(503).send({ status: 'not ready', reason: state.reason });
    },
  });

  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await ctx.metrics.text();
    return reply.type(contentType).send(body);
  });
}
