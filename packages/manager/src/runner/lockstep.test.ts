// Concurrent generations share llama.cpp decodes: with Lockstep, after the prompts every decode carries a token of
// each running sequence. Without it node-llama-cpp lets them alternate (one sequence per decode), which this
// test also shows, so it can tell the two apart (decodes counted by testing/watchDecodes.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DETERMINISTIC_ANSWER, writeDeterministicModel } from '@ownchat/testkit';
import { getLlama, type Llama, LlamaCompletion, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchDecodes } from '../testing/watchDecodes.ts';
import { Lockstep } from './lockstep.ts';

let dir: string;
let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-lockstep-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  model = await llama.loadModel({ modelPath: det.path });
});

afterAll(async () => {
  await llama?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

type Stream = { maxTokens?: number; signal?: AbortSignal; onToken?: () => void };

/**
 * Runs the streams at once on a 4-sequence context; returns each answer, each decode's size and the sequence ids
 * of each decode in batch order. `reverseAttach` attaches the sequences to the Lockstep last one first.
 */
async function concurrent(streams: Stream[], lockstep: boolean, reverseAttach = false) {
  const context = await model.createContext({ contextSize: 256, sequences: 4, threads: 1 });
  const { sizes, batches } = watchDecodes(context);
  const steps = new Lockstep();
  const sequences = Array.from({ length: 4 }, () => context.getSequence());
  if (lockstep) for (const s of reverseAttach ? [...sequences].reverse() : sequences) steps.attach(s);
  try {
    const answers = await Promise.all(
      streams.map((stream, i) =>
        new LlamaCompletion({ contextSequence: sequences[i]! }).generateCompletion(`Question ${i}:\n`, {
          maxTokens: stream.maxTokens ?? 32,
          signal: stream.signal,
          stopOnAbortSignal: true,
          onToken: stream.onToken,
        }),
      ),
    );
    return { answers, sizes, batches };
  } finally {
    await context.dispose();
  }
}

describe('Lockstep', () => {
  it('puts every running sequence in each decode, and the answers are unchanged', async () => {
    const { answers, sizes } = await concurrent([{}, {}, {}], true);
    expect(answers).toEqual([DETERMINISTIC_ANSWER, DETERMINISTIC_ANSWER, DETERMINISTIC_ANSWER]);
    // The first decodes carry the prompts; from then on one token of each of the three per decode.
    const singles = sizes.filter((n) => n === 1).length;
    const triples = sizes.filter((n) => n === 3).length;
    expect(triples).toBeGreaterThanOrEqual(8);
    expect(singles).toBeLessThanOrEqual(2);
  });

  it('lays each batch out in the order the sequences were attached (their ids, in the runner)', async () => {
    // Attached last one first, so the order it keeps is the reverse of the order the sequences started in, which
    // is the order node-llama-cpp would otherwise keep.
    const { answers, sizes, batches } = await concurrent([{}, {}, {}, {}], true, true);
    expect(answers).toEqual(Array(4).fill(DETERMINISTIC_ANSWER));
    // The steps: one token of each of the four (the prompts' decodes before them go as they come).
    const steps = batches.filter((ids, i) => ids.length === 4 && sizes[i] === 4);
    expect(steps.length).toBeGreaterThanOrEqual(8);
    for (const ids of steps) expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('is what makes the difference: without it the sequences take turns', async () => {
    const { answers, sizes } = await concurrent([{}, {}], false);
    expect(answers).toEqual([DETERMINISTIC_ANSWER, DETERMINISTIC_ANSWER]);
    expect(sizes.filter((n) => n === 1).length).toBeGreaterThan(sizes.filter((n) => n === 2).length);
  });

  it('lets a generation that ends early or is cancelled leave without holding up the others', async () => {
    const cancel = new AbortController();
    let cancelledTokens = 0;
    const { answers, sizes } = await concurrent(
      [
        { maxTokens: 2 },
        { onToken: () => ++cancelledTokens === 4 && cancel.abort(), signal: cancel.signal },
        {},
      ],
      true,
    );
    expect(answers[0]).toBe('The quick');
    expect(answers[1]).toBe('The quick brown fox');
    expect(answers[2]).toBe(DETERMINISTIC_ANSWER);
    // After the prompts' decodes, the steps only shrink as sequences leave: two together until the cancel, then
    // the last one alone. A leaving sequence that held up the others would show as a step of fewer sequences
    // followed by a larger one.
    const steps = sizes.filter((n) => n <= 3);
    expect(steps).toEqual([...steps].sort((x, y) => y - x));
    expect(steps.filter((n) => n === 2).length).toBeGreaterThanOrEqual(2);
    expect(steps.at(-1)).toBe(1);
  });
});
