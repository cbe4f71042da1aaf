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

test('through llama.cpp, the score says whether a query word appears in the document', async () => {
  const ranking = await model.createRankingContext({ contextSize: 512, batchSize: 512, threads: 1 });
  const docs = ['the dog sleeps', 'a fox runs', 'fox and fox', 'hello world', 'foxes', 'Fox'];
  // The most repeated known word's count over query and document: "fox" once, twice or three times.
  const expected = [1, 2, 3, 1, 2, 1].map(testRerankerScore);
  const scores = await ranking.rankAll('where is the fox', docs);
  for (const [i, score] of scores.entries()) expect(score).toBeCloseTo(expected[i]!, 3);
  // Another query, other matches ("dog" now; "fox and fox" still repeats a word of its own).
  const other = await ranking.rankAll('a cat or a dog', docs);
  for (const [i, score] of other.entries()) {
    expect(score).toBeCloseTo(testRerankerScore([2, 1, 2, 1, 1, 1][i]!), 3);
  }
  // Far apart, so orderings in tests cannot tie by accident.
  expect(testRerankerScore(1)).toBeLessThan(0.1);
  expect(testRerankerScore(2)).toBeGreaterThan(0.85);
  expect(testRerankerScore(3)).toBeGreaterThan(testRerankerScore(2) + 0.05);
  await ranking.dispose();
});
