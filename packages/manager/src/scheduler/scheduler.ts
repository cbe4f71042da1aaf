// Keeps loaded models: one runner per model file and load settings, placed on the GPU, partly on it, or on the
// CPU by the memory free (placement.ts decides), shared by its requests (OLLAMA_NUM_PARALLEL at once, the rest in
// arrival order), unloaded when its keep-alive runs out or another model needs the room. Every request that
// waits (for a load, for room, for its turn) counts against OLLAMA_MAX_QUEUE, loaded models included.
import type { Devices } from '../engine/devices.ts';
import type { RunnerHandle, StartRunner } from '../engine/runnerHandle.ts';
import { CanceledError, ModelLoadError, ServerBusyError } from '../errors.ts';
import type { ContextUsage, LoadedInfo, LoadSpec } from '../runner/protocol.ts';
import { Fifo } from './fifo.ts';
import { gpuMemory, type ModelNeeds, place, withDraft } from './placement.ts';

/** What /api/ps shows of a loaded model. */
export type RunningModel = {
  name: string;
  digest: string;
  modelPath: string;
  spec: LoadSpec;
  info: LoadedInfo;
  /** Bytes the model and its context take in all, and how many of those are in GPU memory. */
  size: number;
  sizeVram: number;
  expiresAt: Date;
  busy: boolean;
};

export type Lease = {
  runner: RunnerHandle;
  info: LoadedInfo;
  /** Nanoseconds this request spent waiting for the model to load (0 when it was loaded already). */
  loadNs: number;
  /** The runner has a draft model loaded beside the model (LoadSpec.draftModelPath). */
  hasDraft: boolean;
  /** Gives the model back; it stays loaded for keepAliveMs (Infinity: until told otherwise, 0: unload now). */
  release: (keepAliveMs: number) => void;
};

/** The load-time choices a request makes; the scheduler adds the GPU layers. */
export type LoadRequest = Omit<
  LoadSpec,
  'gpuLayers' | 'flashAttention' | 'kvCacheType' | 'parallelSteps' | 'decodeLoop'
> & {
  numGpu?: number;
};

export type ModelRef = { name: string; digest: string; modelPath: string };

type Entry = {
  key: string;
  name: string;
  digest: string;
  request: LoadRequest;
  spec: LoadSpec;
  vram: number;
  ram: number;
  runner: RunnerHandle;
  ready: Promise<LoadedInfo>;
  fifo: Fifo;
  inUse: number;
  lastUsed: number;
  expiresAt: number;
  timer?: NodeJS.Timeout;
};

export type SchedulerOptions = {
  /** Memory figures and estimates; injected so placement is tested without a GPU. */
  devices: Devices;
  /** Starts one model's runner (serve.ts passes the real child process; tests a fake). */
  startRunner: StartRunner;
  loadTimeoutMs: number;
  numParallel: number;
  maxLoaded: number;
  maxQueue: number;
  /** OWNCHAT_GPU_MEMORY: the most GPU memory to use. */
  gpuMemoryCap?: number;
  /** OLLAMA_GPU_OVERHEAD: GPU memory to leave to others, counted as taken. */
  gpuOverhead?: number;
  /** OLLAMA_FLASH_ATTENTION and OLLAMA_KV_CACHE_TYPE: every load's, and what its memory estimate assumes. */
  flashAttention?: LoadSpec['flashAttention'];
  kvCacheType?: LoadSpec['kvCacheType'];
  /** OWNCHAT_PARALLEL_STEPS: every load's. */
  parallelSteps?: LoadSpec['parallelSteps'];
  /** OWNCHAT_DECODE_LOOP: every load's. */
  decodeLoop?: LoadSpec['decodeLoop'];
  log: (msg: string, extra?: object) => void;
  /** Told of every load's outcome (for /metrics: a model that keeps failing to load is an operator's alert). */
  onLoad?: (model: string, outcome: 'loaded' | 'failed') => void;
};

export type SchedulerStats = { waiting: number; running: number };

const FOREVER_MS = 100 * 365 * 24 * 3600_000;

export class Scheduler {
  private entries = new Map<string, Entry>();
  private waitingCount = 0;
  private changeWaiters: (() => void)[] = [];

  constructor(private readonly opts: SchedulerOptions) {}

  /** Requests waiting for a model, and requests generating now. */
  stats(): SchedulerStats {
    let running = 0;
    for (const e of this.entries.values()) running += e.inUse;
    return { waiting: this.waitingCount, running };
  }

  /** Context tokens running requests hold, and the context the loaded models have in all (KV-cache use). */
  async contextUsage(): Promise<ContextUsage> {
    const usages = await Promise.all([...this.entries.values()].map((e) => e.runner.contextUsage()));
    let used = 0;
    let capacity = 0;
    for (const u of usages) {
      used += u?.used ?? 0;
      capacity += u?.capacity ?? 0;
    }
    return { used, capacity };
  }

  /** Loads the model if needed and waits for its turn; the returned lease must be released. */
  async acquire(model: ModelRef, request: LoadRequest, signal?: AbortSignal): Promise<Lease> {
    if (this.waitingCount >= this.opts.maxQueue) throw new ServerBusyError();
    const started = process.hrtime.bigint();
    this.waitingCount++;
    let entry: Entry;
    let release: () => void;
    let info: LoadedInfo;
    try {
      entry = await this.loaded(model, request, signal);
      info = await entry.ready;
      release = await entry.fifo.acquire(signal);
    } finally {
      this.waitingCount--;
    }
    const e = entry;
    e.inUse++;
    e.lastUsed = Date.now();
    clearTimeout(e.timer);
    let done = false;
    return {
      runner: e.runner,
      info,
      loadNs: Number(process.hrtime.bigint() - started),
      hasDraft: e.spec.draftModelPath !== undefined,
      release: (keepAliveMs) => {
        if (done) return;
        done = true;
        e.inUse--;
        e.lastUsed = Date.now();
        release();
        this.expireLater(e, keepAliveMs);
        this.notifyChange();
      },
    };
  }

  /** Loaded models, for /api/ps. */
  list(): RunningModel[] {
    const out: RunningModel[] = [];
    for (const e of this.entries.values()) {
      if (!e.runner.info) continue; // still loading
      out.push({
        name: e.name,
        digest: e.digest,
        modelPath: e.key,
        spec: e.spec,
        info: e.runner.info,
        size: e.vram + e.ram,
        sizeVram: e.vram,
        expiresAt: new Date(e.expiresAt),
        busy: !this.idle(e),
      });
    }
    return out;
  }

  /** Unloads a model now if nothing uses it, else as soon as its requests finish. False if it was not loaded. */
  unload(modelPath: string): boolean {
    const e = this.entries.get(modelPath);
    if (!e) return false;
    if (this.idle(e)) void this.remove(e, 'unload requested');
    else e.expiresAt = 0;
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.remove(e, 'shutting down')));
  }

  /** The entry for this model with these settings, loaded (or loading) once there is room for it. */
  private async loaded(model: ModelRef, request: LoadRequest, signal?: AbortSignal): Promise<Entry> {
    for (;;) {
      if (signal?.aborted) throw new CanceledError();
      const current = this.entries.get(model.modelPath);
      if (current && sameRequest(current.request, request)) {
        current.name = model.name;
        return current;
      }
      if (current) {
        // Other load settings (context length, threads, GPU layers): reload once its requests are done.
        if (this.idle(current)) await this.remove(current, 'its load settings changed');
        else await this.changed(signal);
        continue;
      }
      const need = await this.needs(model.modelPath, request);
      const mem = await this.opts.devices.memory();
      const placement = place(
        { ...need, numGpu: request.numGpu, maxLoaded: this.opts.maxLoaded },
        {
          ...gpuMemory(mem, this.opts.gpuMemoryCap, this.opts.gpuOverhead),
          ramBudget: mem.ramTotal,
          ramFree: mem.ramFree,
          loaded: [...this.entries.values()].map((e) => ({
            key: e.key,
            vram: e.vram,
            ram: e.ram,
            idle: this.idle(e),
            lastUsed: e.lastUsed,
          })),
        },
      );
      if (placement.kind === 'impossible') {
        this.opts.onLoad?.(model.name, 'failed');
        throw new ModelLoadError(`cannot load ${model.name}: ${placement.reason}`);
      }
      if (placement.kind === 'wait') {
        this.opts.log('waiting for room to load a model', { model: model.name, reason: placement.reason });
        await this.changed(signal);
        continue;
      }
      for (const key of placement.evict) {
        const victim = this.entries.get(key);
        if (victim) await this.remove(victim, `making room for ${model.name}`);
      }
      if (this.entries.has(model.modelPath)) continue; // another request started it meanwhile
      return this.start(model, request, placement, need.projector?.(placement.gpuLayers));
    }
  }

  /** What the model needs, its draft model's needs included (the draft has a context like the model's). */
  private async needs(modelPath: string, request: LoadRequest): Promise<ModelNeeds> {
    const spec = {
      contextSize: request.contextSize,
      batchSize: request.batchSize,
      sequences: request.sequences,
      useMmap: request.useMmap,
      flashAttention: this.opts.flashAttention,
      kvCacheType: this.opts.kvCacheType,
    };
    const model = await this.opts.devices.estimate(modelPath, {
      ...spec,
      projectorPath: request.projectorPath,
    });
    if (!request.draftModelPath) return model;
    return withDraft(model, await this.opts.devices.estimate(request.draftModelPath, spec));
  }

  private start(
    model: ModelRef,
    request: LoadRequest,
    p: { gpuLayers: number; vram: number; ram: number },
    projectorCounted = { vram: 0, ram: 0 },
  ): Entry {
    const { numGpu: _numGpu, ...rest } = request;
    const spec: LoadSpec = {
      ...rest,
      gpuLayers: p.gpuLayers,
      flashAttention: this.opts.flashAttention,
      kvCacheType: this.opts.kvCacheType,
      ...(this.opts.parallelSteps && { parallelSteps: this.opts.parallelSteps }),
      ...(this.opts.decodeLoop && { decodeLoop: this.opts.decodeLoop }),
    };
    const runner = this.opts.startRunner(model.name);
    const entry: Entry = {
      key: model.modelPath,
      name: model.name,
      digest: model.digest,
      request,
      spec,
      vram: p.vram,
      ram: p.ram,
      runner,
      ready: runner.load(spec, this.opts.loadTimeoutMs),
      // The one limit on concurrent generations: the runner has exactly this many sequences, takes a request
      // for a free one only (it asserts that), and a place comes free only once the runner has answered.
      fifo: new Fifo(request.sequences),
      inUse: 0,
      lastUsed: Date.now(),
      expiresAt: Date.now() + FOREVER_MS,
    };
    this.entries.set(entry.key, entry);
    this.opts.log('loading model', { model: model.name, pid: runner.pid, ...spec, vram: p.vram, ram: p.ram });
    entry.ready.then(
      (info) => {
        // The projector took more than it was counted for (its compute buffer, mostly): record what it took, so
        // /api/ps says it and the next models are fitted, and this one evicted, for what it really holds.
        const measured = info.projectorMemory;
        if (measured) {
          entry.vram += Math.max(0, measured.vram - projectorCounted.vram);
          entry.ram += Math.max(0, measured.ram - projectorCounted.ram);
        }
        this.opts.log('model loaded', { model: model.name, ...info });
        this.opts.onLoad?.(model.name, 'loaded');
      },
      () => {
        this.opts.onLoad?.(model.name, 'failed');
        this.forget(entry);
      },
    );
    runner.onExitOnce((exit) => {
      if (this.entries.get(entry.key) === entry) {
        this.opts.log('model runner exited', { model: entry.name, code: exit.code, signal: exit.signal });
      }
      this.forget(entry);
    });
    return entry;
  }

  private idle(e: Entry): boolean {
    return e.inUse === 0 && !e.fifo.busy;
  }

  private expireLater(e: Entry, keepAliveMs: number): void {
    if (e.expiresAt === 0 || keepAliveMs <= 0) {
      e.expiresAt = Date.now();
      if (this.idle(e)) void this.remove(e, 'keep_alive elapsed');
      return;
    }
    const ms = Math.min(keepAliveMs, FOREVER_MS);
    e.expiresAt = Date.now() + ms;
    clearTimeout(e.timer);
    // setTimeout holds at most ~24.8 days; longer keep-alives simply never fire.
    if (ms < 2 ** 31 - 1) {
      e.timer = setTimeout(() => {
        if (this.idle(e)) void this.remove(e, 'keep_alive elapsed');
      }, ms);
      e.timer.unref();
    }
  }

  /** Resolves at the next release, unload or runner exit; rejects with CanceledError when the client leaves. */
  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new CanceledError());
      signal?.addEventListener('abort', onAbort, { once: true });
      this.changeWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private notifyChange(): void {
    for (const w of this.changeWaiters.splice(0)) w();
  }

  private forget(e: Entry): void {
    clearTimeout(e.timer);
    if (this.entries.get(e.key) === e) {
      this.entries.delete(e.key);
      e.fifo.failWaiting(new ModelLoadError(`${e.name} was unloaded before this request's turn`));
      this.notifyChange();
    }
  }

  private async remove(e: Entry, why: string): Promise<void> {
    this.forget(e);
    this.opts.log('unloading model', { model: e.name, reason: why });
    await e.runner.stop();
  }
}

function sameRequest(a: LoadRequest, b: LoadRequest): boolean {
  return (
    a.contextSize === b.contextSize &&
    a.sequences === b.sequences &&
    a.threads === b.threads &&
    a.numGpu === b.numGpu &&
    a.batchSize === b.batchSize &&
    a.useMmap === b.useMmap &&
    a.projectorPath === b.projectorPath &&
    a.draftModelPath === b.draftModelPath
  );
}
