// AMX in the engine built for this machine (amx.ts): named in the build's options exactly where the CPU lists it
// and the probe runs a tile product; a probe that faults keeps it out; and where it is in, a quantized model's
// prompt goes through ggml's tile kernels and answers right (before patches/llama.cpp/amx-tile-config.patch,
// the first prompt of more than one token died of SIGILL).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DETERMINISTIC_ANSWER, writeDeterministicModel } from '@ownchat/testkit';
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amxProbePath, amxWorks, listsAmx, probeAmx } from './amx.ts';
import { cpuFlags, engineCmakeOptions } from './engineBuild.ts';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-amx-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const cpuListsAmx = listsAmx(cpuFlags());

describe('the AMX probe', () => {
  it('counts a probe killed by SIGILL, or none at all, as no AMX', async () => {
    // Where the first tile instruction faults, the probe dies as this one does.
    const faulting = path.join(dir, 'faulting-probe');
    await fs.writeFile(faulting, '#!/bin/sh\nkill -ILL $$\n', { mode: 0o755 });
    expect(probeAmx(faulting)).toEqual({ ok: false, said: 'the probe died with SIGILL' });
    expect(probeAmx(path.join(dir, 'absent'))).toEqual({ ok: false, said: 'no AMX probe was built' });
  });

  it('is not consulted for a CPU that does not list AMX', () => {
    expect(amxWorks(new Set(['avx2', 'avx512f', 'avx512_vnni']))).toBe(false);
  });

  it.runIf(cpuListsAmx)(
    'was built at install on this CPU, which lists AMX, and its verdict decides the build',
    () => {
      const verdict = probeAmx();
      expect(verdict.said).not.toBe('no AMX probe was built');
      const options = engineCmakeOptions();
      expect(options.GGML_AMX_INT8 === 'ON').toBe(verdict.ok);
      expect(options.GGML_AMX_TILE === 'ON').toBe(verdict.ok);
    },
  );

  it.skipIf(cpuListsAmx)('leaves AMX out of the build on this CPU, which does not list it', () => {
    expect(engineCmakeOptions()).not.toHaveProperty('GGML_AMX_INT8');
    expect(amxProbePath()).toMatch(/node-llama-cpp\/llama\/localBuilds\/ownchat-amx-probe$/);
  });
});

describe.runIf(engineCmakeOptions().GGML_AMX_INT8 === 'ON')('the engine built with AMX', () => {
  it('repacks a Q8_0 model for the tiles and answers a prompt of many tokens right', async () => {
    const { path: modelPath } = await writeDeterministicModel(path.join(dir, 'q8.gguf'), {
      shape: { type: 'q8_0' },
    });
    const said: string[] = [];
    const llama = await getLlama({
      gpu: false,
      build: 'never',
      cmakeOptions: engineCmakeOptions(),
      logLevel: LlamaLogLevel.info,
      logger: (_level, text) => said.push(text),
    });
    try {
      const model = await llama.loadModel({ modelPath });
      expect(said.join('')).toMatch(/AMX model buffer size/);
      const context = await model.createContext({ contextSize: 256, threads: 2 });
      // More than one token per matrix product: the tile kernel (one token takes a VNNI path).
      const answer = await new LlamaCompletion({ contextSequence: context.getSequence() }).generateCompletion(
        'A prompt of a good many words, so that its evaluation multiplies many rows at once. Q:\n',
        { maxTokens: 16 },
      );
      expect(answer).toBe(DETERMINISTIC_ANSWER);
    } finally {
      await llama.dispose();
    }
  });
});
