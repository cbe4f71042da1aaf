// Speculative decoding by input lookup (the draft_max option), against the llm-manager's own decoding without it,
// in the same run on the same model and server. The model is full size (Qwen2.5-0.5B's shape, Q8_0, about
// 440 MB) and deterministic: whatever it is asked, it answers one long sentence of distinct words, so the task
// "say this back" has its answer in the prompt, as copying, editing and quoting tasks do.
//
// Three prompts, each answered with draft_max 0 and with draft_max DRAFT in alternating rounds (median of
// ROUNDS after a warm-up of each):
// - repeat: the sentence is in the prompt, every guess can be right (the ratio: decode speed with / without);
// - misleading: the prompt holds every pair of the answer's words followed by a word the answer does not have,
//   so every guess is wrong: the most speculation can cost a decode (what decides the default);
// - unrelated: nothing of the answer in the prompt, so nothing is guessed: what it costs when it finds nothing.
// Decode speed is timed at the client, from the first token to the last; the server's counts of decodes and
// accepted guesses are kept with each.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importModel, QWEN_0_5B, startManagerProcess, writeDeterministicModel } from '@ownchat/testkit';
import { CONTEXT_PER_SEQUENCE, ollamaTokens, streamTimes } from './decodePeers.ts';
import { CACHE } from './llamaCpp.ts';
import type { Benchmark } from './run.ts';

const THREADS = Number(process.env.OWNCHAT_BENCH_THREADS ?? os.availableParallelism());
const WORDS = 160;
const DRAFT = Number(process.env.OWNCHAT_BENCH_DRAFT ?? 8);
const ROUNDS = 3;
const log = (s: string) => console.log(`  speculative: ${s}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const words = Array.from({ length: WORDS }, (_, i) => `w${i}`);
const SENTENCE = `${words.join(' ')}.`;
const PROMPTS = {
  repeat: `Say this back exactly: ${SENTENCE}`,
  misleading: `Never say this: ${words.map((w, i) => `${w} ${words[i + 1] ?? 'w0'} fox`).join(' ')}`,
  unrelated: 'Tell me about the quick brown fox and the lazy dog, and why the fox jumps.',
};

async function model(): Promise<string> {
  const dir = path.join(CACHE, 'models');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `deterministic-${WORDS}w-qwen0.5b-shape-q8_0.gguf`);
  const written = await fs.stat(file).then(
    () => true,
    () => false,
  );
  if (!written) {
    log('writing the deterministic 0.5B-shaped Q8_0 GGUF (about 440 MB)');
    await writeDeterministicModel(file, {
      sentence: SENTENCE,
      shape: { ...QWEN_0_5B, name: 'ownchat-det-0.5b' },
    });
  }
  return file;
}

type Round = { decode_tps: number; eval_count: number; decode_steps: number; accepted: number };

async function answer(url: string, prompt: string, draftMax: number): Promise<Round> {
  const { stamps, last } = await streamTimes(
    `${url}/api/chat`,
    {
      model: 'bench-spec',
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      // Ollama's default repeat penalty stays on: the guesses must be exact under it too.
      options: { temperature: 0, draft_max: draftMax },
    },
    ollamaTokens,
  );
  const done = JSON.parse(last) as { eval_count: number };
  const decode_tps = (stamps.length - 1) / ((stamps.at(-1)! - stamps[0]!) / 1000);
  return { decode_tps, eval_count: done.eval_count, decode_steps: 0, accepted: 0 };
}

/** The server's decode and accepted-guess counters for the model, read from /metrics. */
async function counters(url: string): Promise<{ steps: number; accepted: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    steps: value(/^ownchat_decode_steps_total\{model="bench-spec:latest"\} (\S+)$/m),
    accepted: value(/^ownchat_draft_tokens_total\{model="bench-spec:latest",outcome="accepted"\} (\S+)$/m),
  };
}

async function measured(url: string, prompt: string, draftMax: number): Promise<Round> {
  const before = await counters(url);
  const r = await answer(url, prompt, draftMax);
  const after = await counters(url);
  return { ...r, decode_steps: after.steps - before.steps, accepted: after.accepted - before.accepted };
}

const bench: Benchmark = {
  name: 'speculative',
  description: `input lookup (draft_max ${DRAFT}) against the llm-manager's decoding without it, answers that repeat the prompt`,
  async run() {
    const file = await model();
    const mgr = await startManagerProcess({
      modelsDir: path.join(CACHE, 'store-speculative'),
      env: {
        OWNCHAT_NUM_THREADS: String(THREADS),
        OLLAMA_NUM_PARALLEL: '1',
        OLLAMA_CONTEXT_LENGTH: String(CONTEXT_PER_SEQUENCE),
      },
    });
    const cases: Record<string, unknown> = {};
    let ratio = 0;
    try {
      await importModel(mgr.url, 'bench-spec', file);
      for (const [name, prompt] of Object.entries(PROMPTS)) {
        const off: Round[] = [];
        const on: Round[] = [];
        for (let r = 0; r < ROUNDS + 1; r++) {
          const a = await measured(mgr.url, prompt, 0);
          const b = await measured(mgr.url, prompt, DRAFT);
          if (a.eval_count !== b.eval_count) {
            throw new Error(`${name}: ${a.eval_count} tokens without guesses, ${b.eval_count} with`);
          }
          if (r === 0) continue; // warm-up
          off.push(a);
          on.push(b);
        }
        const without = median(off.map((x) => x.decode_tps));
        const withDraft = median(on.map((x) => x.decode_tps));
        const speedup = withDraft / without;
        log(`${name}: ${without.toFixed(1)} → ${withDraft.toFixed(1)} tokens/s (${speedup.toFixed(2)}×)`);
        cases[name] = {
          decode_tps_without: without,
          decode_tps_with: withDraft,
          speedup,
          eval_count: on[0]!.eval_count,
          decode_steps_with: on.map((x) => x.decode_steps),
          accepted_with: on.map((x) => x.accepted),
          decode_steps_without: off.map((x) => x.decode_steps),
        };
        if (name === 'repeat') ratio = speedup;
      }
    } finally {
      await mgr.stop();
    }
    return {
      ratio,
      goal: 1.5,
      metrics: { threads: THREADS, draft_max: DRAFT, model_bytes: (await fs.stat(file)).size, cases },
    };
  },
};

export default bench;
