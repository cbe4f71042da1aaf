// OWNCHAT_PRELOAD against a real `ownchat serve`: /readyz waits for the model, which then stays loaded.
import fs from 'node:fs/promises';
import {
  type ManagerProcess,
  type ManagerWithModels,
  ollamaClient,
  pushModel,
  startManagerProcess,
  startManagerWithModels,
  startRegistry,
} from '@ownchat/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config/config.ts';

let setup: ManagerWithModels;
let store: string;
let detPath: string;
let server: ManagerProcess | undefined;

beforeAll(async () => {
  setup = await startManagerWithModels({ det: 'det' }, { prefix: 'preload' });
  // Each test starts its own manager on the store this one imported into.
  await setup.manager.stop();
  store = setup.manager.modelsDir;
  detPath = setup.files.det!;
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

afterAll(() => setup?.stop());

type Ps = { models: { name: string; expires_at: string }[] };

describe('OWNCHAT_PRELOAD', () => {
  it('/readyz answers 503 until the model is loaded, then 200; the model stays loaded', async () => {
    server = await startManagerProcess({ modelsDir: store, env: { OWNCHAT_PRELOAD: 'det' } });
    const url = server.url;
    const seen: { status: number; body: unknown }[] = [];
    for (let i = 0; i < 1500; i++) {
      const res = await fetch(`${url}/readyz`);
      seen.push({ status: res.status, body: await res.json() });
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // The load happens in a runner process that must start and read the file: the first probes find it loading.
    expect(seen[0]).toEqual({ status: 503, body: { status: 'not ready', reason: 'loading det' } });
    expect(seen.at(-1)).toEqual({ status: 200, body: { status: 'ready' } });
    // Alive all along, whatever the model does.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const ps = (await (await fetch(`${url}/api/ps`)).json()) as Ps;
    expect(ps.models.map((m) => m.name)).toEqual(['det:latest']);
    const yearFromNow = Date.now() + 365 * 24 * 3600_000;
    expect(Date.parse(ps.models[0]!.expires_at)).toBeGreaterThan(yearFromNow);

    // A request asking for a short keep-alive does not unload a preloaded model.
    await ollamaClient(url).generate({
      model: 'det',
      prompt: 'Go',
      keep_alive: '1s',
      options: { num_predict: 3 },
    });
    await new Promise((r) => setTimeout(r, 2500));
    const after = (await (await fetch(`${url}/api/ps`)).json()) as Ps;
    expect(after.models.map((m) => m.name)).toEqual(['det:latest']);
    expect(Date.parse(after.models[0]!.expires_at)).toBeGreaterThan(yearFromNow);
  });

  it('pulls a preload model the store lacks, then loads it', async () => {
    const registry = await startRegistry();
    try {
      await pushModel(registry.url, 'team/pulled:v1', detPath);
      const name = `${registry.url}/team/pulled:v1`; // http://…: a plain-http registry
      server = await startManagerProcess({ env: { OWNCHAT_PRELOAD: name } });
      const url = server.url;
      await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 60_000 }).toBe(200);
      const ps = (await (await fetch(`${url}/api/ps`)).json()) as Ps;
      expect(ps.models.map((m) => m.name)).toEqual([`${registry.url.replace('http://', '')}/team/pulled:v1`]);
      await fs.rm(server.modelsDir, { recursive: true, force: true });
    } finally {
      await registry.stop();
    }
  });

  it('stays unready, saying why, while a preload model can be neither found nor pulled, and retries', async () => {
    const registry = await startRegistry();
    await registry.stop(); // nothing listens there now
    const missing = `${registry.url}/library/missing:7b`;
    server = await startManagerProcess({ modelsDir: store, env: { OWNCHAT_PRELOAD: `det,${missing}` } });
    const url = server.url;
    await expect
      .poll(async () => ((await (await fetch(`${url}/readyz`)).json()) as { reason?: string }).reason ?? '', {
        timeout: 30_000,
      })
      .toMatch(
        /^cannot preload http:\/\/127\.0\.0\.1:\d+\/library\/missing:7b: pull model manifest: cannot reach registry 127\.0\.0\.1:\d+: connection refused/,
      );
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // The models it could load are loaded all the same.
    const ps = (await (await fetch(`${url}/api/ps`)).json()) as Ps;
    expect(ps.models.map((m) => m.name)).toEqual(['det:latest']);
    // It tries again (with a growing pause) rather than giving up.
    await expect
      .poll(() => server!.output().match(/cannot preload http:[^"]*missing:7b/g)?.length ?? 0, {
        timeout: 30_000,
      })
      .toBeGreaterThanOrEqual(2);
  });

  it('refuses to start with a malformed model name', () => {
    expect(() => readConfig({ OWNCHAT_PRELOAD: 'good:1b, bad name!' })).toThrow(
      /OWNCHAT_PRELOAD: invalid model name "bad name!"/,
    );
    expect(readConfig({ OWNCHAT_PRELOAD: ' a , b:2b ,' }).preload).toEqual(['a', 'b:2b']);
  });
});
