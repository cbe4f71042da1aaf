// Decode speed of the CPU llm-manager image under podman against the llm-manager on this machine with the engine
// `npm ci` built here (scripts/build-engine.ts, for this CPU), on the decode benchmark's 0.5B-shaped Q8_0 GGUF, same
// threads, same context, one sequence, in one run (issue 20's goal: the image ≥ 0.98 of the host). The image is
// built from this checkout as deploy/docker/realImages.test.ts builds it (buildah, the stand-in base, the engine's
// baseline CPU variant and the one this CPU picks, which is the one the published image's engine loads here), and
// run as the manifests run it (read-only root, uid 10001, /tmp a tmpfs, the model store a volume), on the host's
// network so that the answers stream over loopback as the host's do. Rounds alternate between the two, so that a
// machine shared with others loads both alike; the median of each side's rounds is kept.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, importModel, QWEN_0_5B, startManagerProcess, writeRandomModel } from '@ownchat/testkit';
import {
  buildImage,
  CONTAINERS_CONF,
  imageIds,
  imageToolsProblem,
  nodeBaseVersion,
  podman,
  removeImages,
  runLogged,
  usePodmanConf,
} from '../deploy/docker/podman.ts';
import { cpuFlags, x86CpuVariant } from '../packages/manager/src/engine/engineBuild.ts';
import { CONTEXT_PER_SEQUENCE, fromStamps, ollamaTokens, type Run, streamTimes } from './decodePeers.ts';
import { CACHE } from './llamaCpp.ts';
import type { Benchmark } from './run.ts';

const THREADS = Number(process.env.OWNCHAT_BENCH_THREADS ?? os.availableParallelism());
const TOKENS = 128;
const ROUNDS = Number(process.env.OWNCHAT_BENCH_ROUNDS ?? 7);
const SAMPLING = { temperature: 0, repeat_penalty: 1.1, repeat_last_n: 64 };
const log = (s: string) => console.log(`  image-decode: ${s}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MODEL = 'bench-q8';

/** Waits for the llm-manager at `url` to answer /readyz 200, for at most `ms`. */
async function untilReady(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} was not ready within ${ms} ms`);
}

/** One answer of TOKENS tokens: the client's decode figure and the server's own (eval_count / eval_duration). */
async function round(url: string, r: number): Promise<{ client: Run; serverTps: number }> {
  const body = {
    model: MODEL,
    prompt: `Round ${r}. The history of the quick brown fox is long, and every fox tells it a little differently.`,
    raw: true,
    stream: true,
    options: { num_predict: TOKENS, ...SAMPLING },
  };
  const { t0, stamps, last } = await streamTimes(`${url}/api/generate`, body, ollamaTokens);
  const final = JSON.parse(last) as Record<string, number>;
  return {
    client: fromStamps(t0, stamps, final.prompt_eval_count!),
    serverTps: (final.eval_count! - 1) / (final.eval_duration! / 1e9),
  };
}

/** The engine a start-up log names ("engine: …" up to the end of the message). */
const engineOf = (output: string) => /engine: ([^"]+)"/.exec(output)?.[1] ?? 'not named';

async function run() {
  const problem = await imageToolsProblem();
  if (problem) throw new Error(`image-decode cannot run here: ${problem}`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-image-bench-'));
  const buildLog = path.join(dir, 'build.log');
  await fs.writeFile(path.join(dir, 'containers.conf'), CONTAINERS_CONF);
  usePodmanConf(path.join(dir, 'containers.conf'));
  const variant = process.arch === 'x64' ? x86CpuVariant(cpuFlags()) : undefined;
  // OWNCHAT_BENCH_ENGINE_VARIANTS builds others.
  const variants =
    process.env.OWNCHAT_BENCH_ENGINE_VARIANTS ?? (variant ? [...new Set(['x64', variant])].join(',') : 'all');
  const tag = `localhost/ownchat-bench/llm-manager:${process.pid}`;
  const volume = `ownchat-bench-models-${process.pid}`;
  const container = `ownchat-bench-${process.pid}`;
  const before = await imageIds();
  let host: Awaited<ReturnType<typeof startManagerProcess>> | undefined;
  try {
    log(`building the image (log: ${buildLog})`);
    await runLogged(
      'bash',
      ['scripts/node-stand-in-image.sh', await nodeBaseVersion('llm-manager')],
      buildLog,
      600_000,
    );
    const buildSeconds = await buildImage('llm-manager', tag, buildLog, {
      timeoutMs: 60 * 60_000,
      buildArgs: { OWNCHAT_ENGINE_CPU_VARIANTS: variants },
    });
    log(`built in ${buildSeconds.toFixed(0)} s`);

    const modelFile = path.join(CACHE, 'models', 'qwen0.5b-shape-q8_0.gguf');
    if (!existsSync(modelFile)) {
      await fs.mkdir(path.dirname(modelFile), { recursive: true });
      log('writing the 0.5B-shaped Q8_0 GGUF (about 440 MB)');
      await writeRandomModel(modelFile, QWEN_0_5B);
    }
    const env = {
      OWNCHAT_NUM_THREADS: String(THREADS),
      OLLAMA_NUM_PARALLEL: '1',
      OLLAMA_CONTEXT_LENGTH: String(CONTEXT_PER_SEQUENCE),
    };

    host = await startManagerProcess({ modelsDir: path.join(dir, 'host-models'), env });
    const port = await freePort();
    await podman([
      'run',
      '--detach',
      '--name',
      container,
      '--network',
      'host',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--volume',
      `${volume}:/models`,
      ...Object.entries({ ...env, OLLAMA_HOST: `127.0.0.1:${port}` }).flatMap(([k, v]) => [
        '--env',
        `${k}=${v}`,
      ]),
      tag,
    ]);
    const image = `http://127.0.0.1:${port}`;
    await untilReady(image, 120_000);
    const engines = { host: engineOf(host.output()), image: engineOf(await podman(['logs', container])) };
    log(`engines: host ${engines.host}; image ${engines.image}`);
    for (const url of [host.url, image]) await importModel(url, MODEL, modelFile);

    const runs = { host: [] as Run[], image: [] as Run[] };
    const server = { host: [] as number[], image: [] as number[] };
    // A warm-up answer each (the model's pages come into memory), then the rounds, alternating which goes first.
    for (let r = 0; r <= ROUNDS; r++) {
      const order = r % 2 ? (['image', 'host'] as const) : (['host', 'image'] as const);
      for (const side of order) {
        const result = await round(side === 'host' ? host.url : image, r);
        if (r === 0) continue;
        runs[side].push(result.client);
        server[side].push(result.serverTps);
      }
      if (r > 0)
        log(
          `round ${r}: host ${runs.host.at(-1)!.decodeTps.toFixed(2)}, image ${runs.image.at(-1)!.decodeTps.toFixed(2)} tokens/s`,
        );
    }
    const decode = {
      host: median(runs.host.map((x) => x.decodeTps)),
      image: median(runs.image.map((x) => x.decodeTps)),
    };
    const size = Number(await podman(['image', 'inspect', '--format', '{{.Size}}', tag]));
    return {
      ratio: decode.image / decode.host,
      goal: 0.98,
      metrics: {
        threads: THREADS,
        tokens: TOKENS,
        rounds: ROUNDS,
        model: 'qwen0.5b-shape-q8_0 (random weights, 0.5B shape)',
        engines,
        cpu_variants_built: variants,
        image_build_s: Math.round(buildSeconds),
        image_size_MB: Math.round(size / 1e6),
        decode_tps: decode,
        decode_tps_rounds: {
          host: runs.host.map((x) => Number(x.decodeTps.toFixed(2))),
          image: runs.image.map((x) => Number(x.decodeTps.toFixed(2))),
        },
        server_decode_tps: { host: median(server.host), image: median(server.image) },
        prompt_tps: {
          host: median(runs.host.map((x) => x.promptTps)),
          image: median(runs.image.map((x) => x.promptTps)),
        },
      },
    };
  } finally {
    await host?.stop();
    await podman(['rm', '--force', '--time', '10', container]).catch(() => undefined);
    await podman(['volume', 'rm', '--force', volume]).catch(() => undefined);
    await podman(['rmi', tag]).catch(() => undefined);
    // The layers this run made (a cached layer another image builds on stays: removeImages says why).
    await removeImages([...(await imageIds())].filter((id) => !before.has(id)));
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export default {
  name: 'image-decode',
  description:
    'decode tokens/s of the CPU llm-manager image under podman ÷ the llm-manager with the engine npm ci built on this machine, same model, threads and context, rounds alternating',
  run,
} satisfies Benchmark;
