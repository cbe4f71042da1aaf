// A blob being downloaded, on disk: blobs/sha256-<hex>-partial holds the bytes (a sparse file of the blob's
// size, each part written at its own offset) and blobs/sha256-<hex>-partial.json how far each part got. A part's
// bytes are written in whole 2 MiB pieces at 2 MiB offsets (store/hugePageWrites.ts says why: the model is then
// mapped in huge pages), held in memory until their piece is whole; at most one piece of a part is ever written
// beyond its saved progress. So a pull interrupted in any way resumes on the next pull, also after a restart:
// when the connection is cut or the client goes away, what was held is written and saved first and nothing is
// lost; when the process is killed, at most LOST_AT_MOST bytes per part. Neither file matches BlobStore's blob
// names, so a partial download is never listed or served as a blob.
import type { FileHandle } from 'node:fs/promises';
import fs from 'node:fs/promises';
import { InsufficientStorageError } from '../errors.ts';
import type { BlobStore } from '../store/blobs.ts';
import { HUGE_PAGE, toBoundary } from '../store/hugePageWrites.ts';

/** What a killed process can cost a part: the piece it was filling, and the last one, if not yet saved. */
export const LOST_AT_MOST = 2 * HUGE_PAGE;

export type Part = { index: number; offset: number; size: number; completed: number };

type StateFile = { version: 1; digest: string; size: number; parts: Omit<Part, 'index'>[] };

const MiB = 1024 * 1024;

/**
 * Ollama splits a blob into parts fetched in parallel; ours are 1/64 of the blob, 4..64 MiB, unless set, and a
 * multiple of 2 MiB, so no piece is split between two parts (two half pieces are not a huge page).
 */
export function partSizeFor(size: number, configured?: number): number {
  if (configured) return configured;
  return Math.min(64 * MiB, Math.max(4 * MiB, Math.ceil(size / 64 / HUGE_PAGE) * HUGE_PAGE));
}

export class PartialDownload {
  private saving: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private saved: number[];
  /** Each part's bytes received and not yet written: less than a piece. */
  private held: Buffer[][];
  private heldBytes: number[];
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
    this.held = parts.map(() => []);
    this.heldBytes = parts.map(() => 0);
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

  /** Takes the next bytes of a part, and writes every piece they complete (and the part's last, when it ends). */
  async append(part: Part, chunk: Buffer): Promise<void> {
    const i = part.index;
    this.held[i]!.push(chunk);
    this.heldBytes[i]! += chunk.length;
    const start = part.offset + part.completed;
    const end = start + this.heldBytes[i]!;
    const partEnd = part.offset + part.size;
    const upTo = end >= partEnd ? partEnd : end - (end % HUGE_PAGE);
    if (upTo > start) await this.write(part, upTo - start);
  }

  /** Writes what is held for a part: a response ended between two boundaries, and every byte it gave is kept. */
  async flush(part: Part): Promise<void> {
    if (this.heldBytes[part.index]! > 0) await this.write(part, this.heldBytes[part.index]!);
  }

  /** Writes the first `bytes` held for a part, a piece at a time, none beyond a 2 MiB boundary. */
  private async write(part: Part, bytes: number): Promise<void> {
    const i = part.index;
    const held = Buffer.concat(this.held[i]!, this.heldBytes[i]!);
    const rest = held.subarray(bytes);
    this.held[i] = rest.length > 0 ? [rest] : [];
    this.heldBytes[i] = rest.length;
    for (let at = 0; at < bytes; ) {
      const position = part.offset + part.completed;
      const n = Math.min(bytes - at, toBoundary(position));
      if (this.backgroundSaveError) throw this.backgroundSaveError;
      // The last piece's progress lands before the next piece is written: one piece at most is ever unsaved.
      if (part.completed > this.saved[i]!) await this.save();
      try {
        await this.fh.write(held, at, n, position);
      } catch (e) {
        throw diskError(e, this.blobs, this.digest);
      }
      part.completed += n;
      at += n;
      this.save().catch((e) => {
        this.backgroundSaveError = e;
      });
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

  /** Writes what is held, saves progress and closes the file, leaving the download to be resumed. */
  async suspend(): Promise<void> {
    if (this.finished) return;
    for (const part of this.parts) await this.flush(part).catch(() => {});
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
