// Pushes in process to a real registry (Debian's docker-registry on loopback), through a TCP proxy that counts
// and cuts the bytes sent, and through a Bearer-token front: Ollama's progress lines, blobs the registry has not
// sent again, a cut mid-blob retried, and the pushed model pulled back bit for bit.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type PushedModel,
  pushModel,
  type Registry,
  sha256File,
  startAuthFront,
  startRegistry,
  startTcpProxy,
  type TcpProxy,
} from '@ownchat/testkit';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelNotFoundError } from '../errors.ts';
import { createModel } from '../store/create.ts';
import { ModelStore } from '../store/modelStore.ts';
import { type PullProgress, Pulls } from './pull.ts';
import { Pushes, type PushSettings } from './push.ts';

const MiB = 1024 * 1024;
const BIG = 16 * MiB;
const CHUNK = 4 * MiB;

let registry: Registry;
let dir: string;
let big: PushedModel;
let store: ModelStore;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-push-'));
  registry = await startRegistry();
  const file = path.join(dir, 'big.bin');
  await fs.writeFile(file, randomBytes(BIG));
  big = await pushModel(registry.url, 'library/source:latest', file, {
    template: '{{ .Prompt }}',
    system: 'You are pushed.',
    params: { temperature: 0.5 },
  });
  // The model to push, in a store as a pull (or a create) leaves it.
  store = new ModelStore(path.join(dir, 'store'));
  await pullInto(store, `${registry.host}/library/source`);
  await store.copy(`${registry.host}/library/source`, 'team/mine:v1');
});

afterAll(async () => {
  await registry?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function pullInto(s: ModelStore, name: string): Promise<void> {
  const pulls = new Pulls(s, { allow: [], parallel: 2, stallTimeoutMs: 5_000 });
  try {
    await pulls.pull(pulls.prepare(name, true), () => {});
  } finally {
    await pulls.close();
  }
}

function newPushes(settings: Partial<PushSettings> = {}): Pushes {
  const pushes = new Pushes(store, {
    stallTimeoutMs: 2_000,
    chunkSize: CHUNK,
    retryDelayMs: 20,
    maxTries: 3,
    ...settings,
  });
  cleanups.push(() => pushes.close());
  return pushes;
}

async function newProxy(): Promise<TcpProxy> {
  const p = await startTcpProxy(registry.url);
  cleanups.push(() => p.close());
  return p;
}

/** Tags the store's model under `target` (as `ollama cp` before `ollama push` does) and pushes it. */
async function push(pushes: Pushes, target: string, signal?: AbortSignal): Promise<PullProgress[]> {
  await store.copy('team/mine:v1', target);
  const lines: PullProgress[] = [];
  await pushes.push(pushes.prepare(target, true), (p) => lines.push(JSON.parse(JSON.stringify(p))), signal);
  return lines;
}

async function registryManifest(repository: string, tag: string): Promise<Buffer> {
  const res = await request(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  expect(res.statusCode).toBe(200);
  return Buffer.from(await res.body.arrayBuffer());
}

describe('push to a real registry', () => {
  it("streams Ollama's progress and leaves the model on the registry as the store holds it", async () => {
    const proxy = await newProxy();
    const lines = await push(newPushes(), `${proxy.host}/team/pushed:v1`);

    expect(lines[0]).toEqual({ status: 'retrieving manifest' });
    expect(lines.slice(-2)).toEqual([{ status: 'pushing manifest' }, { status: 'success' }]);
    const layers = [...big.layers, big.config];
    // Layers in the manifest's order, then the config, as Ollama pushes them.
    expect([...new Set(lines.filter((l) => l.digest).map((l) => l.digest))]).toEqual(
      layers.map((l) => l.digest),
    );
    for (const layer of layers) {
      const mine = lines.filter((l) => l.digest === layer.digest);
      for (const l of mine) {
        expect(l.status).toBe(`pushing ${layer.digest.slice(7, 19)}`);
        expect(l.total).toBe(layer.size || undefined);
      }
      const completed = mine.map((l) => l.completed ?? 0);
      expect(completed).toEqual([...completed].sort((a, b) => a - b)); // never goes back
      expect(completed.at(-1)).toBe(layer.size);
    }
    // The big layer went in chunks, each reported.
    const modelLines = lines.filter((l) => l.digest === big.modelDigest).map((l) => l.completed ?? 0);
    expect(modelLines).toEqual(expect.arrayContaining([CHUNK, 2 * CHUNK, 3 * CHUNK, BIG]));
    expect(proxy.bytesUp).toBeGreaterThan(BIG);
    expect(proxy.bytesUp).toBeLessThan(BIG + 256 * 1024);

    // The registry serves the same manifest bytes, so the model keeps its digest; pulled back, it is whole.
    const local = await store.resolve(`${proxy.host}/team/pushed:v1`);
    const remote = await registryManifest('team/pushed', 'v1');
    expect(remote.equals(await fs.readFile(store.manifests.path(local.name)))).toBe(true);
    const back = new ModelStore(await fs.mkdtemp(path.join(dir, 'back-')));
    await pullInto(back, `${registry.host}/team/pushed:v1`);
    const pulled = await back.resolve(`${registry.host}/team/pushed:v1`);
    expect(pulled.digest).toBe(local.digest);
    expect(await sha256File(back.blobs.path(big.modelDigest))).toBe(big.modelDigest);
    expect(pulled).toMatchObject({ system: 'You are pushed.', params: { temperature: 0.5 } });
  });

  it('does not send a blob the registry has: one line with completed == total, found by HEAD', async () => {
    const proxy = await newProxy();
    const pushes = newPushes();
    await push(pushes, `${proxy.host}/team/twice:v1`);
    proxy.resetCounters();
    const lines = await push(pushes, `${proxy.host}/team/twice:v2`);
    for (const layer of [...big.layers, big.config]) {
      expect(lines.filter((l) => l.digest === layer.digest)).toEqual([
        {
          status: `pushing ${layer.digest.slice(7, 19)}`,
          digest: layer.digest,
          total: layer.size || undefined,
          completed: layer.size || undefined,
        },
      ]);
    }
    expect(proxy.bytesUp).toBeLessThan(16 * 1024); // HEADs and the manifest only
    expect((await registryManifest('team/twice', 'v2')).length).toBeGreaterThan(0);
  });

  it('mounts the blobs of a model created FROM one on the same registry, sending none of them (Ollama: from)', async () => {
    const proxy = await newProxy();
    // Pulled through the proxy, so the base model lives on the registry pushed to; a new model built on it.
    await pullInto(store, `${proxy.host}/library/source`);
    await createModel(
      store,
      { model: 'team/derived:v1', from: `${proxy.host}/library/source`, system: 'Derived.' },
      () => {},
    );
    const target = `${proxy.host}/team/derived:v1`;
    await store.copy('team/derived:v1', target);
    proxy.resetCounters();
    const pushes = newPushes();
    const lines: PullProgress[] = [];
    await pushes.push(pushes.prepare(target, true), (p) => lines.push(JSON.parse(JSON.stringify(p))));
    expect(lines.at(-1)).toEqual({ status: 'success' });
    // The 16 MiB model layer is mounted from library/source (201), not uploaded: only requests, the new system
    // layer, the config and the manifest go up.
    expect(proxy.bytesUp).toBeLessThan(64 * 1024);
    const blob = await request(`${registry.url}/v2/team/derived/blobs/${big.modelDigest}`, {
      method: 'HEAD',
    });
    await blob.body.dump();
    expect(blob.statusCode).toBe(200);
    const manifest = JSON.parse((await registryManifest('team/derived', 'v1')).toString()) as {
      layers: { digest: string; from?: string }[];
    };
    expect(manifest.layers.find((l) => l.digest === big.modelDigest)?.from).toBe(
      `${proxy.host}/library/source:latest`,
    );
  });

  it('retries a blob whose connection is cut mid-chunk, and the registry ends with the right bytes', async () => {
    const proxy = await newProxy();
    const warnings: string[] = [];
    const pushes = newPushes({ log: (level, msg) => level === 'warn' && warnings.push(msg) });
    proxy.cutUpAfter(BIG / 2 + CHUNK / 2); // in the middle of the third chunk
    const lines = await push(pushes, `${proxy.host}/team/cut:v1`);
    expect(proxy.faults.cuts).toBe(1);
    expect(warnings).toEqual([`push of ${big.modelDigest.slice(7, 19)} interrupted, retrying`]);
    expect(lines.at(-1)).toEqual({ status: 'success' });
    // What is sent again: from the offset the registry reports holding. distribution 2.8 answers a session
    // whose PATCH was cut with BLOB_UPLOAD_INVALID (the bytes it kept no longer match the session's state), so
    // here the blob starts over in a new session: the part before the cut, then the whole blob.
    expect(proxy.bytesUp).toBeGreaterThan(BIG / 2 + CHUNK / 2 + BIG);
    expect(proxy.bytesUp).toBeLessThan(2 * BIG + 256 * 1024);
    const back = new ModelStore(await fs.mkdtemp(path.join(dir, 'back-')));
    await pullInto(back, `${registry.host}/team/cut:v1`);
    expect(await sha256File(back.blobs.path(big.modelDigest))).toBe(big.modelDigest);
  });

  it('fails with a message naming the blob and the registry when the registry stays unreachable', async () => {
    const proxy = await newProxy();
    const pushes = newPushes({ maxTries: 2 });
    await store.copy('team/mine:v1', `${proxy.host}/team/gone:v1`);
    const ref = pushes.prepare(`${proxy.host}/team/gone:v1`, true);
    proxy.cutUpAfter(CHUNK / 2);
    const done = pushes.push(ref, () => {});
    await proxy.whenBytes(1); // the first answers went back: the upload runs
    await proxy.close();
    const err = await done.catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(`^(pushing ${big.modelDigest} to ${proxy.host} failed|cannot reach registry ${proxy.host})`),
    );
  });

  it("says couldn't retrieve manifest for a model the store lacks, then fails with 404's error", async () => {
    const pushes = newPushes();
    const lines: PullProgress[] = [];
    const ref = pushes.prepare(`${registry.host}/team/nothing:v1`, true);
    const err = await pushes.push(ref, (p) => lines.push(p)).catch((e) => e);
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect(lines).toEqual([{ status: 'retrieving manifest' }, { status: "couldn't retrieve manifest" }]);
  });

  it('refuses a plain-http name without insecure, before anything is sent', () => {
    expect(() => newPushes().prepare(`http://${registry.host}/team/x:v1`)).toThrow(/insecure/);
  });
});

describe('push with Bearer auth', () => {
  it('answers the challenge with a token for pull,push and sends every write with it', async () => {
    const front = await startAuthFront(registry.url, { service: 'push-service' });
    cleanups.push(() => front.close());
    const lines = await push(newPushes(), `${front.host}/team/authed:v1`);
    expect(lines.at(-1)).toEqual({ status: 'success' });
    expect(front.tokenRequests).toContainEqual({
      service: 'push-service',
      scope: 'repository:team/authed:pull,push',
    });
    const uploads = front.registryRequests.filter((r) => r.path.includes('/blobs/uploads/'));
    expect(uploads.length).toBeGreaterThan(BIG / CHUNK);
    expect(uploads.filter((r) => r.authorized).length).toBeGreaterThanOrEqual(BIG / CHUNK);
    expect((await registryManifest('team/authed', 'v1')).length).toBeGreaterThan(0);
  });
});
