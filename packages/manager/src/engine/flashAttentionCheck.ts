// Builds and runs flashAttentionCheck.cpp against the engine `npm ci` built (node-llama-cpp's lastBuild.json): the
// CPU flash attention kernel's errors against an exact result, and with `timed` its speed against ggml's reference
// kernel. For flashAttention.test.ts and bench/flashAttention.bench.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type FlashAttentionCase = {
  case: string;
  /** Query heads share K/V heads: the engine runs ownchat's grouped kernel (patches/llama.cpp/flash-attn-gqa.patch). */
  grouped: boolean;
  f16: boolean;
  /** The largest difference from the exact result: the engine's kernel, and ggml's reference kernel. */
  error: number;
  referenceError: number;
  /** With `timed`: milliseconds a run, on 2 threads. */
  ms?: number;
  referenceMs?: number;
};

/** node-llama-cpp's llama folder: the patched source, and the local builds. */
const llamaDir = path.join(
  path.dirname(createRequire(import.meta.url).resolve('node-llama-cpp')),
  '..',
  'llama',
);

/** Compiles the check to `out`, linked to the engine's ggml libraries; throws with the compiler's words. */
export function buildFlashAttentionCheck(out: string): void {
  const folder = (
    JSON.parse(readFileSync(path.join(llamaDir, 'lastBuild.json'), 'utf8')) as { folderName: string }
  ).folderName;
  const libs = path.join(llamaDir, 'localBuilds', folder, 'Release');
  const source = fileURLToPath(new URL('./flashAttentionCheck.cpp', import.meta.url));
  const include = path.join(llamaDir, 'llama.cpp', 'ggml', 'include');
  const args = [
    '-O2',
    '-std=c++17',
    `-I${include}`,
    source,
    '-o',
    out,
    `-L${libs}`,
    '-lggml-base',
    '-lggml-cpu',
  ];
  const built = spawnSync('c++', [...args, `-Wl,-rpath,${libs}`], { encoding: 'utf8' });
  if (built.status !== 0)
    throw new Error(`the flash attention check did not compile: ${built.stderr || built.error}`);
}

/** Runs the built check: one result per case. */
export function runFlashAttentionCheck(check: string, timed = false): FlashAttentionCase[] {
  const ran = spawnSync(check, timed ? ['--time'] : [], { encoding: 'utf8', timeout: 300_000 });
  if (ran.status !== 0)
    throw new Error(`the flash attention check failed: ${ran.stderr || ran.error || ran.signal}`);
  return ran.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as FlashAttentionCase);
}
