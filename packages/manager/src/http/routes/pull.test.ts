// POST /api/pull against a real `ownchat serve` and a real registry (Debian's docker-registry on loopback): the
// official ollama client's streaming pull, the wire format and statuses of every error, the allow-list, a pulled
// model answering /api/chat at once, and a server killed mid-pull that resumes after its restart.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type PushedModel,
  pushModel,
  type Registry,
  sha256File,
  startManagerProcess,
  startRegistry,
  startTcpProxy,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOST_AT_MOST } from '../../registry/partialDownload.ts';

const MiB = 1024 * 1024;
const PULL_ENV = { OWNCHAT_PULL_PART_SIZE: '2MiB', OWNCHAT_PULL_STALL_TIMEOUT: '2s' };

let registry: Registry;
let server: ManagerProcess;
let dir: string;
let det: PushedModel;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-pull-route-'));
  registry = await startRegistry();
  const gguf = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  det = await pushModel(registry.url, 'library/det:v1', gguf.path, { system: 'Be exact.' });
  server = await startManagerProcess({ env: PULL_ENV });
});

afterAll(async () => {
  await server?.stop();
  await registry?.stop();
  await fs.rm(dir, { recursive: true, force: true });
  if (server) await fs.rm(server.modelsDir, { recursive: true, force: true });
});

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/pull`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });

async function lines(res: Response): Promise<Record<string, unknown>[]> {
  return (await res.text())
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

describe('POST /api/pull', () => {
  it("streams through the ollama client's pull, and the model answers /api/chat at once", async () => {
    const { ollamaClient } = await import('@ownchat/testkit');
    const client = ollamaClient(server.url);
    const name = `${registry.host}/library/det:v1`;
    const progress = [];
    for await (const p of await client.pull({ model: name, insecure: true, stream: true })) progress.push(p);
    expect(progress[0]).toEqual({ status: 'pulling manifest' });
    expect(progress.at(-1)).toEqual({ status: 'success' });
    const model = progress.filter((p) => p.digest === det.modelDigest);
    expect(model.at(-1)).toMatchObject({ total: det.layers[0]!.size, completed: det.layers[0]!.size });

    // The bytes were counted for /metrics as they arrived.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const pulled = Number(/^ownchat_pulled_bytes_total (\d+)/m.exec(metrics)?.[1]);
    expect(pulled).toBeGreaterThanOrEqual(det.layers[0]!.size);

    const listed = (await client.list()).models.find((m) => m.name === name);
    expect(listed?.digest).toBe(det.manifestDigest.slice(7));
    const r = await client.chat({ model: name, messages: [{ role: 'user', content: 'Hi!' }] });
    expect(r.message.content).toBe(DETERMINISTIC_ANSWER);
    expect((await client.show({ model: name })).system).toBe('Be exact.');
  });

  it('streams NDJSON by default and answers one object with stream: false', async () => {
    const streamed = await post(server.url, { model: `${registry.host}/library/det:v1`, insecure: true });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toBe('application/x-ndjson');
    const body = await lines(streamed);
    expect(body.map((l) => l.status)).toEqual([
      'pulling manifest',
      `pulling ${det.modelDigest.slice(7, 19)}`,
      `pulling ${det.layers[1]!.digest.slice(7, 19)}`,
      `pulling ${det.config.digest.slice(7, 19)}`,
      'verifying sha256 digest',
      'writing manifest',
      'success',
    ]);
    const single = await post(server.url, {
      name: `${registry.host}/library/det:v1`,
      insecure: true,
      stream: false,
    });
    expect(single.status).toBe(200);
    expect(single.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await single.json()).toEqual({ status: 'success' });
  });

  it("answers an unknown model with Ollama's error line (200), or 500 with stream: false", async () => {
    const name = `${registry.host}/library/no-such-model`;
    const res = await post(server.url, { model: name, insecure: true });
    expect(res.status).toBe(200);
    expect(await lines(res)).toEqual([
      { status: 'pulling manifest' },
      { error: 'pull model manifest: file does not exist' },
    ]);
    const single = await post(server.url, { model: name, insecure: true, stream: false });
    expect(single.status).toBe(500);
    expect(await single.json()).toEqual({ error: 'pull model manifest: file does not exist' });
  });

  it('names the registry and why when it cannot be reached or spoken to', async () => {
    const gone = await startTcpProxy(registry.url);
    await gone.close();
    const res = await post(server.url, { model: `${gone.host}/library/det`, insecure: true });
    expect((await lines(res)).at(-1)).toEqual({
      error: `pull model manifest: cannot reach registry ${gone.host}: connection refused (ECONNREFUSED)`,
    });
    // https (the default) to a plain-http registry: the handshake fails, and the message says what to do.
    const plain = await post(server.url, { model: `${registry.host}/library/det:v1` });
    expect((await lines(plain)).at(-1)).toEqual({
      error: `pull model manifest: cannot reach registry ${registry.host}: TLS handshake failed (a plain-http registry needs "insecure": true) (ERR_SSL_WRONG_VERSION_NUMBER)`,
    });
  });

  it.each([
    [
      { model: 'a/b/c/d' },
      /^invalid model name "a\/b\/c\/d": expected \[host\/\]\[namespace\/\]model\[:tag\]$/,
    ],
    [{ model: 'bad name!' }, /^invalid model name "bad name!": model "bad name!" may hold only letters/],
    [{}, /^model is required$/],
    [{ model: 'det', insecure: 'yes' }, /^insecure must be true or false/],
    [{ model: 'http://127.0.0.1:9/library/m' }, /plain-http registry: pull it with "insecure": true/],
  ])('refuses %j with 400 saying why', async (body, message) => {
    const res = await post(server.url, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });
});

describe('OWNCHAT_PULL_ALLOW', () => {
  it('refuses other models with 403 and a message, and pulls the allowed ones', async () => {
    const guarded = await startManagerProcess({
      env: { ...PULL_ENV, OWNCHAT_PULL_ALLOW: `qwen2.5, ${registry.host}/library/det:*` },
    });
    try {
      const refused = await post(guarded.url, { model: `${registry.host}/library/other`, insecure: true });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({
        error: `pulling "${registry.host}/library/other" is not allowed on this server: OWNCHAT_PULL_ALLOW permits only qwen2.5, ${registry.host}/library/det:*`,
      });
      const ok = await post(guarded.url, {
        model: `${registry.host}/library/det:v1`,
        insecure: true,
        stream: false,
      });
      expect(ok.status).toBe(200);
    } finally {
      await guarded.stop();
      await fs.rm(guarded.modelsDir, { recursive: true, force: true });
    }
  });
});

describe('a server stopped mid-pull', () => {
  it('ends the pull at once on SIGTERM with a line saying so, instead of holding the drain', async () => {
    const size = 16 * MiB;
    const file = path.join(dir, 'slow.bin');
    await fs.writeFile(file, randomBytes(size));
    await pushModel(registry.url, 'library/slow:latest', file);
    const proxy = await startTcpProxy(registry.url);
    const stopping = await startManagerProcess({ env: PULL_ENV });
    try {
      proxy.setRate(2 * MiB); // 8 s for the whole blob: far longer than this test waits
      const pulling = post(stopping.url, { model: `${proxy.host}/library/slow`, insecure: true }).then(lines);
      await proxy.whenBytes(2 * MiB);
      const started = Date.now();
      expect(await stopping.stop('SIGTERM')).toBe(0);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await pulling).at(-1)).toEqual({
        error: 'the server is shutting down: pull again once it is back, the download resumes',
      });
      expect(proxy.bytesDown).toBeLessThan(size / 2);
    } finally {
      await proxy.close();
      await fs.rm(stopping.modelsDir, { recursive: true, force: true });
    }
  });

  it('resumes after its restart, re-fetching at most 4 MiB per part that was in flight', async () => {
    const size = 32 * MiB;
    const file = path.join(dir, 'huge.bin');
    await fs.writeFile(file, randomBytes(size));
    const huge = await pushModel(registry.url, 'library/huge:latest', file);
    const proxy = await startTcpProxy(registry.url);
    const parallel = 2;
    const env = { ...PULL_ENV, OWNCHAT_PULL_PART_SIZE: '4MiB', OWNCHAT_PULL_PARALLEL: String(parallel) };
    const first = await startManagerProcess({ env });
    const name = `${proxy.host}/library/huge`;
    try {
      proxy.setRate(8 * MiB);
      const pulling = post(first.url, { model: name, insecure: true }).then((r) => r.text());
      // Mid-part: parts 0..2 are done, 3 and 4 are on their way.
      await proxy.whenBytes(14 * MiB);
      first.child.kill('SIGKILL');
      await expect(pulling).rejects.toThrow();
      await first.stop();
      const firstTry = proxy.bytesDown;

      proxy.setRate(undefined);
      proxy.resetCounters();
      const second = await startManagerProcess({ env, modelsDir: first.modelsDir });
      try {
        // Not a model yet: the partial download is invisible.
        const tags = (await (await fetch(`${second.url}/api/tags`)).json()) as { models: unknown[] };
        expect(tags.models).toEqual([]);
        const res = await post(second.url, { model: name, insecure: true });
        expect((await lines(res)).at(-1)).toEqual({ status: 'success' });
        expect(second.output()).toMatch(new RegExp(`resuming ${huge.modelDigest} at \\d+ of ${size} bytes`));
      } finally {
        await second.stop();
      }
      const refetched = proxy.bytesDown - (size - firstTry);
      // It did resume: a new download would fetch all 32 MiB, a resumed one at most 18 + 2 × 4 MiB.
      expect(proxy.bytesDown).toBeLessThan(size - 4 * MiB);
      // A killed process loses the piece each part was filling and at most one piece written and not yet saved.
      expect(refetched).toBeLessThanOrEqual(parallel * LOST_AT_MOST + 256 * 1024);
      expect(await sha256File(path.join(first.modelsDir, 'blobs', huge.modelDigest.replace(':', '-')))).toBe(
        huge.modelDigest,
      );
    } finally {
      await proxy.close();
      await fs.rm(first.modelsDir, { recursive: true, force: true });
    }
  });
});
