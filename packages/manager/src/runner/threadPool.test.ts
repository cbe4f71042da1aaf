// The context's CPU thread pool (attachThreadpool in the node-llama-cpp patch) lets its workers spin for the next
// graph for a few milliseconds only (poll 1). With ggml's default (poll 50, as llama-server runs) a worker spins
// for about 100 ms after the last graph of every answer: a core burned while nothing runs, and taken from whatever
// else runs on the machine (another model's runner, the next request of another server). Real inference on a
// generated model, two threads; CPU time, not speed, is what is measured.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeRandomModel } from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { greedy, type InProcessRunner, startInProcessRunner } from '../testing/inProcessRunner.ts';

let dir: string;
let runner: InProcessRunner;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-thread-pool-'));
  const model = (await writeRandomModel(path.join(dir, 'random.gguf'), { seed: 5 })).path;
  runner = await startInProcessRunner(model, { threads: 2 });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** This process's CPU time, all threads, in milliseconds. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

it('does not keep a core busy after an answer', async () => {
  const idle: number[] = [];
  for (let i = 0; i < 3; i++) {
    const answer = await runner.generate(
      { kind: 'text', text: `Answer ${i}: once upon a time` },
      greedy({ maxTokens: 16 }),
    );
    expect(answer.stats.evalTokens).toBeGreaterThan(0);
    const before = cpuMs();
    await new Promise((r) => setTimeout(r, 500));
    idle.push(cpuMs() - before);
  }
  // Measured: 0-10 ms with poll 1; 90-100 ms with ggml's default, whose spinning worker this catches.
  expect(Math.min(...idle), `CPU ms in the half second after each answer: ${idle.join(', ')}`).toBeLessThan(
    40,
  );
});
