// Images in, the engine decision of issue 23 measured: the llm-manager (mtmd bound into node-llama-cpp's addon)
// against llama.cpp's llama-server --mmproj, the runner ownchat did not take, on the same model and projector
// files, threads and context. Per side and round (the sides alternate which goes first): the first token of an
// image question to a model not loaded (start or load, projector, encode, prompt), the first token of a question
// about a new picture once loaded (resize, encode, prompt), the decode speed after it, and the resident memory
// of the process holding the model (our runner; llama-server) after the answers.
// The model is the decode benchmark's 0.5B-shaped Q8_0 GGUF; the projector a LLaVA-layout random one of
// ViT-B's width at 224 px (256 embeddings an image), written by the testkit.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  childPids,
  importModel,
  pngImage,
  QWEN_0_5B,
  startManagerProcess,
  writeProjector,
} from '@ownchat/testkit';
import { q8Model } from './benchModels.ts';
import {
  CONTEXT_PER_SEQUENCE,
  llamaServerTokens,
  ollamaTokens,
  startLlamaServer,
  streamTimes,
} from './decodePeers.ts';
import { CACHE, ensureLlamaCpp } from './llamaCpp.ts';
import type { Benchmark } from './run.ts';

const THREADS = Number(process.env.OWNCHAT_BENCH_THREADS ?? os.availableParallelism());
const ROUNDS = Number(process.env.OWNCHAT_BENCH_ROUNDS ?? 3);
const MODEL = 'bench-seer';
const DECODE = 64;
const log = (s: string) => console.log(`  vision: ${s}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A 640×480 picture, different for each `n` (no side may reuse an encoding it made before). */
const picture = (n: number) =>
  pngImage(640, 480, (x, y) => [(x * (n + 3)) % 256, (y * (n + 5)) % 256, (x + y + n * 17) % 256]).toString(
    'base64',
  );

/** Resident memory of a process, bytes. */
function rss(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib ?? 0) * 1024;
}

type Timing = { firstTokenMs: number; tokensPerSecond: number };

function timing(t0: number, stamps: number[]): Timing {
  if (!stamps.length) throw new Error('vision: no token came back');
  const span = (stamps.at(-1)! - stamps[0]!) / 1000;
  return { firstTokenMs: stamps[0]! - t0, tokensPerSecond: span > 0 ? (stamps.length - 1) / span : 0 };
}

async function ours(url: string, image: string, tokens: number): Promise<Timing> {
  const { t0, stamps } = await streamTimes(
    `${url}/api/generate`,
    {
      model: MODEL,
      raw: true,
      prompt: 'Describe this picture: [img]\n',
      images: [image],
      stream: true,
      options: { num_predict: tokens, temperature: 0 },
    },
    ollamaTokens,
  );
  return timing(t0, stamps);
}

async function theirs(url: string, image: string, tokens: number): Promise<Timing> {
  const { t0, stamps } = await streamTimes(
    `${url}/completion`,
    {
      prompt: { prompt_string: 'Describe this picture: <__media__>\n', multimodal_data: [image] },
      n_predict: tokens,
      temperature: 0,
      stream: true,
      cache_prompt: false,
    },
    llamaServerTokens,
  );
  return timing(t0, stamps);
}

type Side = { cold: number[]; loaded: number[]; decode: number[]; rss: number[] };
const side = (): Side => ({ cold: [], loaded: [], decode: [], rss: [] });
const summary = (s: Side) => ({
  cold_first_token_ms: median(s.cold),
  loaded_first_token_ms: median(s.loaded),
  decode_tokens_per_second: median(s.decode),
  resident_mb: median(s.rss) / 1e6,
  rounds: s,
});

async function run() {
  // llama-server makes its media marker random per process unless pinned: /completion's prompt_string needs it.
  process.env.LLAMA_MEDIA_MARKER = '<__media__>';
  const tools = await ensureLlamaCpp(log);
  const model = await q8Model(log);
  const projector = await writeProjector(path.join(CACHE, 'models', 'vitb-shape-mmproj-f16.gguf'), {
    textEmbedding: QWEN_0_5B.embedding,
    embedding: 768,
    imageSize: 224,
    patchSize: 14,
    blocks: 12,
    type: 'F16',
  });
  const env = {
    OWNCHAT_NUM_THREADS: String(THREADS),
    OLLAMA_NUM_PARALLEL: '1',
    OLLAMA_CONTEXT_LENGTH: String(CONTEXT_PER_SEQUENCE),
    OWNCHAT_FROM_SOURCE: '0',
    OWNCHAT_SPARE_RUNNER: '0',
  };
  const mgr = await startManagerProcess({ env });
  const o = side();
  const t = side();
  let n = 0;
  try {
    await importModel(mgr.url, MODEL, model, { projector: projector.path });
    await ours(mgr.url, picture(n++), 1); // a first load warms the page cache for both sides
    for (let r = 0; r < ROUNDS; r++) {
      const steps = [
        async () => {
          await fetch(`${mgr.url}/api/generate`, {
            method: 'POST',
            body: JSON.stringify({ model: MODEL, keep_alive: 0 }),
          });
          while (((await (await fetch(`${mgr.url}/api/ps`)).json()) as { models: unknown[] }).models.length) {
            await new Promise((res) => setTimeout(res, 20));
          }
          const t0 = performance.now();
          await ours(mgr.url, picture(n++), 1);
          o.cold.push(performance.now() - t0);
          const warm = await ours(mgr.url, picture(n++), DECODE);
          o.loaded.push(warm.firstTokenMs);
          o.decode.push(warm.tokensPerSecond);
          const runners = childPids(mgr.child.pid!).filter((pid) =>
            readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('runnerMain'),
          );
          o.rss.push(Math.max(...runners.map(rss)));
        },
        async () => {
          const t0 = performance.now();
          const server = await startLlamaServer(tools.server, model, THREADS, 1, {
            extraArgs: ['--mmproj', projector.path],
            pollMs: 5,
          });
          try {
            await theirs(server.url, picture(n++), 1);
            t.cold.push(performance.now() - t0);
            const warm = await theirs(server.url, picture(n++), DECODE);
            t.loaded.push(warm.firstTokenMs);
            t.decode.push(warm.tokensPerSecond);
            t.rss.push(rss(server.pid));
          } finally {
            await server.stop();
          }
        },
      ];
      if (r % 2) steps.reverse();
      for (const step of steps) await step();
      log(`round ${r + 1}: ours ${JSON.stringify(summary(o))}, llama-server ${JSON.stringify(summary(t))}`);
    }
  } finally {
    await mgr.stop();
  }
  const a = summary(o);
  const b = summary(t);
  return {
    // The first token of a question about a new picture, loaded: what a chat's user waits for.
    ratio: b.loaded_first_token_ms / a.loaded_first_token_ms,
    goal: 1.0,
    metrics: {
      llama_server: tools.server,
      threads: THREADS,
      rounds: ROUNDS,
      image: '640×480 PNG, a new one for every request',
      projector_bytes: projector.size,
      image_embeddings: projector.imageTokens,
      ours: a,
      llama_server_mmproj: b,
      ratios_theirs_over_ours: {
        cold_first_token: b.cold_first_token_ms / a.cold_first_token_ms,
        loaded_first_token: b.loaded_first_token_ms / a.loaded_first_token_ms,
        decode: a.decode_tokens_per_second / b.decode_tokens_per_second,
        resident_memory: b.resident_mb / a.resident_mb,
      },
    },
  };
}

const bench: Benchmark = {
  name: 'vision',
  description:
    'an image question through the llm-manager (mtmd in the addon) vs llama-server --mmproj on the same model and projector: first token cold and loaded, decode after the image, resident memory; ratio = llama-server/ours first token of a new picture, loaded',
  run,
};
export default bench;
