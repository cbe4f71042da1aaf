// OWNCHAT_PRELOAD: models loaded at start and kept loaded, so the first user does not wait for a load and a
// readiness probe (/readyz) holds traffic back until they are in memory.
//
// Preloading loads what the store has; it does not pull a missing model yet (the pull module is not on main):
// a missing model keeps the server unready and says so, which an operator sees in /readyz and the log.
import type { ManagerContext } from './context.ts';
import { loadOrUnload } from './inference.ts';

export type PreloadState =
  | { ready: true }
  | {
      ready: false;
      /** What is missing, for /readyz and the operator reading it. */
      reason: string;
    };

export class Preloader {
  private pending: string[];
  private failures: string[] = [];
  /** Model files that stay loaded whatever keep_alive a request asks for. */
  private readonly pinned = new Set<string>();

  constructor(readonly names: string[]) {
    this.pending = [...names];
  }

  state(): PreloadState {
    if (this.failures.length) return { ready: false, reason: this.failures.join('; ') };
    if (this.pending.length) return { ready: false, reason: `loading ${this.pending.join(', ')}` };
    return { ready: true };
  }

  /**
   * The keep-alive a request's model gets: a preloaded model stays loaded (an explicit unload, keep_alive 0 with
   * no prompt, still unloads it; the next request loads it again).
   */
  keepAliveFor(modelPath: string, requestedMs: number): number {
    return this.pinned.has(modelPath) ? Number.POSITIVE_INFINITY : requestedMs;
  }

  /** Loads each model in turn (one at a time: loads compete for memory and disk); never throws. */
  async run(ctx: ManagerContext): Promise<void> {
    for (const name of this.names) {
      const started = Date.now();
      try {
        const model = await ctx.store.resolve(name);
        this.pinned.add(model.modelPath);
        await loadOrUnload(ctx, model, {}, Number.POSITIVE_INFINITY, new AbortController().signal);
        ctx.log.info({ model: name, ms: Date.now() - started }, 'preloaded model');
      } catch (e) {
        const message = `cannot preload ${name}: ${(e as Error).message}`;
        this.failures.push(message);
        ctx.log.error({ model: name, err: e }, message);
      } finally {
        this.pending = this.pending.filter((n) => n !== name);
      }
    }
  }
}
