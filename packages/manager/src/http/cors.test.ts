// CORS as Ollama answers it: the origin table, then real requests to a running llm-manager.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config/config.ts';
import { type RunningManager, startManager } from '../serve.ts';
import { allowedOrigins, originPolicy } from './cors.ts';

describe("Ollama's allowed origins", () => {
  const ollama = originPolicy(allowedOrigins([]));
  const extra = originPolicy(allowedOrigins(['https://chat.example.com', 'https://*.corp.example']));

  it.each([
    ['http://localhost', true],
    ['http://localhost:3000', true],
    ['https://127.0.0.1:8443', true],
    ['http://0.0.0.0:11434', true],
    ['HTTP://LOCALHOST:5173', true],
    ['app://obsidian.md', true],
    ['tauri://localhost', true],
    ['vscode-webview://abc123', true],
    ['chrome-extension://abcdefghijklmnop', true],
    ['moz-extension://1234-5678', true],
    ['http://localhost.evil.example', false],
    ['http://127.0.0.1.nip.io', false],
    ['https://chat.example.com', false],
    ['http://example.com', false],
    ['null', false],
  ])('%s → %s', (origin, allowed) => {
    expect(ollama.allows(origin)).toBe(allowed);
  });

  it('adds OLLAMA_ORIGINS, with * standing for any text', () => {
    expect(extra.allows('https://chat.example.com')).toBe(true);
    expect(extra.allows('https://team.corp.example')).toBe(true);
    expect(extra.allows('http://team.corp.example')).toBe(false);
    expect(extra.allows('https://chat.example.com.evil')).toBe(false);
    expect(extra.any).toBe(false);
    const any = originPolicy(allowedOrigins(['*']));
    expect(any.any).toBe(true);
    expect(any.allows('https://anything.example')).toBe(true);
  });
});

describe('CORS over HTTP', () => {
  let dir: string;
  let strict: RunningManager;
  let open: RunningManager;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-cors-'));
    const config = (env: Record<string, string>) =>
      readConfig({
        OLLAMA_HOST: '127.0.0.1:0',
        OLLAMA_MODELS: dir,
        OWNCHAT_LOG_LEVEL: 'warn',
        OWNCHAT_API_KEYS: 'cors-test-key',
        ...env,
      });
    strict = await startManager(config({ OLLAMA_ORIGINS: 'https://chat.example.com' }));
    open = await startManager(config({ OLLAMA_ORIGINS: '*' }));
  });

  afterAll(async () => {
    await strict?.close();
    await open?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const auth = { authorization: 'Bearer cors-test-key' };

  it('marks answers to an allowed origin', async () => {
    for (const origin of ['http://localhost:5173', 'https://chat.example.com']) {
      const res = await fetch(`${strict.url}/api/tags`, { headers: { origin, ...auth } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('vary')).toMatch(/Origin/);
    }
  });

  it('refuses a foreign origin with 403 before the handler runs', async () => {
    // A page elsewhere may send a "simple" POST with no preflight: it must not delete anything.
    const res = await fetch(`${strict.url}/api/delete`, {
      method: 'DELETE',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain', ...auth },
      body: JSON.stringify({ model: 'nothing-here' }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await res.json()).toEqual({
      error: expect.stringMatching(/origin https:\/\/evil.example is not allowed.*OLLAMA_ORIGINS/),
    });
    // The same request from an allowed origin reaches the handler (404: no such model).
    const allowed = await fetch(`${strict.url}/api/delete`, {
      method: 'DELETE',
      headers: { origin: 'http://127.0.0.1:3000', ...auth },
      body: JSON.stringify({ model: 'nothing-here' }),
    });
    expect(allowed.status).toBe(404);
  });

  it('answers a preflight without an API key (browsers send none), and refuses a foreign one', async () => {
    const preflight = (origin: string) =>
      fetch(`${strict.url}/v1/chat/completions`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, x-stainless-os',
        },
      });
    const ok = await preflight('vscode-webview://abc');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('vscode-webview://abc');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(
      /Authorization.*Content-Type.*x-stainless-os/,
    );
    expect((await preflight('https://evil.example')).status).toBe(403);
  });

  it('treats a page of this server itself as same-origin', async () => {
    const host = new URL(strict.url).host;
    const res = await fetch(`${strict.url}/api/version`, { headers: { origin: `http://${host}`, ...auth } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('OLLAMA_ORIGINS=* allows any origin with a wildcard header', async () => {
    const res = await fetch(`${open.url}/api/version`, { headers: { origin: 'https://x.example', ...auth } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});
