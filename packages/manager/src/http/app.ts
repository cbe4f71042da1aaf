// The llm-manager's HTTP server: Ollama's routes, its error bodies, and JSON bodies read whatever content type a
// client sends (curl -d sends form-encoded; Ollama parses the body as JSON regardless).
import Fastify, { type FastifyInstance } from 'fastify';
import type { ManagerContext } from '../context.ts';
import { BadRequestError } from '../errors.ts';
import { apiKeyHook } from './apiKeys.ts';
import { corsHook } from './cors.ts';
import { drainHook } from './drain.ts';
import { errorStatus } from './errorStatus.ts';
import { requestMetricsHook } from './requestMetrics.ts';
import { blobRoutes } from './routes/blobs.ts';
import { embedRoutes } from './routes/embed.ts';
import { generateRoutes } from './routes/generate.ts';
import { metaRoutes } from './routes/meta.ts';
import { modelRoutes } from './routes/models.ts';
import { openaiRoutes } from './routes/openai.ts';
import { opsRoutes } from './routes/ops.ts';
import { pullRoutes } from './routes/pull.ts';

/** JSON bodies may carry base64 images; 1 MiB (Fastify's default) is far too small for them. */
const JSON_BODY_LIMIT = 256 * 1024 * 1024;

export async function buildApp(ctx: ManagerContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log,
    bodyLimit: JSON_BODY_LIMIT,
    // Streams and model loads last minutes: never cut a request for taking long.
    requestTimeout: 0,
    forceCloseConnections: true,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, text, done) => {
    const s = String(text);
    if (s.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(s));
    } catch (e) {
      done(new BadRequestError(`invalid JSON in the request body: ${(e as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((error, req, reply) => {
    const { status, message, headers } = errorStatus(error);
    if (status >= 500) req.log.error({ err: error }, message);
    if (headers) reply.headers(headers);
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('404 page not found'));

  // Every request, before any route runs, in this order: counted for /metrics (whatever its fate), checked
  // against OLLAMA_ORIGINS (preflights answered), refused while draining, checked for an API key.
  app.addHook('onRequest', requestMetricsHook(ctx.metrics));
  app.addHook('onRequest', corsHook(ctx.config.origins));
  app.addHook('onRequest', drainHook(ctx.draining));
  const keys = apiKeyHook(ctx.config.apiKeys);
  if (keys) app.addHook('onRequest', keys);
  // The routes as registered (HEAD twins included), so a test can check every one of them against the hooks.
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  registeredRoutes.set(app, routes);

  metaRoutes(app);
  opsRoutes(app, ctx);
  modelRoutes(app, ctx);
  generateRoutes(app, ctx);
  embedRoutes(app, ctx);
  pullRoutes(app, ctx);
  await app.register(async (scope) => blobRoutes(scope, ctx));
  await app.register(async (scope) => openaiRoutes(scope, ctx));
  return app;
}

export type RegisteredRoute = { method: string; url: string };
const registeredRoutes = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route the app serves (method and URL pattern), read from Fastify as routes were added. */
export function routesOf(app: FastifyInstance): RegisteredRoute[] {
  return registeredRoutes.get(app) ?? [];
}
