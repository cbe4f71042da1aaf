// Ollama's `options` (api/types.go Options): checked for type, merged over the model's own parameters (its
// params layer), and split into what the sampler needs and what decides how the model is loaded.
// Unknown options are ignored, as Ollama ignores them; a known option of the wrong type is a 400 naming it.

import { BadRequestError } from '../errors.ts';
import { DEFAULT_DRAFT_MAX, DEFAULT_DRAFT_WITH_MODEL, MAX_DRAFT, type Sampling } from '../runner/protocol.ts';

export type OptionKind = 'number' | 'integer' | 'boolean' | 'strings';

const KNOWN: Record<string, OptionKind> = {
  num_keep: 'integer',
  seed: 'integer',
  num_predict: 'integer',
  top_k: 'integer',
  top_p: 'number',
  min_p: 'number',
  typical_p: 'number',
  repeat_last_n: 'integer',
  temperature: 'number',
  repeat_penalty: 'number',
  presence_penalty: 'number',
  frequency_penalty: 'number',
  stop: 'strings',
  numa: 'boolean',
  num_ctx: 'integer',
  num_batch: 'integer',
  num_gpu: 'integer',
  main_gpu: 'integer',
  use_mmap: 'boolean',
  num_thread: 'integer',
  // Ollama's draft_num_predict (api.Runner): the most tokens guessed ahead per decode, by the model's draft
  // (its draft layer, or OWNCHAT_DRAFT_MODEL) or, without one, by input lookup; 0 turns it off. Greedy
  // requests only (runner/speculation.ts). draft_max is our older name for it (llama-server's --draft-max).
  draft_num_predict: 'integer',
  draft_max: 'integer',
};

/** The draft length's two names: Ollama's first, so it wins where one place (request or model) gives both. */
const DRAFT_NAMES = ['draft_num_predict', 'draft_max'] as const;

/** The type of a known option (what a Modelfile's PARAMETER line must be parsed as); undefined if unknown. */
export function optionKind(name: string): OptionKind | undefined {
  return Object.hasOwn(KNOWN, name) ? KNOWN[name] : undefined;
}

export type Options = Partial<Record<keyof typeof KNOWN, unknown>> & Record<string, unknown>;

/** Checks the known options' types; returns only the known ones. */
export function checkOptions(value: unknown, where = 'options'): Options {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError(`${where} must be an object like {"temperature": 0.7}`);
  }
  const out: Options = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const kind = KNOWN[key];
    if (!kind || v === null || v === undefined) continue;
    const bad = (expected: string) =>
      new BadRequestError(`${where}.${key} must be ${expected}, not ${JSON.stringify(v)}`);
    if (kind === 'number' && (typeof v !== 'number' || !Number.isFinite(v))) throw bad('a number');
    if (kind === 'integer' && (typeof v !== 'number' || !Number.isInteger(v))) throw bad('a whole number');
    if (kind === 'boolean' && typeof v !== 'boolean') throw bad('true or false');
    if (kind === 'strings') {
      // A single string is accepted too (Modelfiles write one stop per line; some clients send a string).
      if (typeof v === 'string') {
        out[key] = [v];
        continue;
      }
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw bad('a list of strings');
    }
    out[key] = v;
  }
  return out;
}

/**
 * What a request's options may ask of this machine: more threads than it has CPUs slows every model on it (and
 * past llama.cpp's 512 aborts the runner), so it is a 400 naming the limit. Context length and batch size are
 * clamped to the model's trained context where the model is loaded, as Ollama clamps them.
 */
export function checkOptionLimits(options: Options, machine: { cpus: number; numThreads?: number }): Options {
  const threads = options.num_thread as number | undefined;
  const most = Math.max(machine.cpus, machine.numThreads ?? 0);
  if (threads !== undefined && threads > most) {
    throw new BadRequestError(
      `options.num_thread ${threads} is more than the ${most} CPUs this server may use: leave it out to use them all`,
    );
  }
  checkDraftLength(options, 'options');
  const lastN = options.repeat_last_n as number | undefined;
  if (lastN !== undefined && lastN < -1) {
    throw new BadRequestError(
      `options.repeat_last_n ${lastN} is not valid: use -1 (the whole context), 0 (off) or a number of tokens`,
    );
  }
  return options;
}

/**
 * The draft length (draft_num_predict or draft_max) must be 0 to MAX_DRAFT: a 400 naming the limit. Ollama
 * passes any value on to llama-server (and reads 0 or less as off); a negative or huge one here is a mistake.
 */
export function checkDraftLength(options: Options, where: string): void {
  for (const name of DRAFT_NAMES) {
    const n = options[name] as number | undefined;
    if (n !== undefined && (n < 0 || n > MAX_DRAFT)) {
      throw new BadRequestError(
        `${where}.${name} ${n} is not valid: use 0 (no speculative decoding) to ${MAX_DRAFT} tokens guessed ahead`,
      );
    }
  }
}

/**
 * Tokens guessed ahead per decode, by Ollama's rule (server/routes.go modelOptions): the request's, else the
 * model's parameter, else 4 for a model with a draft and 0 (off) for one without.
 */
function draftLength(modelParams: Options, request: Options, hasDraft: boolean): number {
  const given = (o: Options) =>
    DRAFT_NAMES.map((n) => o[n] as number | undefined).find((v) => v !== undefined);
  const n = given(request) ?? given(modelParams) ?? (hasDraft ? DEFAULT_DRAFT_WITH_MODEL : DEFAULT_DRAFT_MAX);
  return Math.min(MAX_DRAFT, Math.max(0, n));
}

/** Ollama's defaults (api.DefaultOptions); the decode benchmark samples with them too. */
export const DEFAULTS = {
  temperature: 0.8,
  top_k: 40,
  top_p: 0.9,
  min_p: 0,
  repeat_penalty: 1.1,
  repeat_last_n: 64,
  presence_penalty: 0,
  frequency_penalty: 0,
  num_predict: -1,
  num_batch: 512,
  num_gpu: -1,
  num_keep: 4,
};

export type LoadChoices = {
  numCtx?: number;
  numThread?: number;
  numGpu?: number;
  numBatch: number;
  useMmap: boolean;
};

/**
 * Merges request options over the model's parameters over Ollama's defaults. `hasDraft`: the model is loaded
 * with a draft model, which makes speculative decoding's default on.
 */
export function resolveOptions(
  modelParams: Options,
  request: Options,
  hasDraft = false,
): { sampling: Sampling; load: LoadChoices } {
  const o = { ...DEFAULTS, ...modelParams, ...request } as Record<string, unknown>;
  const num = (k: string) => o[k] as number;
  const seed = o.seed as number | undefined;
  const predict = num('num_predict');
  return {
    sampling: {
      temperature: Math.max(0, num('temperature')),
      topK: Math.max(0, num('top_k')),
      topP: num('top_p') <= 0 || num('top_p') > 1 ? 1 : num('top_p'),
      minP: Math.min(1, Math.max(0, num('min_p'))),
      seed: seed === undefined || seed < 0 ? undefined : seed,
      // -1: until the model stops; -2: fill the context (the runner stops at the context's end).
      maxTokens: predict > 0 ? predict : undefined,
      stop: (o.stop as string[] | undefined)?.filter((s) => s.length > 0) ?? [],
      repeatPenalty: num('repeat_penalty'),
      // -1 is the whole context (Ollama's meaning): no history is longer than this.
      repeatLastN: num('repeat_last_n') === -1 ? 2 ** 31 - 1 : Math.max(0, num('repeat_last_n')),
      presencePenalty: num('presence_penalty'),
      frequencyPenalty: num('frequency_penalty'),
      numKeep: num('num_keep'),
      draftMax: draftLength(modelParams, request, hasDraft),
    },
    load: {
      numCtx: o.num_ctx as number | undefined,
      numThread:
        (o.num_thread as number | undefined) && (o.num_thread as number) > 0
          ? (o.num_thread as number)
          : undefined,
      numGpu: num('num_gpu') < 0 ? undefined : num('num_gpu'),
      numBatch: Math.max(1, num('num_batch')),
      useMmap: o.use_mmap !== false,
    },
  };
}
