// Speculative decoding with the answer unchanged: input lookup (prompt lookup) guesses the next tokens from the
// prompt, one decode evaluates the current token and the guesses together, sampling at every position, and each
// guess the sampler picked anyway is taken without a decode of its own.
//
// Why our own validation rather than node-llama-cpp's (a sequence made with a `tokenPredictor`, which
// LlamaCompletion would use as it is): in 3.21.1 its `_speculativeEvaluate` compares each guess after the first
// with the last entry of a list it never fills, so it keeps at most one guess per decode and throws the rest
// away (measured: guesses of 8, all right, 1 taken per decode); and it asks LlamaCompletion's punishTokens() for
// every position, which knows only the tokens already yielded, so a guessed position is sampled without the
// guesses before it in its repeat-penalty window. Fixing either means patching its JavaScript, and a patch change
// rebuilds the engine at every install (scripts/build-engine.ts keys its cache on the patch). So the generator
// LlamaCompletion reads (`sequence.evaluateWithMetadata`) is replaced for the generation by one that does the
// same on public parts: `controlledEvaluate` (evaluate tokens, sample chosen positions with options of their
// own) and `eraseContextTokenRanges` (drop refused guesses from the KV cache).
//
// Exactness. Every position is sampled with the request's own settings, its repeat-penalty window being the
// tokens generated before it (the guesses before it included, all of them accepted by then if it counts). Only
// greedy requests speculate: at temperature > 0 each guessed position would draw from the seeded generator
// whether or not it is kept, so a seeded answer would change. Not with a grammar (format) or log probabilities
// either: neither path is covered here. Nor on models whose state cannot be cut back (recurrent, hybrid,
// sliding-window): node-llama-cpp would checkpoint them at every step.
//
// The penalty's window is the same for both paths, speculating or not: every token generated so far (as
// llama.cpp's own sampler counts them), not only those LlamaCompletion has released past its stop-sequence and
// UTF-8 hold-backs, so the two paths cannot differ there either.
import {
  DraftSequenceTokenPredictor,
  InputLookupTokenPredictor,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
  type TokenPredictor,
} from 'node-llama-cpp';
import { MAX_DRAFT, type Sampling } from './protocol.ts';

/**
 * Two tokens in a row that also stand in the prompt are the evidence of copying: one alone (a space, "the")
 * matches almost anywhere, and each wrong guess costs a batch position.
 */
const LOOKUP_PATTERN_MIN = 2;

/** What one generation's decoding did: `evalTokens` tokens came from `decodeSteps` decodes. */
export type DecodeCounts = {
  evalTokens: number;
  decodeSteps: number;
  /** Guessed tokens evaluated (accepted or not), and those taken as generated tokens. */
  draftTokens: number;
  acceptedTokens: number;
  /** Of the decodes, those made in llama.cpp's own loop. */
  nativeDecodes: number;
};

/** How many tokens this request may guess a step: 0 where it must not speculate (see the top of this file). */
export function draftLimit(sequence: LlamaContextSequence, s: Sampling): number {
  if (!s.draftMax || s.temperature !== 0 || s.format || s.topLogprobs !== undefined) return 0;
  if (sequence.needsCheckpoints) return 0;
  return Math.min(s.draftMax, MAX_DRAFT);
}

type Options = Record<string, unknown> & { repeatPenalty?: Record<string, unknown> };
type Evaluate = (
  this: LlamaContextSequence,
  tokens: Token[],
  metadata: object,
  options: Options,
) => AsyncGenerator<{ token: Token }, void, Token | Token[] | undefined>;
type Counts = Omit<DecodeCounts, 'evalTokens'>;

/**
 * How one generation decodes: guessing up to `limit` tokens a decode when `limit` > 0 (with the draft model's
 * predictor when the runner has one, else by input lookup); else one token a decode, in llama.cpp's own loop
 * when `native` (the patch's LlamaContextSequence._runTokens), where `maxTokens` (the most tokens the answer may have) keeps that loop
 * from decoding a token the answer will not take.
 */
export type Decoding = { limit: number; draft?: LlamaContextSequence; native: boolean; maxTokens?: number };

/** Runs `run` (a LlamaCompletion on `sequence`) with the repeat penalty above, decoding as `decoding` says, and counts its decoding. */
export async function decodeCounted<T>(
  sequence: LlamaContextSequence,
  model: LlamaModel,
  repeatLastN: number,
  decoding: Decoding,
  run: () => Promise<T>,
): Promise<{ result: T; counts: DecodeCounts }> {
  const { limit, draft } = decoding;
  const original = sequence.evaluateWithMetadata as unknown as Evaluate;
  const own = Object.getOwnPropertyDescriptor(sequence, 'evaluateWithMetadata');
  const nl = model.tokens.nl;
  const generated: Token[] = [];
  const counts: Counts = { decodeSteps: 0, draftTokens: 0, acceptedTokens: 0, nativeDecodes: 0 };
  /** The penalty's window for a position that follows the generated tokens and then `guesses`. */
  const window = (guesses: readonly Token[] = []): Token[] => {
    const before = guesses.length ? generated.concat(guesses) : generated;
    // LlamaCompletion's default (penalizeNewLine off): a newline is never penalised.
    const last = before.slice(-repeatLastN);
    return nl === undefined ? last : last.filter((t) => t !== nl);
  };
  const evaluateWithMetadata = (tokens: Token[], metadata: object, options: Options = {}) => {
    if (limit > 0) {
      const predictor = draft ? draftModel(draft, limit) : inputLookup(limit);
      return asEvaluation(
        sequence,
        speculate(sequence, model, tokens, options, predictor, limit, window, generated, counts),
      );
    }
    const penalty = options.repeatPenalty;
    const resolved = penalty
      ? { ...options, repeatPenalty: { ...penalty, punishTokens: () => window() } }
      : options;
    // The native loop makes the same window from the tokens generated (patches/node-llama-cpp+3.21.1.patch,
    // AddonTokenRun.cpp), is told how many more tokens the answer may take, and counts what it decodes.
    const tokenRun = decoding.native
      ? {
          tokensLeft: () => (decoding.maxTokens ?? Number.POSITIVE_INFINITY) - generated.length,
          penalty: penalty ? { lastTokens: repeatLastN, newline: nl, generated: () => generated } : undefined,
          decoded: () => counts.nativeDecodes++,
        }
      : undefined;
    return counted(
      original.call(sequence, tokens, metadata, { ...resolved, _tokenRun: tokenRun }),
      generated,
      counts,
    );
  };
  Object.defineProperty(sequence, 'evaluateWithMetadata', {
    value: evaluateWithMetadata,
    configurable: true,
    writable: true,
  });
  try {
    const result = await run();
    return { result, counts: { evalTokens: generated.length, ...counts } };
  } finally {
    if (own) Object.defineProperty(sequence, 'evaluateWithMetadata', own);
    else delete (sequence as { evaluateWithMetadata?: unknown }).evaluateWithMetadata;
  }
}

/**
 * `inner` counted among the context's evaluations while it runs, as node-llama-cpp's `_evaluate` counts itself in
 * the patch: speculation decodes through controlledEvaluate, which does not. Another answer's native loop starts
 * only while it is the context's one evaluation (LlamaContext.js, `_evaluations`), and a speculating answer's
 * next decode would stop that loop at once, token after token.
 */
async function* asEvaluation(
  sequence: LlamaContextSequence,
  inner: AsyncGenerator<{ token: Token }, void, Token | Token[] | undefined>,
) {
  const context = sequence.context as unknown as { _evaluations?: number };
  context._evaluations = (context._evaluations ?? 0) + 1;
  try {
    return yield* inner;
  } finally {
    context._evaluations--;
  }
}

/** node-llama-cpp's own decoding, one token a decode, counted. */
async function* counted(
  inner: AsyncGenerator<{ token: Token }, void, Token | Token[] | undefined>,
  generated: Token[],
  counts: Counts,
) {
  let input: Token | Token[] | undefined;
  try {
    for (;;) {
      const { value, done } = await inner.next(input);
      if (done) return;
      generated.push(value.token);
      counts.decodeSteps++;
      input = yield value;
    }
  } finally {
    await inner.return(undefined);
  }
}

/**
 * Guesses from the draft model: it decodes `limit` tokens ahead greedily on its own sequence (stopping early
 * where it is unsure, node-llama-cpp's minConfidence 0.6, like llama-server's --draft-p-min), and each decode of
 * the target waits for them, as llama.cpp's speculative decoding does.
 */
function draftModel(draft: LlamaContextSequence, limit: number): TokenPredictor {
  return new DraftSequenceTokenPredictor(draft, { minTokens: limit, maxTokens: limit });
}

/**
 * Decodes without guesses after guesses that all failed, for 1, 2, 4, … up to MAX_REST decodes, and guessing
 * again at once after one that was taken. A wrong guess costs a batch position, and on a CPU a decode of 9
 * tokens costs about 3 of one (bench/README.md: all guesses wrong, 0.35 of the speed without), so a prompt that
 * keeps misleading the lookup soon stops being consulted, while an answer that copies keeps guessing.
 */
class Backoff {
  private rest = 0;
  private next = 1;

  mayGuess(): boolean {
    if (this.rest === 0) return true;
    this.rest--;
    return false;
  }

  guessed(taken: boolean): void {
    if (taken) this.next = 1;
    else {
      this.rest = this.next;
      this.next = Math.min(this.next * 2, MAX_REST);
    }
  }
}

const MAX_REST = 64;

function inputLookup(limit: number): TokenPredictor {
  return new InputLookupTokenPredictor({
    patternLength: { min: LOOKUP_PATTERN_MIN },
    predictionLength: { min: 1, max: limit },
  });
}

/**
 * Decoding with guesses: each decode evaluates the tokens fed in plus the guesses, samples after each, keeps the
 * guesses up to the first one the sampler did not pick (the KV cache drops the rest), and yields the sampled
 * tokens one by one. The caller sees what one-token-a-decode would have yielded.
 */
async function* speculate(
  sequence: LlamaContextSequence,
  model: LlamaModel,
  tokens: Token[],
  options: Options,
  lookup: TokenPredictor,
  limit: number,
  window: (guesses?: readonly Token[]) => Token[],
  generated: Token[],
  counts: Counts,
): AsyncGenerator<{ token: Token }, void, Token | Token[] | undefined> {
  const state = [...sequence.contextTokens, ...tokens];
  const { repeatPenalty, evaluationPriority, contextShift, ...sampling } = options;
  // Input lookup searches the prompt; a draft model continues the same state on its own sequence.
  lookup.updateInputTokens(state);
  await lookup.reset({
    targetSequence: sequence,
    stateTokens: state,
    evaluateOptions: { ...sampling, evaluationPriority, contextShift } as never,
  });
  const sampleWith = (guesses: readonly Token[]) => ({
    token: true,
    options: {
      ...sampling,
      ...(repeatPenalty && { repeatPenalty: { ...repeatPenalty, punishTokens: window(guesses) } }),
    },
  });
  /** KV entries holding accepted guesses not yet yielded: dropped if the caller stops before reaching them. */
  let ahead = 0;
  let input = tokens;
  const rest = new Backoff();
  try {
    for (;;) {
      const room = sequence.contextSize - sequence.nextTokenIndex - input.length - 1;
      const guesses =
        room > 0 && rest.mayGuess() ? (await lookup.predictTokens()).slice(0, Math.min(limit, room)) : [];
      const items = [
        ...input.slice(0, -1),
        [input.at(-1)!, { generateNext: sampleWith([]) }] as const,
        ...guesses.map((g, i) => [g, { generateNext: sampleWith(guesses.slice(0, i + 1)) }] as const),
      ];
      const out = await sequence.controlledEvaluate(
        items as never,
        { evaluationPriority, contextShift } as never,
      );
      counts.decodeSteps++;
      counts.draftTokens += guesses.length;
      const sampled = [input.length - 1, ...guesses.map((_, i) => input.length + i)].map(
        (i) => out[i]?.next?.token,
      );
      // sampled[j] follows guesses[j - 1]; guess j stands if the token before it was sampled as it.
      let kept = 0;
      while (kept < guesses.length && sampled[kept] === guesses[kept] && !model.isEogToken(guesses[kept]!))
        kept++;
      if (guesses.length > kept) {
        const end = sequence.nextTokenIndex;
        await sequence.eraseContextTokenRanges([{ start: end - (guesses.length - kept), end }]);
      }
      const taken = sampled.slice(0, kept + 1);
      if (taken.some((t) => t == null)) throw new Error('failed to sample the next token');
      counts.acceptedTokens += kept;
      if (guesses.length > 0) rest.guessed(kept > 0);
      let replacement: Token | Token[] | undefined;
      for (const [j, token] of (taken as Token[]).entries()) {
        ahead = kept - j;
        generated.push(token);
        lookup.pushTokens([token]);
        replacement = yield { token };
        if (replacement !== undefined) break;
      }
      if (replacement !== undefined && ahead > 0) {
        const end = sequence.nextTokenIndex;
        await sequence.eraseContextTokenRanges([{ start: end - ahead, end }]);
      }
      ahead = 0;
      input = replacement === undefined ? [taken.at(-1)!] : ([] as Token[]).concat(replacement);
    }
  } finally {
    if (ahead > 0) {
      const end = sequence.nextTokenIndex;
      await sequence.eraseContextTokenRanges([{ start: end - ahead, end }]);
    }
    await lookup.dispose();
  }
}
