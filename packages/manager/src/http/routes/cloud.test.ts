// The cloud routes answered as an Ollama with cloud turned off answers them (server/routes.go, cloud_proxy.go,
// internal/cloud/policy.go), and /api/version naming the Ollama release whose API is followed: over real HTTP on
// loopback, through the official client where it has a method.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ollamaClient } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../config/config.ts';
import { OLLAMA_API_VERSION } from '../../context.ts';
import { type RunningManager, startManager } from '../../serve.ts';
import { fakeDevices } from '../../testing/fakeDevices.ts';

let manager: RunningManager;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-cloud-'));
  manager = await startManager(
    readConfig({ OLLAMA_HOST: '127.0.0.1:0', OLLAMA_MODELS: dir, OWNCHAT_LOG_LEVEL: 'silent' }),
    {
      devices: fakeDevices(16 * 1024 ** 3, {}),
      startRunner: () => {
        throw new Error('no model is loaded by these tests');
      },
    },
  );
});

afterAll(async () => {
  await manager?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const call = async (method: string, route: string, body?: string) => {
  const res = await fetch(`${manager.url}${route}`, {
    method,
    body,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('an Ollama with cloud turned off', () => {
  it('says so at /api/status (api.StatusResponse)', async () => {
    expect(await call('GET', '/api/status')).toEqual({
      status: 200,
      body: { cloud: { disabled: true, source: 'config' } },
    });
  });

  it.each([
    ['/api/experimental/web_search', '{"query":"ollama"}', 'web search is unavailable'],
    ['/api/experimental/web_fetch', '{"url":"https://ollama.com"}', 'web fetch is unavailable'],
  ])('refuses %s with 403 and the disabled message', async (route, body, operation) => {
    expect(await call('POST', route, body)).toEqual({
      status: 403,
      body: { error: `ollama cloud is disabled: ${operation}` },
    });
  });

  it('answers a web search without a body with 400 first, as Ollama checks the body before the cloud', async () => {
    const r = await call('POST', '/api/experimental/web_search');
    expect(r).toEqual({ status: 400, body: { error: 'missing request body' } });
  });

  it('recommends only the models that run locally', async () => {
    const r = await call('GET', '/api/experimental/model-recommendations');
    expect(r.status).toBe(200);
    const recs = r.body.recommendations as { model: string; description: string; vram_bytes?: number }[];
    expect(recs.map((x) => x.model)).toEqual(['gemma4', 'qwen3.5']);
    expect(recs.every((x) => !x.model.endsWith(':cloud') && Number.isInteger(x.vram_bytes))).toBe(true);
  });

  it.each([
    ['POST', '/api/me'],
    ['POST', '/api/signout'],
    ['DELETE', '/api/user/keys/c29tZS1rZXk'],
  ])('has no account to show or sign out of: %s %s', async (method, route) => {
    expect(await call(method, route)).toEqual({ status: 403, body: { error: 'ollama cloud is disabled' } });
  });
});

describe('/api/version', () => {
  it('names the Ollama release whose API is followed', async () => {
    expect(OLLAMA_API_VERSION).toBe('0.32.15');
    expect(await ollamaClient(manager.url).version()).toEqual({ version: '0.32.15' });
  });
});

describe('a cloud model asked of an Ollama with cloud turned off', () => {
  it.each([
    ['/api/generate', { model: 'gpt-oss:20b-cloud', prompt: 'hi' }, 'remote model is unavailable'],
    ['/api/chat', { model: 'qwen3:cloud', messages: [] }, 'remote model is unavailable'],
    ['/api/embed', { model: 'embeddinggemma:cloud', input: 'hi' }, 'remote model is unavailable'],
    ['/api/show', { model: 'gpt-oss:120b:cloud' }, 'remote model details are unavailable'],
  ])(
    '%s answers 403 with the disabled message, not 404 (server/routes.go)',
    async (route, body, operation) => {
      expect(await call('POST', route, JSON.stringify(body))).toEqual({
        status: 403,
        body: { error: `ollama cloud is disabled: ${operation}` },
      });
    },
  );

  it('reads :local as the local model (none here: 404) and refuses both suffixes with 400', async () => {
    expect((await call('POST', '/api/show', '{"model":"nosuch:8b:local"}')).status).toBe(404);
    expect(await call('POST', '/api/generate', '{"model":"foo:cloud:local","prompt":"hi"}')).toEqual({
      status: 400,
      body: { error: 'use either :local or :cloud, not both: "foo:cloud:local"' },
    });
  });
});
