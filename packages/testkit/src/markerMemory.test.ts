// The deterministic model's memory of a marker token (markerMemory.ts), through real llama.cpp inference: the
// answer after a prompt's generation prompt depends on whether the marker occurred anywhere before, however
// far back, and the memory leaves the rest of each answer alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, type Llama, LlamaLogLevel, type LlamaModel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeDeterministicModel } from './models.ts';

/** The first answer (a call, as it were) and the one the model gives once it has read the marker. */
const CALL = 'Calling get_weather for Paris';
const FINAL = 'It is 22 degrees and sunny there.';
const SYSTEM = '<|im_start|>system\nYou are a helpful assistant. Answer in one sentence.<|im_end|>\n';
const ASK = '<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n';
const RESULT = '<|im_start|>user\n<tool_response>\n22 degrees, sunny\n</tool_response><|im_end|>\n';
/** A loop's second prompt: the question, the first answer, the tool's result, the generation prompt again. */
const AFTER_RESULT = `${SYSTEM}${ASK}${CALL}<|im_end|>\n${RESULT}<|im_start|>assistant\n`;

let dir: string;
let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ownchat-marker-'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn });
  const written = await writeDeterministicModel(join(dir, 'marker.gguf'), {
    sentence: CALL,
    afterMarker: { marker: '<tool_response>', sentence: FINAL },
    shape: { vocab: 1024 },
  });
  model = await llama.loadModel({ modelPath: written.path });
});

afterAll(async () => {
  await llama?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * What `on` generates for a raw prompt (special tokens parsed), and whether it ended by itself (node-llama-cpp
 * ends the evaluation at an end-of-generation token) within 40 tokens.
 */
async function answer(
  on: LlamaModel,
  prompt: string,
  sampling: { temperature: number; topK?: number; topP?: number } = { temperature: 0 },
): Promise<{ text: string; ended: boolean }> {
  const context = await on.createContext({ threads: 1, contextSize: 2048 });
  try {
    const tokens: Token[] = [];
    for await (const token of context.getSequence().evaluate(on.tokenize(prompt, true), sampling)) {
      if (on.isEogToken(token)) break;
      tokens.push(token);
      if (tokens.length === 40) return { text: on.detokenize(tokens), ended: false };
    }
    return { text: on.detokenize(tokens), ended: true };
  } finally {
    await context.dispose();
  }
}

describe('a deterministic model with a marker memory', () => {
  test('gives the first answer without the marker and the marked one, whole, after it', async () => {
    expect(await answer(model, `${SYSTEM}${ASK}`)).toEqual({ text: CALL, ended: true });
    expect(await answer(model, AFTER_RESULT)).toEqual({ text: FINAL, ended: true });
  });

  test('reads the marker as one token, and only the marker: its closing tag alone is no marker', async () => {
    const marker = model.tokenize('<tool_response>', true);
    expect(marker).toHaveLength(1);
    expect(model.tokenize('\n<tool_response>\n22', true)).toContain(marker[0]);
    expect(model.tokenize('</tool_response>', true)).not.toContain(marker[0]);
    const closingOnly = `${SYSTEM}<|im_start|>user\n22 degrees</tool_response><|im_end|>\n${ASK}`;
    expect((await answer(model, closingOnly)).text).toBe(CALL);
  });

  test('remembers the marker however far back it is, and twice as well as once', async () => {
    // About 1,500 tokens between the marker and the generation prompt, at six distances: RoPE must not turn
    // the match away (on a head's fastest pair, a turn of 1 rad per token, some of these distances fail).
    const filler = 'the weather in Paris is what you say it is and '.repeat(130);
    for (const extra of [0, 1, 2, 3, 4, 5]) {
      const far = `${SYSTEM}${RESULT}<|im_start|>user\n${filler}${'it '.repeat(extra)}<|im_end|>\n<|im_start|>assistant\n`;
      expect(model.tokenize(far, true).length).toBeGreaterThan(1500);
      expect((await answer(model, far)).text).toBe(FINAL);
    }
    expect((await answer(model, `${AFTER_RESULT}${FINAL}<|im_end|>\n${RESULT}${ASK}`)).text).toBe(FINAL);
  });

  test('is as deterministic when sampling at temperature 1 with no truncation', async () => {
    const sampling = { temperature: 1, topK: 0, topP: 1 };
    expect((await answer(model, `${SYSTEM}${ASK}`, sampling)).text).toBe(CALL);
    expect((await answer(model, AFTER_RESULT, sampling)).text).toBe(FINAL);
  });

  test('works with a control-token marker and q8_0 weights', async () => {
    const written = await writeDeterministicModel(join(dir, 'marker-q8.gguf'), {
      sentence: CALL,
      special: ['<tool_response>'],
      afterMarker: { marker: '<tool_response>', sentence: FINAL },
      shape: { type: 'q8_0', vocab: 1024 },
    });
    const q8 = await llama.loadModel({ modelPath: written.path });
    try {
      expect((await answer(q8, `${SYSTEM}${ASK}`)).text).toBe(CALL);
      expect((await answer(q8, AFTER_RESULT)).text).toBe(FINAL);
    } finally {
      await q8.dispose();
    }
  });

  test('refuses a marker that is also a token of an answer, and an empty marked answer', async () => {
    await expect(
      writeDeterministicModel(join(dir, 'bad.gguf'), {
        sentence: CALL,
        afterMarker: { marker: '▁Paris', sentence: FINAL },
        shape: { vocab: 1024 },
      }),
    ).rejects.toThrow('the marker "▁Paris" must not be a token of an answer');
    await expect(
      writeDeterministicModel(join(dir, 'bad.gguf'), { afterMarker: { marker: '<tool_response>' } }),
    ).rejects.toThrow('afterMarker needs a sentence or tokens');
  });
});
