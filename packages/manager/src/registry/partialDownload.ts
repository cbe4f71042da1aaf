// A blob being downloaded, on disk: blobs/sha256-<hex>-partial holds the bytes (a sparse file of the blob's
// size, each part written at its own offset) and blobs/sha256-<hex>-partial.json how far each part got. The
// progress of every part is saved at least every PERSIST_EVERY bytes, after the bytes it counts are written, so
// a pull interrupted in any way (client gone, connection cut, process killed) resumes on the next pull, also
// after a restart, losing at most that much per part. Neither file matches BlobStore's blob names, so a partial
// download is never listed or served as a blob.
import type { FileHandle } from 'node:fs/promises';
import fs from 'node:fs/promises';
import { InsufficientStorageError } from '../errors.ts';
import type { BlobStore } from '../store/blobs.ts';

/** The most bytes a part may have written beyond its saved progress: what an interruption can cost per part. */
export const PERSIST_EVERY = 1024 * 1024;
/** Progress is saved in the background from this many unsaved bytes on, so writers rarely wait for it. */
const SAVE_SOON = (PERSIST_EVERY * 3) / 4;
/** Larger chunks are written in pieces so the bound above holds whatever the network hands us. */
const MAX_WRITE = 256 * 1024;

export type Part = { index: number; offset: number; size: number; completed: number };

type StateFile = { version: 1; digest: string; size: number; parts: Omit<Part, 'index'>[] };

const MiB = 1024 * 1024;

/** Ollama splits a blob into parts fetched in parallel; ours are 1/64 of the blob, 4..64 MiB, unless set. */
export function partSizeFor(size: number, configured?: number): number {
  if (configured) return configured;
  return Math.min(64 * MiB, Math.max(4 * MiB, Math.ceil(size / 64 / MiB) * MiB));
}

export class PartialDownload {
  private saving: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private saved: number[];
  private backgroundSaveError: unknown;
  /** Committed or discarded: nothing may be saved any more. */
  private finished = false;

  private constructor(
    private readonly blobs: BlobStore,
    readonly digest: string,
    readonly size: number,
    readonly parts: Part[],
    private readonly fh: FileHandle,
    /** Bytes found on disk from an earlier, interrupted download. */
    readonly resumedBytes: number,
  ) {
    this.saved = parts.map((p) => p.completed);
  }

  static dataPath(blobs: BlobStore, digest: string): string {
    return `${blobs.path(digest)}-partial`;
  }

  static statePath(blobs: BlobStore, digest: string): string {
    return `${blobs.path(digest)}-partial.json`;
  }

  /** Bytes an earlier download of this blob left on disk (0 when there is none or it cannot be resumed). */
  static async bytesOnDisk(blobs: BlobStore, digest: string, size: number): Promise<number> {
    const parts = await readState(blobs, digest, size);
    return parts ? parts.reduce((a, p) => a + p.completed, 0) : 0;
  }

  /** Resumes the download an earlier pull left behind, or starts a new one split into parts of partSize. */
  static async open(
    blobs: BlobStore,
    digest: string,
    size: number,
    partSize: number,
  ): Promise<PartialDownload> {
    await fs.mkdir(blobs.dir, { recursive: true });
    const data = PartialDownload.dataPath(blobs, digest);
    let parts = await readState(blobs, digest, size);
    if (parts) {
      const fh = await fs.open(data, 'r+').catch(() => undefined);
      if (fh && (await fh.stat()).size === size) {
        const resumed = parts.reduce((a, p) => a + p.completed, 0);
        return new PartialDownload(blobs, digest, size, parts, fh, resumed);
      }
      await fh?.close();
    }
    parts = [];
    for (let offset = 0, index = 0; offset < size; offset += partSize, index++) {
      parts.push({ index, offset, size: Math.min(partSize, size - offset), completed: 0 });
    }
    const fh = await fs.open(data, 'w+');
    try {
      await fh.truncate(size); // sparse: disk space is taken as bytes arrive
    } catch (e) {
      await fh.close();
      throw diskError(e, blobs, digest);
    }
    const download = new PartialDownload(blobs, digest, size, parts, fh, 0);
    await download.save();
    return download;
  }

  get completed(): number {
    let n = 0;
    for (const p of this.parts) n += p.completed;
    return n;
  }

  /** The bytes from 0 that are all on disk: what can be hashed already. */
  get contiguous(): number {
    let end = 0;
    for (const p of this.parts) {
      end = p.offset + p.completed;
      if (p.completed < p.size) break;
    }
    return end;
  }

  /** Writes the next bytes of a part, saving progress first when the unsaved bytes would exceed the bound. */
  async append(part: Part, chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; at += MAX_WRITE) {
      const piece = chunk.subarray(at, Math.min(chunk.length, at + MAX_WRITE));
      if (this.backgroundSaveError) throw this.backgroundSaveError;
      if (part.completed + piece.length - this.saved[part.index]! > PERSIST_EVERY) await this.save();
      try {
        await this.fh.write(piece, 0, piece.length, part.offset + part.completed);
      } catch (e) {
        throw diskError(e, this.blobs, this.digest);
      }
      part.completed += piece.length;
      if (part.completed - this.saved[part.index]! >= SAVE_SOON) {
        this.save().catch((e) => {
          this.backgroundSaveError = e;
        });
      }
    }
  }

  async read(buffer: Buffer, length: number, position: number): Promise<number> {
    return (await this.fh.read(buffer, 0, length, position)).bytesRead;
  }

  /**
   * Saves every part's progress. Saves run one at a time and each writes the progress as it is when it starts,
   * so a caller's promise resolves once a save begun after its call has landed; callers meanwhile share it.
   */
  save(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.saving) {
      this.saving = this.writeState().finally(() => {
        this.saving = undefined;
      });
      return this.saving;
    }
    this.queued = this.saving
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.save();
      });
    return this.queued;
  }

  /** Saves progress and closes the file, leaving the download to be resumed. */
  async suspend(): Promise<void> {
    if (this.finished) return;
    await this.save().catch(() => {});
    await this.fh.close().catch(() => {});
  }

  /** The download is complete and verified: it becomes the blob. */
  async commit(): Promise<void> {
    this.finished = true;
    await Promise.all([this.saving, this.queued]).catch(() => {});
    await this.fh.close();
    await fs.rename(PartialDownload.dataPath(this.blobs, this.digest), this.blobs.path(this.digest));
    await fs.rm(PartialDownload.statePath(this.blobs, this.digest), { force: true });
  }

  /** Deletes the partial download (its bytes are wrong): the next pull starts over. */
  async discard(): Promise<void> {
    this.finished = true;
    await Promise.all([this.saving, this.queued]).catch(() => {});
    await this.fh.close().catch(() => {});
    await fs.rm(PartialDownload.dataPath(this.blobs, this.digest), { force: true });
    await fs.rm(PartialDownload.statePath(this.blobs, this.digest), { force: true });
  }

  private async writeState(): Promise<void> {
    if (this.finished) return;
    const snapshot = this.parts.map((p) => p.completed);
    const state: StateFile = {
      version: 1,
      digest: this.digest,
      size: this.size,
      parts: this.parts.map((p, i) => ({ offset: p.offset, size: p.size, completed: snapshot[i]! })),
    };
    const file = PartialDownload.statePath(this.blobs, this.digest);
    // Written aside and renamed, so a kill mid-save leaves the previous progress, never half a file.
    try {
      await fs.writeFile(`${file}.tmp`, JSON.stringify(state));
      await fs.rename(`${file}.tmp`, file);
    } catch (e) {
      throw diskError(e, this.blobs, this.digest);
    }
    snapshot.forEach((n, i) => {
      this.saved[i] = Math.max(this.saved[i]!, n);
    });
  }
}

/** The saved parts, when they describe this very blob and can be trusted; undefined otherwise. */
async function readState(blobs: BlobStore, digest: string, size: number): Promise<Part[] | undefined> {
  let state: StateFile;
  try {
    state = JSON.parse(await fs.readFile(PartialDownload.statePath(blobs, digest), 'utf8')) as StateFile;
  } catch {
    return undefined;
  }
  if (state?.version !== 1 || state.digest !== digest || state.size !== size || !Array.isArray(state.parts)) {
    return undefined;
  }
  let offset = 0;
  const parts: Part[] = [];
  for (const [index, p] of state.parts.entries()) {
    const ok =
      p.offset === offset &&
      Number.isSafeInteger(p.size) &&
      p.size > 0 &&
      Number.isSafeInteger(p.completed) &&
      p.completed >= 0 &&
      p.completed <= p.size;
    if (!ok) return undefined;
    parts.push({ index, offset: p.offset, size: p.size, completed: p.completed });
    offset += p.size;
  }
  return offset === size ? parts : undefined;
}

function diskError(e: unknown, blobs: BlobStore, digest: string): Error {
  if ((e as { code?: string }).code === 'ENOSPC') {
    return new InsufficientStorageError(
      `the disk holding ${blobs.dir} is full: ${digest} could not be written. Free some space and pull again: the download resumes where it stopped`,
    );
  }
  return e as Error;
}
