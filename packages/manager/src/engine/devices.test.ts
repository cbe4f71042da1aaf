// What placement is told a model needs: OLLAMA_NUM_PARALLEL sequences of num_ctx tokens each hold as many KV
// cells as one sequence of num_ctx × sequences (node-llama-cpp's estimate counts contextSize per sequence; asking
// it for num_ctx × sequences had counted every cell `sequences` times over, and kept models off the GPU).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeProjector, writeRandomModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaDevices, PROJECTOR_GPU_HEADROOM } from './devices.ts';

let dir: string;
let modelPath: string;
let devices: LlamaDevices;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-devices-'));
  modelPath = (await writeRandomModel(path.join(dir, 'tiny.gguf'), { contextLength: 65536 })).path;
  devices = await LlamaDevices.open();
});

afterAll(async () => {
  await devices?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const ram = async (contextSize: number, sequences: number) =>
  (await devices.estimate(modelPath, { contextSize, sequences, batchSize: 512, useMmap: true })).estimate(0)
    .ram;

describe('the memory estimate', () => {
  it('counts num_ctx cells for each parallel sequence', async () => {
    const one = await ram(8192, 1);
    const four = await ram(8192, 4);
    const asOne = await ram(4 * 8192, 1);
    // Four sequences of 8192 cost what one of 32768 does, and clearly more than one of 8192.
    expect(Math.abs(four - asOne) / asOne).toBeLessThan(0.1);
    expect(four - one).toBeGreaterThan(0.5 * (asOne - one));
  });
});

describe('a projector beside the model (images in)', () => {
  it("adds its weights where the model's layers are: system memory here (no layers on a GPU)", async () => {
    const projector = await writeProjector(path.join(dir, 'mmproj.gguf'));
    const spec = { contextSize: 2048, sequences: 1, batchSize: 512, useMmap: true };
    const without = (await devices.estimate(modelPath, spec)).estimate(0);
    const withProjector = (
      await devices.estimate(modelPath, { ...spec, projectorPath: projector.path })
    ).estimate(0);
    expect(withProjector.ram - without.ram).toBe(projector.size);
    expect(withProjector.vram).toBe(without.vram);
  });

  it("on a GPU, adds Ollama's 1 GiB headroom for its compute buffer, and says what the projector's part is", async () => {
    const projector = await writeProjector(path.join(dir, 'mmproj-gpu.gguf'));
    const spec = { contextSize: 2048, sequences: 1, batchSize: 512, useMmap: true };
    const without = (await devices.estimate(modelPath, spec)).estimate(1);
    const needs = await devices.estimate(modelPath, { ...spec, projectorPath: projector.path });
    expect(needs.estimate(1).vram - without.vram).toBe(projector.size + PROJECTOR_GPU_HEADROOM);
    expect(needs.estimate(1).ram).toBe(without.ram);
    expect(needs.projector?.(1)).toEqual({ vram: projector.size + PROJECTOR_GPU_HEADROOM, ram: 0 });
    expect(needs.projector?.(0)).toEqual({ vram: 0, ram: projector.size });
  });
});

describe('the estimate is bounded and whole (issue 19)', () => {
  it('clamps num_ctx (and num_batch) to the trained context, so 2^40 costs what 65536 does', async () => {
    expect(await ram(2 ** 40, 1)).toBe(await ram(65536, 1));
    const big = await devices.estimate(modelPath, {
      contextSize: 2 ** 40,
      sequences: 1,
      batchSize: 2 ** 40,
      useMmap: true,
    });
    expect(Number.isFinite(big.estimate(0).ram)).toBe(true);
  });

  it('gives whole bytes, which /api/ps reports as Go int64s', async () => {
    for (const contextSize of [777, 8192, 12345]) {
      const e = (
        await devices.estimate(modelPath, { contextSize, sequences: 3, batchSize: 333, useMmap: false })
      ).estimate(0);
      expect(Number.isInteger(e.ram), `${contextSize}: ${e.ram}`).toBe(true);
      expect(Number.isInteger(e.vram), `${contextSize}: ${e.vram}`).toBe(true);
    }
  });
});
