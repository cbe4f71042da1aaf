// Counts every answered request for /metrics, by route pattern (bounded: never the raw path), method and status.
// It listens on the response's close, which also fires for streamed (hijacked) answers and for clients that
// leave early (counted as 499, as Ollama logs them).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../ops/metrics.ts';

export function requestMetricsHook(metrics: Metrics) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const started = performance.now();
    reply.raw.once('close', () => {
      const status = reply.raw.writableFinished ? reply.raw.statusCode : 499;
      const route = req.routeOptions.url ?? 'unmatched';
      metrics.request(route, req.method, status, (performance.now() - started) / 1000);
    });
  };
}
