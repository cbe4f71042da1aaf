// Speculative decoding (input lookup) changes how many decodes an answer takes, never the answer: the same
// tokens with and without it, greedy, with and without the repeat penalty, through the runner as the manager
// drives it (real inference on generated models). Speed is the benchmark's business (bench/speculative.bench.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeDeterministicModel, writeRandomModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedy, startInProcessRunner } from '../testing/inProcessRunner.ts';
import type { GenerateInput } from './protocol.ts';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-speculation-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A runner in this process with the model loaded; generate() answers one request at a time. */
async function startRunner(modelPath: string, draftModelPath?: string) {
  return (await startInProcessRunner(modelPath, { draftModelPath })).generate;
}

// greedy() keeps Ollama's default penalty: the guessed positions must see the guesses before them in its window.

describe('input lookup', () => {
  it('answers a prompt it repeats with the same text in fewer decodes', async () => {
    // Long enough that guesses of 8 tokens have room; distinct words (the model's only memory is its last token).
    const sentence = `${Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')}.`;
    const det = await writeDeterministicModel(path.join(dir, 'repeat.gguf'), { sentence });
    const generate = await startRunner(det.path);
    const input: GenerateInput = {
      kind: 'messages',
      messages: [{ role: 'user', content: `Say this back: ${sentence}` }],
    };
    const plain = await generate(input, greedy({ draftMax: 0 }));
    const fast = await generate(input, greedy({ draftMax: 8 }));
    expect(plain.text).toBe(sentence);
    expect(fast.text).toBe(plain.text);
    expect(fast.stats.evalTokens).toBe(plain.stats.evalTokens);
    expect(plain.stats).toMatchObject({
      decodeSteps: plain.stats.evalTokens,
      draftTokens: 0,
      acceptedTokens: 0,
    });
    // The answer is in the prompt: nearly every token after the first two comes from a guess.
    expect(fast.stats.acceptedTokens).toBeGreaterThan(plain.stats.evalTokens / 2);
    expect(fast.stats.decodeSteps).toBe(fast.stats.evalTokens - (fast.stats.acceptedTokens ?? 0));
  });

  it('stops guessing, more and more, when its guesses keep failing', async () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
    const sentence = `${words.join(' ')}.`;
    const det = await writeDeterministicModel(path.join(dir, 'misled.gguf'), {
      sentence,
      shape: { vocab: 1024 },
    });
    const generate = await startRunner(det.path);
    // Every pair of the answer's words stands in the prompt followed by a word the answer does not have.
    const misleading = words.map((w, i) => `${w} ${words[i + 1] ?? words[0]} fox`).join(' ');
    const input: GenerateInput = { kind: 'messages', messages: [{ role: 'user', content: misleading }] };
    const plain = await generate(input, greedy({ draftMax: 0 }));
    const fast = await generate(input, greedy({ draftMax: 8 }));
    expect(fast.text).toBe(plain.text);
    // Guessing at every one of its ~60 decodes would be ~480 guesses; resting 1, 2, 4, … decodes after each
    // failure leaves a handful of tries.
    expect(fast.stats.draftTokens).toBeGreaterThan(0);
    expect(fast.stats.draftTokens).toBeLessThanOrEqual(8 * 7);
  });

  it('gives a random model the same greedy tokens with and without, guesses taken and refused alike', async () => {
    // A small vocabulary: greedy decoding of random weights falls into loops, which the lookup finds once the
    // model's own first answer is in the prompt; where the loop breaks (and with the penalty, which breaks it
    // more often), guesses are refused and rolled back.
    const random = await writeRandomModel(path.join(dir, 'random.gguf'), { seed: 11 });
    const generate = await startRunner(random.path);
    const first = await generate(
      { kind: 'text', text: 'Once upon a time', wantContext: true },
      greedy({ maxTokens: 64, repeatPenalty: 1, repeatLastN: 0 }),
    );
    // Its exact tokens (the text, tokenized again, could differ), continued.
    const input: GenerateInput = { kind: 'text', text: '', prefixTokens: first.stats.context };
    const seen = { accepted: 0, refused: 0 };
    for (const penalty of [
      {},
      { repeatPenalty: 1, repeatLastN: 0 },
      { repeatPenalty: 1.3, repeatLastN: 16 },
    ]) {
      const plain = await generate(input, greedy({ ...penalty, maxTokens: 96, draftMax: 0 }));
      const fast = await generate(input, greedy({ ...penalty, maxTokens: 96, draftMax: 6 }));
      expect(fast.text, JSON.stringify(penalty)).toBe(plain.text);
      expect(fast.stats.evalTokens).toBe(plain.stats.evalTokens);
      seen.accepted += fast.stats.acceptedTokens ?? 0;
      seen.refused += (fast.stats.draftTokens ?? 0) - (fast.stats.acceptedTokens ?? 0);
    }
    // Both ways through the validation were taken.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('does not guess where it could change the answer: sampling at temperature > 0 with a seed', async () => {
    const random = await writeRandomModel(path.join(dir, 'seeded.gguf'), { vocab: 32000, seed: 12 });
    const generate = await startRunner(random.path);
    const input: GenerateInput = { kind: 'text', text: 'a b c a b c a b c a b c' };
    const seeded = greedy({ temperature: 0.8, seed: 42, maxTokens: 32 });
    const plain = await generate(input, { ...seeded, draftMax: 0 });
    const asked = await generate(input, { ...seeded, draftMax: 8 });
    expect(asked.text).toBe(plain.text);
    expect(asked.stats).toMatchObject({ draftTokens: 0, decodeSteps: asked.stats.evalTokens });
  });
});

describe('draft model', () => {
  it('gives the same greedy tokens as decoding without, its guesses verified by the target', async () => {
    // The deterministic model as its own draft: sure of every token (a random draft is unsure of all of them,
    // and node-llama-cpp's draft stops at the first token below 0.6), so it guesses and is right.
    const det = await writeDeterministicModel(path.join(dir, 'draft.gguf'));
    const input: GenerateInput = { kind: 'messages', messages: [{ role: 'user', content: 'Hello' }] };
    const plain = await (await startRunner(det.path))(input, greedy({ draftMax: 0 }));
    const generate = await startRunner(det.path, det.path);
    const fast = await generate(input, greedy({ draftMax: 4 }));
    expect(fast.text).toBe(plain.text);
    expect(fast.stats.evalTokens).toBe(plain.stats.evalTokens);
    expect(fast.stats.acceptedTokens).toBeGreaterThan(0);
    // A draft is not consulted where guessing could change the answer.
    const seeded = await generate(input, greedy({ temperature: 0.7, seed: 1, draftMax: 4 }));
    expect(seeded.stats.draftTokens).toBe(0);
  });
});
