// POST /api/push over real HTTP (an in-process server with the runner seam faked: nothing is loaded) to a real
// registry: Ollama's NDJSON progress by default, one object with stream: false, an unknown model as Ollama
// reports it (its error line after "couldn't retrieve manifest", or 404 with stream: false), and 400 for
// requests that cannot be pushed at all. Uploads, retries and auth in depth: registry/push.test.ts.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importModel, type Registry, startRegistry, writeDeterministicModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../config/config.ts';
import { type RunningManager, startManager } from '../../serve.ts';
import { fakeDevices } from '../../testing/fakeDevices.ts';

let manager: RunningManager;
let registry: Registry;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-push-route-'));
  registry = await startRegistry();
  manager = await startManager(
    readConfig({ OLLAMA_HOST: '127.0.0.1:0', OLLAMA_MODELS: dir, OWNCHAT_LOG_LEVEL: 'silent' }),
    {
      devices: fakeDevices(16 * 1024 ** 3, {}),
      startRunner: () => {
        throw new Error('pushing loads no model');
      },
    },
  );
  const gguf = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  await importModel(manager.url, `${registry.host}/team/det:v1`, gguf.path);
});

afterAll(async () => {
  await manager?.close();
  await registry?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

const push = (body: unknown) =>
  fetch(`${manager.url}/api/push`, { method: 'POST', body: JSON.stringify(body) });

const lines = async (res: Response) =>
  (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('POST /api/push', () => {
  it('streams NDJSON by default and answers one object with stream: false', async () => {
    const res = await push({ model: `${registry.host}/team/det:v1`, insecure: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const out = await lines(res);
    expect(out[0]).toEqual({ status: 'retrieving manifest' });
    expect(out.some((l) => String(l.status).startsWith('pushing ') && l.digest)).toBe(true);
    expect(out.slice(-2)).toEqual([{ status: 'pushing manifest' }, { status: 'success' }]);

    const once = await push({ name: `${registry.host}/team/det:v1`, insecure: true, stream: false });
    expect(once.status).toBe(200);
    expect(await once.json()).toEqual({ status: 'success' });
  });

  it("reports an unknown model after 'couldn't retrieve manifest' (200), or 404 with stream: false", async () => {
    const name = `${registry.host}/team/none:v1`;
    const res = await push({ model: name, insecure: true });
    expect(res.status).toBe(200);
    expect(await lines(res)).toEqual([
      { status: 'retrieving manifest' },
      { status: "couldn't retrieve manifest" },
      { error: `model '${name}' not found` },
    ]);
    const once = await push({ model: name, insecure: true, stream: false });
    expect(once.status).toBe(404);
    expect(await once.json()).toEqual({ error: `model '${name}' not found` });
  });

  it.each([
    [{}, /model is required/],
    [{ model: 'bad name!' }, /invalid model name/],
    [{ model: 'a/b/c/d' }, /invalid model name/],
    [{ model: 'det', insecure: 'yes' }, /insecure must be true or false/],
    [
      { model: 'http://127.0.0.1:9/team/det:v1' },
      /plain-http registry: push it with "insecure": true \(ollama push --insecure\)/,
    ],
  ])('refuses %j with 400 saying why', async (body, message) => {
    const res = await push(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });
});

describe('POST /api/push with OWNCHAT_PULL_ALLOW set', () => {
  it('refuses a push to a name the allow-list leaves out with 403, before any progress', async () => {
    const bounded = await startManager(
      readConfig({
        OLLAMA_HOST: '127.0.0.1:0',
        OLLAMA_MODELS: dir,
        OWNCHAT_LOG_LEVEL: 'silent',
        OWNCHAT_PULL_ALLOW: 'registry.ollama.ai/*',
      }),
      { devices: fakeDevices(16 * 1024 ** 3, {}), startRunner: () => ({}) as never },
    );
    try {
      const res = await fetch(`${bounded.url}/api/push`, {
        method: 'POST',
        body: JSON.stringify({ model: `${registry.host}/team/det:v1`, insecure: true }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(
        /pushing ".*team\/det:v1" is not allowed on this server: OWNCHAT_PULL_ALLOW, which also bounds pushes, permits only registry\.ollama\.ai\/\*/,
      );
    } finally {
      await bounded.close();
    }
  });
});
