// scripts/gpu-check.sh's CPU parts, run as on a GPU machine but without the GPU, so that the script cannot rot
// between the sessions that are lent one: pack.ts packs Node.js, the tree and llama.cpp under the device tool's
// 64 MiB; a copy of the working tree (what the device tool sends) unpacks them with the system's PATH holding no
// node_modules of ours, builds the engine from the unpacked source with the very build script (the CPU engine here,
// no nvidia-smi) and llama-bench beside it, writes a model, serves it through the three placements and writes the
// JSON and the summary. What only a GPU can show (the CUDA build, size_vram, the split) is the device's to run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARRY_LIMIT, NODE_VERSION, type Packed, pack, workingTreeBytes } from './pack.ts';
import { type CheckResult, type ModelRun, summary } from './summary.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
let scratch: string;
let packed: Packed;
let device: string;

/**
 * The environment the device's command starts with: none of this process's settings (the tests' OWNCHAT_* ones),
 * no node_modules/.bin on the PATH. The system's Node.js stays on it (it is in /usr/bin with everything else):
 * gpu-check.sh checks that its own comes first.
 */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['HOME', 'TMPDIR', 'LANG']) if (process.env[key]) env[key] = process.env[key];
  env.PATH = (process.env.PATH ?? '')
    .split(':')
    .filter((p) => p && !p.includes('node_modules'))
    .join(':');
  return { ...env, ...extra };
}

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gpu-check-test-'));
  packed = await pack(path.join(scratch, 'pack'));
  // What the device tool sends: the tracked files and the untracked ones git does not ignore.
  device = path.join(scratch, 'device');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const f of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(root, f))) continue;
    await fs.mkdir(path.dirname(path.join(device, f)), { recursive: true });
    await fs.cp(path.join(root, f), path.join(device, f), { verbatimSymlinks: true });
  }
}, 600_000);

afterAll(async () => {
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

describe('scripts/gpu-check', () => {
  it('packs what the device needs under the 64 MiB the device tool carries', async () => {
    expect(Object.keys(packed.files).sort()).toEqual(['llama.cpp.tar.xz', 'node.tar.xz', 'tree.tar.xz']);
    const tree = await workingTreeBytes();
    expect(packed.total + tree).toBeLessThan(CARRY_LIMIT);
    // No prebuilt llama.cpp binary and no build made here: the device builds its own.
    const { stdout } = await run('tar', ['-tJf', path.join(packed.dir, 'tree.tar.xz')], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const names = stdout.split('\n');
    expect(names.filter((n) => n.startsWith('node_modules/@node-llama-cpp/'))).toEqual([]);
    expect(names.filter((n) => n.includes('/llama/localBuilds/'))).toEqual([]);
    expect(names).toContain('packages/cli/dist/main.js');
    expect(names).toContain('node_modules/tsx/package.json');
    expect(names).toContain('node_modules/node-llama-cpp/llama/addon/addon.cpp');
    const llama = (
      await run('tar', ['-tJf', path.join(packed.dir, 'llama.cpp.tar.xz')], { maxBuffer: 64 * 1024 * 1024 })
    ).stdout.split('\n');
    expect(llama).toContain('ggml/src/ggml-cuda/CMakeLists.txt');
    expect(llama).toContain('tools/llama-bench/llama-bench.cpp');
    expect(llama.filter((n) => n.startsWith('ggml/src/ggml-vulkan/'))).toEqual([]);
  });

  it('unpacks, builds the engine and llama-bench from the packed source, and measures the three placements', async () => {
    const work = path.join(scratch, 'work');
    const out = path.join(scratch, 'out');
    const env = bareEnv({
      OWNCHAT_GPU_CHECK_PACK: packed.dir,
      OWNCHAT_GPU_CHECK_WORK: work,
      OUT: out,
      OWNCHAT_GPU_CHECK_SHAPES: 'tiny',
      OWNCHAT_GPU_CHECK_SECONDS: '1500',
      // A test server's habits (vitest.config.ts): no spare runner.
      OWNCHAT_SPARE_RUNNER: '0',
    });
    const script = path.join(device, 'scripts', 'gpu-check.sh');
    await run('bash', [script, 'unpack'], { env, maxBuffer: 64 * 1024 * 1024 });
    const node = path.join(work, 'node', 'bin', 'node');
    expect((await run(node, ['--version'])).stdout.trim()).toBe(`v${NODE_VERSION}`);

    await run('bash', [script, 'build'], { env, maxBuffer: 64 * 1024 * 1024, timeout: 1_200_000 });
    expect(
      existsSync(path.join(device, 'node_modules/node-llama-cpp/llama/localBuilds/ownchat-engine.json')),
    ).toBe(true);
    const bench = (await fs.readFile(path.join(work, 'llama-bench-path'), 'utf8')).trim();
    expect(bench).toMatch(/llama-bench$/);

    await run('bash', [script, 'measure'], { env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    const result = JSON.parse(await fs.readFile(path.join(out, 'gpu-check.json'), 'utf8')) as CheckResult;
    expect(result.gpu).toBeUndefined();
    expect(result.node).toBe(`v${NODE_VERSION}`);
    expect(result.engineBuildSeconds).toBeGreaterThan(0);
    expect(result.placements.map((p) => p.name)).toEqual(['gpu', 'split', 'cpu']);
    expect(result.placements[1]!.env.OWNCHAT_GPU_MEMORY).toMatch(/^\d+MiB$/);
    for (const p of result.placements) {
      expect(p.inferenceCompute!.join('\n')).toMatch(
        /inference compute: CPU, \d+ threads?.*engine: llama\.cpp built/,
      );
      expect(p.runs).toHaveLength(1);
      const r = p.runs[0] as ModelRun;
      expect(r.model).toBe('check-tiny');
      expect(r.processor).toBe('100% CPU');
      expect(r.size).toBeGreaterThan(0);
      expect(r.sizeVram).toBe(0);
      expect(r.gpuLayers).toBe(0);
      expect(r.evalCount).toBeGreaterThan(0);
      expect(r.decodeTokensPerSecond).toBeGreaterThan(0);
      expect(r.firstTokenMs).toBeGreaterThan(0);
      expect(r.coldFirstTokenMs).toBeGreaterThanOrEqual(r.loadMs);
      expect(r.fourStreams!.tokens).toBeGreaterThan(0);
      expect(r.reference.ngl).toBe(0);
      expect(r.reference.tokensPerSecond).toBeGreaterThan(0);
    }
    const text = await fs.readFile(path.join(out, 'gpu-check.txt'), 'utf8');
    expect(text).toBe(summary(result));
    expect(text).toContain('GPU: none found');
    expect(text).toMatch(/^cpu\s+check-tiny\s+100% CPU/m);
  }, 1_800_000);
});

describe('the summary', () => {
  it('names the card, driver and CUDA, and gives each placement with its ratio to llama-bench', () => {
    const run: ModelRun = {
      model: 'check-7b',
      fileBytes: 7.2e9,
      size: 7.9e9,
      sizeVram: 4.1e9,
      processor: '48%/52% CPU/GPU',
      psLine: 'check-7b:latest  …',
      gpuLayers: 17,
      coldFirstTokenMs: 2400,
      loadMs: 2100,
      firstTokenMs: 35,
      evalCount: 128,
      decodeTokensPerSecond: 20,
      fourStreams: { tokens: 512, seconds: 10, tokensPerSecond: 51.2 },
      reference: { ngl: 17, tokensPerSecond: 25 },
    };
    const text = summary({
      date: '2026-12-07T00:00:00.000Z',
      gpu: {
        name: 'NVIDIA H200',
        driver: '580.159.04',
        memoryMiB: 143771,
        computeCapability: '9.0',
        cudaDriverApi: '13.0',
        nvcc: '13.0',
      },
      cpu: { model: 'x', cores: 16 },
      node: 'v24.22.3',
      engineBuildSeconds: 301,
      models: { '7b': { bytes: 7.2e9, writeSeconds: 30 } },
      placements: [{ name: 'split', env: { OWNCHAT_GPU_MEMORY: '4120MiB' }, runs: [run] }],
    });
    expect(text).toContain(
      'GPU: NVIDIA H200, 143771 MiB, compute capability 9.0, driver 580.159.04 (CUDA 13.0), nvcc 13.0',
    );
    expect(text).toContain('engine build: 301 s');
    expect(text).toMatch(
      /^split\s+check-7b\s+48%\/52% CPU\/GPU\s+7\.90 GB\s+4\.10 GB\s+17\s+20\.0\s+25\.0\s+0\.80\s+35\s+2400\s+51\.2$/m,
    );
  });
});
