// The inference devices, logged once at start as Ollama logs them ("inference compute"), so a user sees at once
// whether the GPU was found and which binary loaded.
import os from 'node:os';
import { getLlama } from 'node-llama-cpp';

export type DeviceLine = { message: string; fields: Record<string, unknown> };

const GIB = 1024 ** 3;
const gib = (n: number) => `${(n / GIB).toFixed(1)} GiB`;

/** System memory this process may use: a container's limit where there is one, not the host's. */
export function systemMemory(): { total: number; free: number } {
  const hostTotal = os.totalmem();
  const limit = process.constrainedMemory?.() ?? 0;
  const total = limit > 0 && limit < hostTotal ? limit : hostTotal;
  const free = Math.min(os.freemem(), Math.max(0, total - process.memoryUsage().rss));
  return { total, free };
}

export async function describeDevices(threads: number): Promise<DeviceLine[]> {
  const mem = systemMemory();
  const cpuLine: DeviceLine = {
    message: `inference compute: CPU, ${threads} thread${threads === 1 ? '' : 's'}, ${gib(mem.total)} memory (${gib(mem.free)} free)`,
    fields: { id: 'cpu', library: 'cpu', threads, total: mem.total, available: mem.free },
  };
  let llama: Awaited<ReturnType<typeof getLlama>>;
  try {
    llama = await getLlama({ gpu: 'auto', build: 'never' });
  } catch (e) {
    return [
      { ...cpuLine, message: `${cpuLine.message}; no usable llama.cpp GPU binary: ${(e as Error).message}` },
    ];
  }
  if (!llama.gpu) {
    await llama.dispose();
    return [cpuLine];
  }
  const [vram, names] = await Promise.all([llama.getVramState(), llama.getGpuDeviceNames()]);
  const lines = names.map((name, i) => ({
    message: `inference compute: ${llama.gpu} GPU ${i} "${name}", ${gib(vram.total)} total, ${gib(vram.free)} available`,
    fields: {
      id: i,
      library: llama.gpu,
      name,
      total: vram.total,
      available: vram.free,
      build: llama.buildType,
    },
  }));
  await llama.dispose();
  return lines.length ? lines : [cpuLine];
}
