// The llama.cpp build npm ci makes (scripts/build-engine.ts) is the one the llm-manager runs, and it keeps its
// worker threads between tokens (the patch's point: the prebuilt binaries make and join them for every token).
import { readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DETERMINISTIC_ANSWER, startManagerProcess, writeDeterministicModel } from '@ownchat/testkit';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCmakeOptions, engineName } from './engineBuild.ts';

let dir: string;
let modelPath: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-engine-'));
  modelPath = (await writeDeterministicModel(path.join(dir, 'det.gguf'))).path;
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const threadCount = () => readdirSync('/proc/self/task').length;

describe('the engine built at install', () => {
  it('is what getLlama loads with our options', async () => {
    const llama = await getLlama({ gpu: false, build: 'never', cmakeOptions: engineCmakeOptions() });
    try {
      expect(llama.buildType).toBe('localBuild');
      expect(engineName(llama)).toBe('llama.cpp built at install (one thread pool per model)');
    } finally {
      await llama.dispose();
    }
  });

  it('keeps a context’s worker threads between tokens, and ends them with the context', async () => {
    const llama = await getLlama({ gpu: false, build: 'never', cmakeOptions: engineCmakeOptions() });
    try {
      const model = await llama.loadModel({ modelPath });
      const before = threadCount();
      const context = await model.createContext({ contextSize: 256, threads: 3 });
      // Two workers beside the thread that runs each decode, alive before the first token and after the last.
      expect(threadCount() - before).toBeGreaterThanOrEqual(2);
      const answer = await new LlamaCompletion({ contextSequence: context.getSequence() }).generateCompletion(
        'Q:\n',
        { maxTokens: 16 },
      );
      expect(answer).toBe(DETERMINISTIC_ANSWER);
      expect(threadCount() - before).toBeGreaterThanOrEqual(2);
      await context.dispose();
      expect(threadCount()).toBeLessThanOrEqual(before);
    } finally {
      await llama.dispose();
    }
  });

  it('is named in the llm-manager’s start-up log', async () => {
    const manager = await startManagerProcess({ env: { OWNCHAT_NUM_THREADS: '2' } });
    try {
      expect(manager.output()).toMatch(
        /inference compute: CPU, 2 threads, .*engine: llama\.cpp built at install \(one thread pool per model\)/,
      );
      // And whether it has AMX, as amx.ts decided for this machine.
      expect(manager.output().includes('(one thread pool per model), AMX')).toBe(
        engineCmakeOptions().GGML_AMX_INT8 === 'ON',
      );
    } finally {
      await manager.stop();
    }
  });
});
