// OWNCHAT_API_KEYS against every route the app registers (read from Fastify as routes are added), over real
// HTTP: a route added later without the key check fails this test without anyone listing it here.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config/config.ts';
import { type RunningManager, startManager } from '../serve.ts';
import { keyMatches, OPEN_ROUTES } from './apiKeys.ts';
import { routesOf } from './app.ts';

const KEYS = ['first-key-8d1f', 'second-key-77aa'];
let manager: RunningManager;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-keys-'));
  manager = await startManager(
    readConfig({
      OLLAMA_HOST: '127.0.0.1:0',
      OLLAMA_MODELS: dir,
      OWNCHAT_API_KEYS: KEYS.join(','),
      OWNCHAT_LOG_LEVEL: 'warn',
      OWNCHAT_NUM_THREADS: '1',
    }),
  );
});

afterAll(async () => {
  await manager?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A path that matches the route pattern (parameters and wildcards filled in). */
const pathOf = (url: string) => url.replace(/:\w+/g, 'x').replace('*', 'x');

async function call(method: string, url: string, authorization?: string) {
  const res = await fetch(`${manager.url}${pathOf(url)}`, {
    method,
    headers: authorization ? { authorization } : {},
  });
  const text = await res.text();
  return { status: res.status, text, challenge: res.headers.get('www-authenticate') };
}

describe('API keys', () => {
  it('reads every route group from Fastify, HEAD twins and scoped plugins included', () => {
    const routes = routesOf(manager.app).map((r) => `${r.method} ${r.url}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /',
        'HEAD /',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /api/tags',
        'POST /api/chat',
        'POST /api/generate',
        'DELETE /api/delete',
        'POST /api/blobs/:digest',
        'HEAD /api/blobs/:digest',
        'POST /v1/chat/completions',
        'GET /v1/models/*',
        'POST /v1/embeddings',
        'POST /v1/responses',
        'POST /v1/messages',
        'POST /v1/messages/count_tokens',
      ]),
    );
  });

  it('every route but /, /healthz and /readyz answers 401 without a key or with a wrong one, and serves a right one', async () => {
    const wrong: string[] = [];
    for (const { method, url } of routesOf(manager.app)) {
      const open = OPEN_ROUTES.has(url);
      for (const auth of [
        undefined,
        'Bearer not-a-key',
        'Basic Zmlyc3Qta2V5LThkMWY=',
        `Bearer ${KEYS[0]}x`,
      ]) {
        const r = await call(method, url, auth);
        if (open ? r.status === 401 : r.status !== 401) wrong.push(`${method} ${url} (${auth}): ${r.status}`);
        if (!open && r.challenge !== 'Bearer') wrong.push(`${method} ${url}: no WWW-Authenticate: Bearer`);
      }
      for (const key of KEYS) {
        for (const auth of [`Bearer ${key}`, `bearer  ${key}`]) {
          const r = await call(method, url, auth);
          if (r.status === 401) wrong.push(`${method} ${url} refused a right key: ${r.text}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("says how to send a key, in Ollama's error shape and in OpenAI's on /v1", async () => {
    const ollama = await call('GET', '/api/tags');
    expect(JSON.parse(ollama.text)).toEqual({
      error: expect.stringMatching(/needs an API key: send the header "Authorization: Bearer <key>"/),
    });
    const openai = await call('GET', '/v1/models', 'Bearer nope');
    expect(JSON.parse(openai.text)).toEqual({
      error: {
        message: expect.stringMatching(/invalid API key/),
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(openai.text).not.toContain('nope');
  });

  it("takes Anthropic's x-api-key header, and refuses /v1/messages in Anthropic's error shape", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${manager.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'none', messages: [] }),
      });
    const wrong = await post({ 'x-api-key': `${KEYS[1]}x` });
    expect(wrong.status).toBe(401);
    const body = await wrong.text();
    expect(JSON.parse(body)).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: expect.stringMatching(/invalid API key/) },
      request_id: expect.stringMatching(/^req_/),
    });
    expect(body).not.toContain(KEYS[1]);
    const missing = await post({});
    expect(missing.status).toBe(401);
    // A right key gets past the check: the model it names is not in the store.
    const right = await post({ 'x-api-key': KEYS[1]! });
    expect(right.status).toBe(404);
    expect(((await right.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
  });

  it('compares digests, every key each time', () => {
    const digests = KEYS.map((k) => createHash('sha256').update(k).digest());
    expect(keyMatches(KEYS[1]!, digests)).toBe(true);
    expect(keyMatches(KEYS[0]!, digests)).toBe(true);
    expect(keyMatches(`${KEYS[0]}`.slice(0, -1), digests)).toBe(false);
    expect(keyMatches('', digests)).toBe(false);
  });
});

describe('OWNCHAT_METRICS_OPEN', () => {
  it('opens /metrics alone (an endpoint picker scrapes it without a key); every other route still needs one', async () => {
    const open = await startManager(
      readConfig({
        OLLAMA_HOST: '127.0.0.1:0',
        OLLAMA_MODELS: dir,
        OWNCHAT_API_KEYS: KEYS.join(','),
        OWNCHAT_METRICS_OPEN: '1',
        OWNCHAT_LOG_LEVEL: 'warn',
        OWNCHAT_NUM_THREADS: '1',
      }),
    );
    try {
      const metrics = await fetch(`${open.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('vllm:num_requests_waiting');
      expect((await fetch(`${open.url}/api/tags`)).status).toBe(401);
      expect((await fetch(`${open.url}/api/ps`)).status).toBe(401);
    } finally {
      await open.close();
    }
    // Without the setting, the same scrape is refused (the first manager of this file).
    expect((await call('GET', '/metrics')).status).toBe(401);
  });
});
