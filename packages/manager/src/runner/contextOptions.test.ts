// The context a runner makes, as llama.cpp itself reports it: num_ctx cells for each of OLLAMA_NUM_PARALLEL
// sequences (not num_ctx × sequences each, which node-llama-cpp's per-sequence contextSize made of it before), and
// one KV stream shared by the sequences when there are several (the patch's kvUnified option reaching llama.cpp).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { DETERMINISTIC_ANSWER, writeDeterministicModel } from '@ownchat/testkit';
import { getLlama, type Llama, LlamaCompletion, LlamaLogLevel, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCmakeOptions } from '../engine/engineBuild.ts';
import { runnerContextOptions } from './contextOptions.ts';
import { Lockstep } from './lockstep.ts';
import type { LoadSpec } from './protocol.ts';

let dir: string;
let llama: Llama;
let model: LlamaModel;
/** Heads 32 wide: llama.cpp quantizes K/V in blocks of 32 values, so the tiny model's 16-wide heads cannot be. */
let wideHeads: LlamaModel;
const logs: string[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-context-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  llama = await getLlama({ gpu: false, build: 'never', cmakeOptions: engineCmakeOptions() });
  model = await llama.loadModel({ modelPath: det.path });
  const wide = await writeDeterministicModel(path.join(dir, 'wide.gguf'), {
    shape: { heads: 2, headsKv: 2 },
  });
  wideHeads = await llama.loadModel({ modelPath: wide.path });
  llama.logger = (_level, message) => logs.push(message);
  llama.logLevel = LlamaLogLevel.info;
});

afterAll(async () => {
  await llama?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

const spec = (sequences: number, more: Partial<LoadSpec> = {}): LoadSpec => ({
  modelPath: '',
  contextSize: 256,
  sequences,
  threads: 1,
  batchSize: 512,
  gpuLayers: 0,
  useMmap: true,
  ...more,
});

/** llama.cpp's own report of the context it made: `llama_context: <key> = <value>` lines. */
async function reported(sequences: number, more: Partial<LoadSpec> = {}, from = model) {
  logs.length = 0;
  const context = await from.createContext(
    runnerContextOptions(spec(sequences, more), from.trainContextSize),
  );
  // llama.cpp's log reaches JavaScript through a queue of its own: wait for the lines read below (the K/V cache's
  // size is logged after the context's settings), for up to 10 s on a loaded machine.
  const arrived = () =>
    logs.some((l) => l.includes('kv_unified')) && logs.some((l) => l.includes('llama_kv_cache: size'));
  for (let i = 0; i < 500 && !arrived(); i++) await setTimeout(20);
  const value = (key: string) =>
    new RegExp(`llama_context: ${key}\\s*=\\s*(\\S+)`).exec(logs.join('\n'))?.[1];
  // llama_kv_cache: size = 0.50 MiB (256 cells, 2 layers, 1/1 seqs), K (q8_0): 0.27 MiB, V (q8_0): 0.27 MiB
  const kv = /llama_kv_cache: size =\s*([\d.]+) MiB.*K \((\w+)\).*V \((\w+)\)/.exec(logs.join('\n'));
  return {
    context,
    nCtx: value('n_ctx'),
    nCtxSeq: value('n_ctx_seq'),
    kvUnified: value('kv_unified'),
    flashAttn: value('flash_attn'),
    kv: kv && { mib: Number(kv[1]), k: kv[2], v: kv[3] },
    logs: logs.join('\n'),
  };
}

describe('the runner’s context', () => {
  it('gives each of 4 parallel sequences num_ctx cells, in one KV stream', async () => {
    const { context, nCtx, nCtxSeq, kvUnified } = await reported(4);
    try {
      expect(nCtx).toBe('1024');
      expect(kvUnified).toBe('true');
      // Each sequence is still held to num_ctx by node-llama-cpp.
      expect(context.contextSize).toBe(256);
      expect(nCtxSeq).toBe('1024');
    } finally {
      await context.dispose();
    }
  });

  it('keeps the default layout for a single sequence', async () => {
    const { context, nCtx, kvUnified } = await reported(1);
    try {
      expect(nCtx).toBe('256');
      expect(kvUnified).toBe('false');
    } finally {
      await context.dispose();
    }
  });

  it('makes the K/V cache of the type OLLAMA_KV_CACHE_TYPE names, smaller than f16', async () => {
    const sizes: Record<string, number> = {};
    for (const type of ['f16', 'q8_0', 'q4_0'] as const) {
      const {
        context,
        kv,
        logs: text,
      } = await reported(1, { kvCacheType: type, contextSize: 2048 }, wideHeads);
      try {
        expect(kv, text).toMatchObject({ k: type, v: type });
        sizes[type] = kv!.mib;
      } finally {
        await context.dispose();
      }
    }
    // q8_0 holds 34 bytes per 32 values, q4_0 18, f16 64.
    expect(sizes.q8_0! / sizes.f16!).toBeCloseTo(34 / 64, 1);
    expect(sizes.q4_0! / sizes.f16!).toBeCloseTo(18 / 64, 1);
  });

  it('turns flash attention on and off as OLLAMA_FLASH_ATTENTION says', async () => {
    for (const [setting, logged] of [
      [true, 'enabled'],
      [false, 'disabled'],
    ] as const) {
      const { context, flashAttn } = await reported(1, { flashAttention: setting });
      await context.dispose();
      expect(flashAttn).toBe(logged);
    }
  });

  it('answers every sequence right when they step together in any order', async () => {
    const context = await model.createContext(runnerContextOptions(spec(4), model.trainContextSize));
    try {
      const steps = new Lockstep();
      const sequences = Array.from({ length: 4 }, () => context.getSequence());
      // Attached last-first, so each step's batch lists the sequences in reverse id order: one pass only with a
      // shared KV stream.
      for (const s of [...sequences].reverse()) steps.attach(s);
      const answers = await Promise.all(
        sequences.map((s, i) =>
          new LlamaCompletion({ contextSequence: s }).generateCompletion(`Question ${i}:\n`, {
            maxTokens: 32,
          }),
        ),
      );
      expect(answers).toEqual(Array(4).fill(DETERMINISTIC_ANSWER));
    } finally {
      await context.dispose();
    }
  });
});
