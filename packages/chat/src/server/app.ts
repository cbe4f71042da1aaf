// The chatbot's HTTP server: the browser app's files, and the browser's /api. The browser talks only to this
// server; this server alone talks to the llm-manager.
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify';
import { registerAuth } from './auth.ts';
import type { ChatContext } from './context.ts';
import { errorStatus } from './errors.ts';
import { answerRoutes } from './routes/answers.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { imageRoutes } from './routes/images.ts';
import { metaRoutes } from './routes/meta.ts';
import { modelRoutes } from './routes/models.ts';
import { sessionRoutes } from './routes/session.ts';
import { statusRoutes } from './routes/status.ts';
import { userRoutes } from './routes/users.ts';
import { webBuilt } from './webAssets.ts';

/**
 * Nothing a model writes may run in the page: the markdown renderer already drops raw HTML and unsafe links, and
 * this policy stops scripts, frames and remote images (an image URL is a way to leak a conversation) as well.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export async function buildChatApp(ctx: ChatContext, webDist: string): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log,
    // Answers and pulls stream for as long as they take.
    requestTimeout: 0,
    bodyLimit: 8 * 1024 * 1024,
    // A field the API does not know is a mistake to report, not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
    // X-Forwarded-For and -Proto (the client's address for rate limits, https for Secure cookies) are believed
    // from these proxies only.
    trustProxy: ctx.auth.settings.trustedProxies.length ? ctx.auth.settings.trustedProxies : false,
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // Another web site may not make the browser change conversations here: a request that changes something
    // must come from this page (browsers always send Origin with those).
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.headers.origin) {
      const origin = URL.canParse(req.headers.origin) ? new URL(req.headers.origin).host : '';
      if (origin !== req.headers.host) {
        return reply.code(403).send({ error: `requests from ${req.headers.origin} are not allowed` });
      }
    }
  });

  app.setErrorHandler((error, req, reply) => {
    const { status, message } = errorStatus(error, ctx.upstream.url);
    if (status >= 500 && status !== 502 && status !== 503) req.log.error({ err: error }, message);
    const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
    if (status === 429 && retryAfterMs) reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
    return reply.code(status).send({ error: message });
  });

  // The routes as registered, with their schemas: the fuzz suite generates its requests from them, and a route
  // added later joins it without anyone listing it.
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, schema: r.schema });
  });
  registeredRoutes.set(app, routes);

  await registerAuth(app, ctx.auth, await ctx.auth.accounts.secret('csrf-key'));
  sessionRoutes(app, ctx);
  userRoutes(app, ctx);
  metaRoutes(app, ctx);
  conversationRoutes(app, ctx);
  answerRoutes(app, ctx);
  imageRoutes(app, ctx);
  modelRoutes(app, ctx);
  statusRoutes(app, ctx);

  if (webBuilt()) {
    await app.register(fastifyStatic, {
      root: webDist,
      // Vite puts a content hash in every asset's name: those never change; the page itself always revalidates.
      setHeaders: (res, file) => {
        res.setHeader(
          'cache-control',
          file.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
        if (file.endsWith('.html')) res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      },
    });
  }

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || req.method !== 'GET') {
      return reply.code(404).send({ error: `no such API route: ${req.method} ${req.url.split('?')[0]}` });
    }
    if (!webBuilt()) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The chatbot web app is not built yet. Run `npm run build -w @ownchat/chat` (npm ci does it), then reload.\n',
        );
    }
    // The app routes in the page (/c/12): every other path gets the page itself.
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
  return app;
}

export type RegisteredRoute = { method: string; url: string; schema?: FastifySchema };
const registeredRoutes = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route the chatbot serves (method, URL pattern and request schema), read from Fastify as routes were added. */
export function routesOf(app: FastifyInstance): RegisteredRoute[] {
  return registeredRoutes.get(app) ?? [];
}
