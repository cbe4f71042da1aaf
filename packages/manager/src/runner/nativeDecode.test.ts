// The native decode loop (OWNCHAT_DECODE_LOOP=native, the default: AddonTokenRun.cpp in the node-llama-cpp patch)
// changes where an answer's tokens are decoded, never the answer: the same tokens as node-llama-cpp's own loop,
// greedy and seeded, with and without the repeat penalty, across stop sequences, token limits, a full context,
// a cancelled answer and answers decoded side by side, and the sequence left as that loop leaves it (the next
// turn's answer and the context returned are the same too). Real inference on generated models; speed is the
// benchmark's business (bench/decode.bench.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeRandomModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedy, type InProcessRunner, startInProcessRunner } from '../testing/inProcessRunner.ts';
import type { GenerateInput, LoadSpec, Sampling } from './protocol.ts';

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-native-decode-'));
  // A small vocabulary: greedy decoding of random weights falls into loops, which the penalty then breaks.
  model = (await writeRandomModel(path.join(dir, 'random.gguf'), { seed: 21 })).path;
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const sampling = (over: Partial<Sampling> = {}): Sampling => greedy({ maxTokens: 96, ...over });

/** The same model in two runners: one decoding in llama.cpp's loop, one in node-llama-cpp's. */
async function bothLoops(
  spec: Partial<LoadSpec> = {},
): Promise<{ native: InProcessRunner; js: InProcessRunner }> {
  const native = await startInProcessRunner(model, { ...spec, decodeLoop: 'native' });
  const js = await startInProcessRunner(model, { ...spec, decodeLoop: 'javascript' });
  return { native, js };
}

const prompt: GenerateInput = { kind: 'text', text: 'Once upon a time', wantContext: true };

describe('the native decode loop', () => {
  it('gives the same tokens as node-llama-cpp’s loop: greedy, seeded, with and without the repeat penalty', async () => {
    const { native, js } = await bothLoops();
    const cases: Partial<Sampling>[] = [
      {},
      { repeatPenalty: 1, repeatLastN: 0 },
      { repeatPenalty: 1.3, repeatLastN: 16 },
      { repeatPenalty: 1.2, repeatLastN: 8, presencePenalty: 0.5, frequencyPenalty: 0.3 },
      { temperature: 0.8, seed: 42 },
      { temperature: 1.2, seed: 7, topK: 0, topP: 1, minP: 0.02, repeatLastN: 32 },
    ];
    for (const c of cases) {
      const a = await native.generate(prompt, sampling(c));
      const b = await js.generate(prompt, sampling(c));
      expect(a.text, JSON.stringify(c)).toBe(b.text);
      expect(a.stats.evalTokens, JSON.stringify(c)).toBe(b.stats.evalTokens);
      expect(a.stats.context, JSON.stringify(c)).toEqual(b.stats.context);
      expect(a.stats.doneReason).toBe(b.stats.doneReason);
      // All but the prompt's decode were made in the loop, but for the last one or two where LlamaCompletion holds
      // back text it has not released (num_predict counts released tokens; the loop stops short of it, not past).
      expect(a.stats.nativeDecodes, JSON.stringify(c)).toBeGreaterThanOrEqual(a.stats.decodeSteps! - 3);
      expect(b.stats.nativeDecodes).toBe(0);
    }
  });

  it('stops where a stop sequence ends the answer, and the next turn continues from the same state', async () => {
    const { native, js } = await bothLoops();
    const whole = await js.generate(prompt, sampling({ maxTokens: 64 }));
    // A piece of the answer's middle, so the loop runs past it before the stop is seen.
    const stop = whole.text
      .slice(Math.floor(whole.text.length / 2))
      .trim()
      .slice(0, 3);
    expect(stop.length).toBe(3);
    const a = await native.generate(prompt, sampling({ maxTokens: 64, stop: [stop] }));
    const b = await js.generate(prompt, sampling({ maxTokens: 64, stop: [stop] }));
    expect(a.text).toBe(b.text);
    expect(a.text.length).toBeLessThan(whole.text.length);
    expect(a.stats.nativeDecodes).toBeGreaterThan(0);
    expect(a.stats.context).toEqual(b.stats.context);
    // The next turn reuses the sequence: a token decoded past the stop and left in the KV cache would change it.
    const next: GenerateInput = {
      kind: 'text',
      text: ' and then',
      prefixTokens: a.stats.context,
      wantContext: true,
    };
    const a2 = await native.generate(next, sampling({ maxTokens: 48 }));
    const b2 = await js.generate(next, sampling({ maxTokens: 48 }));
    expect(a2.text).toBe(b2.text);
    expect(a2.stats.promptEvaluated).toBe(b2.stats.promptEvaluated);
  });

  it('ends at num_predict and goes on past a full context as node-llama-cpp’s loop does', async () => {
    const { native, js } = await bothLoops({ contextSize: 96 });
    for (const c of [{ maxTokens: 17 }, { maxTokens: 200 }, { maxTokens: 200, repeatPenalty: 1.3 }]) {
      const a = await native.generate(prompt, sampling(c));
      const b = await js.generate(prompt, sampling(c));
      expect(a.text, JSON.stringify(c)).toBe(b.text);
      expect(a.stats.evalTokens).toBe(b.stats.evalTokens);
      expect(a.stats.doneReason).toBe(b.stats.doneReason);
    }
    // More tokens than a context of 96 holds: it was shifted on the way.
    expect((await native.generate(prompt, sampling({ maxTokens: 200 }))).stats.evalTokens).toBeGreaterThan(
      96,
    );
  });

  it('stops a cancelled answer at once and answers the next request as if it had not run', async () => {
    const { native, js } = await bothLoops();
    const started = native.start(prompt, sampling({ maxTokens: 100_000, repeatLastN: 0, repeatPenalty: 1 }));
    await new Promise((r) => setTimeout(r, 300));
    started.cancel();
    expect((await started.done).type).toBe('canceled');
    const a = await native.generate(prompt, sampling());
    const b = await js.generate(prompt, sampling());
    expect(a.text).toBe(b.text);
    expect(a.stats.context).toEqual(b.stats.context);
  });

  it('decodes answers started together on fresh sequences, stepping together, as each alone', async () => {
    // Fresh sequences have nothing to erase: each goes straight to its first step, which waits for the others'
    // (lockstep.ts) while the first may be decoding in the loop with the context's lock.
    const inputs = ['Once upon a time', 'The fox', 'A dog', 'Far away'].map(
      (text): GenerateInput => ({ kind: 'text', text }),
    );
    const js = await startInProcessRunner(model, { decodeLoop: 'javascript' });
    const alone: string[] = [];
    for (const input of inputs) alone.push((await js.generate(input, sampling({ maxTokens: 200 }))).text);
    const native = await startInProcessRunner(model, {
      decodeLoop: 'native',
      sequences: 4,
      contextSize: 512,
    });
    const together = await Promise.all(
      inputs.map((input) => native.generate(input, sampling({ maxTokens: 200 }))),
    );
    expect(together.map((r) => r.text)).toEqual(alone);
  });

  it('gives way when another answer starts, and takes the loop again once alone: the same answers as alone', async () => {
    const { native } = await bothLoops({ sequences: 2, contextSize: 512 });
    const other: GenerateInput = { kind: 'text', text: 'The fox', wantContext: true };
    const long = sampling({ maxTokens: 400 });
    const alone = [await native.generate(prompt, long), await native.generate(other, sampling())];
    // The second starts at the first's fifth piece of text, while the first is decoding in the loop.
    let second: ReturnType<InProcessRunner['generate']> | undefined;
    let pieces = 0;
    const first = await native.generate(prompt, long, () => {
      if (++pieces === 5) second = native.generate(other, sampling());
    });
    const together = [first, await second!];
    expect(together.map((r) => r.text)).toEqual(alone.map((r) => r.text));
    // The first left the loop for node-llama-cpp's batches while the second ran (96 tokens of its 400), and took
    // the loop again once alone.
    expect(first.stats.nativeDecodes).toBeLessThan(first.stats.decodeSteps! - 1 - 48);
    expect(first.stats.nativeDecodes).toBeGreaterThan(first.stats.decodeSteps! / 2);
  });

  it('stays out of the loop while a speculating answer shares the context, instead of entering and leaving it', async () => {
    // Speculative decoding evaluates through controlledEvaluate, not _evaluate; it is counted as the context's
    // evaluation all the same (speculation.ts), so the other answer does not start a loop that the speculating
    // answer's next decode would stop again, token after token.
    const native = await startInProcessRunner(model, {
      decodeLoop: 'native',
      sequences: 2,
      contextSize: 2048,
    });
    const other: GenerateInput = { kind: 'text', text: 'The fox' };
    // Greedy without the penalty, a random model falls into a loop, which input lookup finds in a prompt that
    // holds the model's own answer: guesses are made (and mostly taken).
    const loop = { repeatPenalty: 1, repeatLastN: 0 };
    const own = await native.generate(prompt, sampling({ maxTokens: 64, ...loop }));
    const looping: GenerateInput = { kind: 'text', text: '', prefixTokens: own.stats.context };
    const guessing = sampling({ maxTokens: 900, draftMax: 8, ...loop });
    let plain: Awaited<ReturnType<InProcessRunner['generate']>> | undefined;
    let speculatingWhenPlainEnded = false;
    let pieces = 0;
    let second: Promise<void> | undefined;
    const speculating = await native.generate(looping, guessing, () => {
      if (++pieces !== 5) return;
      second = native.generate(other, sampling({ maxTokens: 48 })).then((r) => {
        plain = r;
        speculatingWhenPlainEnded = true;
      });
    });
    await second;
    // Only meaningful if the plain answer ran entirely beside the speculating one.
    expect(speculatingWhenPlainEnded && speculating.stats.evalTokens).toBeGreaterThan(48);
    expect(speculating.stats.draftTokens).toBeGreaterThan(0);
    expect(plain!.stats.evalTokens).toBe(48);
    expect(plain!.stats.nativeDecodes).toBe(0);
    // Alone, the same answer decodes in the loop.
    const alone = await native.generate(other, sampling({ maxTokens: 48 }));
    expect(alone.text).toBe(plain!.text);
    expect(alone.stats.nativeDecodes).toBeGreaterThan(40);
  });
});
