// While the server drains (after SIGTERM), new requests get 503 and a closed connection, so clients and load
// balancers move on to another replica; requests taken before keep running and are counted until they end.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ShuttingDownError } from '../errors.ts';
import type { Draining } from '../ops/draining.ts';

/** Still answered while draining: the probes say what is happening, and a scrape shows the drain's progress. */
const ANSWERED_WHILE_DRAINING = new Set(['/healthz', '/readyz', '/metrics']);

export function drainHook(draining: Draining) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const route = req.routeOptions.url;
    if (route !== undefined && ANSWERED_WHILE_DRAINING.has(route)) return;
    if (draining.isDraining) throw new ShuttingDownError();
    draining.track(reply.raw);
  };
}
