// Where a model goes: all on the GPU, as many layers as fit, or the CPU; and which idle models to unload first to
// make room. Pure functions over memory figures (no devices, no clock), so every case is a table test; the
// scheduler feeds them the devices' state and node-llama-cpp's estimates (GgufInsights).

/** Bytes a model with its context needs for a given number of layers on the GPU. */
export type Estimate = (gpuLayers: number) => { vram: number; ram: number };

export type LoadedUse = { key: string; vram: number; ram: number; idle: boolean; lastUsed: number };

export type MemoryState = {
  /** GPU memory the manager may use in all (the card's, or OWNCHAT_GPU_MEMORY when lower); 0 without a GPU. */
  gpuBudget: number;
  /** GPU memory free on the device now (other processes count against it; our own models are already out). */
  gpuFree: number;
  /** System memory this process may use in all (a container's limit where there is one). */
  ramBudget: number;
  /** System memory free now. */
  ramFree: number;
  /** Models already loaded, with the memory each takes. */
  loaded: LoadedUse[];
};

export type PlacementRequest = {
  totalLayers: number;
  estimate: Estimate;
  /** num_gpu from the request or the model: layers forced onto the GPU (0 = CPU only); undefined = decide. */
  numGpu?: number;
  /** OLLAMA_MAX_LOADED_MODELS: loading this one must leave at most this many loaded. */
  maxLoaded: number;
};

export type Placement =
  | { kind: 'load'; gpuLayers: number; vram: number; ram: number; evict: string[] }
  /** Not now: wait for a busy model to finish, then ask again. */
  | { kind: 'wait'; reason: string }
  /** Never, whatever is unloaded: the message says why. */
  | { kind: 'impossible'; reason: string };

/** A model's layer count and estimate. */
export type ModelNeeds = {
  totalLayers: number;
  estimate: Estimate;
  /** The projector's part of `estimate`, if the model has one. */
  projector?: Estimate;
};

/**
 * A model and its draft model (speculative decoding), loaded together in one runner: their needs added. The
 * runner gives the draft the model's number of GPU layers, which node-llama-cpp cuts to the draft's own count.
 */
export function withDraft(model: ModelNeeds, draft: ModelNeeds): ModelNeeds {
  return {
    totalLayers: model.totalLayers,
    projector: model.projector,
    estimate: (gpuLayers) => {
      const a = model.estimate(gpuLayers);
      const b = draft.estimate(Math.min(gpuLayers, draft.totalLayers));
      return { vram: a.vram + b.vram, ram: a.ram + b.ram };
    },
  };
}

/** The most layers (0..total) whose estimate fits in `vram` bytes; estimates grow with layers. */
export function layersThatFit(totalLayers: number, estimate: Estimate, vram: number): number {
  let lo = 0;
  let hi = totalLayers;
  if (estimate(0).vram > vram) return 0;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimate(mid).vram <= vram) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function available(state: MemoryState, unloaded: LoadedUse[]) {
  const freed = (k: 'vram' | 'ram') => unloaded.reduce((a, m) => a + m[k], 0);
  const used = (k: 'vram' | 'ram') => state.loaded.reduce((a, m) => a + m[k], 0) - freed(k);
  return {
    vram: Math.max(0, Math.min(state.gpuBudget - used('vram'), state.gpuFree + freed('vram'))),
    ram: Math.max(0, Math.min(state.ramBudget - used('ram'), state.ramFree + freed('ram'))),
  };
}

/**
 * Decides a placement. Prefers, in order: the whole model on the GPU (unloading idle models, least recently
 * used first, when that makes it fit), then as many layers as fit beside what is loaded, then the CPU. System
 * memory must hold the rest; when it cannot, idle models are unloaded, then busy ones are waited for.
 */
export function place(req: PlacementRequest, state: MemoryState): Placement {
  const idle = state.loaded.filter((m) => m.idle).sort((a, b) => a.lastUsed - b.lastUsed);
  const busy = state.loaded.length - idle.length;
  // Room in the loaded-model count comes first: unload the least recently used idle models.
  const mustEvict = Math.max(0, state.loaded.length + 1 - req.maxLoaded);
  if (mustEvict > idle.length) {
    return {
      kind: 'wait',
      reason: `${state.loaded.length} models are loaded (the most allowed) and all are busy`,
    };
  }
  const forced = req.numGpu === undefined ? undefined : Math.min(Math.max(0, req.numGpu), req.totalLayers);
  const hasGpu = state.gpuBudget > 0;
  const load = (n: number, gpuLayers: number, need: { vram: number; ram: number }): Placement => ({
    kind: 'load',
    gpuLayers,
    vram: need.vram,
    ram: need.ram,
    evict: idle.slice(0, n).map((m) => m.key),
  });

  // 1. All on the GPU, unloading as few idle models as that takes.
  if (hasGpu && forced === undefined) {
    for (let n = mustEvict; n <= idle.length; n++) {
      const room = available(state, idle.slice(0, n));
      const need = req.estimate(req.totalLayers);
      if (need.vram <= room.vram && need.ram <= room.ram) return load(n, req.totalLayers, need);
    }
  }
  // 2. It cannot all go on the GPU: as many layers as fit beside what stays loaded (or what num_gpu says),
  //    unloading idle models only when system memory needs it.
  for (let n = mustEvict; n <= idle.length; n++) {
    const room = available(state, idle.slice(0, n));
    const gpuLayers = !hasGpu ? 0 : (forced ?? layersThatFit(req.totalLayers, req.estimate, room.vram));
    const need = req.estimate(gpuLayers);
    if (need.ram <= room.ram) return load(n, gpuLayers, need);
  }
  // System memory is short even with every idle model gone.
  if (busy > 0) return { kind: 'wait', reason: 'not enough free memory until a busy model finishes' };
  const cpuNeed = req.estimate(forced ?? 0);
  const room = available(state, idle);
  return {
    kind: 'impossible',
    reason: `model requires more system memory (${gib(cpuNeed.ram)}) than is available (${gib(room.ram)})`,
  };
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;

/**
 * The GPU memory placement may plan with: the card's, capped by OWNCHAT_GPU_MEMORY, less OLLAMA_GPU_OVERHEAD
 * (memory left to other programs and the driver, as Ollama sets it aside per GPU).
 */
export function gpuMemory(
  mem: { gpuTotal: number; gpuFree: number },
  cap?: number,
  overhead = 0,
): { gpuBudget: number; gpuFree: number } {
  return {
    gpuBudget: Math.max(0, Math.min(mem.gpuTotal - overhead, cap ?? mem.gpuTotal)),
    gpuFree: Math.max(0, mem.gpuFree - overhead),
  };
}
