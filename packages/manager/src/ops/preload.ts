// OWNCHAT_PRELOAD: models loaded at start and kept loaded, so the first user does not wait for a load and a
// readiness probe (/readyz) holds traffic back until they are in memory.
//
// A model missing from the store is pulled first (a name written http://host/… pulls over plain http). A preload
// that fails (registry unreachable, not enough memory) keeps the server unready, says why in /readyz and the
// log, and is tried again with a growing pause, so a registry that comes back or a store an operator fixes
// makes the server ready without a restart.

import { loadOrUnload } from '../answer/inference.ts';
import type { ManagerContext } from '../context.ts';
import { ModelNotFoundError } from '../errors.ts';

const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;

export type PreloadState =
  | { ready: true }
  | {
      ready: false;
      /** What is missing, for /readyz and the operator reading it. */
      reason: string;
    };

export class Preloader {
  private pending: string[];
  private failures = new Map<string, string>();
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();
  /** Model files that stay loaded whatever keep_alive a request asks for. */
  private readonly pinned = new Set<string>();

  constructor(readonly names: string[]) {
    this.pending = [...names];
  }

  state(): PreloadState {
    if (this.failures.size) return { ready: false, reason: [...this.failures.values()].join('; ') };
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
    const failed: string[] = [];
    for (const name of this.names) {
      if (!(await this.preload(ctx, name))) failed.push(name);
      this.pending = this.pending.filter((n) => n !== name);
    }
    for (const name of failed) this.retryLater(ctx, name, FIRST_RETRY_MS);
  }

  /** Stops retrying (the server is shutting down). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private retryLater(ctx: ManagerContext, name: string, ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      if (this.stopped) return;
      if (!(await this.preload(ctx, name))) this.retryLater(ctx, name, Math.min(ms * 2, MAX_RETRY_MS));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private async preload(ctx: ManagerContext, name: string): Promise<boolean> {
    const started = Date.now();
    try {
      const model = await ctx.store.resolve(name).catch(async (e) => {
        if (!(e instanceof ModelNotFoundError)) throw e;
        ctx.log.info({ model: name }, 'preload: pulling a model the store does not have');
        await ctx.pulls.pull(ctx.pulls.prepare(name, name.startsWith('http://')), () => {});
        return ctx.store.resolve(name);
      });
      this.pinned.add(model.modelPath);
      await loadOrUnload(
        ctx,
        { model, options: {}, keepAliveMs: Number.POSITIVE_INFINITY },
        new AbortController().signal,
      );
      this.failures.delete(name);
      ctx.log.info({ model: name, ms: Date.now() - started }, 'preloaded model');
      return true;
    } catch (e) {
      const message = `cannot preload ${name}: ${(e as Error).message}`;
      this.failures.set(name, message);
      ctx.log.error({ model: name, err: e }, `${message} (trying again)`);
      return false;
    }
  }
}
