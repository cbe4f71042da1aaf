// Concurrent generations share llama.cpp decodes: with Lockstep, after the prompts every decode carries a token of
// each running sequence. Without it node-llama-cpp lets them alternate (one sequence per decode), which this
// test also shows, so it can tell the two apart. Counting decodes needs a look at node-llama-cpp's native context
// (`_ctx.initBatch`, called once per decode with the batch's token count): node-llama-cpp is pinned at 3.21.1.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DETERMINISTIC_ANSWER, writeDeterministicModel } from '@ownchat/testkit';
import { getLlama, type Llama, LlamaCompletion, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** Runs the streams at once on a 4-sequence context; returns each answer and each decode's size. */
async function concurrent(streams: Stream[], lockstep: boolean) {
  const context = await model.createContext({ contextSize: 4 * 256, sequences: 4, threads: 1 });
  const sizes: number[] = [];
  const native = (context as unknown as { _ctx: Record<string | symbol, unknown> })._ctx;
  (context as unknown as { _ctx: unknown })._ctx = new Proxy(native, {
    get(target, key) {
      const value = target[key];
      if (key === 'initBatch')
        return (size: number) => {
          sizes.push(size);
          return (value as (n: number) => unknown).call(target, size);
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const steps = new Lockstep();
  const sequences = Array.from({ length: 4 }, () => {
    const s = context.getSequence();
    if (lockstep) steps.attach(s);
    return s;
  });
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
    return { answers, sizes };
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
