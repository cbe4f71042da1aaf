// A first-in-first-out lock with a fixed number of holders. Waiting is abortable: a request whose client left
// while it waited is dropped from the queue instead of being served to nobody.
import { CanceledError } from '../errors.ts';

export class Fifo {
  private holders = 0;
  private waiting: { grant: () => void; fail: (e: Error) => void }[] = [];

  constructor(private readonly capacity = 1) {}

  get busy(): boolean {
    return this.holders > 0 || this.waiting.length > 0;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a place is free; rejects with CanceledError if signal aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new CanceledError());
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.holders--;
      this.next();
    };
    if (this.holders < this.capacity && this.waiting.length === 0) {
      this.holders++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.holders++;
          resolve(release);
        },
        fail: (e: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        this.waiting = this.waiting.filter((w) => w !== entry);
        reject(new CanceledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Fails everyone still waiting (the model is going away). */
  failWaiting(e: Error): void {
    for (const w of this.waiting.splice(0)) w.fail(e);
  }

  private next(): void {
    const w = this.waiting.shift();
    if (w) w.grant();
  }
}
