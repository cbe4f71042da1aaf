// Decode speed through the llm-manager against node-llama-cpp in process and against llama.cpp's own
// llama-server, on a 0.5B-shaped GGUF (Q8_0, and Q4_K_M made from it by llama-quantize), same threads and
// context, all in one run on one machine. Also: prompt processing on a 512-token prompt, time to first token at
// turn 1 and turn 20 of one conversation, aggregate decode with 1, 2 and 4 concurrent streams, and the machine's
// read bandwidth with each decode figure as a share of the limit (bandwidth ÷ model bytes). Issue 11's goals: ≥ 0.97
// of in-process decode and < 5 ms more time to first token; ≥ 1.0 of llama-server; ≥ 0.85 of the bandwidth limit.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { importModel, sha256File, startManagerProcess, untilIdle } from '@ownchat/testkit';
import { getLlama } from 'node-llama-cpp';
import { DEFAULTS as OLLAMA_DEFAULTS } from '../packages/manager/src/model/options.ts';
import { q8Model } from './benchModels.ts';
import {
  CONTEXT_PER_SEQUENCE,
  fromStamps,
  inProcess,
  type LlamaServer,
  llamaServerTokens,
  ollamaTokens,
  type Run,
  type Sampling,
  startLlamaServer,
  streamTimes,
} from './decodePeers.ts';
import { CACHE, ensureLlamaCpp } from './llamaCpp.ts';
import type { Benchmark } from './run.ts';

const sh = promisify(execFile);
const THREADS = Number(process.env.OWNCHAT_BENCH_THREADS ?? os.availableParallelism());
const TOKENS = 128;
const ROUNDS = 5;
const log = (s: string) => console.log(`  decode: ${s}`);
/** The median of the finite figures (a round can have none: see aggregate). */
const median = (all: number[]) => {
  const xs = all.filter(Number.isFinite).sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)] ?? Number.NaN;
};
const summary = (runs: Run[]) => ({
  decode_tps: median(runs.map((r) => r.decodeTps)),
  prompt_tps: median(runs.map((r) => r.promptTps)),
  ttft_ms: median(runs.map((r) => r.ttftMs)),
});
const PROMPT = 'The history of the quick brown fox is long, and every fox tells it a little differently.';
/** Each round's prompt differs from its first token, so no peer reuses the last round's evaluation. */
const promptOfRound = (round: number) => `Round ${round}. ${PROMPT}`;
/**
 * What every peer samples with: Ollama's defaults, the llm-manager's own (model/options.ts), which our users get.
 * llama-server's own defaults differ (min_p 0.05, top_p 0.95, no repeat penalty), so every one is named on both
 * sides; its other samplers (DRY, XTC, typical, top-n-sigma) are off by default. The answers differ between peers
 * (each draws its own random numbers), which does not change what a token costs to decode.
 */
const { temperature, top_k, top_p, min_p, repeat_penalty, repeat_last_n } = OLLAMA_DEFAULTS;
const SAMPLING: Sampling = { temperature, top_k, top_p, min_p, repeat_penalty, repeat_last_n };
const LONG_PROMPT_TOKENS = 512;
/** The context an answer is decoded after in the `deep` rounds: a long conversation's, not a first question's. */
const DEPTH_TOKENS = 1000;

/** A prompt of about `n` tokens for this model (different each round, so no server reuses the last one). */
async function promptOfTokens(model: string, n: number): Promise<(round: number) => string> {
  const llama = await getLlama({ gpu: false, build: 'never' });
  const m = await llama.loadModel({ modelPath: model, vocabOnly: true });
  const sentence = 'Once upon a time the fox ran over the hill and the dog slept. ';
  let text = '';
  while (m.tokenize(text).length < n - 8) text += sentence;
  const base = m.detokenize(m.tokenize(text).slice(0, n - 8));
  await llama.dispose();
  return (round) => `Round ${round}. ${base}`;
}

async function models(quantize: string): Promise<{ q8: string; q4: string }> {
  const q8 = await q8Model(log);
  const q4 = path.join(CACHE, 'models', 'qwen0.5b-shape-q4_k_m.gguf');
  if (!existsSync(q4)) {
    log('quantizing it to Q4_K_M with llama-quantize');
    await sh(quantize, ['--allow-requantize', q8, q4, 'Q4_K_M'], { maxBuffer: 64 * 1024 * 1024 });
  }
  return { q8, q4 };
}

async function bandwidthGBps(threads: number): Promise<number> {
  const src = fileURLToPath(new URL('./tools/membw.c', import.meta.url));
  const bin = path.join(CACHE, 'membw');
  await sh('cc', ['-O2', '-march=native', '-pthread', '-o', bin, src]);
  return Number((await sh(bin, [String(threads)])).stdout.trim());
}

/**
 * After the first answer of a model the llm-manager starts its next spare runner (engine/spareRunner.ts): a Node
 * process starting takes a second or two of CPU, once. Measured rounds begin when that is over, as a user's
 * steady decoding does; llama-server has nothing of the kind to wait for.
 */
async function settled(mgr: { child: { pid?: number } }): Promise<void> {
  if (mgr.child.pid) await untilIdle(mgr.child.pid);
}

/**
 * Waits until every peer's processes are idle, before each measured request. An answer's end leaves work behind
 * it: llama-server's thread pool spins for the next graph for about 100 ms (ggml's default poll, measured: 90-110 ms
 * of CPU in the second after each answer), and whatever is measured next on 2 cores pays for it (a first token
 * 190 ms alone, 285 ms right after llama-server's answer, measured). A user's next message comes seconds later;
 * so does each measured request here, on whichever side.
 */
const quietly = (pids: number[]) => async () => {
  for (const pid of pids) await untilIdle(pid, 5000);
};

type Runs = { client: Run[]; serverDecodeTps: number[]; serverPromptTps: number[]; deep: Run[] };
/**
 * One peer's rounds, each adding to `runs`: a decode round, a 512-token prompt round, and a deep round (an answer
 * decoded after a prompt of DEPTH_TOKENS, where attention over the context is a real part of each token's work).
 */
type Peer = {
  decode: (round: number, runs?: Runs) => Promise<void>;
  prompt: (round: number, runs: Runs) => Promise<void>;
  deep: (round: number, runs: Runs) => Promise<void>;
};
const noRuns = (): Runs => ({ client: [], serverDecodeTps: [], serverPromptTps: [], deep: [] });

function managerPeer(
  url: string,
  model: string,
  longPrompt: (round: number) => string,
  deepPrompt: (round: number) => string,
): Peer {
  return {
    async decode(round, runs) {
      const body = {
        model,
        prompt: promptOfRound(round),
        raw: true,
        stream: true,
        options: { num_predict: TOKENS, ...SAMPLING },
      };
      const { t0, stamps, last } = await streamTimes(`${url}/api/generate`, body, ollamaTokens);
      if (!runs) return;
      const final = JSON.parse(last) as Record<string, number>;
      runs.client.push(fromStamps(t0, stamps, final.prompt_eval_count!));
      runs.serverDecodeTps.push((final.eval_count! - 1) / (final.eval_duration! / 1e9));
    },
    async prompt(round, runs) {
      const body = { model, prompt: longPrompt(round), raw: true, stream: true, options: { num_predict: 1 } };
      const { last } = await streamTimes(`${url}/api/generate`, body, ollamaTokens);
      const final = JSON.parse(last) as Record<string, number>;
      runs.serverPromptTps.push(final.prompt_eval_count! / (final.prompt_eval_duration! / 1e9));
    },
    async deep(round, runs) {
      const options = { num_predict: TOKENS, ...SAMPLING };
      const body = { model, prompt: deepPrompt(round), raw: true, stream: true, options };
      const { t0, stamps } = await streamTimes(`${url}/api/generate`, body, ollamaTokens);
      runs.deep.push(fromStamps(t0, stamps, DEPTH_TOKENS));
    },
  };
}

function llamaServerPeer(
  url: string,
  longPrompt: (round: number) => string,
  deepPrompt: (round: number) => string,
): Peer {
  // llama-server's output parser sometimes rejects what this random model writes: after streaming every token,
  // its last event is then an error ("does not match the expected Content-only format") instead of the timings.
  // Such a round still counts with the client's figures; only llama-server's own figures are missing for it.
  const timings = (last: string) =>
    (JSON.parse(last.slice(6)) as { timings?: Record<string, number> }).timings;
  return {
    async decode(round, runs) {
      const body = {
        prompt: promptOfRound(round),
        n_predict: TOKENS,
        ...SAMPLING,
        stream: true,
        cache_prompt: false,
      };
      const { t0, stamps, last } = await streamTimes(`${url}/completion`, body, llamaServerTokens);
      if (!runs) return;
      const t = timings(last);
      runs.client.push(fromStamps(t0, stamps, t?.prompt_n ?? Number.NaN));
      if (t) runs.serverDecodeTps.push(t.predicted_per_second!);
    },
    async prompt(round, runs) {
      const body = { prompt: longPrompt(round), n_predict: 1, stream: true, cache_prompt: false };
      const t = timings((await streamTimes(`${url}/completion`, body, llamaServerTokens)).last);
      if (t) runs.serverPromptTps.push(t.prompt_per_second!);
    },
    async deep(round, runs) {
      const body = {
        prompt: deepPrompt(round),
        n_predict: TOKENS,
        ...SAMPLING,
        stream: true,
        cache_prompt: false,
      };
      const { t0, stamps } = await streamTimes(`${url}/completion`, body, llamaServerTokens);
      runs.deep.push(fromStamps(t0, stamps, DEPTH_TOKENS));
    },
  };
}

/**
 * Both servers' rounds, alternating (ours, then llama-server's, each round): a shared VM's speed drifts by 5% within
 * minutes, the size of the differences measured, and alternating puts the drift on both sides alike. `jsLoop`, the
 * llm-manager decoding in node-llama-cpp's JavaScript loop (OWNCHAT_DECODE_LOOP=javascript), takes its decode
 * rounds between them: what the native loop gains, in the same run.
 */
async function alternating(
  ours: Peer,
  peer: Peer,
  jsLoop: Peer,
  quiet: () => Promise<void>,
): Promise<{ ours: Runs; peer: Runs; jsLoop: Runs }> {
  const runs = { ours: noRuns(), peer: noRuns(), jsLoop: noRuns() };
  let round = 0;
  for (let r = 0; r < ROUNDS; r++) {
    await quiet();
    await ours.decode(round++, runs.ours);
    await quiet();
    await peer.decode(round++, runs.peer);
    await quiet();
    await jsLoop.decode(round++, runs.jsLoop);
  }
  for (let r = 0; r < ROUNDS; r++) {
    await quiet();
    await ours.prompt(r, runs.ours);
    await quiet();
    await peer.prompt(r, runs.peer);
  }
  for (let r = 0; r < ROUNDS; r++) {
    await quiet();
    await ours.deep(r, runs.ours);
    await quiet();
    await peer.deep(r, runs.peer);
  }
  return runs;
}

/**
 * Time to first token at turn 1 and turn 20 of one conversation (each answer 16 tokens). The llm-manager gets
 * /api/chat (its runner renders the GGUF's ChatML template); llama-server gets the same ChatML text on /completion
 * with its prompt cache on (its chat endpoint re-parses the output of this random model at every token, which
 * would measure its parser, not its decoding).
 */
async function conversationTtft(
  send: (messages: { role: string; content: string }[]) => Promise<number>,
  quiet: () => Promise<void>,
) {
  const messages: { role: string; content: string }[] = [];
  const ttft: number[] = [];
  for (let turn = 0; turn < 20; turn++) {
    messages.push({ role: 'user', content: `Turn ${turn}: tell me more about the fox and the dog, please.` });
    await quiet();
    ttft.push(await send(messages));
    // The same short answer goes back to both servers, so both see the same conversation.
    messages.push({ role: 'assistant', content: 'The fox ran on.' });
  }
  return { turn1_ms: ttft[0]!, turn20_ms: ttft[19]! };
}

const chatml = (messages: { role: string; content: string }[]) =>
  `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;

async function firstTokenMs(url: string, body: unknown, isToken: (l: string) => number): Promise<number> {
  const { t0, stamps } = await streamTimes(url, body, isToken);
  return stamps[0]! - t0;
}

/**
 * Aggregate decode tokens/s with n streams at once, counted while all n stream: from the last stream's first token
 * to the first stream's end. This random model sometimes samples its end of turn early, and a stream that ends
 * early would otherwise count the others' lone tokens as n streams' work.
 */
async function aggregate(n: number, start: () => Promise<{ stamps: number[] }>) {
  const results = await Promise.all(Array.from({ length: n }, start));
  const from = Math.max(...results.map((r) => r.stamps[0]!));
  const to = Math.min(...results.map((r) => r.stamps.at(-1)!));
  // A window under a quarter second (a stream that ended at once) says nothing: no figure for this round.
  if (to - from < 250) return Number.NaN;
  const inside = results.flatMap((r) => r.stamps).filter((t) => t > from && t <= to);
  return inside.length / ((to - from) / 1000);
}

async function run() {
  const tools = await ensureLlamaCpp(log);
  const files = await models(tools.quantize);
  const bandwidth = await bandwidthGBps(THREADS);
  log(`read bandwidth ${bandwidth} GB/s with ${THREADS} threads`);
  const metrics: Record<string, unknown> = {
    threads: THREADS,
    tokens: TOKENS,
    rounds: ROUNDS,
    depth_tokens: DEPTH_TOKENS,
    read_bandwidth_GBps: bandwidth,
  };
  let mainRatio = 0;
  for (const [quant, file] of Object.entries(files)) {
    const bytes = (await fs.stat(file)).size;
    const longPrompt = await promptOfTokens(file, LONG_PROMPT_TOKENS);
    const deepPrompt = await promptOfTokens(file, DEPTH_TOKENS);
    const limit = (bandwidth * 1e9) / bytes;
    log(`${quant}: in process`);
    const inproc = summary(await inProcess(file, THREADS, promptOfRound, TOKENS, ROUNDS, SAMPLING));
    log(`${quant}: llm-manager and llama-server, rounds alternating`);
    const store = path.join(CACHE, 'store');
    // llama-server reads the llm-manager's own copy of the file, not the original: the two then map the same
    // pages of the page cache. How a file was written decides those pages' size (a file written in 2 MiB
    // pieces is cached, and mapped, in 2 MiB pages on a kernel with large folios; one written in 64 KiB
    // pieces in 4 KiB ones), and that alone moved decode by 7-9% (bench/README.md, 2026-12-07).
    const blob = path.join(store, 'blobs', (await sha256File(file)).replace(':', '-'));
    const managerEnv = {
      OWNCHAT_NUM_THREADS: String(THREADS),
      OLLAMA_NUM_PARALLEL: '1',
      OLLAMA_CONTEXT_LENGTH: String(CONTEXT_PER_SEQUENCE),
    };
    const mgr = await startManagerProcess({ modelsDir: store, env: managerEnv });
    const mgrJs = await startManagerProcess({
      modelsDir: store,
      env: { ...managerEnv, OWNCHAT_DECODE_LOOP: 'javascript' },
    });
    let ls: LlamaServer | undefined;
    let ours: Runs;
    let peer: Runs;
    let jsLoop: Runs;
    let oursTurns: { turn1_ms: number; turn20_ms: number };
    let peerTurns: { turn1_ms: number; turn20_ms: number };
    try {
      await importModel(mgr.url, `bench-${quant}`, file);
      const server = await startLlamaServer(tools.server, blob, THREADS, 1);
      ls = server;
      const oursPeer = managerPeer(mgr.url, `bench-${quant}`, longPrompt, deepPrompt);
      const lsPeer = llamaServerPeer(server.url, longPrompt, deepPrompt);
      const jsPeer = managerPeer(mgrJs.url, `bench-${quant}`, longPrompt, deepPrompt);
      // Warm-ups: each server's first answer, then the llm-manager's spare runner start (see settled).
      await oursPeer.decode(1000);
      await lsPeer.decode(1001);
      await jsPeer.decode(1002);
      await settled(mgr);
      await settled(mgrJs);
      const quiet = quietly([mgr.child.pid!, mgrJs.child.pid!, server.pid]);
      ({ ours, peer, jsLoop } = await alternating(oursPeer, lsPeer, jsPeer, quiet));
      log(`${quant}: conversations`);
      oursTurns = await conversationTtft(
        (messages) =>
          firstTokenMs(
            `${mgr.url}/api/chat`,
            { model: `bench-${quant}`, messages, stream: true, options: { num_predict: 16, ...SAMPLING } },
            ollamaTokens,
          ),
        quiet,
      );
      peerTurns = await conversationTtft(
        (messages) =>
          firstTokenMs(
            `${server.url}/completion`,
            { prompt: chatml(messages), n_predict: 16, ...SAMPLING, stream: true, cache_prompt: true },
            llamaServerTokens,
          ),
        quiet,
      );
    } finally {
      await mgr.stop();
      await mgrJs.stop();
      await ls?.stop();
    }
    log(`${quant}: concurrent streams`);
    const concurrency: Record<string, { ours_tps: number; llama_server_tps: number }> = {};
    const mgr4 = await startManagerProcess({
      modelsDir: store,
      env: {
        OWNCHAT_NUM_THREADS: String(THREADS),
        OLLAMA_NUM_PARALLEL: '4',
        OLLAMA_CONTEXT_LENGTH: String(CONTEXT_PER_SEQUENCE),
      },
    });
    const ls4 = await startLlamaServer(tools.server, blob, THREADS, 4);
    try {
      await streamTimes(
        `${mgr4.url}/api/generate`,
        { model: `bench-${quant}`, prompt: 'warm', options: { num_predict: 2 } },
        ollamaTokens,
      );
      await settled(mgr4);
      const quiet = quietly([mgr4.child.pid!, ls4.pid]);
      let round = 0;
      // Rounds alternate between the peers and the median is kept: one round of a few seconds moved by ±10%.
      for (const n of [1, 2, 4]) {
        const ours: number[] = [];
        const peer: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          await quiet();
          ours.push(
            await aggregate(n, () =>
              streamTimes(
                `${mgr4.url}/api/generate`,
                {
                  model: `bench-${quant}`,
                  prompt: promptOfRound(round++),
                  raw: true,
                  options: { num_predict: TOKENS, ...SAMPLING },
                },
                ollamaTokens,
              ),
            ),
          );
          await quiet();
          peer.push(
            await aggregate(n, () =>
              streamTimes(
                `${ls4.url}/completion`,
                {
                  prompt: promptOfRound(round++),
                  n_predict: TOKENS,
                  ...SAMPLING,
                  stream: true,
                  cache_prompt: false,
                },
                llamaServerTokens,
              ),
            ),
          );
        }
        concurrency[`streams_${n}`] = { ours_tps: median(ours), llama_server_tps: median(peer) };
      }
    } finally {
      await mgr4.stop();
      await ls4.stop();
    }
    const oursClient = summary(ours.client);
    const oursDecode = median(ours.serverDecodeTps);
    const peerDecode = median(peer.serverDecodeTps);
    metrics[quant] = {
      model_bytes: bytes,
      bandwidth_limit_tps: limit,
      in_process: { ...inproc, share_of_limit: inproc.decode_tps / limit },
      llm_manager: {
        decode_tps_server: oursDecode,
        decode_tps_client: oursClient.decode_tps,
        prompt512_tps: median(ours.serverPromptTps),
        ttft_ms: oursClient.ttft_ms,
        share_of_limit: oursDecode / limit,
        conversation_ttft: oursTurns,
        decode_tps_at_depth: summary(ours.deep).decode_tps,
      },
      llm_manager_javascript_loop: {
        decode_tps_server: median(jsLoop.serverDecodeTps),
        decode_tps_client: summary(jsLoop.client).decode_tps,
      },
      llama_server: {
        decode_tps_server: peerDecode,
        decode_tps_client: summary(peer.client).decode_tps,
        prompt512_tps: median(peer.serverPromptTps),
        ttft_ms: summary(peer.client).ttft_ms,
        share_of_limit: peerDecode / limit,
        conversation_ttft: peerTurns,
        decode_tps_at_depth: summary(peer.deep).decode_tps,
      },
      ratios: {
        manager_vs_in_process_decode: oursClient.decode_tps / inproc.decode_tps,
        manager_minus_in_process_ttft_ms: oursClient.ttft_ms - inproc.ttft_ms,
        manager_vs_llama_server_decode: oursClient.decode_tps / summary(peer.client).decode_tps,
        native_vs_javascript_loop_decode: oursClient.decode_tps / summary(jsLoop.client).decode_tps,
        manager_vs_llama_server_prompt: median(ours.serverPromptTps) / median(peer.serverPromptTps),
        manager_vs_llama_server_decode_at_depth:
          summary(ours.deep).decode_tps / summary(peer.deep).decode_tps,
        manager_vs_llama_server_4_streams:
          concurrency.streams_4!.ours_tps / concurrency.streams_4!.llama_server_tps,
      },
      concurrency,
    };
    if (quant === 'q8') mainRatio = oursClient.decode_tps / summary(peer.client).decode_tps;
    log(`${quant}: ${JSON.stringify((metrics[quant] as { ratios: unknown }).ratios)}`);
  }
  return { ratio: mainRatio, goal: 1.0, metrics };
}

const bench: Benchmark = {
  name: 'decode',
  description:
    'decode tokens/s through the llm-manager vs llama.cpp llama-server (same GGUF, threads, context); ratio for Q8_0, client-side',
  run,
};
export default bench;
