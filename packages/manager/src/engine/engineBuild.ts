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
// prefix reuse. AMX, where the CPU has it and a probe shows it runs, is named too (amx.ts).
//
// getLlama loads a local build whose CMake options match these, and falls back to the prebuilt binaries where
// there is none (no compiler at install, OWNCHAT_ENGINE_BUILD=0, another CPU than the one built on, or a GPU
// build chosen instead).
//
// A container image cannot know its host's CPU when it is built, so its engine (the same patched source) is built
// portable instead: OWNCHAT_ENGINE_CPU_VARIANTS, set in the llm-manager Dockerfiles both where the engine is built
// and where it runs, asks for GGML_BACKEND_DL with ggml's CPU variants (one libggml-cpu-<variant>.so per
// instruction set, as node-llama-cpp's prebuilt binaries and Ollama's ship them), and ggml loads the best one the
// CPU it meets supports when the engine starts. `all` builds every variant ggml lists for the architecture;
// a comma-separated list builds those only (patches/llama.cpp/ggml-cpu-variants.patch), which the image test uses
// to keep CI's build short.
import { readFileSync } from 'node:fs';
import type { Llama } from 'node-llama-cpp';
import { amxWorks } from './amx.ts';

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

/**
 * ggml's x86 CPU variants (GGML_CPU_ALL_VARIANTS in ggml/src/CMakeLists.txt), each with the /proc/cpuinfo flags
 * its score function (ggml_backend_cpu_x86_score) requires. AVX512 stands for the five AVX-512 subsets ggml checks.
 */
const AVX512 = ['avx512f', 'avx512cd', 'avx512vl', 'avx512dq', 'avx512bw'];
const HASWELL = ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2'];
export const X86_CPU_VARIANTS: Record<string, string[]> = {
  x64: [],
  sse42: ['sse4_2'],
  sandybridge: ['sse4_2', 'avx'],
  ivybridge: ['sse4_2', 'avx', 'f16c'],
  piledriver: ['sse4_2', 'avx', 'f16c', 'fma'],
  haswell: HASWELL,
  skylakex: [...HASWELL, ...AVX512],
  cannonlake: [...HASWELL, ...AVX512, 'avx512vbmi'],
  cascadelake: [...HASWELL, ...AVX512, 'avx512_vnni'],
  icelake: [...HASWELL, ...AVX512, 'avx512vbmi', 'avx512_vnni'],
  cooperlake: [...HASWELL, ...AVX512, 'avx512_vnni', 'avx512_bf16'],
  zen4: [...HASWELL, ...AVX512, 'avx512vbmi', 'avx512_vnni', 'avx512_bf16'],
  alderlake: [...HASWELL, 'avx_vnni'],
  sapphirerapids: [...HASWELL, ...AVX512, 'avx512vbmi', 'avx512_vnni', 'avx512_bf16', 'amx_int8'],
};

/** ggml's weight for each flag in its score (a variant's score is 1 + the weights of what it requires). */
const SCORE: Record<string, number> = {
  fma: 1,
  f16c: 2,
  sse4_2: 4,
  bmi2: 8,
  avx: 16,
  avx2: 32,
  avx_vnni: 64,
  avx512f: 128,
  avx512vbmi: 256,
  avx512_bf16: 512,
  avx512_vnni: 1024,
  amx_int8: 2048,
};

/**
 * The x86 variant ggml loads on a CPU with these /proc/cpuinfo flags: the highest score among the variants whose
 * requirements the CPU meets, as ggml_backend_load_best picks it. The image test builds this one beside the
 * baseline and checks that the engine in the container loads it.
 */
export function x86CpuVariant(flags: Set<string>): string {
  let best = 'x64';
  let bestScore = 0;
  for (const [name, needs] of Object.entries(X86_CPU_VARIANTS)) {
    if (!needs.every((f) => flags.has(f))) continue;
    const score = 1 + needs.reduce((sum, f) => sum + (SCORE[f] ?? 0), 0);
    if (score > bestScore) [best, bestScore] = [name, score];
  }
  return best;
}

/** This machine's CPU flags from /proc/cpuinfo (none where there is no such file). */
export function cpuFlags(): Set<string> {
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // Not Linux.
  }
  return new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
}

let cached: Record<string, string> | undefined;

/**
 * The portable build's CMake options (OWNCHAT_ENGINE_CPU_VARIANTS: `all` or a comma-separated list of variants),
 * and, for the CUDA image, the compute capabilities it compiles for (OWNCHAT_ENGINE_CUDA_ARCHITECTURES).
 */
function portableOptions(variants: string): Record<string, string> {
  const options: Record<string, string> = {
    GGML_OPENMP: 'OFF',
    GGML_NATIVE: 'OFF',
    GGML_BACKEND_DL: 'ON',
    GGML_CPU_ALL_VARIANTS: 'ON',
  };
  if (variants !== 'all') options.GGML_CPU_VARIANTS = variants;
  const cuda = process.env.OWNCHAT_ENGINE_CUDA_ARCHITECTURES;
  if (cuda) options.CMAKE_CUDA_ARCHITECTURES = cuda;
  return options;
}

/** The CMake options of the engine build for this machine (the same at install and when loading). */
export function engineCmakeOptions(): Record<string, string> {
  if (cached) return cached;
  const variants = process.env.OWNCHAT_ENGINE_CPU_VARIANTS;
  if (variants) {
    cached = portableOptions(variants);
    return cached;
  }
  const options: Record<string, string> = { GGML_OPENMP: 'OFF' };
  // Not x64 or not Linux: -march=native it is.
  const flags = process.arch === 'x64' ? cpuFlags() : new Set<string>();
  if (flags.size > 0) {
    options.GGML_NATIVE = 'OFF';
    for (const [flag, option] of X86_FEATURES) options[option] = flags.has(flag) ? 'ON' : 'OFF';
    // Named only where the probe ran a tile instruction (amx.ts), so other machines keep their builds' keys.
    if (amxWorks(flags)) {
      options.GGML_AMX_TILE = 'ON';
      options.GGML_AMX_INT8 = 'ON';
      options.GGML_AMX_BF16 = flags.has('amx_bf16') ? 'ON' : 'OFF';
    }
  }
  // A CUDA build for this machine's GPU alone (scripts/gpu-check.sh): minutes instead of one for every card.
  const cuda = process.env.OWNCHAT_ENGINE_CUDA_ARCHITECTURES;
  if (cuda) options.CMAKE_CUDA_ARCHITECTURES = cuda;
  cached = options;
  return options;
}

/** How the start-up log names the engine, so a user sees which one runs. */
export function engineName(llama: Pick<Llama, 'buildType'>): string {
  if (llama.buildType !== 'localBuild') return "node-llama-cpp's prebuilt llama.cpp";
  return process.env.OWNCHAT_ENGINE_CPU_VARIANTS
    ? 'llama.cpp built in the image (one thread pool per model)'
    : 'llama.cpp built at install (one thread pool per model)';
}
