// SHA-256 of a blob while it downloads. SHA-256 must see the bytes in order, and parts arrive out of order, so
// the hash follows the contiguous prefix on disk (parts are fetched in order, a few at a time, so the prefix keeps
// moving), reading it back from the page cache. For a large blob that runs on a worker thread: hashing costs as
// much CPU as receiving and writing the bytes, and on its own core it leaves the event loop free for the sockets.
// When the last part lands only the tail is left to hash, so verifying a multi-gigabyte blob adds no long pause
// after its download (Ollama reads the whole blob again to verify it). Small blobs are hashed once complete.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { PartialDownload } from './partialDownload.ts';

/** Blobs up to this size are hashed in one go at the end: a worker would cost more than it saves. */
const WORKER_FROM = 16 * 1024 * 1024;
/** The worker hears of new contiguous bytes in steps of this much. */
const STEP = 4 * 1024 * 1024;

// Plain JavaScript evaluated by the worker: no TypeScript loader is needed to start it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const hash = createHash('sha256');
const fd = fs.openSync(workerData.path, 'r');
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
let hashed = 0;
parentPort.on('message', ({ upTo, finish }) => {
  try {
    while (hashed < upTo) {
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, upTo - hashed), hashed);
      if (n <= 0) throw new Error('unexpected end of the partial download at byte ' + hashed);
      hash.update(buffer.subarray(0, n));
      hashed += n;
    }
    if (finish) {
      fs.closeSync(fd);
      parentPort.postMessage({ digest: 'sha256:' + hash.digest('hex') });
    }
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  }
});
`;

export class PrefixHash {
  private worker: Worker | undefined;
  private told = 0;
  private readonly answer: Promise<string> | undefined;

  constructor(
    private readonly file: PartialDownload,
    dataPath: string,
  ) {
    if (file.size < WORKER_FROM) return;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: dataPath } });
    this.worker = worker;
    this.answer = new Promise<string>((resolve, reject) => {
      worker.on('message', (m: { digest?: string; error?: string }) => {
        if (m.digest) resolve(m.digest);
        else reject(new Error(`hashing ${file.digest}: ${m.error}`));
      });
      worker.on('error', reject);
      worker.on('exit', () => reject(new Error(`hashing ${file.digest}: the worker stopped`)));
    });
    this.answer.catch(() => {}); // surfaced by digest()
  }

  /** More of the blob may be on disk: the worker hashes whatever has become contiguous. */
  advance(): void {
    const upTo = this.file.contiguous;
    if (this.worker && upTo - this.told >= STEP) {
      this.told = upTo;
      this.worker.postMessage({ upTo });
    }
  }

  /** The blob's digest ("sha256:<hex>"), once every byte is on disk. */
  async digest(): Promise<string> {
    if (this.worker && this.answer) {
      this.worker.postMessage({ upTo: this.file.size, finish: true });
      try {
        return await this.answer;
      } finally {
        this.close();
      }
    }
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(Math.min(this.file.size, 1024 * 1024) || 1);
    for (let at = 0; at < this.file.size; ) {
      const n = await this.file.read(buffer, Math.min(buffer.length, this.file.size - at), at);
      if (n <= 0) throw new Error(`unexpected end of the partial download of ${this.file.digest} at ${at}`);
      hash.update(buffer.subarray(0, n));
      at += n;
    }
    return `sha256:${hash.digest('hex')}`;
  }

  /** Stops the worker (a download that failed or was canceled). */
  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
