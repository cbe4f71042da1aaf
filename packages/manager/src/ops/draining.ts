// The server's draining state: on SIGTERM it stops taking new work (503), lets the requests it already took
// finish, and says when they have, so the process can exit without cutting a stream.
import type { ServerResponse } from 'node:http';

export class Draining {
  private draining = false;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  get isDraining(): boolean {
    return this.draining;
  }

  /** Requests taken and not yet answered to the end. */
  get inFlight(): number {
    return this.running;
  }

  /** From now on new requests are refused and readiness is false. */
  startDraining(): void {
    this.draining = true;
  }

  /** Counts a request as running until its response ends (or its client leaves). */
  track(res: ServerResponse): void {
    this.running++;
    res.once('close', () => {
      this.running--;
      if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Resolves true once no request runs, or false when timeoutMs passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(done);
    });
  }
}
