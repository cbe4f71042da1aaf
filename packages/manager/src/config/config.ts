// Every setting the llm-manager reads, in one place. Ollama's own variables (OLLAMA_*) keep Ollama's meaning so
// its users' habits carry over; ours are OWNCHAT_*. Each setting is one typed reader with a description, so
// `ownchat --help` can list them and nothing else in the code reads process.env.
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { parseModelName } from '../model/name.ts';
import { parseAllowList } from '../registry/allowList.ts';
import { parseByteSize } from './bytes.ts';
import { availableCpus } from './cpus.ts';
import { parseKeepAlive } from './duration.ts';
import { type ListenAddress, parseOllamaHost } from './host.ts';
import { type PeerEntry, parsePeers } from './peers.ts';
import {
  commaList,
  describeTable,
  type Env,
  isOff,
  isOn,
  readSettings,
  readWholeNumber,
  setting,
  wholeNumber,
} from './settings.ts';

export type { Env };

/** OLLAMA_KV_CACHE_TYPE's values, as llama.cpp's --cache-type-k/-v name them. */
export const KV_CACHE_TYPES = ['f16', 'q8_0', 'q4_0'] as const;
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

/** "6GiB", "6 GB", "5000MiB", "1073741824" → bytes. */
export function parseBytes(name: string, raw: string): number {
  const n = parseByteSize(raw);
  if (n === undefined) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} is not an amount of memory (try 6GiB, 6GB or 6442450944)`,
    );
  }
  return n;
}

/** Readers shared with request parsing throw BadRequestError; at start-up the same message is a ConfigError. */
function asConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/** A duration above zero (e.g. 30s, 2m), or `fallbackMs` where the variable is unset or blank. */
function readPositiveDuration(name: string, fallbackMs: number) {
  return (raw: string | undefined): number => {
    if (!raw?.trim()) return fallbackMs;
    const ms = asConfigError(() => parseKeepAlive(raw.trim(), name));
    if (!(ms > 0) || !Number.isFinite(ms)) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} must be a positive duration`);
    }
    return ms;
  };
}

/** OWNCHAT_PARALLEL_STEPS: node-llama-cpp's `singleTokenSteps` (patches/node-llama-cpp+3.21.1.patch). */
export const PARALLEL_STEPS = ['measure', 'joint', 'split'] as const;
export type ParallelSteps = (typeof PARALLEL_STEPS)[number];
/** OWNCHAT_DECODE_LOOP: where an answer's tokens are decoded one after another (runner/speculation.ts). */
export const DECODE_LOOPS = ['native', 'javascript'] as const;
export type DecodeLoop = (typeof DECODE_LOOPS)[number];

/** One of `choices` (any case, trimmed), the first of them when unset; anything else names them all. */
function readChoice<T extends string>(name: string, choices: readonly T[], raw: string | undefined): T {
  const v = raw?.trim().toLowerCase() || choices[0]!;
  if (!(choices as readonly string[]).includes(v)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected ${choices.join(', ')}`);
  }
  return v as T;
}

function readFlashAttention(raw: string | undefined): boolean | 'auto' {
  if (!raw?.trim()) return 'auto';
  if (isOn(raw)) return true;
  if (isOff(raw)) return false;
  throw new ConfigError(`OLLAMA_FLASH_ATTENTION=${JSON.stringify(raw)} is not valid: expected 1 or 0`);
}

export const settings = {
  host: setting<ListenAddress>({
    name: 'OLLAMA_HOST',
    description:
      'Address the llm-manager listens on (clients connect to it): host:port, :port, a host, or a URL',
    defaultText: '127.0.0.1:11434',
    read: (raw) => parseOllamaHost(raw),
  }),
  models: setting<string>({
    name: 'OLLAMA_MODELS',
    description: "Model store, in Ollama's layout (manifests/ and blobs/): Ollama and ownchat can share it",
    defaultText: '~/.ollama/models',
    read: (raw) => path.resolve(raw?.trim() || path.join(os.homedir(), '.ollama', 'models')),
  }),
  keepAlive: setting<number>({
    name: 'OLLAMA_KEEP_ALIVE',
    description: 'How long a model stays loaded after its last request (e.g. 5m, 1h, 0; negative = forever)',
    defaultText: '5m',
    read: (raw) =>
      raw?.trim() ? asConfigError(() => parseKeepAlive(raw.trim(), 'OLLAMA_KEEP_ALIVE')) : 5 * 60_000,
  }),
  contextLength: setting<number>({
    name: 'OLLAMA_CONTEXT_LENGTH',
    description: "Context length (tokens) when a request sets no num_ctx; capped at the model's own",
    defaultText: '4096',
    read: readWholeNumber('OLLAMA_CONTEXT_LENGTH', 4096, 16),
  }),
  loadTimeout: setting<number>({
    name: 'OLLAMA_LOAD_TIMEOUT',
    description: 'How long a model load may take before it is given up (e.g. 5m)',
    defaultText: '5m',
    read: (raw) => {
      if (!raw?.trim()) return 5 * 60_000;
      const ms = asConfigError(() => parseKeepAlive(raw.trim(), 'OLLAMA_LOAD_TIMEOUT'));
      return ms <= 0 ? 5 * 60_000 : ms;
    },
  }),
  numThreads: setting<number | undefined>({
    name: 'OWNCHAT_NUM_THREADS',
    description:
      "CPU threads for inference; overrides a request's num_thread. Unset: the CPUs this process may use (cgroup quota aware)",
    defaultText: 'the usable CPUs',
    read: (raw) => (raw?.trim() ? wholeNumber('OWNCHAT_NUM_THREADS', raw.trim()) : undefined),
  }),
  spareRunner: setting<boolean>({
    name: 'OWNCHAT_SPARE_RUNNER',
    description:
      "Keep one model runner process started ahead of need, with the engine open and the next model's header read, so loading a model does not wait for them (an idle Node process, 90 to 120 MB); 0 to keep none",
    defaultText: 'on',
    read: (raw) => !isOff(raw),
  }),
  numParallel: setting<number>({
    name: 'OLLAMA_NUM_PARALLEL',
    description:
      'Requests each loaded model answers at once (batched in one context; each gets its own num_ctx)',
    defaultText: '1',
    read: readWholeNumber('OLLAMA_NUM_PARALLEL', 1),
  }),
  maxLoadedModels: setting<number>({
    name: 'OLLAMA_MAX_LOADED_MODELS',
    description: 'Models kept loaded at once; loading another unloads the least recently used idle one',
    defaultText: '3',
    read: readWholeNumber('OLLAMA_MAX_LOADED_MODELS', 3),
  }),
  maxQueue: setting<number>({
    name: 'OLLAMA_MAX_QUEUE',
    description:
      'Requests that may wait for a model (loaded or not) before new ones get 503 with Retry-After',
    defaultText: '512',
    read: readWholeNumber('OLLAMA_MAX_QUEUE', 512, 0),
  }),
  gpuMemory: setting<number | undefined>({
    name: 'OWNCHAT_GPU_MEMORY',
    description:
      'Most GPU memory the llm-manager may use (e.g. 6GiB, 5000MB): to share a card or act like a smaller one',
    defaultText: 'all of it',
    read: (raw) => (raw?.trim() ? parseBytes('OWNCHAT_GPU_MEMORY', raw.trim()) : undefined),
  }),
  flashAttention: setting<boolean | 'auto'>({
    name: 'OLLAMA_FLASH_ATTENTION',
    description:
      'Flash attention: 1 on, 0 off; unset lets llama.cpp use it where the model and device support it',
    defaultText: 'auto',
    read: (raw) => readFlashAttention(raw),
  }),
  kvCacheType: setting<KvCacheType>({
    name: 'OLLAMA_KV_CACHE_TYPE',
    description:
      'Type of the K/V cache: f16, q8_0 (about half the memory) or q4_0 (about a quarter); quantized types need flash attention (with OLLAMA_FLASH_ATTENTION=0 the cache stays f16)',
    defaultText: 'f16',
    read: (raw, env) => {
      const v = readChoice('OLLAMA_KV_CACHE_TYPE', KV_CACHE_TYPES, raw);
      // llama.cpp quantizes the V cache only with flash attention; Ollama falls back to f16 then, and so do we.
      return readFlashAttention(env.OLLAMA_FLASH_ATTENTION) === false ? 'f16' : v;
    },
  }),
  parallelSteps: setting<ParallelSteps>({
    name: 'OWNCHAT_PARALLEL_STEPS',
    description:
      "How a step of concurrent answers (one token each) is decoded: joint (one batch), split (one batch each), or measure (time both on the first steps, keep the faster: a CPU's batch of 2 can cost 1.7 to 2.5 times its batch of 1)",
    defaultText: 'measure',
    read: (raw) => readChoice('OWNCHAT_PARALLEL_STEPS', PARALLEL_STEPS, raw),
  }),
  decodeLoop: setting<DecodeLoop>({
    name: 'OWNCHAT_DECODE_LOOP',
    description:
      "Where an answer's tokens are decoded one after another: native (a loop of llama.cpp calls, which decodes the next token while the answer's text is handled) or javascript (node-llama-cpp's own loop, a round trip through JavaScript each token); the tokens are the same",
    defaultText: 'native',
    read: (raw) => readChoice('OWNCHAT_DECODE_LOOP', DECODE_LOOPS, raw),
  }),
  gpuOverhead: setting<number>({
    name: 'OLLAMA_GPU_OVERHEAD',
    description:
      'GPU memory to leave unused (bytes, or e.g. 512MiB) for other programs and drivers: placement counts it as taken',
    defaultText: '0',
    read: (raw) => (raw?.trim() ? parseBytes('OLLAMA_GPU_OVERHEAD', raw.trim()) : 0),
  }),
  noPrune: setting<boolean>({
    name: 'OLLAMA_NOPRUNE',
    description:
      'Set to 1 to keep the blobs a re-pulled model no longer uses (ownchat never prunes at start: partial downloads resume)',
    defaultText: 'off',
    read: isOn,
  }),
  schedSpread: setting<boolean>({
    name: 'OLLAMA_SCHED_SPREAD',
    description:
      "Not supported here, because it has nothing to switch: llama.cpp (node-llama-cpp) already splits a model's layers over every GPU it sees; choose GPUs with CUDA_VISIBLE_DEVICES",
    defaultText: 'ignored',
    read: isOn,
  }),
  preload: setting<string[]>({
    name: 'OWNCHAT_PRELOAD',
    description:
      'Models to load at start (comma-separated; pulled if missing, http://host/... for a plain-http registry) and keep loaded; /readyz answers 503 until all are loaded',
    defaultText: 'none',
    read: (raw) =>
      commaList(raw).map((name) => {
        try {
          parseModelName(name);
        } catch (e) {
          throw new ConfigError(`OWNCHAT_PRELOAD: ${(e as Error).message}`);
        }
        return name;
      }),
  }),
  peers: setting<PeerEntry[]>({
    name: 'OWNCHAT_PEERS',
    description:
      "The other llm-manager replicas, each with its own model store: a pull, delete, copy, create or blob upload sent to this one is done on every peer too, and at start this one pulls the registry models its peers have and it lacks. A headless Service's DNS name (llm-manager-peers.<namespace>.svc.cluster.local:11434, resolved on each use, this replica's own address left out) or a comma list of host:port",
    defaultText: 'none: this replica alone',
    read: (raw) => parsePeers(raw),
  }),
  peerTimeout: setting<number>({
    name: 'OWNCHAT_PEER_TIMEOUT',
    description:
      'How long to wait for a peer to connect and answer (e.g. 10s) before it is reported as unreachable; a relayed pull may also go quiet this long plus twice OWNCHAT_PULL_STALL_TIMEOUT between progress lines',
    defaultText: '10s',
    read: readPositiveDuration('OWNCHAT_PEER_TIMEOUT', 10_000),
  }),
  apiKeys: setting<string[]>({
    name: 'OWNCHAT_API_KEYS',
    description:
      'API keys (comma-separated): when set, every route but /, /healthz and /readyz needs "Authorization: Bearer <key>"',
    defaultText: 'none: no key needed',
    read: (raw) => {
      const keys = commaList(raw);
      keys.forEach((k, i) => {
        // The key itself is never echoed: it would land in logs and CI output.
        if (!/^[\x21-\x7e]+$/.test(k)) {
          throw new ConfigError(
            `OWNCHAT_API_KEYS: key ${i + 1} has a space or a character a header cannot carry (use printable ASCII)`,
          );
        }
      });
      return keys;
    },
  }),
  metricsOpen: setting<boolean>({
    name: 'OWNCHAT_METRICS_OPEN',
    description:
      "Set to 1 to serve /metrics without an API key while OWNCHAT_API_KEYS is set: an inference gateway's endpoint picker scrapes it and cannot send one (let only it and your monitoring reach the port)",
    defaultText: 'off: /metrics needs a key like every route',
    read: (raw) => ['1', 'true', 't', 'yes', 'on'].includes(raw?.trim().toLowerCase() ?? ''),
  }),
  origins: setting<string[]>({
    name: 'OLLAMA_ORIGINS',
    description:
      'Extra origins browsers may call from (comma-separated, * wildcards, * alone for any); localhost, 127.0.0.1 and 0.0.0.0 on any port are always allowed',
    defaultText: 'none',
    read: (raw) => commaList(raw),
  }),
  drainTimeout: setting<number>({
    name: 'OWNCHAT_DRAIN_TIMEOUT',
    description:
      'On SIGTERM, how long (seconds) running requests may take to finish before the server stops anyway',
    defaultText: '30',
    read: (raw) => {
      if (!raw?.trim()) return 30_000;
      const s = Number(raw.trim());
      if (!Number.isFinite(s) || s < 0) {
        throw new ConfigError(
          `OWNCHAT_DRAIN_TIMEOUT=${JSON.stringify(raw)} is not valid: expected seconds, a number ≥ 0 (e.g. 30)`,
        );
      }
      return s * 1000;
    },
  }),
  draftModels: setting<[target: string, draft: string][]>({
    name: 'OWNCHAT_DRAFT_MODEL',
    description:
      "Draft models for speculative decoding (llama-server's -md): comma-separated target=draft pairs of model names with the same vocabulary, e.g. qwen2.5:7b=qwen2.5:0.5b. The draft is loaded with its target (in place of a draft layer the model has) and guesses for greedy requests, up to draft_num_predict tokens a decode (default 4 with a draft)",
    defaultText: 'none',
    read: (raw) =>
      (raw ?? '')
        .split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => {
          const [target, draft, ...rest] = pair.split('=').map((n) => n.trim());
          if (!target || !draft || rest.length) {
            throw new ConfigError(
              `OWNCHAT_DRAFT_MODEL: ${JSON.stringify(pair)} is not a target=draft pair of model names (e.g. qwen2.5:7b=qwen2.5:0.5b)`,
            );
          }
          return [target, draft] as [string, string];
        }),
  }),
  pullAllow: setting<string[]>({
    name: 'OWNCHAT_PULL_ALLOW',
    description:
      'Models that may be pulled: comma-separated name patterns (* matches anything, a pattern without a tag allows every tag), e.g. qwen2.5,hf.co/bartowski/*; /api/push may send models only to names it allows too. Unset: any model',
    defaultText: 'any model',
    read: (raw) => {
      try {
        return parseAllowList(raw);
      } catch (e) {
        throw new ConfigError(`OWNCHAT_PULL_ALLOW: ${(e as Error).message}`);
      }
    },
  }),
  pullParallel: setting<number>({
    name: 'OWNCHAT_PULL_PARALLEL',
    description: 'Range requests in flight per blob while pulling',
    defaultText: '8',
    read: readWholeNumber('OWNCHAT_PULL_PARALLEL', 8),
  }),
  maxBodySize: setting<number>({
    name: 'OWNCHAT_MAX_BODY_SIZE',
    description:
      'Largest JSON request body (e.g. 64MiB); a larger one is refused with 413. Blob uploads (/api/blobs) have no limit',
    defaultText: '256MiB',
    read: (raw) => (raw?.trim() ? parseBytes('OWNCHAT_MAX_BODY_SIZE', raw.trim()) : 256 * 1024 * 1024),
  }),
  pullPartSize: setting<number | undefined>({
    name: 'OWNCHAT_PULL_PART_SIZE',
    description:
      'Bytes per Range request while pulling (e.g. 16MiB). Unset: 1/64 of the blob, between 4 MiB and 64 MiB',
    defaultText: 'automatic',
    read: (raw) => {
      if (!raw?.trim()) return undefined;
      const n = parseByteSize(raw);
      if (n === undefined || n < 64 * 1024) {
        throw new ConfigError(
          `OWNCHAT_PULL_PART_SIZE=${JSON.stringify(raw)} is not valid: expected a size of at least 64KiB, like 16MiB`,
        );
      }
      return n;
    },
  }),
  pullStallTimeout: setting<number>({
    name: 'OWNCHAT_PULL_STALL_TIMEOUT',
    description: 'A download part that receives nothing for this long is retried (e.g. 30s)',
    defaultText: '30s',
    read: readPositiveDuration('OWNCHAT_PULL_STALL_TIMEOUT', 30_000),
  }),
  logLevel: setting<string>({
    name: 'OWNCHAT_LOG_LEVEL',
    description: 'Log level: fatal, error, warn, info, debug or trace',
    defaultText: 'info',
    read: (raw) => {
      const level = raw?.trim() || 'info';
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
        throw new ConfigError(
          `OWNCHAT_LOG_LEVEL=${JSON.stringify(raw)} is not a log level (try info or debug)`,
        );
      }
      return level;
    },
  }),
  // Read by the ownchat client verbs (pull, run, list …), not by the server.
  apiKey: setting<string | undefined>({
    name: 'OWNCHAT_API_KEY',
    description:
      'API key the ownchat command sends to the llm-manager as "Authorization: Bearer <key>" (for a server that requires keys)',
    defaultText: 'none',
    read: (raw) => raw?.trim() || undefined,
  }),
  debug: setting<boolean>({
    name: 'OWNCHAT_DEBUG',
    description: 'Set to 1 and a failing ownchat command prints the whole error with its stack trace',
    defaultText: 'off',
    read: isOn,
  }),
} as const;

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: ReturnType<Settings[K]['read']> } & {
  /** CPUs this process may really use: the default thread count. */
  cpus: number;
};

/** Reads every setting from the environment; throws ConfigError naming the bad variable. */
export function readConfig(env: Env = process.env): Config {
  return { ...readSettings(settings, env), cpus: availableCpus() };
}

/** The settings table for --help: name, default and what it does. */
export function describeSettings(): { name: string; defaultText: string; description: string }[] {
  return describeTable(settings);
}

export type ClientConfig = Pick<Config, 'host' | 'apiKey' | 'debug'>;

/**
 * Only the settings a client verb needs (where the server is, the key to send, how to report errors): a
 * server-only setting that is malformed must not stop `ownchat list`.
 */
export function readClientConfig(env: Env = process.env): ClientConfig {
  const { host, apiKey, debug } = settings;
  return readSettings({ host, apiKey, debug }, env);
}
