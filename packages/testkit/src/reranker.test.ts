import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { testRerankerScore, writeTestReranker } from './reranker.ts';

let dir: string;
let model: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ownchat-reranker-'));
  const info = await writeTestReranker(join(dir, 'reranker.gguf'));
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn });
  model = await llama.loadModel({ modelPath: info.path });
});

afterAll(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

test('the score is the known function of the relevant words in query and document, through llama.cpp', async () => {
  const ranking = await model.createRankingContext({ contextSize: 512, batchSize: 512, threads: 1 });
  const docs = ['the dog', 'the fox', 'a fox and a fox', 'fox fox fox', 'hello world'];
  const counts = [0, 1, 2, 3, 0];
  const scores = await ranking.rankAll('what is it', docs);
  for (const [i, score] of scores.entries()) expect(score).toBeCloseTo(testRerankerScore(counts[i]!), 5);
  // The query's relevant words count too: one more for every document.
  const withFox = await ranking.rankAll('a fox', docs);
  for (const [i, score] of withFox.entries()) {
    expect(score).toBeCloseTo(testRerankerScore(counts[i]! + 1), 5);
  }
  expect(testRerankerScore(0)).toBeLessThan(0.05);
  expect(testRerankerScore(1)).toBeGreaterThan(0.8);
  await ranking.dispose();
});
