// The inference devices as the manager's parent process sees them: which llama.cpp binary loaded (logged once
// at start, as Ollama logs "inference compute", so a user sees at once whether the GPU was found), how much
// memory is free, and node-llama-cpp's estimate of what a model needs for a given number of GPU layers.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import { GgmlType, GgufInsights, getLlama, type Llama, readGgufFileInfo } from 'node-llama-cpp';
import { engineCmakeOptions, engineName } from './engineBuild.ts';
import { checkGgufBounds } from './ggufBounds.ts';

export type DeviceLine = { message: string; fields: Record<string, unknown> };
export type MemoryFigures = { gpuTotal: number; gpuFree: number; ramTotal: number; ramFree: number };
export type ModelEstimate = {
  totalLayers: number;
  estimate: (gpuLayers: number) => { vram: number; ram: number };
  /** The projector's part of `estimate` (images in): the scheduler puts the load's measurement in its place. */
  projector?: (gpuLayers: number) => { vram: number; ram: number };
};
export type EstimateSpec = {
  contextSize: number;
  batchSize: number;
  sequences: number;
  useMmap: boolean;
  /** The K/V cache's type and flash attention: a quantized cache takes a half or a quarter of f16's memory. */
  kvCacheType?: 'f16' | 'q8_0' | 'q4_0';
  flashAttention?: boolean | 'auto';
  /** A projector loaded beside the model (images in): its weights sit where the model's layers do. */
  projectorPath?: string;
};

/** Bytes per cached value: q8_0 and q4_0 store blocks of 32 values in 34 and 18 bytes. */
const KV_BYTES_PER_VALUE = { f16: 2, q8_0: 34 / 32, q4_0: 18 / 32 } as const;

/** What the scheduler needs of the devices; tests inject their own memory figures through this seam. */
export interface Devices {
  readonly gpu: string | false;
  memory(): Promise<MemoryFigures>;
  estimate(modelPath: string, spec: EstimateSpec): Promise<ModelEstimate>;
  describe(threads: number): Promise<DeviceLine[]>;
  close(): Promise<void>;
}

const GIB = 1024 ** 3;

/**
 * Room for the projector's compute buffer beside its weights when it goes on a GPU: Ollama's
 * mmprojOffloadHeadroom (llm/llama_server.go). mtmd reserves that buffer at load for its largest image, and its
 * size depends on the projector type (29.6 MiB for testkit's tiny Qwen2-VL projector, 429 MiB for its Qwen2.5-VL
 * one, whose window attention adds a mask over all patches), so no simple rule from the metadata gives it.
 * On the CPU the estimate counts the weights only, as Ollama does; the runner measures what the load really took
 * (LoadedInfo.projectorMemory) and the scheduler records that instead when it is more (scheduler.ts).
 */
export const PROJECTOR_GPU_HEADROOM = GIB;
const gib = (n: number) => `${(n / GIB).toFixed(1)} GiB`;

/** System memory this process may use: a container's limit and usage where there are any, not the host's. */
export function systemMemory(): { total: number; free: number } {
  const hostTotal = os.totalmem();
  const limit = process.constrainedMemory?.() ?? 0;
  if (!(limit > 0 && limit < hostTotal)) return { total: hostTotal, free: os.freemem() };
  let used = process.memoryUsage().rss;
  try {
    used = Number(readFileSync('/sys/fs/cgroup/memory.current', 'utf8').trim()) || used;
  } catch {
    // cgroup v1 or no access: our own resident size is the best we know.
  }
  return { total: limit, free: Math.max(0, Math.min(os.freemem(), limit - used)) };
}

/**
 * Which llama.cpp addon (prebuilt package or local build), CPU variant and CUDA runtime the process loaded. A build
 * with GGML_BACKEND_DL (the prebuilt binaries, the images' engine) picks its CPU variant when it starts, by what the
 * CPU supports: the libggml-cpu-<variant>.so it loaded says which.
 */
function loadedBinary(): { addon?: string; cpuVariant?: string; cudaRuntime?: string } {
  const report = process.report?.getReport() as { sharedObjects?: string[] } | undefined;
  const libs = report?.sharedObjects ?? [];
  const addon = libs
    .map((l) => /@node-llama-cpp\/([\w-]+)\/|localBuilds\/([\w-]+)\//.exec(l))
    .map((m) => m?.[1] ?? m?.[2])
    .find(Boolean);
  const cpuVariant = libs.map((l) => /\/libggml-cpu-([\w.]+)\.so$/.exec(l)?.[1]).find(Boolean);
  const cudaRuntime = libs.map((l) => /libcudart\.so\.(\d+)/.exec(l)?.[1]).find(Boolean);
  return { addon, cpuVariant, cudaRuntime };
}

export class LlamaDevices implements Devices {
  private insights = new Map<string, Promise<GgufInsights>>();

  private constructor(
    private readonly llama: Llama,
    private readonly names: string[],
  ) {}

  static async open(): Promise<LlamaDevices> {
    const llama = await getLlama({ gpu: 'auto', build: 'never', cmakeOptions: engineCmakeOptions() });
    const names = llama.gpu ? await llama.getGpuDeviceNames() : [];
    return new LlamaDevices(llama, names);
  }

  get gpu(): string | false {
    return this.llama.gpu;
  }

  async memory(): Promise<MemoryFigures> {
    const ram = systemMemory();
    if (!this.llama.gpu) return { gpuTotal: 0, gpuFree: 0, ramTotal: ram.total, ramFree: ram.free };
    const vram = await this.llama.getVramState();
    return { gpuTotal: vram.total, gpuFree: vram.free, ramTotal: ram.total, ramFree: ram.free };
  }

  async estimate(modelPath: string, spec: EstimateSpec): Promise<ModelEstimate> {
    let pending = this.insights.get(modelPath);
    if (!pending) {
      // A pulled blob has not been through /api/create's checks: bound the header before parsing it.
      pending = checkGgufBounds(modelPath)
        .then(() => readGgufFileInfo(modelPath, { logWarnings: false }))
        .then((info) => GgufInsights.from(info, this.llama));
      pending.catch(() => this.insights.delete(modelPath));
      this.insights.set(modelPath, pending);
    }
    const insights = await pending;
    const projector = spec.projectorPath ? (await stat(spec.projectorPath)).size : 0;
    // As the runner loads it (contextOptions.ts) and Ollama clamps it: never more than the model was trained
    // for, so num_ctx 2^40 is estimated as what will really be allocated, not refused for a fantasy figure.
    const estimatedContext = Math.min(spec.contextSize, insights.trainContextSize || spec.contextSize);
    // mtmd puts the projector on the GPU whenever the model has layers there.
    const projectorNeeds = (gpuLayers: number) =>
      gpuLayers > 0 ? { vram: projector + PROJECTOR_GPU_HEADROOM, ram: 0 } : { vram: 0, ram: projector };
    return {
      totalLayers: insights.totalLayers,
      projector: spec.projectorPath ? projectorNeeds : undefined,
      estimate: (gpuLayers) => {
        const model = insights.estimateModelResourceRequirements({ gpuLayers, useMmap: spec.useMmap });
        const context = (type: GgmlType) =>
          insights.estimateContextResourceRequirements({
            contextSize: estimatedContext, // per sequence, as node-llama-cpp counts it
            modelGpuLayers: gpuLayers,
            batchSize: Math.min(spec.batchSize, estimatedContext),
            sequences: spec.sequences,
            flashAttention: spec.flashAttention !== false && insights.flashAttentionSupported,
            kvCacheKeyType: type,
            kvCacheValueType: type,
          });
        // node-llama-cpp 3.21.1 multiplies the cache's element count by ggml_type_size, which for a quantized
        // type is the size of a block of 32 values (34 bytes for q8_0), not of one value: it counts a q8_0 cache
        // 17 times too large. So the estimate is made for f16 and f32 (2 and 4 bytes a value, nothing else
        // changes), their difference gives the cache's element count, and the cache is counted at its real size.
        const f16 = context(GgmlType.F16);
        let { gpuVram, cpuRam } = f16;
        if (spec.kvCacheType && spec.kvCacheType !== 'f16') {
          const f32 = context(GgmlType.F32);
          const perValue = KV_BYTES_PER_VALUE[spec.kvCacheType];
          gpuVram -= ((f32.gpuVram - f16.gpuVram) / 2) * (2 - perValue);
          cpuRam -= ((f32.cpuRam - f16.cpuRam) / 2) * (2 - perValue);
        }
        // Whole bytes: these become /api/ps's size and size_vram, int64s to Go clients.
        const p = spec.projectorPath ? projectorNeeds(gpuLayers) : { vram: 0, ram: 0 };
        return {
          vram: Math.ceil(model.gpuVram + gpuVram + p.vram),
          ram: Math.ceil(model.cpuRam + cpuRam + p.ram),
        };
      },
    };
  }

  async describe(threads: number): Promise<DeviceLine[]> {
    const ram = systemMemory();
    const { addon, cpuVariant, cudaRuntime } = loadedBinary();
    const binary = [
      engineName(this.llama),
      // Built with AMX where the CPU has it and a probe ran it (amx.ts): about twice the decode speed.
      ...(this.llama.buildType === 'localBuild' && engineCmakeOptions().GGML_AMX_INT8 === 'ON'
        ? ['AMX']
        : []),
      ...(cpuVariant ? [`CPU variant ${cpuVariant}`] : []),
      ...(cudaRuntime ? [`CUDA ${cudaRuntime} runtime`] : []),
    ].join(', ');
    if (!this.llama.gpu || this.names.length === 0) {
      return [
        {
          message: `inference compute: CPU, ${threads} thread${threads === 1 ? '' : 's'}, ${gib(ram.total)} memory (${gib(ram.free)} free); engine: ${binary}`,
          fields: {
            id: 'cpu',
            library: 'cpu',
            threads,
            total: ram.total,
            available: ram.free,
            binary,
            addon,
          },
        },
      ];
    }
    // node-llama-cpp reports the GPUs' memory together; with one GPU (the usual case) that is the card's.
    const vram = await this.llama.getVramState();
    return this.names.map((name, i) => ({
      message: `inference compute: ${this.llama.gpu} GPU ${i} "${name}", ${gib(vram.total)} total, ${gib(vram.free)} available; engine: ${binary}`,
      fields: {
        id: i,
        library: this.llama.gpu,
        name,
        total: vram.total,
        available: vram.free,
        binary,
        addon,
      },
    }));
  }

  async close(): Promise<void> {
    await this.llama.dispose();
  }
}
