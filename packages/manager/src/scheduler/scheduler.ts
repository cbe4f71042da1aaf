// Keeps loaded models: one runner per model file and load settings, loaded on first use, shared by the
// requests for it (one generation at a time, in arrival order), and unloaded when its keep-alive runs out.

import type { LoadedInfo, LoadSpec } from '../engine/protocol.ts';
import { Runner } from '../engine/runner.ts';
import { Fifo } from './fifo.ts';

/** What /api/ps shows of a loaded model. */
export type LoadedModel = {
  name: string;
  digest: string;
  modelPath: string;
  spec: LoadSpec;
  info: LoadedInfo;
  expiresAt: Date;
  busy: boolean;
};

export type Lease = {
  runner: Runner;
  info: LoadedInfo;
  /** Nanoseconds this request spent waiting for the model to load (0 when it was loaded already). */
  loadNs: number;
  /** Gives the model back; it stays loaded for keepAliveMs (Infinity: until told otherwise, 0: unload now). */
  release: (keepAliveMs: number) => void;
};

type Entry = {
  key: string;
  name: string;
  digest: string;
  spec: LoadSpec;
  runner: Runner;
  ready: Promise<LoadedInfo>;
  fifo: Fifo;
  inUse: number;
  expiresAt: number;
  timer?: NodeJS.Timeout;
};

export type SchedulerOptions = { loadTimeoutMs: number; log: (msg: string, extra?: object) => void };

const FOREVER_MS = 100 * 365 * 24 * 3600_000;

export class Scheduler {
  private entries = new Map<string, Entry>();

  constructor(private readonly opts: SchedulerOptions) {}

  /** Loads the model if needed and waits for its turn; the returned lease must be released. */
  async acquire(
    model: { name: string; digest: string; modelPath: string },
    spec: LoadSpec,
    signal?: AbortSignal,
  ) {
    const started = process.hrtime.bigint();
    let entry = this.entries.get(model.modelPath);
    if (entry && !sameSpec(entry.spec, spec)) {
      // Different load settings (context length, threads, GPU layers): reload once the current users are done.
      const release = await entry.fifo.acquire(signal);
      release();
      if (this.entries.get(model.modelPath) === entry) await this.remove(entry, 'its load settings changed');
      entry = undefined;
    }
    entry ??= this.entries.get(model.modelPath) ?? this.start(model, spec);
    entry.name = model.name;
    const info = await entry.ready;
    const loadNs = Number(process.hrtime.bigint() - started);
    const release = await entry.fifo.acquire(signal);
    const e = entry;
    e.inUse++;
    clearTimeout(e.timer);
    let done = false;
    const lease: Lease = {
      runner: e.runner,
      info,
      loadNs,
      release: (keepAliveMs) => {
        if (done) return;
        done = true;
        e.inUse--;
        release();
        this.expireLater(e, keepAliveMs);
      },
    };
    return lease;
  }

  /** Loaded models, for /api/ps. */
  list(): LoadedModel[] {
    const out: LoadedModel[] = [];
    for (const e of this.entries.values()) {
      if (!e.runner.info) continue; // still loading
      out.push({
        name: e.name,
        digest: e.digest,
        modelPath: e.key,
        spec: e.spec,
        info: e.runner.info,
        expiresAt: new Date(e.expiresAt),
        busy: e.inUse > 0 || e.fifo.busy,
      });
    }
    return out;
  }

  /** Unloads a model now if nothing uses it, else as soon as its requests finish. False if it was not loaded. */
  unload(modelPath: string): boolean {
    const e = this.entries.get(modelPath);
    if (!e) return false;
    if (e.inUse === 0 && !e.fifo.busy) void this.remove(e, 'unload requested');
    else e.expiresAt = 0;
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.remove(e, 'shutting down')));
  }

  private start(model: { name: string; digest: string; modelPath: string }, spec: LoadSpec): Entry {
    const runner = new Runner(model.name);
    const entry: Entry = {
      key: model.modelPath,
      name: model.name,
      digest: model.digest,
      spec,
      runner,
      ready: runner.load(spec, this.opts.loadTimeoutMs),
      fifo: new Fifo(1),
      inUse: 0,
      expiresAt: Date.now() + FOREVER_MS,
    };
    this.entries.set(entry.key, entry);
    this.opts.log('loading model', { model: model.name, pid: runner.pid, ...spec });
    entry.ready.then(
      (info) => this.opts.log('model loaded', { model: model.name, ...info }),
      () => this.forget(entry),
    );
    runner.onExitOnce((exit) => {
      if (this.entries.get(entry.key) === entry) {
        this.opts.log('model runner exited', { model: entry.name, code: exit.code, signal: exit.signal });
      }
      this.forget(entry);
    });
    return entry;
  }

  private expireLater(e: Entry, keepAliveMs: number): void {
    if (e.expiresAt === 0 || keepAliveMs <= 0) {
      e.expiresAt = Date.now();
      if (e.inUse === 0 && !e.fifo.busy) void this.remove(e, 'keep_alive elapsed');
      return;
    }
    const ms = Math.min(keepAliveMs, FOREVER_MS);
    e.expiresAt = Date.now() + ms;
    clearTimeout(e.timer);
    // setTimeout holds at most ~24.8 days; longer keep-alives simply never fire.
    if (ms < 2 ** 31 - 1) {
      e.timer = setTimeout(() => {
        if (e.inUse === 0 && !e.fifo.busy) void this.remove(e, 'keep_alive elapsed');
      }, ms);
      e.timer.unref();
    }
  }

  private forget(e: Entry): void {
    clearTimeout(e.timer);
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
  }

  private async remove(e: Entry, why: string): Promise<void> {
    this.forget(e);
    this.opts.log('unloading model', { model: e.name, reason: why });
    await e.runner.stop();
  }
}

function sameSpec(a: LoadSpec, b: LoadSpec): boolean {
  return (
    a.contextSize === b.contextSize &&
    a.threads === b.threads &&
    a.gpuLayers === b.gpuLayers &&
    a.batchSize === b.batchSize &&
    a.useMmap === b.useMmap
  );
}
