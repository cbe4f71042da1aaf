// The routes Ollama has for ollama.com's cloud (server/routes.go, 0.32): answered as an Ollama with cloud turned
// off answers them (OLLAMA_NO_CLOUD), so clients that probe them (the Ollama app, `ollama launch`, Open WebUI)
// learn that there is no cloud here instead of meeting a 404 they do not expect.
//   GET  /api/status                           {"cloud":{"disabled":true,"source":...}}
//   POST /api/experimental/web_search|web_fetch 403 "ollama cloud is disabled: web search is unavailable" (400 first
//                                              for a missing body, as Ollama checks the body before the proxy)
//   GET  /api/experimental/model-recommendations  Ollama's default list, less the cloud models nobody can run here
//   POST /api/me, POST /api/signout, DELETE /api/user/keys/:key  403 "ollama cloud is disabled" (no account here)
import type { FastifyInstance } from 'fastify';

/** internal/cloud/policy.go DisabledError: the prefix Ollama's clients recognise. */
const DISABLED = 'ollama cloud is disabled';

/** Ollama's defaultModelRecommendations (server/model_recommendations.go) that run locally. */
const LOCAL_RECOMMENDATIONS = [
  { model: 'gemma4', description: 'Reasoning and code generation locally', vram_bytes: 12_000_000_000 },
  {
    model: 'qwen3.5',
    description: 'Reasoning, coding, and visual understanding locally',
    vram_bytes: 14_000_000_000,
  },
];

export function cloudRoutes(app: FastifyInstance): void {
  // Source "none" would say cloud is on; ours is off by what this server is, as a config file would make it.
  app.get('/api/status', async () => ({ cloud: { disabled: true, source: 'config' } }));

  for (const [route, operation] of [
    ['/api/experimental/web_search', 'web search is unavailable'],
    ['/api/experimental/web_fetch', 'web fetch is unavailable'],
  ] as const) {
    app.post(route, async (req, reply) => {
      const body = req.body;
      if (body === undefined || body === null || body === '' || isEmptyObjectText(body)) {
        return reply.code(400).send({ error: 'missing request body' });
      }
      return reply.code(403).send({ error: `${DISABLED}: ${operation}` });
    });
  }

  app.get('/api/experimental/model-recommendations', async () => ({
    recommendations: LOCAL_RECOMMENDATIONS,
  }));

  const noAccount = async (
    _req: unknown,
    reply: { code: (n: number) => { send: (b: unknown) => unknown } },
  ) => reply.code(403).send({ error: DISABLED });
  app.post('/api/me', noAccount);
  app.post('/api/signout', noAccount);
  app.delete('/api/user/keys/:encodedKey', noAccount);
}

function isEmptyObjectText(body: unknown): boolean {
  return typeof body === 'string' && body.trim() === '';
}
