// The images' engine is built with ggml's CPU variants and picks one when it starts (engineBuild.ts). The image
// test builds only the baseline and the variant this CPU gets, so x86CpuVariant must name the one ggml picks:
// its table is checked against ggml's own list in the llama.cpp source node-llama-cpp ships, and its choice
// against ggml's score order on CPUs of each generation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cpuFlags, X86_CPU_VARIANTS, x86CpuVariant } from './engineBuild.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');

/** ggml's CMake feature names as /proc/cpuinfo flags (AMX_TILE is compiled in but not part of the score). */
const FLAGS_OF: Record<string, string[]> = {
  SSE42: ['sse4_2'],
  AVX: ['avx'],
  F16C: ['f16c'],
  FMA: ['fma'],
  AVX2: ['avx2'],
  BMI2: ['bmi2'],
  AVX_VNNI: ['avx_vnni'],
  AVX512: ['avx512f', 'avx512cd', 'avx512vl', 'avx512dq', 'avx512bw'],
  AVX512_VBMI: ['avx512vbmi'],
  AVX512_VNNI: ['avx512_vnni'],
  AVX512_BF16: ['avx512_bf16'],
  AMX_TILE: [],
  AMX_INT8: ['amx_int8'],
};

const haswell = ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2'];
const avx512 = FLAGS_OF.AVX512!;

describe('x86 CPU variants', () => {
  it("are ggml's GGML_CPU_ALL_VARIANTS list for x86, each with the flags it requires", () => {
    const cmake = readFileSync(
      path.join(ROOT, 'node_modules/node-llama-cpp/llama/llama.cpp/ggml/src/CMakeLists.txt'),
      'utf8',
    );
    const x86 = cmake.slice(
      cmake.indexOf('if (GGML_SYSTEM_ARCH STREQUAL "x86")\n        ggml_add_cpu_backend_variant(x64)'),
    );
    const block = x86.slice(0, x86.indexOf('elseif(GGML_SYSTEM_ARCH STREQUAL "ARM")'));
    const listed: Record<string, string[]> = {};
    for (const m of block.matchAll(/ggml_add_cpu_backend_variant\((\w+)([^)]*)\)/g)) {
      const features = m[2]!.trim().split(/\s+/).filter(Boolean);
      listed[m[1]!] = features.flatMap((f) => {
        expect(FLAGS_OF, `a feature this test does not know: ${f}`).toHaveProperty(f);
        return FLAGS_OF[f]!;
      });
    }
    expect(Object.keys(listed).length).toBeGreaterThan(10);
    const sorted = (o: Record<string, string[]>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, [...v].sort()]));
    expect(sorted(X86_CPU_VARIANTS)).toEqual(sorted(listed));
  });

  it('picks the one ggml picks: the highest score among those the CPU supports', () => {
    expect(x86CpuVariant(new Set())).toBe('x64');
    expect(x86CpuVariant(new Set(['sse4_2', 'avx']))).toBe('sandybridge');
    expect(x86CpuVariant(new Set(haswell))).toBe('haswell');
    // Alder Lake: AVX-VNNI, no AVX-512.
    expect(x86CpuVariant(new Set([...haswell, 'avx_vnni']))).toBe('alderlake');
    // AVX-512 counts only with all five subsets ggml checks.
    expect(x86CpuVariant(new Set([...haswell, 'avx512f', 'avx512cd']))).toBe('haswell');
    expect(x86CpuVariant(new Set([...haswell, ...avx512]))).toBe('skylakex');
    expect(x86CpuVariant(new Set([...haswell, ...avx512, 'avx512_vnni']))).toBe('cascadelake');
    // Zen 4: VBMI, VNNI and BF16, no AMX; Sapphire Rapids adds AMX (and AVX-VNNI, which scores less).
    const zen4 = [...haswell, ...avx512, 'avx512vbmi', 'avx512_vnni', 'avx512_bf16'];
    expect(x86CpuVariant(new Set(zen4))).toBe('zen4');
    expect(x86CpuVariant(new Set([...zen4, 'avx_vnni', 'amx_tile', 'amx_int8']))).toBe('sapphirerapids');
  });

  it('reads this machine’s flags', () => {
    if (process.platform !== 'linux') return;
    expect(cpuFlags().size).toBeGreaterThan(0);
    expect(Object.keys(X86_CPU_VARIANTS)).toContain(x86CpuVariant(cpuFlags()));
  });
});

describe('the portable build’s CMake options (OWNCHAT_ENGINE_CPU_VARIANTS)', () => {
  const optionsWith = async (env: Record<string, string>) => {
    vi.resetModules();
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    try {
      return (await import('./engineBuild.ts')).engineCmakeOptions();
    } finally {
      vi.unstubAllEnvs();
    }
  };

  it('asks for every CPU variant as a loadable backend, and names neither the native CPU nor its flags', async () => {
    expect(await optionsWith({ OWNCHAT_ENGINE_CPU_VARIANTS: 'all' })).toEqual({
      GGML_OPENMP: 'OFF',
      GGML_NATIVE: 'OFF',
      GGML_BACKEND_DL: 'ON',
      GGML_CPU_ALL_VARIANTS: 'ON',
    });
  });

  it('lists the variants a build keeps, and the CUDA image’s compute capabilities', async () => {
    expect(
      await optionsWith({
        OWNCHAT_ENGINE_CPU_VARIANTS: 'x64,haswell',
        OWNCHAT_ENGINE_CUDA_ARCHITECTURES: '61;75;86',
      }),
    ).toMatchObject({ GGML_CPU_VARIANTS: 'x64,haswell', CMAKE_CUDA_ARCHITECTURES: '61;75;86' });
  });

  it('is not used where the variable is unset: the build for this CPU', async () => {
    const options = await optionsWith({});
    expect(options.GGML_BACKEND_DL).toBeUndefined();
    if (process.arch === 'x64' && process.platform === 'linux') expect(options.GGML_NATIVE).toBe('OFF');
  });
});
