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
const logs: string[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-context-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  llama = await getLlama({ gpu: false, build: 'never', cmakeOptions: engineCmakeOptions() });
  model = await llama.loadModel({ modelPath: det.path });
  llama.logger = (_level, message) => logs.push(message);
  llama.logLevel = LlamaLogLevel.info;
});

afterAll(async () => {
  await llama?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

const spec = (sequences: number): LoadSpec => ({
  modelPath: '',
  contextSize: 256,
  sequences,
  threads: 1,
  batchSize: 512,
  gpuLayers: 0,
  useMmap: true,
});

/** llama.cpp's own report of the context it made: `llama_context: <key> = <value>` lines. */
async function reported(sequences: number) {
  logs.length = 0;
  const context = await model.createContext(runnerContextOptions(spec(sequences), model.trainContextSize));
  // llama.cpp's log reaches JavaScript through a queue of its own: give its last line a moment to arrive.
  for (let i = 0; i < 50 && !logs.some((l) => l.includes('kv_unified')); i++) await setTimeout(20);
  const value = (key: string) =>
    new RegExp(`llama_context: ${key}\\s*=\\s*(\\S+)`).exec(logs.join('\n'))?.[1];
  return { context, nCtx: value('n_ctx'), nCtxSeq: value('n_ctx_seq'), kvUnified: value('kv_unified') };
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
