// CORS as Ollama answers it (server/routes.go with gin-contrib/cors, origins from envconfig.AllowedOrigins):
// pages on localhost, 127.0.0.1 and 0.0.0.0 (any port, http or https), desktop-app and editor webview schemes,
// browser extensions, and the extra origins of OLLAMA_ORIGINS ("*" wildcards; "*" alone allows any origin).
// A request from any other origin gets 403 before it does anything: our JSON parser accepts any content type,
// so a foreign page's "simple" POST (no preflight) must not reach a handler.
//
// Written here rather than with @fastify/cors: that plugin omits the headers for a refused origin but still runs
// the handler, and Ollama's users rely on the 403 and on its wildcard matching.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../errors.ts';

/** Ollama's envconfig.AllowedOrigins: the extra origins first, then the ones always allowed. */
export function allowedOrigins(extra: string[]): string[] {
  const origins = [...extra];
  for (const host of ['localhost', '127.0.0.1', '0.0.0.0']) {
    origins.push(`http://${host}`, `https://${host}`, `http://${host}:*`, `https://${host}:*`);
  }
  origins.push('app://*', 'file://*', 'tauri://*', 'vscode-webview://*', 'vscode-file://*');
  return origins;
}

// gin-contrib/cors AllowBrowserExtensions.
const EXTENSION_SCHEMES = [
  'chrome-extension://',
  'safari-extension://',
  'moz-extension://',
  'ms-browser-extension://',
];

// Ollama's AllowHeaders: the usual ones and those the OpenAI SDKs send.
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'User-Agent',
  'Accept',
  'X-Requested-With',
  'OpenAI-Beta',
  'x-stainless-arch',
  'x-stainless-async',
  'x-stainless-custom-poll-interval',
  'x-stainless-helper-method',
  'x-stainless-lang',
  'x-stainless-os',
  'x-stainless-package-version',
  'x-stainless-poll-helper',
  'x-stainless-retry-count',
  'x-stainless-runtime',
  'x-stainless-runtime-version',
  'x-stainless-timeout',
].join(', ');
const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS';
const PREFLIGHT_MAX_AGE_S = String(12 * 3600);

export type OriginPolicy = { any: boolean; allows: (origin: string) => boolean };

/** gin-contrib/cors matching: exact (case-insensitive), or one "*" standing for any text in between. */
export function originPolicy(patterns: string[]): OriginPolicy {
  const lower = patterns.map((p) => p.trim().toLowerCase()).filter(Boolean);
  const any = lower.includes('*');
  const allows = (origin: string) => {
    const o = origin.toLowerCase();
    if (any || EXTENSION_SCHEMES.some((s) => o.startsWith(s))) return true;
    return lower.some((p) => {
      const star = p.indexOf('*');
      if (star < 0) return p === o;
      const prefix = p.slice(0, star);
      const suffix = p.slice(star + 1);
      return o.length >= prefix.length + suffix.length && o.startsWith(prefix) && o.endsWith(suffix);
    });
  };
  return { any, allows };
}

/** The onRequest hook: answers preflights, refuses foreign origins, and marks allowed answers. */
export function corsHook(extraOrigins: string[]) {
  const policy = originPolicy(allowedOrigins(extraOrigins));
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const origin = req.headers.origin;
    if (!origin) return; // not a browser's cross-origin request
    // A page served by this very server (its own host) is same-origin, whatever the list says.
    if (origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`) return;
    if (!policy.allows(origin)) {
      throw new ForbiddenError(
        `origin ${origin} is not allowed to call this server: add it to OLLAMA_ORIGINS (comma-separated) on the server`,
      );
    }
    reply.header('access-control-allow-origin', policy.any ? '*' : origin);
    if (!policy.any) reply.header('vary', 'Origin');
    if (req.method === 'OPTIONS') {
      // A preflight: browsers send it without credentials, so it is answered here, before the API-key check.
      reply.header('access-control-allow-methods', ALLOWED_METHODS);
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', PREFLIGHT_MAX_AGE_S);
      reply.code(204).send();
    }
  };
}
