// The scheduler alone, in milliseconds: its runners are fakes (the runner is the seam here, as `newServerFn` is
// in Ollama's sched_test.go) and its devices report made-up memory, so reloads, waiting for room, eviction,
// keep-alive, the queue limit, clients leaving and runners dying are each checked without a model or a child
// process. Real inference through the scheduler is covered by concurrency.test.ts and the route tests.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CanceledError, ModelLoadError, ServerBusyError } from '../errors.ts';
import { fakeDevices } from '../testing/fakeDevices.ts';
import { FakeRunner } from '../testing/fakeRunner.ts';
import { type LoadRequest, type ModelRef, Scheduler } from './scheduler.ts';

const GIB = 1024 ** 3;

type Setup = { ram?: number; sizes?: Record<string, number>; maxLoaded?: number; maxQueue?: number };

function setup({ ram = 16 * GIB, sizes = {}, maxLoaded = 3, maxQueue = 10 }: Setup = {}) {
  const runners: FakeRunner[] = [];
  const loads: string[] = [];
  let openGate: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const scheduler = new Scheduler({
    devices: fakeDevices(ram, sizes),
    startRunner: (label) => {
      const r = new FakeRunner(label, gate);
      runners.push(r);
      return r;
    },
    loadTimeoutMs: 1000,
    numParallel: 1,
    maxLoaded,
    maxQueue,
    log: () => {},
    onLoad: (name, outcome) => loads.push(`${name} ${outcome}`),
  });
  return {
    scheduler,
    runners,
    /** Each finished load, as "<model> loaded|failed" (what /metrics counts). */
    loads,
    /** Loads started from now on wait until the returned function is called. */
    holdLoads(): () => void {
      gate = new Promise((r) => {
        openGate = r;
      });
      return () => openGate();
    },
  };
}

const model = (name: string): ModelRef => ({ name, digest: `sha256:${name}`, modelPath: `/models/${name}` });
const request = (name: string, over: Partial<LoadRequest> = {}): LoadRequest => ({
  modelPath: `/models/${name}`,
  contextSize: 2048,
  sequences: 1,
  threads: 1,
  batchSize: 512,
  useMmap: true,
  ...over,
});
const acquire = (s: Scheduler, name: string, over: Partial<LoadRequest> = {}, signal?: AbortSignal) =>
  s.acquire(model(name), request(name, over), signal);

/** Lets every promise that can settle settle (the scheduler's steps are all promise continuations). */
const settle = () => new Promise((r) => setImmediate(r));

/** Whether a promise is still pending after everything else has run. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await settle();
  return !done;
}

const loadedNames = (s: Scheduler) => s.list().map((m) => m.name);

afterEach(() => {
  vi.useRealTimers();
});

// Everything here takes milliseconds: a hang (a waiter never woken) should fail fast, not after a minute.
describe('Scheduler with fake runners', { timeout: 5_000 }, () => {
  it('reuses the loaded runner for the same settings', async () => {
    const { scheduler, runners } = setup();
    (await acquire(scheduler, 'a')).release(60_000);
    (await acquire(scheduler, 'a')).release(60_000);
    expect(runners).toHaveLength(1);
    expect(runners[0]!.spec).toMatchObject({ contextSize: 2048, gpuLayers: 0 });
  });

  it.each<[string, Partial<LoadRequest>]>([
    ['num_ctx', { contextSize: 4096 }],
    ['num_thread', { threads: 2 }],
    ['num_gpu', { numGpu: 0 }],
    ['num_batch', { batchSize: 256 }],
    ['use_mmap', { useMmap: false }],
    ['OLLAMA_NUM_PARALLEL', { sequences: 2 }],
  ])('reloads when %s changes, once the running request is done', async (_field, changed) => {
    const { scheduler, runners } = setup();
    const first = await acquire(scheduler, 'a');
    const second = acquire(scheduler, 'a', changed);
    expect(await pending(second)).toBe(true); // the old runner still serves the first request
    expect(runners[0]!.stopped).toBe(false);
    first.release(60_000);
    (await second).release(60_000);
    expect(runners).toHaveLength(2);
    expect(runners[0]!.stopped).toBe(true);
    expect(runners[1]!.spec).toMatchObject(changed.numGpu === undefined ? changed : { gpuLayers: 0 });
  });

  it('waits for room: a model that fits only without a busy one loads when that one is released', async () => {
    const { scheduler, runners } = setup({
      ram: 10 * GIB,
      sizes: { '/models/a': 6 * GIB, '/models/b': 6 * GIB },
    });
    const a = await acquire(scheduler, 'a');
    const b = acquire(scheduler, 'b');
    expect(await pending(b)).toBe(true);
    expect(runners).toHaveLength(1);
    expect(scheduler.stats()).toEqual({ waiting: 1, running: 1 });
    a.release(60_000); // idle now: b's load unloads it
    (await b).release(60_000);
    expect(runners[0]!.stopped).toBe(true);
    expect(loadedNames(scheduler)).toEqual(['b']);
  });

  it("counts what a projector's load measured beyond its estimate, in /api/ps and in fitting the next model", async () => {
    const { scheduler, runners, holdLoads } = setup({
      ram: 10 * GIB,
      sizes: { '/models/a': 4 * GIB, '/models/b': 4 * GIB },
    });
    const open = holdLoads();
    const a = acquire(scheduler, 'a', { projectorPath: '/models/a-mmproj' });
    await settle();
    runners[0]!.projectorMemory = { vram: 0, ram: 3 * GIB }; // its compute buffer, say: 7 GiB in all
    open();
    const lease = await a;
    expect(scheduler.list()[0]).toMatchObject({ name: 'a', size: 7 * GIB, sizeVram: 0 });
    // 4 GiB more would fit beside the estimate (8 of 10), not beside what a holds (11): b waits for a.
    const b = acquire(scheduler, 'b');
    expect(await pending(b)).toBe(true);
    lease.release(60_000);
    (await b).release(60_000);
    expect(loadedNames(scheduler)).toEqual(['b']);
  });

  it('refuses a model that can never fit, at once, with the sizes in the message', async () => {
    const { scheduler, loads } = setup({
      ram: 4 * GIB,
      sizes: { '/models/huge': 8 * GIB, '/models/a': GIB },
    });
    await expect(acquire(scheduler, 'huge')).rejects.toThrow(
      /cannot load huge: model requires more system memory \(8\.0 GiB\) than is available \(4\.0 GiB\)/,
    );
    expect(scheduler.stats()).toEqual({ waiting: 0, running: 0 });
    // Counted as a failed load (the alert on a model that keeps failing); one that fits, as loaded.
    (await acquire(scheduler, 'a')).release(60_000);
    expect(loads).toEqual(['huge failed', 'a loaded']);
  });

  // Ollama unloads the least recently used idle model first; busy models are never unloaded.
  it.each<{
    case: string;
    used: string[];
    busy?: string;
    maxLoaded?: number;
    ram?: number;
    evicted: string[];
  }>([
    { case: 'least recently used first', used: ['a', 'b', 'c', 'a'], evicted: ['b'] },
    { case: 'a busy model is passed over', used: ['a', 'b', 'c'], busy: 'a', evicted: ['b'] },
    {
      case: 'as many as memory needs',
      used: ['a', 'b', 'c'],
      maxLoaded: 9,
      ram: 6 * GIB,
      evicted: ['a', 'b'],
    },
  ])('evicts $case', async ({ used, busy, maxLoaded = 3, ram = 100 * GIB, evicted }) => {
    const sizes = { '/models/a': 2 * GIB, '/models/b': 2 * GIB, '/models/c': 2 * GIB, '/models/d': 3 * GIB };
    const { scheduler, runners } = setup({ ram, sizes, maxLoaded });
    let held: { release: (ms: number) => void } | undefined;
    for (const name of used) {
      const lease = await acquire(scheduler, name);
      if (name === busy) held = lease;
      else lease.release(60_000);
      await new Promise((r) => setTimeout(r, 2)); // distinct last-used times
    }
    (await acquire(scheduler, 'd')).release(60_000);
    const stopped = runners.filter((r) => r.stopped).map((r) => r.label);
    expect(stopped).toEqual(evicted);
    expect(loadedNames(scheduler).sort()).toEqual(['a', 'b', 'c', 'd'].filter((n) => !evicted.includes(n)));
    held?.release(60_000);
  });

  it('unloads a model when its keep-alive runs out, and not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { scheduler, runners } = setup();
    (await acquire(scheduler, 'a')).release(5 * 60_000);
    const expires = scheduler.list()[0]!.expiresAt.getTime();
    expect(expires).toBe(Date.now() + 5 * 60_000);
    await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
    expect(loadedNames(scheduler)).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(loadedNames(scheduler)).toEqual([]);
    expect(runners[0]!.stopped).toBe(true);
  });

  it('a new request restarts the keep-alive; keep_alive 0 unloads at release', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { scheduler, runners } = setup();
    (await acquire(scheduler, 'a')).release(60_000);
    await vi.advanceTimersByTimeAsync(50_000);
    (await acquire(scheduler, 'a')).release(60_000);
    await vi.advanceTimersByTimeAsync(50_000); // 100 s after the first release, 50 s after the second
    expect(loadedNames(scheduler)).toEqual(['a']);
    (await acquire(scheduler, 'a')).release(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(loadedNames(scheduler)).toEqual([]);
    expect(runners).toHaveLength(1);
    expect(runners[0]!.stopped).toBe(true);
  });

  it('an unload asked while the model is busy happens when its request ends', async () => {
    const { scheduler, runners } = setup();
    const lease = await acquire(scheduler, 'a');
    expect(scheduler.unload('/models/a')).toBe(true);
    expect(runners[0]!.stopped).toBe(false);
    lease.release(60_000);
    await settle();
    expect(runners[0]!.stopped).toBe(true);
    expect(scheduler.unload('/models/a')).toBe(false);
  });

  it('OLLAMA_MAX_QUEUE: requests beyond the queue get ServerBusyError, loading ones included', async () => {
    const { scheduler, holdLoads } = setup({ maxQueue: 2 });
    const open = holdLoads();
    const loading = acquire(scheduler, 'a'); // waits for the load: counts
    const queued = acquire(scheduler, 'a'); // waits for the load, then its turn: counts
    await settle();
    expect(scheduler.stats()).toEqual({ waiting: 2, running: 0 });
    await expect(acquire(scheduler, 'a')).rejects.toBeInstanceOf(ServerBusyError);
    open();
    const first = await loading;
    expect(scheduler.stats()).toEqual({ waiting: 1, running: 1 });
    const third = acquire(scheduler, 'a'); // room again in the queue
    await settle();
    expect(scheduler.stats()).toEqual({ waiting: 2, running: 1 });
    first.release(60_000);
    (await queued).release(60_000);
    (await third).release(60_000);
    expect(scheduler.stats()).toEqual({ waiting: 0, running: 0 });
  });

  it('a client that leaves while queued is dropped: it frees its place and the next one is served', async () => {
    const { scheduler } = setup({ maxQueue: 2 });
    const first = await acquire(scheduler, 'a');
    const ac = new AbortController();
    const leaving = acquire(scheduler, 'a', {}, ac.signal);
    const staying = acquire(scheduler, 'a');
    await settle();
    expect(scheduler.stats()).toEqual({ waiting: 2, running: 1 });
    ac.abort();
    await expect(leaving).rejects.toBeInstanceOf(CanceledError);
    expect(scheduler.stats()).toEqual({ waiting: 1, running: 1 });
    first.release(60_000);
    const lease = await staying;
    expect(scheduler.stats()).toEqual({ waiting: 0, running: 1 });
    lease.release(60_000);
  });

  it('a client that leaves while waiting for room is dropped too', async () => {
    const { scheduler, runners } = setup({
      ram: 10 * GIB,
      sizes: { '/models/a': 6 * GIB, '/models/b': 6 * GIB },
    });
    const a = await acquire(scheduler, 'a');
    const ac = new AbortController();
    const b = acquire(scheduler, 'b', {}, ac.signal);
    await settle();
    ac.abort();
    await expect(b).rejects.toBeInstanceOf(CanceledError);
    a.release(60_000);
    await settle();
    expect(runners).toHaveLength(1); // b was never loaded
    expect(loadedNames(scheduler)).toEqual(['a']);
  });

  it('a runner that dies mid-request: the queued requests fail, the next request starts a new runner', async () => {
    const { scheduler, runners } = setup();
    const running = await acquire(scheduler, 'a');
    const queued = acquire(scheduler, 'a');
    await settle();
    runners[0]!.exit(null, 'SIGSEGV');
    await expect(queued).rejects.toThrow(/a was unloaded before this request's turn/);
    expect(loadedNames(scheduler)).toEqual([]);
    running.release(60_000); // the request that was running gives its lease back late: no harm done
    expect(scheduler.stats()).toEqual({ waiting: 0, running: 0 });
    (await acquire(scheduler, 'a')).release(60_000);
    expect(runners).toHaveLength(2);
    expect(loadedNames(scheduler)).toEqual(['a']);
  });

  it('a runner that dies while idle is forgotten, and its memory counts no more', async () => {
    const { scheduler, runners } = setup({
      ram: 10 * GIB,
      sizes: { '/models/a': 6 * GIB, '/models/b': 6 * GIB },
    });
    (await acquire(scheduler, 'a')).release(60_000);
    runners[0]!.exit(137);
    expect(loadedNames(scheduler)).toEqual([]);
    (await acquire(scheduler, 'b')).release(60_000);
    expect(loadedNames(scheduler)).toEqual(['b']);
  });

  it('a runner that dies while loading fails the requests waiting for it', async () => {
    const { scheduler, runners, holdLoads } = setup();
    holdLoads();
    const a = acquire(scheduler, 'a');
    const b = acquire(scheduler, 'a');
    await settle();
    runners[0]!.exit(1);
    await expect(a).rejects.toBeInstanceOf(ModelLoadError);
    await expect(b).rejects.toBeInstanceOf(ModelLoadError);
    expect(scheduler.stats()).toEqual({ waiting: 0, running: 0 });
    expect(loadedNames(scheduler)).toEqual([]);
  });

  it('close stops every runner', async () => {
    const { scheduler, runners } = setup();
    (await acquire(scheduler, 'a')).release(60_000);
    (await acquire(scheduler, 'b')).release(60_000);
    await scheduler.close();
    expect(runners.map((r) => r.stopped)).toEqual([true, true]);
    expect(loadedNames(scheduler)).toEqual([]);
  });
});
