// Devices for tests above the runner seam: no GPU, and the system memory and model sizes the test says.
import type { Devices, EstimateSpec, MemoryFigures } from '../engine/devices.ts';

/** CPU-only devices whose system memory and per-model sizes the test decides. */
export function fakeDevices(ramTotal: number, sizes: Record<string, number>): Devices {
  return {
    gpu: false,
    memory: async (): Promise<MemoryFigures> => ({ gpuTotal: 0, gpuFree: 0, ramTotal, ramFree: ramTotal }),
    estimate: async (modelPath: string, _spec: EstimateSpec) => ({
      totalLayers: 10,
      estimate: () => ({ vram: 0, ram: sizes[modelPath] ?? 1024 ** 3 }),
    }),
    describe: async () => [],
    close: async () => {},
  };
}
