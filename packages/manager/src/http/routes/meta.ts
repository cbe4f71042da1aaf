// The routes clients and probes use to see that a server is there.
import type { FastifyInstance } from 'fastify';
import { OLLAMA_API_VERSION } from '../../context.ts';

export function metaRoutes(app: FastifyInstance): void {
  // Ollama's clients and probes look for this exact text.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/',
    handler: async (_req, reply) => reply.type('text/plain; charset=utf-8').send('Ollama is running'),
  });
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/version',
    handler: async () => ({ version: OLLAMA_API_VERSION }),
  });
}
