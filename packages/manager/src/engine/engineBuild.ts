// Which llama.cpp build the runner loads, and how `npm ci` makes it (scripts/build-engine.ts).
//
// node-llama-cpp's prebuilt CPU binaries attach no ggml threadpool to a context, so ggml creates and joins its
// worker threads on every graph computation, i.e. on every token, and the OS places the new threads afresh each
// time. With 2 threads on this 2-core machine that cost about 10% of decode speed against llama.cpp's own
// llama-server, which keeps one pool (bench/README.md has the figures). So `npm ci` builds node-llama-cpp's addon
// from the llama.cpp source it ships, with patches/node-llama-cpp+3.21.1.patch keeping one pool per context, and
// without OpenMP (its spinning workers compete with Node's own threads: slower in process, measured).
//
// The instruction sets are named one by one from /proc/cpuinfo, as node-llama-cpp's prebuilt CPU variants are
// compiled, rather than with -march=native: on this machine -march=native turns on AVX512-FP16, and ggml's FP16
// vector path then made each prompt evaluation cost time in proportion to the context already held (40 new
// tokens after 760: 1260 ms against 359 ms for the prebuilt binary, measured), which undid the conversation's
// prefix reuse.
//
// getLlama loads a local build whose CMake options match these, and falls back to the prebuilt binaries where
// there is none (no compiler at install, OWNCHAT_ENGINE_BUILD=0, another CPU than the one built on, or a GPU
// build chosen instead).
import { readFileSync } from 'node:fs';
import type { Llama } from 'node-llama-cpp';

/** ggml's CMake switch for each x86 feature, by its /proc/cpuinfo flag. */
const X86_FEATURES: [flag: string, option: string][] = [
  ['sse4_2', 'GGML_SSE42'],
  ['avx', 'GGML_AVX'],
  ['avx2', 'GGML_AVX2'],
  ['fma', 'GGML_FMA'],
  ['f16c', 'GGML_F16C'],
  ['bmi2', 'GGML_BMI2'],
  ['avx_vnni', 'GGML_AVX_VNNI'],
  ['avx512f', 'GGML_AVX512'],
  ['avx512vbmi', 'GGML_AVX512_VBMI'],
  ['avx512_vnni', 'GGML_AVX512_VNNI'],
  ['avx512_bf16', 'GGML_AVX512_BF16'],
];

let cached: Record<string, string> | undefined;

/** The CMake options of the engine build for this machine (the same at install and when loading). */
export function engineCmakeOptions(): Record<string, string> {
  if (cached) return cached;
  const options: Record<string, string> = { GGML_OPENMP: 'OFF' };
  let cpuinfo = '';
  try {
    cpuinfo = process.arch === 'x64' ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  } catch {
    // Not Linux: -march=native it is.
  }
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
  if (flags.size > 0) {
    options.GGML_NATIVE = 'OFF';
    for (const [flag, option] of X86_FEATURES) options[option] = flags.has(flag) ? 'ON' : 'OFF';
  }
  cached = options;
  return options;
}

/** How the start-up log names the engine, so a user sees which one runs. */
export function engineName(llama: Pick<Llama, 'buildType'>): string {
  return llama.buildType === 'localBuild'
    ? 'llama.cpp built at install (one thread pool per model)'
    : "node-llama-cpp's prebuilt llama.cpp";
}
