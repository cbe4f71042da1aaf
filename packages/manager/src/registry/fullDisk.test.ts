// Pulls into a store on a disk that is really full (issue 19): a small tmpfs mounted for the test (this needs root
// and mount permission; elsewhere the tests skip and say why). A real `ownchat serve`, a real registry on loopback
// behind a throttling proxy. A pull that cannot fit answers 507 and says how much space it needs; a disk that
// fills up mid-download answers 507 too, leaves the store as it was (the models there still list and answer), and
// the partial download resumes once space is freed.
import { execFileSync } from 'node:child_process';
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
  type TcpProxy,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MiB = 1024 * 1024;
const DISK = 48 * MiB;

let dir: string;
let disk: string;
let mounted = false;
let whyNot = '';
let registry: Registry;
let proxy: TcpProxy;
let server: ManagerProcess;
let det: PushedModel;

/** Mounts a tmpfs of `bytes` at `where`; false (and why) where mounting is not permitted. */
function mountTmpfs(where: string, bytes: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', where], { stdio: 'pipe' });
    return true;
  } catch (e) {
    whyNot = `cannot mount a tmpfs here (${String((e as { stderr?: Buffer }).stderr ?? e).trim()}): needs root and mount permission`;
    return false;
  }
}

const freeOn = async (p: string) => {
  const s = await fs.statfs(p);
  return s.bavail * s.bsize;
};

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-full-disk-'));
  disk = path.join(dir, 'disk');
  await fs.mkdir(disk);
  mounted = mountTmpfs(disk, DISK);
  if (!mounted) return;
  registry = await startRegistry();
  proxy = await startTcpProxy(registry.url);
  const gguf = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  det = await pushModel(registry.url, 'library/det:v1', gguf.path);
  server = await startManagerProcess({
    modelsDir: path.join(disk, 'models'),
    env: { OWNCHAT_PULL_PART_SIZE: '4MiB', OWNCHAT_PULL_PARALLEL: '2', OWNCHAT_PULL_STALL_TIMEOUT: '5s' },
  });
});

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
  await registry?.stop();
  if (mounted) execFileSync('umount', ['-l', disk]);
  await fs.rm(dir, { recursive: true, force: true });
});

const pull = (model: string, signal?: AbortSignal) =>
  fetch(`${server.url}/api/pull`, {
    method: 'POST',
    body: JSON.stringify({ model, insecure: true, stream: false }),
    signal: signal ?? AbortSignal.timeout(60_000),
  });

async function chatWithDet(): Promise<string> {
  const res = await fetch(`${server.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({
      model: `${proxy.host}/library/det:v1`,
      stream: false,
      messages: [{ role: 'user', content: 'Hi!' }],
    }),
    signal: AbortSignal.timeout(60_000),
  });
  return ((await res.json()) as { message?: { content: string }; error?: string }).message?.content ?? '';
}

async function tags(): Promise<string[]> {
  const r = (await (await fetch(`${server.url}/api/tags`)).json()) as { models: { name: string }[] };
  return r.models.map((m) => m.name).sort();
}

describe('a pull into a full disk', () => {
  it('pulls a model that fits (the store the other cases must leave intact)', async (t) => {
    if (!mounted) return t.skip(whyNot);
    const res = await pull(`${proxy.host}/library/det:v1`);
    expect(res.status).toBe(200);
    expect(await chatWithDet()).toBe(DETERMINISTIC_ANSWER);
    expect(det.layers.length).toBeGreaterThan(0);
  });

  it('answers 507 with the space needed when the model cannot fit', async (t) => {
    if (!mounted) return t.skip(whyNot);
    const file = path.join(dir, 'huge.bin');
    await fs.writeFile(file, randomBytes(DISK + 8 * MiB));
    await pushModel(registry.url, 'library/huge:latest', file);
    const res = await pull(`${proxy.host}/library/huge`);
    expect(res.status).toBe(507);
    const { error } = (await res.json()) as { error: string };
    expect(error).toMatch(
      /^not enough disk space to pull .*huge:latest: it needs [\d.]+ MB more in .*blobs, which has [\d.]+ MB free$/,
    );
    // Nothing was written, and the store is as it was.
    const blobs = await fs.readdir(path.join(disk, 'models', 'blobs'));
    expect(blobs.filter((n) => !/^sha256-[a-f0-9]{64}$/.test(n))).toEqual([]);
    expect(await tags()).toEqual([`${proxy.host}/library/det:v1`]);
  });

  it('answers 507 when the disk fills mid-download, keeps the store whole, and resumes once space is freed', async (t) => {
    if (!mounted) return t.skip(whyNot);
    const size = 24 * MiB;
    const file = path.join(dir, 'mid.bin');
    await fs.writeFile(file, randomBytes(size));
    const mid = await pushModel(registry.url, 'library/mid:latest', file);
    const name = `${proxy.host}/library/mid`;
    proxy.resetCounters();
    proxy.setRate(4 * MiB);
    const pulling = pull(name);
    // A third of the way in, something else on the machine takes all the free space.
    await proxy.whenBytes(8 * MiB);
    const filler = path.join(disk, 'filler');
    await fs.writeFile(filler, Buffer.alloc(Math.max(0, (await freeOn(disk)) - 64 * 1024))).catch(() => {});
    proxy.setRate(undefined);
    const res = await pulling;
    expect(res.status).toBe(507);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^the disk holding .*blobs is full: sha256:[a-f0-9]{64} could not be written\. Free some space and pull again: the download resumes where it stopped$/,
    );
    // The store is whole: the model that was there lists and answers; the half-pulled one is not a model.
    expect(await tags()).toEqual([`${proxy.host}/library/det:v1`]);
    await fs.rm(filler);
    expect(await chatWithDet()).toBe(DETERMINISTIC_ANSWER);

    proxy.resetCounters();
    const again = await pull(name);
    expect(again.status).toBe(200);
    expect(server.output()).toMatch(new RegExp(`resuming ${mid.modelDigest} at \\d+ of ${size} bytes`));
    expect(proxy.bytesDown).toBeLessThan(size); // it resumed rather than starting over
    expect(await sha256File(path.join(disk, 'models', 'blobs', mid.modelDigest.replace(':', '-')))).toBe(
      mid.modelDigest,
    );
    expect(await tags()).toEqual([`${proxy.host}/library/det:v1`, `${proxy.host}/library/mid:latest`].sort());
  });
});
