// The runner's side of the process boundary, in process with a real model: the scheduler's queue is the only
// concurrency limit, so a generation beyond the runner's sequences is refused as the bug it would be (never
// queued here), and a cancelled generation says when its sequence is free, which is when the manager hands the
// sequence to the next request.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { writeRandomModel } from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ModelRunner } from './modelRunner.ts';
import type { FromRunner, Sampling } from './protocol.ts';

let dir: string;
let modelPath: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-model-runner-'));
  // A wide vocabulary makes <|im_end|> rare: this model keeps talking until it is stopped.
  modelPath = (await writeRandomModel(path.join(dir, 'chatty.gguf'), { vocab: 32000, seed: 7 })).path;
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const sampling = (maxTokens: number): Sampling => ({
  temperature: 0,
  topK: 40,
  topP: 0.9,
  minP: 0,
  maxTokens,
  stop: [],
  repeatPenalty: 1,
  repeatLastN: 0,
  presencePenalty: 0,
  frequencyPenalty: 0,
  numKeep: 4,
});

it('refuses a generation beyond its sequences, and frees a cancelled one’s sequence before saying so', async () => {
  const sent: FromRunner[] = [];
  let loadFailed = false;
  const runner = new ModelRunner(
    (m) => sent.push(m),
    () => {
      loadFailed = true;
    },
  );
  /** The first message the runner sent that matches, waited for (bounded). */
  const waitFor = async (match: (m: FromRunner) => boolean): Promise<FromRunner> => {
    for (let i = 0; i < 3000; i++) {
      const m = sent.find(match);
      if (m) return m;
      await setTimeout(10);
    }
    throw new Error(`the runner did not send it; it sent ${JSON.stringify(sent.map((m) => m.type))}`);
  };
  const about = (id: number, type: FromRunner['type']) => (m: FromRunner) =>
    m.type === type && 'id' in m && m.id === id;

  runner.handle({
    type: 'load',
    spec: {
      modelPath,
      contextSize: 512,
      sequences: 1,
      threads: 1,
      batchSize: 512,
      gpuLayers: 0,
      useMmap: true,
    },
  });
  await waitFor((m) => m.type === 'loaded');
  expect(loadFailed).toBe(false);

  const input = { kind: 'text' as const, text: 'Talk forever.' };
  runner.handle({ type: 'generate', id: 1, input, sampling: sampling(1_000_000) });
  await waitFor(about(1, 'chunk'));

  // One sequence, taken: a second generation is a scheduler bug, answered at once as one.
  runner.handle({ type: 'generate', id: 2, input, sampling: sampling(4) });
  const refused = await waitFor(about(2, 'failed'));
  expect(refused).toMatchObject({
    message: expect.stringMatching(/no free sequence: the manager sent more than the 1 generations/),
  });
  expect(sent.some(about(2, 'chunk'))).toBe(false);

  runner.handle({ type: 'cancel', id: 1 });
  await waitFor(about(1, 'canceled'));
  expect(sent.some(about(1, 'done'))).toBe(false);

  // The sequence is free the moment `canceled` is sent: the next generation takes it.
  runner.handle({ type: 'generate', id: 3, input, sampling: sampling(3) });
  const done = await waitFor(about(3, 'done'));
  expect(done).toMatchObject({ stats: { evalTokens: 3, doneReason: 'length' } });
});
