// The store's per-blob lock: in process for its rules (a live holder is waited for, a dead one taken over, a
// holder on another host only once it stops touching the file), then two real llm-manager processes on one store
// pulling the same model at once: the blob crosses the network once and ends whole.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type ManagerProcess,
  pushModel,
  type Registry,
  sha256File,
  startManagerProcess,
  startRegistry,
  startTcpProxy,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobLock, STALE_MS } from './blobLock.ts';
import { BlobStore } from './blobs.ts';

const MiB = 1024 * 1024;
const DIGEST = `sha256:${'ab'.repeat(32)}`;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-lock-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function newBlobs(): Promise<BlobStore> {
  return new BlobStore(await fs.mkdtemp(path.join(dir, 'blobs-')));
}

/** The pid of a process that has exited: a holder that died without releasing. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

describe('the blob lock', () => {
  it('makes a second taker wait until the first releases, and says who it waits for', async () => {
    const blobs = await newBlobs();
    const first = await BlobLock.acquire(blobs, DIGEST);
    const waits: number[] = [];
    let second: BlobLock | undefined;
    const taking = BlobLock.acquire(blobs, DIGEST, { pollMs: 10, onWait: (h) => waits.push(h.pid) }).then(
      (l) => {
        second = l;
      },
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toBeUndefined();
    expect(waits).toEqual([process.pid]);
    await first.release();
    await taking;
    expect(JSON.parse(await fs.readFile(BlobLock.path(blobs, DIGEST), 'utf8')).token).toBe(
      second!.holder.token,
    );
    await second!.release();
    expect(await fs.readdir(blobs.dir)).toEqual([]);
  });

  it('takes over a lock whose process is gone', async () => {
    const blobs = await newBlobs();
    const pid = await deadPid();
    await fs.writeFile(
      BlobLock.path(blobs, DIGEST),
      JSON.stringify({ pid, host: os.hostname(), token: 'x' }),
    );
    const stale: number[] = [];
    const lock = await BlobLock.acquire(blobs, DIGEST, { onStale: (h) => stale.push(h.pid) });
    expect(stale).toEqual([pid]);
    await lock.release();
    expect(await fs.readdir(blobs.dir)).toEqual([]);
  });

  it('waits for a holder on another host while it touches the lock, and takes over once it stops', async () => {
    const blobs = await newBlobs();
    const file = BlobLock.path(blobs, DIGEST);
    await fs.writeFile(file, JSON.stringify({ pid: 1, host: 'other-pod', token: 'y' }));
    const ac = new AbortController();
    const waiting = BlobLock.acquire(blobs, DIGEST, { pollMs: 10, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    ac.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up'); // fresh: pid 1 elsewhere is not ours to judge
    const old = new Date(Date.now() - STALE_MS - 1_000);
    await fs.utimes(file, old, old);
    const lock = await BlobLock.acquire(blobs, DIGEST, { pollMs: 10 });
    await lock.release();
  });

  it('lets only one of several waiters take over a stale lock', async () => {
    const blobs = await newBlobs();
    await fs.writeFile(
      BlobLock.path(blobs, DIGEST),
      JSON.stringify({ pid: await deadPid(), host: os.hostname(), token: 'z' }),
    );
    let holders = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const l = await BlobLock.acquire(blobs, DIGEST, { pollMs: 5 });
        most = Math.max(most, ++holders);
        await new Promise((r) => setTimeout(r, 20));
        holders--;
        await l.release();
      }),
    );
    expect(most).toBe(1);
  });
});

describe('two llm-managers on one store', () => {
  let registry: Registry;
  const servers: ManagerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await registry?.stop();
  });

  it('download a blob both pull at once only once, and both end with the model', async () => {
    registry = await startRegistry();
    const size = 12 * MiB;
    const file = path.join(dir, 'shared.bin');
    await fs.writeFile(file, randomBytes(size));
    const pushed = await pushModel(registry.url, 'library/shared:latest', file);
    const proxy = await startTcpProxy(registry.url);
    try {
      proxy.setRate(8 * MiB); // slow enough that the two pulls overlap
      const modelsDir = path.join(dir, 'shared-store');
      const env = { OWNCHAT_PULL_PART_SIZE: '2MiB' };
      const a = await startManagerProcess({ modelsDir, env });
      servers.push(a);
      const b = await startManagerProcess({ modelsDir, env });
      servers.push(b);
      const name = `${proxy.host}/library/shared`;
      const pull = async (s: ManagerProcess) => {
        const res = await fetch(`${s.url}/api/pull`, {
          method: 'POST',
          body: JSON.stringify({ model: name, insecure: true }),
        });
        return (await res.text())
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      };
      const first = pull(a);
      await proxy.whenBytes(2 * MiB); // a holds the lock and is downloading
      const [la, lb] = await Promise.all([first, pull(b)]);
      expect(la.at(-1)).toEqual({ status: 'success' });
      expect(lb.at(-1)).toEqual({ status: 'success' });
      expect(b.output()).toContain(`which is downloading ${pushed.modelDigest}`);
      // b reported a's progress while it waited, not nothing.
      const bModel = lb.filter((l) => l.digest === pushed.modelDigest).map((l) => Number(l.completed ?? 0));
      expect(new Set(bModel).size).toBeGreaterThan(1);
      expect(proxy.bytesDown).toBeLessThan(size + 256 * 1024);
      expect(await sha256File(path.join(modelsDir, 'blobs', pushed.modelDigest.replace(':', '-')))).toBe(
        pushed.modelDigest,
      );
      expect((await fs.readdir(path.join(modelsDir, 'blobs'))).filter((n) => n.includes('partial'))).toEqual(
        [],
      );
    } finally {
      await proxy.close();
    }
  });
});
