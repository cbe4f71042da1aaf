// OWNCHAT_PARALLEL_STEPS: node-llama-cpp's `singleTokenSteps` (patches/node-llama-cpp+3.21.1.patch), which decodes
// a step of one token per answer as one batch or as one batch each, and with `measure` times both and keeps the
// faster. What it must never change is the answers; what it does is seen in the decodes' sizes
// (testing/watchDecodes.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeDeterministicModel } from '@ownchat/testkit';
import { getLlama, type Llama, LlamaCompletion, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchDecodes } from '../testing/watchDecodes.ts';
import { Lockstep } from './lockstep.ts';

let dir: string;
let llama: Llama;
let model: LlamaModel;
// Long enough for the measuring steps (four of each way) and some after them.
const SENTENCE = `${Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ')}.`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-parallel-steps-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'), { sentence: SENTENCE });
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  model = await llama.loadModel({ modelPath: det.path });
});

afterAll(async () => {
  await llama?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Two answers at once, in lockstep as the runner runs them; each answer and each decode's size. */
async function twoAnswers(singleTokenSteps: 'joint' | 'split' | 'measure') {
  const context = await model.createContext({
    contextSize: 256,
    sequences: 2,
    threads: 1,
    kvUnified: true,
    singleTokenSteps,
  });
  const { sizes } = watchDecodes(context);
  const steps = new Lockstep();
  const sequences = [context.getSequence(), context.getSequence()];
  for (const s of sequences) steps.attach(s);
  try {
    const answers = await Promise.all(
      sequences.map((contextSequence, i) =>
        new LlamaCompletion({ contextSequence }).generateCompletion(`Question ${i}:\n`, { maxTokens: 64 }),
      ),
    );
    return { answers, sizes, choices: context.singleTokenStepChoices };
  } finally {
    await context.dispose();
  }
}

describe('steps of one token per answer', () => {
  it('joint: one batch of both tokens a step (node-llama-cpp as it is)', async () => {
    const { answers, sizes, choices } = await twoAnswers('joint');
    expect(answers).toEqual([SENTENCE, SENTENCE]);
    expect(sizes.filter((n) => n === 2).length).toBeGreaterThanOrEqual(25);
    expect(choices).toEqual([]);
  });

  it('split: a batch for each token, and the same answers', async () => {
    const { answers, sizes, choices } = await twoAnswers('split');
    expect(answers).toEqual([SENTENCE, SENTENCE]);
    // The prompts may share a decode; the steps after them never do.
    expect(sizes.slice(2).every((n) => n === 1)).toBe(true);
    expect(sizes.length).toBeGreaterThanOrEqual(2 * 30);
    expect(choices).toEqual([{ tokens: 2, choice: 'split' }]);
  });

  it('measure: four steps each way, then the faster way, and the same answers', async () => {
    const { answers, sizes, choices } = await twoAnswers('measure');
    expect(answers).toEqual([SENTENCE, SENTENCE]);
    expect(choices).toHaveLength(1);
    const [two] = choices;
    expect(two).toMatchObject({ tokens: 2, choice: expect.stringMatching(/^(joint|split)$/) });
    expect(two!.jointMs).toBeGreaterThan(0);
    expect(two!.splitMs).toBeGreaterThan(0);
    expect(two!.choice).toBe(two!.splitMs! < two!.jointMs! ? 'split' : 'joint');
    // Both ways were taken: 2-token decodes (joint steps) and runs of 1-token decodes (split steps).
    expect(sizes.filter((n) => n === 2).length).toBeGreaterThanOrEqual(4);
    expect(sizes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(2 * 4);
  });
});
