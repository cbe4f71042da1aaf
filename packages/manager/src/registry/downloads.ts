// The blob downloads running in this server, one per digest: concurrent pulls that need the same blob wait on
// one download and see the same progress. A download runs while someone waits for it; when its last waiter
// goes (client disconnected), it stops and leaves its progress on disk for the next pull.
import { CanceledError } from '../errors.ts';
import type { BlobStore } from '../store/blobs.ts';
import { BlobDownload, type DownloadSettings } from './blobDownload.ts';
import type { RegistryClient } from './client.ts';

/** How often a waiter hears the progress (Ollama reports every 60 ms). */
const PROGRESS_EVERY_MS = 100;

const SHUTTING_DOWN = 'the server is shutting down: pull again once it is back, the download resumes';

type Running = { download: BlobDownload; finished: Promise<void>; waiters: number; stopping: boolean };

export class Downloads {
  private readonly running = new Map<string, Running>();
  private closed = false;

  constructor(
    private readonly blobs: BlobStore,
    readonly settings: DownloadSettings,
  ) {}

  /**
   * Resolves once the blob is in the store: downloaded now, joined from another pull, or found there.
   * `progress` hears the bytes on disk at once, then every PROGRESS_EVERY_MS, and the total at the end.
   */
  async fetch(
    client: RegistryClient,
    digest: string,
    size: number,
    progress: (completed: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.closed) throw new CanceledError(SHUTTING_DOWN);
      const current = this.running.get(digest);
      if (current?.stopping) {
        // Its last waiter left and it is saving its progress: start again once that is on disk.
        await current.finished.catch(() => {});
        continue;
      }
      if (current) return this.wait(current, progress, signal);
      if (await this.blobs.has(digest)) {
        progress(size);
        return;
      }
      if (this.running.has(digest)) continue; // another pull started it while we looked
      const download = new BlobDownload(client, this.blobs, digest, size, this.settings);
      const entry: Running = { download, finished: download.run(), waiters: 0, stopping: false };
      entry.finished
        .catch(() => {})
        .finally(() => {
          if (this.running.get(digest) === entry) this.running.delete(digest);
        });
      this.running.set(digest, entry);
      return this.wait(entry, progress, signal);
    }
  }

  /** Stops every download (server shutdown); their progress stays on disk. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.running.values()];
    for (const r of all) {
      r.stopping = true;
      r.download.cancel(new CanceledError(SHUTTING_DOWN));
    }
    await Promise.allSettled(all.map((r) => r.finished));
  }

  private async wait(
    entry: Running,
    progress: (completed: number) => void,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    entry.waiters++;
    progress(entry.download.completed);
    const timer = setInterval(() => progress(entry.download.completed), PROGRESS_EVERY_MS);
    let onAbort: (() => void) | undefined;
    const gone = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new CanceledError());
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([entry.finished, gone]);
      progress(entry.download.size);
    } finally {
      clearInterval(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      gone.catch(() => {});
      entry.waiters--;
      if (entry.waiters === 0 && signal?.aborted) {
        entry.stopping = true;
        entry.download.cancel(new CanceledError('every client waiting for this download went away'));
      }
    }
  }
}
