// The measuring half of scripts/gpu-check.sh (issue 24): on the machine the engine was just built on, writes a
// 0.5B-shaped and a 7B-shaped random GGUF, starts `ownchat serve` three times and records, for each model, where
// it was placed and how fast it answered:
//   gpu    all layers on the GPU (the default where they fit);
//   split  OWNCHAT_GPU_MEMORY set below the 7B's size: part on the GPU, the rest on the CPU, as on the seed's
//          6 GB card;
//   cpu    every request with `num_gpu: 0`;
// with the start-up log's `inference compute` line, /api/ps `size` and `size_vram`, `ownchat ps`'s PROCESSOR,
// decode tokens/s, time to first token (cold, with the load, and warm) and a 4-stream aggregate; then llama.cpp's
// llama-bench (built from the same source, same GPU layers) as the reference. Writes gpu-check.json and
// gpu-check.txt to $OUT. Every step checks the deadline first and is recorded as skipped when time is out, so the
// script always ends with its results written.
//
//   node --import tsx scripts/gpu-check/measure.ts
// Environment: OUT (where the results go), OWNCHAT_GPU_CHECK_WORK (models and store), OWNCHAT_GPU_CHECK_DEADLINE
// (epoch ms to finish by), OWNCHAT_GPU_CHECK_LLAMA_BENCH (llama-bench, if built), OWNCHAT_GPU_CHECK_SHAPES
// (`0.5b,7b`, or `tiny` for the test of the script's CPU parts), OWNCHAT_GPU_CHECK_ENGINE_BUILD_S (the build's
// seconds, to report).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ModelShape, QWEN_0_5B, TINY, writeRandomModel } from '../../packages/testkit/src/models.ts';
import { type CheckResult, type GpuInfo, type ModelRun, type PlacementName, summary } from './summary.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const ownchat = path.join(root, 'packages', 'cli', 'bin', 'ownchat.js');

/** Llama-2-7B's shape (32 layers of 4096, 32 heads, feed-forward 11008) with a 32k vocabulary, Q8_0: 7.2 GB. */
export const LLAMA_7B: ModelShape = {
  embedding: 4096,
  layers: 32,
  heads: 32,
  headsKv: 32,
  feedForward: 11008,
  vocab: 32000,
  contextLength: 4096,
  type: 'q8_0',
  seed: 7,
  name: 'ownchat-llama-7b-shape',
};

export const SHAPES: Record<string, ModelShape> = {
  '0.5b': QWEN_0_5B,
  '7b': LLAMA_7B,
  tiny: { ...TINY, type: 'q8_0', name: 'ownchat-tiny-q8' },
};

const TOKENS = 128;
const PROMPT = 'Why is the sky blue? Explain it to a child, then to a physicist.';

const say = (s: string) => console.log(`gpu-check: ${s}`);
const deadline = Number(process.env.OWNCHAT_GPU_CHECK_DEADLINE) || Date.now() + 8 * 60_000;
const timeLeft = () => deadline - Date.now();

/** The GPU as nvidia-smi and nvcc describe it, or undefined where there is none. */
export async function gpuInfo(): Promise<GpuInfo | undefined> {
  try {
    const { stdout } = await run('nvidia-smi', [
      '--query-gpu=name,driver_version,memory.total,compute_cap',
      '--format=csv,noheader,nounits',
    ]);
    const [name, driver, memoryMiB, computeCap] = stdout
      .split('\n')[0]!
      .split(',')
      .map((s) => s.trim());
    const header = (await run('nvidia-smi')).stdout;
    const nvcc = await run('nvcc', ['--version']).then(
      (r) => /release ([\d.]+)/.exec(r.stdout)?.[1],
      () => undefined,
    );
    return {
      name: name ?? 'unknown',
      driver: driver ?? 'unknown',
      memoryMiB: Number(memoryMiB),
      computeCapability: computeCap ?? 'unknown',
      cudaDriverApi: /CUDA Version:\s*([\d.]+)/.exec(header)?.[1],
      nvcc,
    };
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

type Serve = {
  url: string;
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  log: string[];
  stop: () => Promise<void>;
};

/** `ownchat serve` from this tree (its compiled dist/), on loopback, with `extra` in its environment. */
async function serve(store: string, extra: Record<string, string>): Promise<Serve> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OWNCHAT_FROM_SOURCE: '0',
    OLLAMA_HOST: `127.0.0.1:${port}`,
    OLLAMA_MODELS: store,
    OLLAMA_NUM_PARALLEL: '4',
    OLLAMA_MAX_LOADED_MODELS: '1',
    OLLAMA_KEEP_ALIVE: '-1',
    ...extra,
  };
  const child = spawn(process.execPath, [ownchat, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const keep = (chunk: Buffer) => log.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    const killed = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killed);
  };
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`ownchat serve exited: ${log.slice(-10).join('\n')}`);
    const up = await fetch(`${url}/api/version`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { url, env, child, log, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`ownchat serve did not answer in 60 s: ${log.slice(-10).join('\n')}`);
}

async function ownchatCli(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [ownchat, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

type Timed = { firstMs: number; totalMs: number; evalCount: number; evalMs: number; loadMs: number };

/** One streamed /api/generate, timed from the request to its first token and to its end. */
async function generate(url: string, model: string, options: Record<string, unknown>): Promise<Timed> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      prompt: PROMPT,
      stream: true,
      options: { num_predict: TOKENS, ...options },
    }),
  });
  if (!res.ok || !res.body) throw new Error(`/api/generate ${model}: ${res.status} ${await res.text()}`);
  let first = 0;
  let buffer = '';
  let final: { eval_count?: number; eval_duration?: number; load_duration?: number } = {};
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 1);
      if (!line) continue;
      const j = JSON.parse(line) as { done?: boolean; response?: string; error?: string } & typeof final;
      if (j.error) throw new Error(`/api/generate ${model}: ${j.error}`);
      if (!first && j.response) first = performance.now();
      if (j.done) final = j;
    }
  }
  const end = performance.now();
  return {
    firstMs: (first || end) - t0,
    totalMs: end - t0,
    evalCount: final.eval_count ?? 0,
    evalMs: (final.eval_duration ?? 0) / 1e6,
    loadMs: (final.load_duration ?? 0) / 1e6,
  };
}

/** Decode tokens/s of four answers at once: all their tokens over the time from the first token to the last. */
async function fourStreams(url: string, model: string, options: Record<string, unknown>) {
  const t0 = performance.now();
  const runs = await Promise.all([0, 1, 2, 3].map((seed) => generate(url, model, { ...options, seed })));
  const firstToken = t0 + Math.min(...runs.map((r) => r.firstMs));
  const end = t0 + Math.max(...runs.map((r) => r.totalMs));
  const tokens = runs.reduce((n, r) => n + r.evalCount, 0);
  return {
    tokens,
    seconds: (end - firstToken) / 1000,
    tokensPerSecond: tokens / ((end - firstToken) / 1000),
  };
}

/** llama-bench's decode tokens/s for `file` with `ngl` layers on the GPU (its tg128, two repetitions). */
async function llamaBench(file: string, ngl: number, threads: number) {
  const bench = process.env.OWNCHAT_GPU_CHECK_LLAMA_BENCH;
  if (!bench || !existsSync(bench)) return { skipped: 'llama-bench was not built' };
  const args = [
    '-m',
    file,
    '-ngl',
    String(ngl),
    '-t',
    String(threads),
    '-p',
    '0',
    '-n',
    String(TOKENS),
    '-r',
    '2',
    '-o',
    'json',
  ];
  try {
    const { stdout } = await run(bench, args, {
      maxBuffer: 16 * 1024 * 1024,
      timeout: Math.max(10_000, timeLeft()),
    });
    const rows = JSON.parse(stdout) as { avg_ts: number; n_gpu_layers: number }[];
    return { ngl, tokensPerSecond: rows[0]?.avg_ts };
  } catch (e) {
    return { skipped: `llama-bench failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The layers the scheduler put on the GPU for `model`, from its `loading model` log line. */
function gpuLayersFromLog(log: string[], model: string): number | undefined {
  for (const line of log.toReversed()) {
    if (!line.includes('loading model') || !line.includes(model)) continue;
    const m = /"gpuLayers":(\d+)/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

async function measureModel(
  s: Serve,
  name: string,
  file: string,
  placement: PlacementName,
  cpuThreads: number,
): Promise<ModelRun> {
  const options = placement === 'cpu' ? { num_gpu: 0 } : {};
  const cold = await generate(s.url, name, options);
  const warm = await generate(s.url, name, options);
  const ps = (await (await fetch(`${s.url}/api/ps`)).json()) as {
    models: { name: string; size: number; size_vram: number }[];
  };
  const entry = ps.models.find((m) => m.name.startsWith(name));
  const psLine = (await ownchatCli(s.env, ['ps'])).split('\n').find((l) => l.startsWith(name)) ?? '';
  const processor = /(\d+% GPU|\d+% CPU|\d+%\/\d+% CPU\/GPU)/.exec(psLine)?.[1];
  const streams = timeLeft() > 60_000 ? await fourStreams(s.url, name, options) : undefined;
  const gpuLayers = gpuLayersFromLog(s.log, name);
  const reference =
    timeLeft() > 45_000
      ? await llamaBench(file, placement === 'cpu' ? 0 : (gpuLayers ?? 999), cpuThreads)
      : { skipped: 'out of time' };
  await fetch(`${s.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model: name, keep_alive: 0 }),
  });
  return {
    model: name,
    fileBytes: (await fs.stat(file)).size,
    size: entry?.size,
    sizeVram: entry?.size_vram,
    processor,
    psLine: psLine.trim(),
    gpuLayers,
    coldFirstTokenMs: Math.round(cold.firstMs),
    loadMs: Math.round(cold.loadMs),
    firstTokenMs: Math.round(warm.firstMs),
    evalCount: warm.evalCount,
    decodeTokensPerSecond: warm.evalMs > 0 ? warm.evalCount / (warm.evalMs / 1000) : undefined,
    fourStreams: streams,
    reference,
  };
}

type Written = Record<string, { bytes: number; writeSeconds: number }>;

/**
 * Writes the models not yet written (the 7B's 7 GB in about 45 s on one core) and records how long each took in
 * <work>/models.json. gpu-check.sh runs this as `measure.ts models` while the engine builds.
 */
async function writeModels(
  work: string,
  shapes: string[],
): Promise<{ files: Record<string, string>; written: Written }> {
  await fs.mkdir(work, { recursive: true });
  const record = path.join(work, 'models.json');
  const written = (await fs.readFile(record, 'utf8').then(JSON.parse, () => ({}))) as Written;
  const files: Record<string, string> = {};
  for (const shape of shapes) {
    const s = SHAPES[shape];
    if (!s)
      throw new Error(`OWNCHAT_GPU_CHECK_SHAPES: no shape ${shape} (${Object.keys(SHAPES).join(', ')})`);
    const file = path.join(work, `${shape}.gguf`);
    files[shape] = file;
    if (existsSync(file) && written[shape]) continue;
    const t0 = Date.now();
    // A pool of rows repeated: decode speed does not depend on the values, and writing takes a fraction.
    await writeRandomModel(file, s, { distinctRows: 64 });
    written[shape] = { bytes: (await fs.stat(file)).size, writeSeconds: (Date.now() - t0) / 1000 };
    say(
      `${shape}: ${file} (${(written[shape].bytes / 1e9).toFixed(2)} GB in ${written[shape].writeSeconds} s)`,
    );
    await fs.writeFile(record, `${JSON.stringify(written, null, 2)}\n`);
  }
  return { files, written };
}

async function main(): Promise<void> {
  const started = Date.now();
  const out = process.env.OUT || path.join(root, '.gpu-check', 'out');
  const work = process.env.OWNCHAT_GPU_CHECK_WORK || path.join(os.tmpdir(), 'ownchat-gpu-check');
  const shapes = (process.env.OWNCHAT_GPU_CHECK_SHAPES || '0.5b,7b').split(',').map((s) => s.trim());
  if (process.argv[2] === 'models') {
    await writeModels(work, shapes);
    return;
  }
  await fs.mkdir(out, { recursive: true });
  const gpu = await gpuInfo();
  const result: CheckResult = {
    date: new Date().toISOString(),
    gpu,
    cpu: { model: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism() },
    node: process.version,
    engineBuildSeconds: Number(process.env.OWNCHAT_GPU_CHECK_ENGINE_BUILD_S) || undefined,
    models: {},
    placements: [],
  };
  const write = async () => {
    result.seconds = Math.round((Date.now() - started) / 1000);
    await fs.writeFile(path.join(out, 'gpu-check.json'), `${JSON.stringify(result, null, 2)}\n`);
    await fs.writeFile(path.join(out, 'gpu-check.txt'), summary(result));
  };
  const { files, written } = await writeModels(work, shapes);
  result.models = written;
  await write();

  const store = path.join(work, 'store');
  const biggest = Math.max(...Object.values(result.models).map((m) => m.bytes));
  // Below the biggest model's size, as the seed's 6 GB card was for llama3:8b: it must be split.
  const splitBytes = Math.floor((biggest * 0.6) / 2 ** 20);
  const placements: { name: PlacementName; env: Record<string, string> }[] = [
    { name: 'gpu', env: {} },
    { name: 'split', env: { OWNCHAT_GPU_MEMORY: `${splitBytes}MiB` } },
    { name: 'cpu', env: {} },
  ];
  let created = false;
  for (const p of placements) {
    if (timeLeft() < 30_000) {
      result.placements.push({ name: p.name, env: p.env, skipped: 'out of time', runs: [] });
      continue;
    }
    const s = await serve(store, p.env);
    const placement: CheckResult['placements'][number] = {
      name: p.name,
      env: p.env,
      inferenceCompute: s.log.filter((l) => l.includes('inference compute')).map(logMessage),
      runs: [],
    };
    result.placements.push(placement);
    try {
      if (!created) {
        for (const [shape, file] of Object.entries(files)) {
          const modelfile = path.join(work, `${shape}.Modelfile`);
          await fs.writeFile(modelfile, `FROM ${file}\n`);
          await ownchatCli(s.env, ['create', `check-${shape}`, '-f', modelfile]);
        }
        created = true;
      }
      const threads = /inference compute: CPU, (\d+) thread/.exec(
        (placement.inferenceCompute ?? []).join('\n'),
      )?.[1];
      for (const shape of Object.keys(files)) {
        if (timeLeft() < 30_000) {
          placement.runs.push({ model: `check-${shape}`, skipped: 'out of time' });
          continue;
        }
        say(`${p.name}: check-${shape}`);
        try {
          placement.runs.push(
            await measureModel(
              s,
              `check-${shape}`,
              files[shape]!,
              p.name,
              // llama-bench gets the threads the llm-manager uses: all the CPUs it may use (serve.ts).
              threads ? Number(threads) : os.availableParallelism(),
            ),
          );
        } catch (e) {
          placement.runs.push({ model: `check-${shape}`, error: (e as Error).message });
        }
        await write();
      }
    } finally {
      await s.stop();
      placement.logTail = s.log.slice(-20);
    }
    await write();
  }
  await write();
  process.stdout.write(summary(result));
}

/** A JSON log line's message (the text as it is otherwise). */
function logMessage(line: string): string {
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg ?? line);
  } catch {
    return line;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
