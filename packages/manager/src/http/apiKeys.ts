// OWNCHAT_API_KEYS: with keys set, every route but the probes needs "Authorization: Bearer <key>" (or Anthropic's
// "x-api-key: <key>"). Keys are compared in constant time (SHA-256 digests of equal length, every key checked),
// and neither the keys nor the header ever reach a log line or an error message.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.ts';

/** Open to anyone: Ollama's "is it running" text and the probes a kubelet calls without credentials. */
export const OPEN_ROUTES = new Set(['/', '/healthz', '/readyz']);

const digest = (text: string) => createHash('sha256').update(text).digest();

/** True when `presented` is one of the keys; takes the same time whichever key matches, or none. */
export function keyMatches(presented: string, keyDigests: Buffer[]): boolean {
  const p = digest(presented);
  let found = false;
  for (const k of keyDigests) found = timingSafeEqual(p, k) || found;
  return found;
}

/**
 * The onRequest hook; undefined when no keys are set (everything is open, as in Ollama). `metricsOpen`
 * (OWNCHAT_METRICS_OPEN) adds /metrics to the open routes, for a scraper that cannot send a key.
 */
export function apiKeyHook(keys: string[], metricsOpen = false) {
  if (keys.length === 0) return undefined;
  const keyDigests = keys.map(digest);
  const open = metricsOpen ? new Set([...OPEN_ROUTES, '/metrics']) : OPEN_ROUTES;
  return async (req: FastifyRequest): Promise<void> => {
    const route = req.routeOptions.url;
    if (route !== undefined && open.has(route)) return;
    const header = req.headers.authorization;
    // Anthropic's SDKs (and Claude Code with ANTHROPIC_API_KEY) send the key as x-api-key.
    const apiKey = req.headers['x-api-key'];
    if (!header && typeof apiKey === 'string') {
      if (keyMatches(apiKey.trim(), keyDigests)) return;
      throw new UnauthorizedError('invalid API key: it is not one of the keys this server accepts');
    }
    if (!header) {
      throw new UnauthorizedError(
        'this server needs an API key: send the header "Authorization: Bearer <key>" (clients: set OWNCHAT_API_KEY)',
      );
    }
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m || !keyMatches(m[1]!, keyDigests)) {
      throw new UnauthorizedError('invalid API key: it is not one of the keys this server accepts');
    }
  };
}
