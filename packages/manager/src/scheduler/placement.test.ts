import { describe, expect, it } from 'vitest';
import {
  type Estimate,
  gpuMemory,
  type LoadedUse,
  layersThatFit,
  type MemoryState,
  place,
  withDraft,
} from './placement.ts';

const GiB = 1024 ** 3;

/** A model of `layers` layers of `perLayer` GiB each, plus `rest` GiB (embeddings, context) that follow layer 0. */
function model(layers: number, perLayer: number, rest = 0.5): { totalLayers: number; estimate: Estimate } {
  return {
    totalLayers: layers,
    estimate: (g) => ({
      vram: (g * perLayer + (g > 0 ? rest : 0)) * GiB,
      ram: ((layers - g) * perLayer + (g > 0 ? 0.1 : rest)) * GiB,
    }),
  };
}

function state(over: Partial<MemoryState> & { gpu?: number; ram?: number }): MemoryState {
  const gpu = (over.gpu ?? 0) * GiB;
  const ram = (over.ram ?? 32) * GiB;
  return { gpuBudget: gpu, gpuFree: gpu, ramBudget: ram, ramFree: ram, loaded: [], ...over };
}

const loaded = (key: string, vram: number, ram: number, idle: boolean, lastUsed = 0): LoadedUse => ({
  key,
  vram: vram * GiB,
  ram: ram * GiB,
  idle,
  lastUsed,
});

const qwen05b = model(24, 0.02, 0.2); // ~0.7 GiB
const llama8b = model(32, 0.2, 0.6); // 7 GiB on the GPU

describe('placement', () => {
  it.each([
    ['fits: a small model on a 6 GiB card goes all on the GPU', qwen05b, state({ gpu: 6 }), 24, []],
    [
      'partial: an 8B model on a 6 GiB card puts as many layers as fit there',
      llama8b,
      state({ gpu: 6 }),
      27,
      [],
    ],
    ['no GPU: the CPU', llama8b, state({ gpu: 0 }), 0, []],
    [
      'a cap (OWNCHAT_GPU_MEMORY=2 GiB) on a big card',
      llama8b,
      state({ gpuBudget: 2 * GiB, gpuFree: 80 * GiB }),
      7,
      [],
    ],
    [
      'two models: room for both',
      qwen05b,
      state({ gpu: 6, gpuFree: 4 * GiB, loaded: [loaded('a', 2, 0.1, true)] }),
      24,
      [],
    ],
    [
      'eviction: an idle model is unloaded so the new one fits whole',
      llama8b,
      state({ gpu: 8, gpuFree: 4 * GiB, loaded: [loaded('a', 4, 0.1, true)] }),
      32,
      ['a'],
    ],
    [
      'eviction, least recently used first, and only as many as needed',
      llama8b,
      state({
        gpu: 10,
        gpuFree: 4 * GiB,
        loaded: [loaded('new', 3, 0.1, true, 200), loaded('old', 3, 0.1, true, 100)],
      }),
      32,
      ['old'],
    ],
    [
      'a busy model is not evicted: the new one goes partial beside it',
      llama8b,
      state({ gpu: 8, gpuFree: 4 * GiB, loaded: [loaded('a', 4, 0.1, false)] }),
      17,
      [],
    ],
    [
      'unloading would not make it fit whole: keep the idle model, go partial',
      model(80, 0.15, 0.6),
      state({ gpu: 8, gpuFree: 7 * GiB, loaded: [loaded('a', 1, 0.1, true)] }),
      42,
      [],
    ],
  ])('%s', (_what, m, s, gpuLayers, evict) => {
    const p = place({ ...m, maxLoaded: 3 }, s);
    expect(p).toMatchObject({ kind: 'load', gpuLayers, evict });
    if (p.kind === 'load') {
      expect(p.vram).toBeLessThanOrEqual(Math.min(s.gpuBudget, s.gpuFree + p.evict.length * 4 * GiB));
    }
  });

  it('num_gpu: 0 keeps a model on the CPU even with room on the GPU; num_gpu: 5 puts 5 layers there', () => {
    expect(place({ ...qwen05b, numGpu: 0, maxLoaded: 3 }, state({ gpu: 80 }))).toMatchObject({
      gpuLayers: 0,
    });
    expect(place({ ...qwen05b, numGpu: 5, maxLoaded: 3 }, state({ gpu: 80 }))).toMatchObject({
      gpuLayers: 5,
    });
    expect(place({ ...qwen05b, numGpu: 999, maxLoaded: 3 }, state({ gpu: 80 }))).toMatchObject({
      gpuLayers: 24,
    });
  });

  it('a container memory limit: a CPU model larger than the limit cannot load, and says why', () => {
    const p = place({ ...llama8b, maxLoaded: 3 }, state({ gpu: 0, ramBudget: 4 * GiB, ramFree: 20 * GiB }));
    expect(p).toEqual({
      kind: 'impossible',
      reason: 'model requires more system memory (7.0 GiB) than is available (4.0 GiB)',
    });
  });

  it('system memory short: idle models are unloaded, busy ones are waited for', () => {
    const s = (idle: boolean) => state({ gpu: 0, ram: 8, loaded: [loaded('a', 0, 4, idle)] });
    expect(place({ ...llama8b, maxLoaded: 3 }, s(true))).toMatchObject({
      kind: 'load',
      gpuLayers: 0,
      evict: ['a'],
    });
    expect(place({ ...llama8b, maxLoaded: 3 }, s(false))).toMatchObject({ kind: 'wait' });
  });

  it('OLLAMA_MAX_LOADED_MODELS: the least recently used idle model makes room; all busy means wait', () => {
    const two = (idle: boolean) =>
      state({ gpu: 80, loaded: [loaded('a', 1, 0.1, idle, 1), loaded('b', 1, 0.1, true, 2)] });
    expect(place({ ...qwen05b, maxLoaded: 2 }, two(true))).toMatchObject({ kind: 'load', evict: ['a'] });
    expect(place({ ...qwen05b, maxLoaded: 2 }, two(false))).toMatchObject({ kind: 'load', evict: ['b'] });
    expect(place({ ...qwen05b, maxLoaded: 1 }, two(false))).toMatchObject({ kind: 'wait' });
  });

  it('counts a draft model (speculative decoding) with its model: fewer layers fit, or none at all', () => {
    const draft = model(16, 0.05, 0.2); // 1 GiB on the GPU or on the CPU
    const paired = withDraft(llama8b, draft);
    expect(paired.totalLayers).toBe(32);
    expect(paired.estimate(32).vram).toBeCloseTo(8 * GiB); // 7 GiB and the draft's 1
    expect(paired.estimate(8).vram).toBeCloseTo((8 * 0.2 + 0.6 + 8 * 0.05 + 0.2) * GiB); // 8 of the draft's 16
    const card = state({ gpu: 7.5 });
    expect(place({ ...llama8b, maxLoaded: 3 }, card)).toMatchObject({ kind: 'load', gpuLayers: 32 });
    expect(place({ ...paired, maxLoaded: 3 }, card)).toMatchObject({ kind: 'load', gpuLayers: 29 });
    const cpu = state({ gpu: 0, ram: 7.5 });
    expect(place({ ...llama8b, maxLoaded: 3 }, cpu)).toMatchObject({ kind: 'load', gpuLayers: 0 });
    expect(place({ ...paired, maxLoaded: 3 }, cpu)).toEqual({
      kind: 'impossible',
      reason: 'model requires more system memory (8.0 GiB) than is available (7.5 GiB)',
    });
  });

  it('finds the most layers that fit', () => {
    expect(layersThatFit(llama8b.totalLayers, llama8b.estimate, 0)).toBe(0);
    expect(layersThatFit(llama8b.totalLayers, llama8b.estimate, 100 * GiB)).toBe(32);
    expect(layersThatFit(llama8b.totalLayers, llama8b.estimate, 2 * GiB)).toBe(7);
  });
});

describe('the GPU memory placement plans with', () => {
  it.each([
    ['the card', {}, 24, 20],
    ['OWNCHAT_GPU_MEMORY=8GiB: the cap', { cap: 8 * GiB }, 8, 20],
    ['OLLAMA_GPU_OVERHEAD=2GiB: the card less the overhead', { overhead: 2 * GiB }, 22, 18],
    ['both: the smaller', { cap: 8 * GiB, overhead: 2 * GiB }, 8, 18],
    ['an overhead above the card: nothing', { overhead: 30 * GiB }, 0, 0],
  ])('%s', (_why, o: { cap?: number; overhead?: number }, budget, free) => {
    expect(gpuMemory({ gpuTotal: 24 * GiB, gpuFree: 20 * GiB }, o.cap, o.overhead)).toEqual({
      gpuBudget: budget * GiB,
      gpuFree: free * GiB,
    });
  });

  it('so a model that fitted a 6 GiB card goes partly to the CPU with 1 GiB set aside', () => {
    const full = gpuMemory({ gpuTotal: 6 * GiB, gpuFree: 6 * GiB });
    const less = gpuMemory({ gpuTotal: 6 * GiB, gpuFree: 6 * GiB }, undefined, 1 * GiB);
    const at = (m: typeof full) => place({ ...llama8b, maxLoaded: 3 }, state({ ...m }));
    expect(at(full)).toMatchObject({ kind: 'load', gpuLayers: 27 });
    expect(at(less)).toMatchObject({ kind: 'load', gpuLayers: 22 });
  });
});
