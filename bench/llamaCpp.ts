// llama.cpp's own tools, the benchmark's reference peer: llama-server, llama-bench and llama-quantize, built from
// the very source node-llama-cpp ships (its git bundle) with llama.cpp's defaults (-march=native, OpenMP), once,
// into a cache outside the repository (OWNCHAT_BENCH_CACHE, default ~/.cache/ownchat-bench). Building takes several
// minutes on 2 cores.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

export const CACHE = process.env.OWNCHAT_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'ownchat-bench');

/**
 * The engine's fix for ggml's AMX tile configuration, which GCC 12 compiles away (the patch says how): the
 * reference gets it too, or its -march=native build, its best on a CPU with AMX, dies at its first prompt.
 */
const AMX_FIX = path.join(root, 'patches', 'llama.cpp', 'amx-tile-config.patch');

async function amxFixed(src: string): Promise<boolean> {
  if (!existsSync(path.join(src, '.git'))) return false;
  return run('git', ['apply', '--reverse', '--check', AMX_FIX], { cwd: src }).then(
    () => true,
    () => false,
  );
}

export type LlamaCppTools = { server: string; bench: string; quantize: string };

export async function ensureLlamaCpp(log: (s: string) => void): Promise<LlamaCppTools> {
  const src = path.join(CACHE, 'llama.cpp');
  // OWNCHAT_BENCH_LLAMA_CPP_BIN: a folder that already holds the three tools (another build of the same source,
  // e.g. with the engine's own flags); the results then say which.
  const given = process.env.OWNCHAT_BENCH_LLAMA_CPP_BIN;
  const bin = given ? path.resolve(given) : path.join(src, 'build', 'bin');
  const tools = {
    server: path.join(bin, 'llama-server'),
    bench: path.join(bin, 'llama-bench'),
    quantize: path.join(bin, 'llama-quantize'),
  };
  const built = Object.values(tools).every((t) => existsSync(t));
  if (given) {
    if (built) return tools;
    throw new Error(`OWNCHAT_BENCH_LLAMA_CPP_BIN=${given} lacks llama-server, llama-bench or llama-quantize`);
  }
  if (built && (await amxFixed(src))) return tools;
  const bundle = path.join(root, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
  log(`building llama.cpp from ${path.relative(root, bundle)} into ${src} (several minutes)`);
  await fs.mkdir(CACHE, { recursive: true });
  if (!existsSync(path.join(src, '.git'))) await run('git', ['clone', '-q', bundle, src]);
  if (!(await amxFixed(src))) await run('git', ['apply', AMX_FIX], { cwd: src });
  await run(
    'cmake',
    [
      '-B',
      'build',
      '-DCMAKE_BUILD_TYPE=Release',
      '-DLLAMA_BUILD_UI=OFF',
      '-DLLAMA_USE_PREBUILT_UI=OFF',
      '-DLLAMA_OPENSSL=OFF',
      '-DLLAMA_CURL=OFF',
      '-DLLAMA_BUILD_TESTS=OFF',
      '-DLLAMA_BUILD_EXAMPLES=OFF',
    ],
    { cwd: src, maxBuffer: 64 * 1024 * 1024 },
  );
  await run(
    'cmake',
    [
      '--build',
      'build',
      '--target',
      'llama-server',
      'llama-bench',
      'llama-quantize',
      `-j${os.availableParallelism()}`,
    ],
    { cwd: src, maxBuffer: 64 * 1024 * 1024 },
  );
  return tools;
}
