// Cold start: from a request for a model that is not loaded to its first token, through the llm-manager, against
// llama.cpp's llama-server started on the same GGUF (the store's blob itself) until its first token (start the
// process, poll /health, first token of a /completion): with the file in the page cache and dropped from it, with
// mmap and without. Also the llm-manager's own process start with the model preloaded (OWNCHAT_PRELOAD: start,
// /readyz, first token), the like-for-like of llama-server's start, and the first token of a model kept loaded.
// The file is dropped from the page cache with `dd iflag=nocache count=0` (posix_fadvise DONTNEED on the whole
// file; no process may hold it mapped then) and `fincore` checks that it went.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  importModel,
  type ManagerProcess,
  sha256File,
  startManagerProcess,
  untilIdle,
} from '@ownchat/testkit';
import { q8Model } from './benchModels.ts';
import {
  CONTEXT_PER_SEQUENCE,
  llamaServerTokens,
  ollamaTokens,
  startLlamaServer,
  streamTimes,
} from './decodePeers.ts';
import { CACHE, ensureLlamaCpp } from './llamaCpp.ts';
import type { Benchmark } from './run.ts';

const sh = promisify(execFile);
const THREADS = Number(process.env.OWNCHAT_BENCH_THREADS ?? os.availableParallelism());
const ROUNDS = Number(process.env.OWNCHAT_BENCH_ROUNDS ?? 5);
/** How often both sides are asked whether the model is loaded (/health, /readyz, /api/ps). */
const POLL_MS = 5;
const MODEL = 'bench-cold';
const PROMPT = 'The history of the quick brown fox is long, and every fox tells it a little differently.';
const log = (s: string) => console.log(`  cold-start: ${s}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Drops the file from the page cache and returns how many bytes of it stayed there (fincore). Pages a process
 * still maps stay: a runner or llama-server that is still exiting holds them, so this tries again for a while.
 */
async function dropFromCache(file: string, bytes: number): Promise<number> {
  let left = bytes;
  for (let i = 0; i < 100 && left > bytes / 100; i++) {
    if (i) await sleep(50);
    await sh('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
    left = await resident(file);
  }
  return left;
}

async function resident(file: string): Promise<number> {
  const { stdout } = await sh('fincore', ['--bytes', '--noheadings', '--output', 'RES', file]);
  return Number(stdout.trim());
}

async function warm(file: string): Promise<void> {
  await sh('dd', [`if=${file}`, 'of=/dev/null', 'bs=4M', 'status=none']);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`cold-start: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

const ok = (url: string) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

async function loadedModels(url: string): Promise<number> {
  const ps = (await (await fetch(`${url}/api/ps`)).json()) as { models: unknown[] };
  return ps.models.length;
}

/**
 * keep_alive 0 unloads the model; the runner process is gone once /api/ps no longer lists it. Then the manager is
 * left to settle: after a model's first answer it starts its next spare runner (spareRunner.ts), a Node process
 * start that would otherwise land in whatever is measured next.
 */
async function unload(mgr: ManagerProcess): Promise<void> {
  await fetch(`${mgr.url}/api/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, keep_alive: 0 }),
  });
  await until('the unload', async () => (await loadedModels(mgr.url)) === 0);
  if (mgr.child.pid) await untilIdle(mgr.child.pid);
}

/** A one-token answer through the llm-manager; ms from the request to the first token. */
async function oursFirstToken(url: string, options: Record<string, unknown> = {}): Promise<number> {
  const t0 = performance.now();
  const { stamps } = await streamTimes(
    `${url}/api/generate`,
    {
      model: MODEL,
      prompt: PROMPT,
      raw: true,
      stream: true,
      options: { num_predict: 1, temperature: 0, ...options },
    },
    ollamaTokens,
  );
  if (!stamps.length) throw new Error('cold-start: the llm-manager answered no token');
  return stamps[0]! - t0;
}

/** llama-server from its start to the first token of a /completion; ms. */
async function theirsFirstToken(server: string, file: string, mmap: boolean): Promise<number> {
  const t0 = performance.now();
  const ls = await startLlamaServer(server, file, THREADS, 1, {
    extraArgs: mmap ? [] : ['--no-mmap'],
    pollMs: POLL_MS,
  });
  try {
    const { stamps } = await streamTimes(
      `${ls.url}/completion`,
      { prompt: PROMPT, n_predict: 1, temperature: 0, stream: true, cache_prompt: false },
      llamaServerTokens,
    );
    if (!stamps.length) throw new Error('cold-start: llama-server answered no token');
    return stamps[0]! - t0;
  } finally {
    await ls.stop();
  }
}

const MANAGER_ENV = {
  OWNCHAT_NUM_THREADS: String(THREADS),
  OLLAMA_NUM_PARALLEL: '1',
  OLLAMA_CONTEXT_LENGTH: String(CONTEXT_PER_SEQUENCE),
  OLLAMA_KEEP_ALIVE: '10m',
};

/** The llm-manager started with the model preloaded; ms from its start to the first token of a request. */
async function preloadedFirstToken(store: string): Promise<number> {
  const t0 = performance.now();
  const mgr = await startManagerProcess({
    modelsDir: store,
    env: { ...MANAGER_ENV, OWNCHAT_PRELOAD: MODEL },
  });
  try {
    await until('/readyz', () => ok(`${mgr.url}/readyz`));
    await oursFirstToken(mgr.url);
    return performance.now() - t0;
  } finally {
    await mgr.stop();
  }
}

/** The llm-manager's log lines about one load, as ms after the request (what the placement and the runner took). */
function loadPhases(mgr: ManagerProcess, since: number, t0: number) {
  const at: Record<string, unknown> = {};
  for (const line of mgr.output().slice(since).split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as { msg?: string; time?: number; loadMs?: unknown };
    if ((j.msg === 'loading model' || j.msg === 'model loaded') && j.time) at[j.msg] = j.time - t0;
    // The runner's own account of the load (modelRunner.ts): the steps, and its process's start.
    if (j.msg === 'model loaded' && j.loadMs) at.runner_load_ms = j.loadMs;
  }
  return at;
}

type Case = { cache: 'warm' | 'cold'; mmap: boolean };
const CASES: Case[] = [
  { cache: 'warm', mmap: true },
  { cache: 'cold', mmap: true },
  { cache: 'warm', mmap: false },
  { cache: 'cold', mmap: false },
];
function add<T>(to: Record<string, T[]>, key: string, value: T): void {
  to[key] = [...(to[key] ?? []), value];
}
const caseName = (c: Case) => `${c.cache}_cache_${c.mmap ? 'mmap' : 'no_mmap'}`;

async function run() {
  if (!existsSync(path.join(root, 'packages', 'cli', 'dist', 'main.js'))) {
    throw new Error('cold-start measures the compiled llm-manager, what users run: `npm run build` first');
  }
  const tools = await ensureLlamaCpp(log);
  const source = await q8Model(log);
  const store = path.join(CACHE, 'store-cold-start');
  await fs.rm(store, { recursive: true, force: true });
  // The compiled tree, as `ownchat serve` runs for users (the tests' OWNCHAT_FROM_SOURCE would time tsx's start).
  const env = { ...MANAGER_ENV, OWNCHAT_FROM_SOURCE: '0' };
  let mgr = await startManagerProcess({ modelsDir: store, env });
  await importModel(mgr.url, MODEL, source);
  // Both peers read the same file: the store's blob.
  const file = path.join(store, 'blobs', (await sha256File(source)).replace(':', '-'));
  const bytes = (await fs.stat(file)).size;
  const ours: Record<string, number[]> = {};
  const theirs: Record<string, number[]> = {};
  const phases: Record<string, Record<string, unknown>[]> = {};
  const leftInCache: number[] = [];
  const preloaded: number[] = [];
  const kept: number[] = [];
  try {
    // A warm-up of each side: the first start of either pays for loading its own code from disk.
    await oursFirstToken(mgr.url);
    await unload(mgr);
    await theirsFirstToken(tools.server, file, true);
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of CASES) {
        const name = caseName(c);
        const prepare = async () => {
          if (c.cache === 'warm') await warm(file);
          else leftInCache.push(await dropFromCache(file, bytes));
        };
        // The peers take turns going first, so neither always follows the other's use of the cache and CPU.
        const sides = [
          async () => {
            await prepare();
            const since = mgr.output().length;
            const t0 = Date.now();
            add(ours, name, await oursFirstToken(mgr.url, { use_mmap: c.mmap }));
            add(phases, name, loadPhases(mgr, since, t0));
            await unload(mgr);
          },
          async () => {
            await prepare();
            add(theirs, name, await theirsFirstToken(tools.server, file, c.mmap));
          },
        ];
        if (r % 2) sides.reverse();
        for (const side of sides) await side();
      }
      // Kept loaded (keep_alive): what every request after the first sees.
      await oursFirstToken(mgr.url);
      kept.push(await oursFirstToken(mgr.url));
      await unload(mgr);
      log(
        `round ${r + 1}: ${JSON.stringify(Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, v.at(-1)])))} against ${JSON.stringify(Object.fromEntries(Object.entries(theirs).map(([k, v]) => [k, v.at(-1)])))}`,
      );
    }
    await mgr.stop();
    for (let r = 0; r < ROUNDS; r++) {
      await warm(file);
      preloaded.push(await preloadedFirstToken(store));
    }
    mgr = await startManagerProcess({ modelsDir: store, env });
  } finally {
    await mgr.stop();
  }
  const cases: Record<string, unknown> = {};
  for (const c of CASES) {
    const name = caseName(c);
    const o = median(ours[name]!);
    const t = median(theirs[name]!);
    cases[name] = {
      ours_ms: o,
      llama_server_ms: t,
      ours_over_theirs: o / t,
      ours_rounds_ms: ours[name],
      llama_server_rounds_ms: theirs[name],
      ours_log_ms_after_request: phases[name],
    };
  }
  const main = cases.cold_cache_mmap as { ours_ms: number; llama_server_ms: number };
  const warmMmap = cases.warm_cache_mmap as { llama_server_ms: number };
  return {
    // Higher is better in every benchmark here: llama-server's time over ours (the ours/theirs ≤ 1.0).
    ratio: main.llama_server_ms / main.ours_ms,
    goal: 1.0,
    metrics: {
      llama_server: tools.server,
      model_bytes: bytes,
      threads: THREADS,
      rounds: ROUNDS,
      poll_ms: POLL_MS,
      bytes_left_in_cache_after_drop: Math.max(...leftInCache),
      cases,
      preloaded_from_process_start: {
        ours_ms: median(preloaded),
        ours_rounds_ms: preloaded,
        llama_server_warm_mmap_ms: warmMmap.llama_server_ms,
        ours_over_theirs: median(preloaded) / warmMmap.llama_server_ms,
      },
      kept_loaded_first_token_ms: median(kept),
    },
  };
}

const bench: Benchmark = {
  name: 'cold-start',
  description:
    'first token of a model not loaded, llm-manager vs llama-server started on the same GGUF (page cache warm and dropped, mmap on and off); ratio llama-server/ours, cold cache, mmap',
  run,
};
export default bench;
