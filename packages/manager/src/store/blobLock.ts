// A lock file per blob being written, so that two servers on one store (two llm-managers on a shared volume, or
// `ownchat serve` beside Ollama-style tooling of ours) never download the same blob at once: the second waits for
// the first and then finds the blob there, or resumes the partial download the first left behind.
//
// blobs/sha256-<hex>-partial.lock is created with O_EXCL and holds {pid, host, token}. Its holder touches it
// every HEARTBEAT_MS. A lock is stale, and is taken over, when its process is gone (same host: kill(pid, 0)
// says so) or, for a holder on another host (two pods share a volume, and pids repeat across containers), when
// it has not been touched for STALE_MS. Taking over renames the stale file aside first: only one of several
// waiters can rename it, so only one takes over.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CanceledError } from '../errors.ts';
import type { BlobStore } from './blobs.ts';

export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 30_000;

export type LockHolder = { pid: number; host: string; token: string };

export type LockOptions = {
  signal?: AbortSignal;
  /** How often a waiter looks again. */
  pollMs?: number;
  /** Hears who holds the lock, once when waiting begins and again whenever the holder changes. */
  onWait?: (holder: LockHolder) => void;
  /** Called on every poll while waiting (to report the holder's progress). */
  onPoll?: () => void | Promise<void>;
  /** Hears a stale lock being taken over. */
  onStale?: (holder: LockHolder) => void;
  /** Seams for tests: this process and host, and how a pid is checked. */
  pid?: number;
  host?: string;
  isAlive?: (pid: number) => boolean;
};

export class BlobLock {
  private heartbeat: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {
    this.heartbeat = setInterval(() => {
      const now = new Date();
      fs.utimes(this.path, now, now).catch(() => {});
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  static path(blobs: BlobStore, digest: string): string {
    return `${blobs.path(digest)}-partial.lock`;
  }

  /** Takes the lock for a blob, waiting (polling) while a live process holds it. */
  static async acquire(blobs: BlobStore, digest: string, opts: LockOptions = {}): Promise<BlobLock> {
    const file = BlobLock.path(blobs, digest);
    const me: LockHolder = {
      pid: opts.pid ?? process.pid,
      host: opts.host ?? os.hostname(),
      token: randomBytes(8).toString('hex'),
    };
    const alive = opts.isAlive ?? isAlive;
    await fs.mkdir(blobs.dir, { recursive: true });
    let seen: string | undefined;
    for (;;) {
      if (opts.signal?.aborted) {
        throw opts.signal.reason instanceof Error ? opts.signal.reason : new CanceledError();
      }
      try {
        await fs.writeFile(file, JSON.stringify(me), { flag: 'wx' });
        return new BlobLock(file, me);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const found = await readHolder(file);
      if (found) {
        const { holder, mtimeMs } = found;
        const stale =
          holder === undefined || // unreadable: a holder killed between create and write
          (holder.host === me.host ? !alive(holder.pid) : Date.now() - mtimeMs > STALE_MS);
        if (stale && (holder !== undefined || Date.now() - mtimeMs > HEARTBEAT_MS)) {
          if (await takeOver(file, found.text)) {
            if (holder) opts.onStale?.(holder);
            continue;
          }
        } else if (holder && holder.token !== seen) {
          seen = holder.token;
          opts.onWait?.(holder);
        }
      }
      await opts.onPoll?.();
      await sleep(opts.pollMs ?? 250, undefined, { signal: opts.signal }).catch(() => {});
    }
  }

  /** Gives the lock up (only if it is still ours: a takeover by a waiter that judged us stale is left alone). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    const found = await readHolder(this.path);
    if (found?.holder?.token === this.holder.token) await fs.rm(this.path, { force: true });
  }
}

async function readHolder(
  file: string,
): Promise<{ holder: LockHolder | undefined; text: string; mtimeMs: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    let holder: LockHolder | undefined;
    try {
      const v = JSON.parse(text) as Partial<LockHolder>;
      if (Number.isInteger(v.pid) && typeof v.host === 'string' && typeof v.token === 'string') {
        holder = v as LockHolder;
      }
    } catch {}
    return { holder, text, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined; // released while we looked
  }
}

/**
 * Moves a stale lock aside; true when this process did so (the rename is atomic, so of several waiters that
 * judged it stale exactly one succeeds). If what was moved is no longer the stale lock (a waiter took over and
 * locked between our read and our rename), it is put back.
 */
async function takeOver(file: string, staleText: string): Promise<boolean> {
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch {
    return false;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => staleText);
  if (moved !== staleText) {
    await fs.link(aside, file).catch(() => {}); // a live lock: give it back (unless another was made since)
    await fs.rm(aside, { force: true });
    return false;
  }
  await fs.rm(aside, { force: true });
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}
