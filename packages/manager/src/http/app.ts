// The llm-manager's HTTP server: Ollama's routes, its error bodies, and JSON bodies read whatever content type a
// client sends (curl -d sends form-encoded; Ollama parses the body as JSON regardless).
import Fastify, { type FastifyInstance } from 'fastify';
import type { ManagerContext } from '../context.ts';
import { BadRequestError, PayloadTooLargeError } from '../errors.ts';
import { apiKeyHook } from './apiKeys.ts';
import { corsHook } from './cors.ts';
import { drainHook } from './drain.ts';
import { errorStatus } from './errorStatus.ts';
import { requestMetricsHook } from './requestMetrics.ts';
import { anthropicRoutes } from './routes/anthropic.ts';
import { blobRoutes } from './routes/blobs.ts';
import { cloudRoutes } from './routes/cloud.ts';
import { embedRoutes } from './routes/embed.ts';
import { generateRoutes } from './routes/generate.ts';
import { metaRoutes } from './routes/meta.ts';
import { modelRoutes } from './routes/models.ts';
import { openaiRoutes } from './routes/openai.ts';
import { opsRoutes } from './routes/ops.ts';
import { pullRoutes } from './routes/pull.ts';
import { pushRoutes } from './routes/push.ts';
import { rerankRoute } from './routes/rerank.ts';
import { nestedDeeperThan } from './validate.ts';

/**
 * Go's encoding/json refuses JSON nested more than 10,000 deep; ours is lower, because the code that walks a
 * body (JSON schemas in `format`, tools, templates' data) recurses, and no real request nests past a few dozen.
 */
export const MAX_JSON_DEPTH = 1000;

export async function buildApp(ctx: ManagerContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log,
    // JSON bodies may carry base64 images (Fastify's default 1 MiB is far too small); blobs stream, unlimited.
    bodyLimit: ctx.config.maxBodySize,
    // Streams and model loads last minutes: never cut a request for taking long.
    requestTimeout: 0,
    forceCloseConnections: true,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, text, done) => {
    const s = String(text);
    if (s.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch (e) {
      return done(
        new BadRequestError(`invalid JSON in the request body: ${(e as Error).message}`),
        undefined,
      );
    }
    if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
      return done(
        new BadRequestError(`the request body nests JSON more than ${MAX_JSON_DEPTH} levels deep`),
        undefined,
      );
    }
    done(null, value);
  });

  const bodyTooLarge = new PayloadTooLargeError(
    `the request body is larger than the limit of ${mib(ctx.config.maxBodySize)} (OWNCHAT_MAX_BODY_SIZE); send a model file through /api/blobs`,
  );
  app.setErrorHandler(async (error, req, reply) => {
    let e: unknown = error;
    if ((error as { code?: string } | undefined)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      e = bodyTooLarge;
      // Read the rest of the upload (discarding it) before answering: closing on a client that is still
      // sending resets the connection, and it never reads the 413. Bounded in time; then the socket closes.
      if (await drained(req.raw, 30_000)) reply.removeHeader('connection');
    }
    const { status, message, headers } = errorStatus(e);
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
  const keys = apiKeyHook(ctx.config.apiKeys, ctx.config.metricsOpen);
  if (keys) app.addHook('onRequest', keys);
  // The routes as registered (HEAD twins included), so a test can check every one of them against the hooks.
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  registeredRoutes.set(app, routes);

  metaRoutes(app);
  cloudRoutes(app);
  opsRoutes(app, ctx);
  modelRoutes(app, ctx);
  generateRoutes(app, ctx);
  embedRoutes(app, ctx);
  rerankRoute(app, ctx, '/api/rerank');
  pullRoutes(app, ctx);
  pushRoutes(app, ctx);
  await app.register(async (scope) => blobRoutes(scope, ctx));
  await app.register(async (scope) => openaiRoutes(scope, ctx));
  await app.register(async (scope) => anthropicRoutes(scope, ctx));
  return app;
}

/** Resumes a request's body into nowhere; true once it has all arrived, false after `ms`. */
function drained(body: NodeJS.ReadableStream & { readableEnded?: boolean }, ms: number): Promise<boolean> {
  if (body.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = (ok: boolean) => () => {
      clearTimeout(timer);
      resolve(ok);
    };
    body.once('end', done(true));
    body.once('close', done(false));
    body.on('data', () => {});
    body.resume();
  });
}

/** A limit as it was most likely set: "256 MiB", or bytes when it is not a whole number of MiB. */
const mib = (n: number) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`);

export type RegisteredRoute = { method: string; url: string };
const registeredRoutes = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route the app serves (method and URL pattern), read from Fastify as routes were added. */
export function routesOf(app: FastifyInstance): RegisteredRoute[] {
  return registeredRoutes.get(app) ?? [];
}
