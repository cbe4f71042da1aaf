// One blob's download: its parts fetched with Range requests, a few at a time and in order, each resumed where
// its saved progress says; a part that stalls or is cut is retried from where it stopped; the bytes are hashed as
// they become contiguous and the blob enters the store only when its SHA-256 is the one the manifest promised.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CanceledError, DigestMismatchError, RegistryError } from '../errors.ts';
import { BlobLock } from '../store/blobLock.ts';
import type { BlobStore } from '../store/blobs.ts';
import { networkError, type RegistryClient } from './client.ts';
import { type Part, PartialDownload, partSizeFor } from './partialDownload.ts';
import { PrefixHash } from './prefixHash.ts';

/** Bytes of a response that may wait for the disk before its socket is paused. */
const WRITE_BEHIND = 1024 * 1024;

export type DownloadSettings = {
  /** Range requests in flight at once. */
  parallel: number;
  /** Bytes per part; undefined: partSizeFor's automatic size. */
  partSize?: number;
  /** No bytes for this long and a part is retried (the client's dispatcher enforces it). */
  stallTimeoutMs: number;
  /** Tries per part without progress before the download fails. */
  maxTries?: number;
  /** First pause between tries; it doubles with each failure. */
  retryDelayMs?: number;
  log?: (level: 'info' | 'warn', msg: string, extra?: object) => void;
  /** Hears the bytes downloaded, as they are written (for /metrics). */
  onBytes?: (bytes: number) => void;
};

export class BlobDownload {
  private file: PartialDownload | undefined;
  /** While another process holds the blob's lock: the bytes its partial download has on disk. */
  private othersCompleted = 0;
  private readonly abort = new AbortController();

  constructor(
    private readonly client: RegistryClient,
    private readonly blobs: BlobStore,
    readonly digest: string,
    readonly size: number,
    private readonly settings: DownloadSettings,
  ) {}

  /** Bytes on disk so far, resumed ones included. */
  get completed(): number {
    return this.file?.completed ?? this.othersCompleted;
  }

  /** Stops the download; its progress stays on disk for the next pull. */
  cancel(reason: Error = new CanceledError('pull canceled')): void {
    this.abort.abort(reason);
  }

  /**
   * Downloads, verifies and stores the blob. Rejects with the first failure, after saving what was fetched.
   * Another process on the same store downloading the blob is waited for (the store's lock), and then its blob
   * is used, or its partial download resumed.
   */
  async run(): Promise<void> {
    const lock = await BlobLock.acquire(this.blobs, this.digest, {
      signal: this.abort.signal,
      onWait: (h) =>
        this.log('info', `waiting for process ${h.pid} on ${h.host}, which is downloading ${this.digest}`),
      onPoll: async () => {
        this.othersCompleted = await PartialDownload.bytesOnDisk(this.blobs, this.digest, this.size);
      },
      onStale: (h) =>
        this.log('warn', `took over the download of ${this.digest} from process ${h.pid} on ${h.host}, gone`),
    });
    try {
      if (await this.blobs.has(this.digest)) return; // the other process finished it
      await this.download();
    } finally {
      await lock.release();
    }
  }

  private async download(): Promise<void> {
    const { signal } = this.abort;
    const file = await PartialDownload.open(
      this.blobs,
      this.digest,
      this.size,
      partSizeFor(this.size, this.settings.partSize),
    );
    this.file = file;
    if (file.resumedBytes > 0) {
      this.log('info', `resuming ${this.digest} at ${file.resumedBytes} of ${this.size} bytes`);
    }
    const hash = new PrefixHash(file, PartialDownload.dataPath(this.blobs, this.digest));
    try {
      hash.advance();
      const queue = file.parts.filter((p) => p.completed < p.size);
      const worker = async () => {
        for (let part = queue.shift(); part; part = queue.shift()) await this.fetchPart(file, part, hash);
      };
      const workers = Array.from({ length: Math.min(this.settings.parallel, queue.length) }, () =>
        worker().catch((e) => {
          this.abort.abort(e); // the first failure stops the other parts
          throw e;
        }),
      );
      await Promise.allSettled(workers);
      if (signal.aborted) throw signal.reason;
      const actual = await hash.digest();
      if (actual !== this.digest) {
        await file.discard();
        throw new DigestMismatchError(
          `digest mismatch, file must be downloaded again: want ${this.digest}, got ${actual} (the bytes from ${this.client.host} were corrupted on the way; the partial download was deleted, pull again)`,
        );
      }
      await file.commit();
    } catch (e) {
      hash.close();
      await file.suspend();
      throw e;
    }
  }

  private async fetchPart(file: PartialDownload, part: Part, hash: PrefixHash): Promise<void> {
    const { signal } = this.abort;
    const maxTries = this.settings.maxTries ?? 6;
    let failures = 0;
    while (part.completed < part.size) {
      if (signal.aborted) throw signal.reason;
      const before = part.completed;
      try {
        const start = part.offset + part.completed;
        const body = await this.client.blobRange(this.digest, start, part.offset + part.size - 1, signal);
        try {
          await this.receive(body, file, part, hash);
        } catch (e) {
          if (e instanceof DiskWriteError) throw e.cause; // a full disk is not the network's fault: no retry
          const host = this.client.host;
          throw networkError(
            host,
            e,
            this.settings.stallTimeoutMs,
            signal,
            `download from ${host} interrupted`,
          );
        } finally {
          body.destroy();
        }
        if (part.completed < part.size) {
          throw new RegistryError(`${this.client.host} ended the response early`, true);
        }
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        if (!(e instanceof RegistryError) || !e.retryable) throw e;
        if (part.completed > before) failures = 0; // progress was made: the link works, keep going
        failures++;
        if (failures >= maxTries) {
          throw new RegistryError(
            `downloading ${this.digest} from ${this.client.host} failed ${maxTries} times in a row: ${e.message}. Pull again to resume`,
          );
        }
        const delay = (this.settings.retryDelayMs ?? 250) * 2 ** (failures - 1);
        this.log('warn', `part ${part.index} of ${this.digest}: ${e.message}; retrying in ${delay} ms`);
        await sleep(delay, undefined, { signal }).catch(() => {});
      }
    }
  }

  /**
   * Writes a response body into its part. Chunks are taken from 'data' events as they came off the socket (an
   * async iterator would concatenate them first, a copy) and written in order while the socket keeps reading;
   * it pauses only when WRITE_BEHIND bytes wait for the disk. Settles once every accepted byte is written, so a
   * retry starts exactly where this response stopped.
   */
  private receive(body: Readable, file: PartialDownload, part: Part, hash: PrefixHash): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let accepted = part.completed;
      let waiting = 0;
      let writes = Promise.resolve();
      let failed = false;
      const settle = (e?: unknown) => {
        // What is held for a piece not yet whole is written too: the retry starts where this response stopped.
        writes = writes.then(async () => {
          await file.flush(part);
          hash.advance();
        });
        writes.then(
          () => (e ? reject(e) : resolve()),
          (diskError) => reject(new DiskWriteError(diskError)),
        );
      };
      body.on('data', (chunk: Buffer) => {
        const room = part.size - accepted;
        if (room <= 0 || failed) return;
        const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
        accepted += piece.length;
        waiting += piece.length;
        if (waiting > WRITE_BEHIND) body.pause();
        writes = writes.then(async () => {
          try {
            await file.append(part, piece);
          } catch (e) {
            failed = true;
            body.destroy();
            throw e;
          }
          hash.advance();
          this.settings.onBytes?.(piece.length);
          waiting -= piece.length;
          if (body.isPaused() && waiting <= WRITE_BEHIND / 2) body.resume();
        });
        writes.catch(() => settle()); // a failed write ends the response (destroyed: no 'end' or 'error')
        if (accepted >= part.size) settle();
      });
      body.on('end', () => settle());
      body.on('error', (e) => settle(e));
    });
  }

  private log(level: 'info' | 'warn', msg: string): void {
    this.settings.log?.(level, msg, { digest: this.digest });
  }
}

/** Wraps a failure to write to our own disk, so it is not mistaken for the network's. */
class DiskWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super('disk write failed');
  }
}
