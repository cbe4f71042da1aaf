// llama.cpp's own tools, the benchmark's reference peer: llama-server, llama-bench and llama-quantize, built from
// the very source node-llama-cpp ships (its git bundle), once, into a cache outside the repository
// (OWNCHAT_BENCH_CACHE, default ~/.cache/ownchat-bench). Building takes several minutes on 2 cores.
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
  if (Object.values(tools).every((t) => existsSync(t))) return tools;
  if (given)
    throw new Error(`OWNCHAT_BENCH_LLAMA_CPP_BIN=${given} lacks llama-server, llama-bench or llama-quantize`);
  const bundle = path.join(root, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
  log(`building llama.cpp from ${path.relative(root, bundle)} into ${src} (several minutes)`);
  await fs.mkdir(CACHE, { recursive: true });
  if (!existsSync(path.join(src, '.git'))) await run('git', ['clone', '-q', bundle, src]);
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
