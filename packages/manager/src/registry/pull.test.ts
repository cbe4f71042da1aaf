// Pulls in process against a real registry (Debian's docker-registry on loopback), with faults from a TCP proxy
// the tests control: what arrives, what is resumed, what is refused, and what is measured through the proxy.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type AuthFront,
  type PushedModel,
  pushModel,
  type Registry,
  sha256File,
  startAuthFront,
  startRegistry,
  startTcpProxy,
  type TcpProxy,
} from '@ownchat/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DigestMismatchError, ForbiddenError, InsufficientStorageError, RegistryError } from '../errors.ts';
import { ModelStore } from '../store/modelStore.ts';

import { type PullProgress, type PullSettings, Pulls } from './pull.ts';

const MiB = 1024 * 1024;
const BIG = 16 * MiB;
const PART = 4 * MiB;
const PARTS = BIG / PART;
/**
 * What a pull interrupted in its process may fetch twice: only what was on its way when it stopped (bytes held
 * for a piece not yet whole are written first: partialDownload.ts), well under this per part.
 */
const IN_FLIGHT = 1 * MiB;

let registry: Registry;
let proxy: TcpProxy;
let dir: string;
let big: PushedModel;
let bigFile: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-pull-'));
  registry = await startRegistry();
  bigFile = path.join(dir, 'big.bin');
  await fs.writeFile(bigFile, randomBytes(BIG));
  big = await pushModel(registry.url, 'library/big:latest', bigFile, {
    template: '{{ .Prompt }}',
    system: 'You are big.',
    params: { temperature: 0.5 },
  });
});

afterAll(async () => {
  await registry?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A fresh store and puller, as a new server on an empty disk would have them. */
async function newPulls(settings: Partial<PullSettings> = {}, storeDir?: string) {
  const root = storeDir ?? (await fs.mkdtemp(path.join(dir, 'store-')));
  const store = new ModelStore(root);
  const warnings: string[] = [];
  const pulls = new Pulls(store, {
    allow: [],
    parallel: 4,
    partSize: PART,
    stallTimeoutMs: 1_000,
    retryDelayMs: 20,
    maxTries: 3,
    log: (level, msg) => {
      if (level === 'warn') warnings.push(msg);
    },
    ...settings,
  });
  cleanups.push(() => pulls.close());
  return { pulls, store, root, warnings };
}

async function newProxy(target = registry.url): Promise<TcpProxy> {
  const p = await startTcpProxy(target);
  cleanups.push(() => p.close());
  return p;
}

async function pull(pulls: Pulls, name: string, signal?: AbortSignal): Promise<PullProgress[]> {
  const lines: PullProgress[] = [];
  await pulls.pull(pulls.prepare(name, true), (p) => lines.push(JSON.parse(JSON.stringify(p))), signal);
  return lines;
}

/** Files in the blob folder that are not blobs: partial downloads and their progress. */
async function leftovers(root: string): Promise<string[]> {
  const names = await fs.readdir(path.join(root, 'blobs')).catch(() => [] as string[]);
  return names.filter((n) => !/^sha256-[a-f0-9]{64}$/.test(n));
}

describe('pull from a real registry', () => {
  it("streams Ollama's progress and stores the manifest and blobs as the registry has them", async () => {
    proxy = await newProxy();
    const { pulls, store, root } = await newPulls();
    const lines = await pull(pulls, `${proxy.host}/library/big`);

    expect(lines[0]).toEqual({ status: 'pulling manifest' });
    expect(lines.slice(-3)).toEqual([
      { status: 'verifying sha256 digest' },
      { status: 'writing manifest' },
      { status: 'success' },
    ]);
    const layers = [...big.layers, big.config];
    for (const layer of layers) {
      const mine = lines.filter((l) => l.digest === layer.digest);
      expect(mine.length).toBeGreaterThan(0);
      for (const l of mine) {
        expect(l.status).toBe(`pulling ${layer.digest.slice(7, 19)}`);
        expect(l.total).toBe(layer.size);
        expect(Object.keys(l).sort()).toEqual(
          l.completed === undefined
            ? ['digest', 'status', 'total']
            : ['completed', 'digest', 'status', 'total'],
        );
      }
      const completed = mine.map((l) => l.completed ?? 0);
      expect(completed).toEqual([...completed].sort((a, b) => a - b)); // never goes back
      expect(completed.at(-1)).toBe(layer.size);
    }
    // Layers in the manifest's order, then the config, as Ollama reports them.
    const order = [...new Set(lines.filter((l) => l.digest).map((l) => l.digest))];
    expect(order).toEqual(layers.map((l) => l.digest));

    const stored = await fs.readFile(path.join(root, 'manifests', proxy.host, 'library', 'big', 'latest'));
    expect(stored.equals(big.manifestBytes)).toBe(true);
    expect(await sha256File(store.blobs.path(big.modelDigest))).toBe(big.modelDigest);
    expect(await leftovers(root)).toEqual([]);
    const model = await store.resolve(`${proxy.host}/library/big`);
    expect(model).toMatchObject({
      template: '{{ .Prompt }}',
      system: 'You are big.',
      params: { temperature: 0.5 },
    });
    expect(`sha256:${model.digest}`).toBe(big.manifestDigest);
  });

  it('pulls a model with an empty layer (an empty system prompt)', async () => {
    const small = path.join(dir, 'small.bin');
    await fs.writeFile(small, randomBytes(1000));
    const pushed = await pushModel(registry.url, 'library/quiet:latest', small, { system: '' });
    const { pulls, store } = await newPulls();
    const lines = await pull(pulls, `${registry.host}/library/quiet`);
    const empty = pushed.layers[1]!;
    expect(empty.size).toBe(0);
    expect(lines.filter((l) => l.digest === empty.digest).at(-1)).toEqual({
      status: `pulling ${empty.digest.slice(7, 19)}`,
      digest: empty.digest,
    });
    expect((await store.resolve(`${registry.host}/library/quiet`)).system).toBe('');
  });

  it('reports a blob already present as complete at once and downloads nothing again', async () => {
    proxy = await newProxy();
    const { pulls } = await newPulls();
    await pull(pulls, `${proxy.host}/library/big`);
    proxy.resetCounters();
    const lines = await pull(pulls, `${proxy.host}/library/big:latest`);
    for (const layer of [...big.layers, big.config]) {
      expect(lines.filter((l) => l.digest === layer.digest)).toEqual([
        {
          status: `pulling ${layer.digest.slice(7, 19)}`,
          digest: layer.digest,
          total: layer.size,
          completed: layer.size,
        },
      ]);
    }
    expect(proxy.bytesDown).toBeLessThan(16 * 1024); // the manifest and headers only
  });

  it("says 'file does not exist' for an unknown model, after the manifest line", async () => {
    const { pulls } = await newPulls();
    const lines: PullProgress[] = [];
    const ref = pulls.prepare(`${registry.host}/library/nothing-here:v9`, true);
    await expect(pulls.pull(ref, (p) => lines.push(p))).rejects.toThrow(
      new RegistryError('pull model manifest: file does not exist'),
    );
    expect(lines).toEqual([{ status: 'pulling manifest' }]);
  });

  it('names the registry and the reason when it cannot be reached', async () => {
    const closed = await newProxy();
    await closed.close();
    const { pulls } = await newPulls();
    await expect(pull(pulls, `${closed.host}/library/big`)).rejects.toThrow(
      `pull model manifest: cannot reach registry ${closed.host}: connection refused (ECONNREFUSED)`,
    );
  });

  it('refuses names that do not parse, plain http without insecure, and models the allow-list omits', async () => {
    const { pulls } = await newPulls({ allow: ['qwen2.5', 'hf.co/bartowski/*'] });
    expect(() => pulls.prepare('a/b/c/d')).toThrow(/invalid model name "a\/b\/c\/d"/);
    expect(() => pulls.prepare('http://127.0.0.1:1/library/m')).toThrow(/"insecure": true/);
    expect(() => pulls.prepare('llama3.2')).toThrow(ForbiddenError);
    expect(() => pulls.prepare('llama3.2')).toThrow(
      'pulling "llama3.2" is not allowed on this server: OWNCHAT_PULL_ALLOW permits only qwen2.5, hf.co/bartowski/*',
    );
    expect(pulls.prepare('qwen2.5:0.5b').manifestUrl).toBe(
      'https://registry.ollama.ai/v2/library/qwen2.5/manifests/0.5b',
    );
    expect(pulls.prepare('hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M').origin).toBe('https://hf.co');
  });

  it('checks free disk space first and says how much is missing', async () => {
    const { pulls, root } = await newPulls({ freeBytes: async () => 5 * MiB });
    const lines: PullProgress[] = [];
    const err = await pulls
      .pull(pulls.prepare(`${registry.host}/library/big`, true), (p) => lines.push(p))
      .catch((e) => e);
    expect(err).toBeInstanceOf(InsufficientStorageError);
    expect(err.message).toMatch(
      new RegExp(
        `^not enough disk space to pull ${registry.host}/library/big:latest: it needs 16\\.8 MB more in .*blobs, which has 5\\.2 MB free$`,
      ),
    );
    expect(lines).toEqual([{ status: 'pulling manifest' }]);
    expect(await leftovers(root)).toEqual([]);
  });
});

describe('interrupted pulls resume', () => {
  it('resumes after the connection is cut mid-blob, re-fetching only what was in flight', async () => {
    proxy = await newProxy();
    const { pulls, store, root } = await newPulls();
    proxy.cutAfter(BIG / 2);
    const err = await pull(pulls, `${proxy.host}/library/big`).catch((e) => e);
    expect(proxy.faults.cuts).toBe(1);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toMatch(
      new RegExp(
        `^downloading ${big.modelDigest} from ${proxy.host} failed 3 times in a row: .+\\. Pull again to resume$`,
      ),
    );
    // The partial download is on disk, and is no blob: not listed, not a model.
    expect(await leftovers(root)).toEqual(
      expect.arrayContaining([
        `${big.modelDigest.replace(':', '-')}-partial`,
        `${big.modelDigest.replace(':', '-')}-partial.json`,
      ]),
    );
    expect(await store.blobs.list()).not.toContain(big.modelDigest);
    expect(await store.list()).toEqual([]);

    const firstTry = proxy.bytesDown;
    proxy.heal();
    proxy.resetCounters();
    await pull(pulls, `${proxy.host}/library/big`);
    const refetched = proxy.bytesDown - (BIG - firstTry);
    expect(proxy.bytesDown).toBeLessThan(BIG / 2 + PARTS * IN_FLIGHT);
    expect(refetched).toBeLessThanOrEqual(PARTS * IN_FLIGHT + 64 * 1024);
    expect(await sha256File(store.blobs.path(big.modelDigest))).toBe(big.modelDigest);
    expect(await leftovers(root)).toEqual([]);
  });

  it('retries a stalled part and completes', async () => {
    proxy = await newProxy();
    const { pulls, store, warnings } = await newPulls({ stallTimeoutMs: 500 });
    proxy.stallAfter(BIG / 3);
    await pull(pulls, `${proxy.host}/library/big`);
    expect(proxy.faults.stalls).toBe(1);
    expect(warnings.join('\n')).toMatch(
      /stalled: nothing received for 0\.5 s \(UND_ERR_BODY_TIMEOUT\); retrying/,
    );
    expect(await sha256File(store.blobs.path(big.modelDigest))).toBe(big.modelDigest);
  });

  it('deletes a download whose bytes were corrupted, says so, and writes no manifest', async () => {
    proxy = await newProxy();
    const { pulls, store, root } = await newPulls();
    proxy.corruptAfter(BIG / 2);
    const err = await pull(pulls, `${proxy.host}/library/big`).catch((e) => e);
    expect(proxy.faults.corruptions).toBe(1);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.message).toMatch(
      new RegExp(
        `^digest mismatch, file must be downloaded again: want ${big.modelDigest}, got sha256:[a-f0-9]{64} \\(the bytes from ${proxy.host} were corrupted on the way; the partial download was deleted, pull again\\)$`,
      ),
    );
    expect(await store.list()).toEqual([]);
    expect(await fs.readdir(path.join(root, 'manifests')).catch(() => [])).toEqual([]);
    expect(await leftovers(root)).toEqual([]);
    expect(await store.blobs.has(big.modelDigest)).toBe(false);
    // A clean link then gets it right.
    await pull(pulls, `${proxy.host}/library/big`);
    expect(await sha256File(store.blobs.path(big.modelDigest))).toBe(big.modelDigest);
  });

  it('stops downloading when the client goes away, and resumes on the next pull', async () => {
    proxy = await newProxy();
    proxy.setRate(16 * MiB);
    const { pulls, store } = await newPulls();
    const ac = new AbortController();
    const first = pull(pulls, `${proxy.host}/library/big`, ac.signal);
    await proxy.whenBytes(BIG / 2);
    ac.abort();
    await expect(first).rejects.toThrow();
    const atAbort = proxy.bytesDown;
    await new Promise((r) => setTimeout(r, 500));
    expect(proxy.bytesDown - atAbort).toBeLessThan(1 * MiB); // nothing more is fetched for nobody
    const firstTry = proxy.bytesDown;
    proxy.resetCounters();
    await pull(pulls, `${proxy.host}/library/big`);
    expect(proxy.bytesDown - (BIG - firstTry)).toBeLessThanOrEqual(PARTS * IN_FLIGHT + 64 * 1024);
    expect(await sha256File(store.blobs.path(big.modelDigest))).toBe(big.modelDigest);
  });

  it('shares one download between concurrent pulls of the same blob', async () => {
    proxy = await newProxy();
    proxy.setRate(32 * MiB);
    const { pulls, store } = await newPulls();
    const [a, b] = await Promise.all([
      pull(pulls, `${proxy.host}/library/big`),
      pull(pulls, `${proxy.host}/library/big:latest`),
    ]);
    expect(a.at(-1)).toEqual({ status: 'success' });
    expect(b.at(-1)).toEqual({ status: 'success' });
    // Both saw the bytes arrive, but they crossed the link once.
    for (const lines of [a, b]) {
      expect(lines.filter((l) => l.digest === big.modelDigest).length).toBeGreaterThan(1);
    }
    expect(proxy.bytesDown).toBeLessThan(BIG * 1.1);
    expect(await sha256File(store.blobs.path(big.modelDigest))).toBe(big.modelDigest);
  });
});

describe('registry auth and redirects', () => {
  let front: AuthFront;
  afterEach(async () => {
    await front?.close();
  });

  it('answers a Bearer challenge with a token from the realm', async () => {
    front = await startAuthFront(registry.url, { service: 'test-service' });
    const { pulls, store } = await newPulls();
    const lines = await pull(pulls, `${front.host}/library/big`);
    expect(lines.at(-1)).toEqual({ status: 'success' });
    expect(front.tokenRequests[0]).toEqual({ service: 'test-service', scope: 'repository:library/big:pull' });
    expect(front.registryRequests.filter((r) => r.authorized).length).toBeGreaterThan(PARTS);
    const manifestRequests = front.registryRequests.filter((r) => r.path.includes('/manifests/'));
    expect(manifestRequests.map((r) => [r.path, r.accept, r.authorized])).toEqual([
      ['/v2/library/big/manifests/latest', 'application/vnd.docker.distribution.manifest.v2+json', false],
      ['/v2/library/big/manifests/latest', 'application/vnd.docker.distribution.manifest.v2+json', true],
    ]);
    expect(await sha256File(store.blobs.path(big.modelDigest))).toBe(big.modelDigest);
  });

  it('follows a blob redirect to another host without sending it the Authorization header', async () => {
    front = await startAuthFront(registry.url, { redirectBlobs: true });
    const { pulls, store } = await newPulls();
    await pull(pulls, `${front.host}/library/big`);
    const blobRequests = front.cdnRequests.filter((r) => r.path.includes(big.modelDigest));
    expect(blobRequests.length).toBeGreaterThanOrEqual(PARTS); // one Range request per part at least
    expect(blobRequests.every((r) => r.range?.startsWith('bytes='))).toBe(true);
    expect(front.cdnRequests.filter((r) => r.authorization)).toEqual([]);
    expect(await sha256File(store.blobs.path(big.modelDigest))).toBe(big.modelDigest);
  });
});

describe('a newer version of a tag', () => {
  it('replaces the manifest and removes the blobs no other manifest uses', async () => {
    const v1File = path.join(dir, 'v1.bin');
    const v2File = path.join(dir, 'v2.bin');
    await fs.writeFile(v1File, randomBytes(MiB));
    await fs.writeFile(v2File, randomBytes(MiB));
    const v1 = await pushModel(registry.url, 'library/evolving:latest', v1File, { system: 'shared system' });
    const { pulls, store } = await newPulls();
    await pull(pulls, `${registry.host}/library/evolving`);
    await pull(pulls, `${registry.host}/library/big`);
    // Another model that uses v1's blobs keeps them alive.
    await store.copy(`${registry.host}/library/evolving`, 'keeper');

    const v2 = await pushModel(registry.url, 'library/evolving:latest', v2File, { system: 'shared system' });
    const lines = await pull(pulls, `${registry.host}/library/evolving`);
    expect(lines.slice(-4).map((l) => l.status)).toEqual([
      'verifying sha256 digest',
      'writing manifest',
      'removing unused layers',
      'success',
    ]);
    const m = await store.resolve(`${registry.host}/library/evolving`);
    expect(`sha256:${m.digest}`).toBe(v2.manifestDigest);
    expect(await store.blobs.has(v2.modelDigest)).toBe(true);
    expect(await store.blobs.has(v1.modelDigest)).toBe(true); // "keeper" still uses it
    expect(await store.blobs.has(v2.layers[1]!.digest)).toBe(true); // the shared system prompt stays

    // A third version: the second one's model blob and config are used by nothing else and go.
    const v3File = path.join(dir, 'v3.bin');
    await fs.writeFile(v3File, randomBytes(MiB));
    await pushModel(registry.url, 'library/evolving:latest', v3File, { system: 'shared system' });
    await pull(pulls, `${registry.host}/library/evolving`);
    expect(await store.blobs.has(v2.modelDigest)).toBe(false);
    expect(await store.blobs.has(v2.config.digest)).toBe(false);
    expect(await store.blobs.has(v1.modelDigest)).toBe(true);
    // Pulling the same version again replaces nothing.
    const again = await pull(pulls, `${registry.host}/library/evolving`);
    expect(again.map((l) => l.status)).not.toContain('removing unused layers');
  });

  it('keeps the blobs a new version no longer uses with OLLAMA_NOPRUNE (noPrune)', async () => {
    const aFile = path.join(dir, 'a.bin');
    const bFile = path.join(dir, 'b.bin');
    await fs.writeFile(aFile, randomBytes(MiB));
    await fs.writeFile(bFile, randomBytes(MiB));
    const a = await pushModel(registry.url, 'library/kept:latest', aFile);
    const { pulls, store } = await newPulls({ noPrune: true });
    await pull(pulls, `${registry.host}/library/kept`);
    await pushModel(registry.url, 'library/kept:latest', bFile);
    const lines = await pull(pulls, `${registry.host}/library/kept`);
    expect(lines.map((l) => l.status)).not.toContain('removing unused layers');
    expect(await store.blobs.has(a.modelDigest)).toBe(true);
  });
});
