// The engine's CPU flash attention for grouped-query heads (patches/llama.cpp/flash-attn-gqa.patch): against an
// exact result, in the kernel (flashAttentionCheck.cpp, compiled here against the engine's own ggml libraries) and
// in a model (the next token's probabilities with flash attention and without, which computes attention another
// way). Its speed is the benchmarks' business (bench/flashAttention.bench.ts; decode at depth in decode.bench.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeRandomModel } from '@ownchat/testkit';
import {
  type ControlledEvaluateInputItem,
  getLlama,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFlashAttentionCheck, runFlashAttentionCheck } from './flashAttentionCheck.ts';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-flash-attention-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('flash attention on the CPU', () => {
  it('computes every shape within 1e-5 of the exact result; grouped heads far closer than ggml’s F16 sums', () => {
    const check = path.join(dir, 'flash-attention-check');
    buildFlashAttentionCheck(check);
    const results = runFlashAttentionCheck(check);
    expect(results.length).toBe(8);
    for (const r of results) {
      if (r.grouped) {
        // Sums in F32: at most a few float roundings away (outputs are about 0.2 to 0.6 here).
        expect(r.error, r.case).toBeLessThan(1e-5);
        // ggml's own kernel sums an F16 cache in F16: about 1e-3 off. Grouped heads no longer run it.
        if (r.f16) expect(r.referenceError, r.case).toBeGreaterThan(1e-4);
      } else {
        // One query head a K/V head: ggml's own kernel, as it was.
        expect(r.error, r.case).toBeLessThan(5e-3);
      }
    }
  });

  it('gives a grouped-query model the same next-token probabilities with and without it', async () => {
    // 8 query heads on 2 K/V heads, 32 wide: decode and short prompts go through the grouped kernel.
    const { path: modelPath } = await writeRandomModel(path.join(dir, 'gqa.gguf'), {
      embedding: 256,
      heads: 8,
      headsKv: 2,
      vocab: 512,
      seed: 5,
    });
    const llama = await getLlama('lastBuild', { logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath });
    const prompt = Array.from({ length: 701 }, (_, i) => ((i * 37) % 500) + 3) as Token[];
    const fa = await nextTokenProbabilities(model, prompt, true);
    const plain = await nextTokenProbabilities(model, prompt, false);
    await model.dispose();
    for (const [at, p] of fa) {
      const q = plain.get(at)!;
      // The most likely tokens, each as likely either way within 0.1% (float rounding: 3e-5 to 1e-4 here; a
      // random model's distribution is flat, and a wrong attention shows as far different probabilities).
      const top = [...q.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
      const worst = Math.max(
        ...top.map(([token, probability]) => Math.abs((p.get(token) ?? 0) / probability - 1)),
      );
      expect(worst, at).toBeLessThan(1e-3);
    }
  });
});

/**
 * The next token's probabilities, at three places: after a 20-token prompt's decode step (short context), after a
 * 20-token batch at depth 680 (a short prompt on a long conversation), and after one token at depth 700 (decode
 * of a long context, whose K/V positions the threads split).
 */
async function nextTokenProbabilities(model: LlamaModel, tokens: Token[], flashAttention: boolean) {
  const context = await model.createContext({
    contextSize: 1024,
    threads: 2,
    flashAttention,
    batchSize: 512,
  });
  const sequence = context.getSequence();
  const next = {
    generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } },
  };
  const probe = async (input: Token[]) => {
    const items: ControlledEvaluateInputItem[] = input.map((t, i) =>
      i === input.length - 1 ? [t, next] : t,
    );
    const out = await sequence.controlledEvaluate(items);
    return out.at(-1)!.next.probabilities!;
  };
  const result = new Map<string, Map<Token, number>>();
  result.set('short context', await probe(tokens.slice(0, 20)));
  await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(20, 680));
  result.set('20 tokens at depth 680', await probe(tokens.slice(680, 700)));
  result.set('decode at depth 700', await probe(tokens.slice(700, 701)));
  await context.dispose();
  return result;
}
