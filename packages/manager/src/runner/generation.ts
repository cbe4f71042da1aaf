// One generation in the runner: a free sequence (the one sharing the longest prefix with the prompt, so a
// conversation's next turn evaluates only what is new), sampling as the request asks, an optional grammar, and
// the statistics Ollama reports.
import { type LlamaGrammar, LlamaText, type Token } from 'node-llama-cpp';
import { fittedPromptTokens, tokensLeft } from './fitContext.ts';
import { type LoadedModel, RequestError, type Slot } from './loadedModel.ts';
import { answerDecoder, preservedTokenIds } from './preservedTokens.ts';
import type { GenerateInput, GenerateStats, Logprob, OutputFormat, Sampling } from './protocol.ts';
import { decodeCounted, draftLimit } from './speculation.ts';
import { logprobOf, type Probabilities, withProbabilities } from './tokenLogprobs.ts';
import { evaluateImages, type VisionPrompt, visionPrompt } from './vision.ts';

function sharedPrefix(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * A free sequence for these tokens: the one whose evaluated tokens this prompt mostly continues (a
 * conversation's next turn then evaluates only what is new), else the least recently used one, so another
 * conversation does not overwrite a sequence it shares only a template header with.
 *
 * There is always one: the manager's scheduler sends a runner at most as many generations as it has sequences
 * (its per-model queue is the one concurrency limit) and releases a place only once the runner has answered,
 * a cancelled generation included. Finding none is a bug, said as such, never a silent wait.
 */
function takeSlot(l: LoadedModel, tokens: Token[]): Slot {
  const free = l.slots.filter((s) => !s.busy);
  if (free.length === 0) {
    throw new Error(
      `no free sequence: the manager sent more than the ${l.slots.length} generations this runner runs at once (a bug in the scheduler)`,
    );
  }
  let best: Slot | undefined;
  let bestShared = 0;
  for (const s of free) {
    const held = s.sequence.contextTokens;
    const shared = sharedPrefix(held, tokens);
    if (held.length > 0 && shared >= held.length / 2 && shared > bestShared) [best, bestShared] = [s, shared];
  }
  best ??= free.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
  best.busy = true;
  best.lastUsed = Date.now();
  return best;
}

async function grammarFor(l: LoadedModel, format: OutputFormat): Promise<LlamaGrammar> {
  const { grammars } = l;
  const key = format.kind === 'json' ? 'json' : JSON.stringify(format.schema);
  let g = grammars.get(key);
  if (!g) {
    g =
      format.kind === 'json'
        ? l.llama.getGrammarFor('json')
        : l.llama
            .createGrammarForJsonSchema(format.schema as never)
            .then((g) =>
              l.llama.createGrammar({
                grammar: asLlamaCppIntegers(g.grammar),
                stopGenerationTriggers: [LlamaText(['\n'.repeat(4)])],
                trimWhitespaceSuffix: true,
              }),
            )
            .catch((e: Error) => {
              throw new RequestError(`format is not a JSON schema this server can enforce: ${e.message}`);
            });
    g.catch(() => grammars.delete(key));
    grammars.set(key, g);
  }
  return g;
}

/**
 * node-llama-cpp's JSON-schema grammar lets an integer take an exponent ("6266811e89384", which JSON.parse
 * reads as Infinity); llama.cpp's json-schema-to-grammar, which Ollama uses, allows at most 16 digits and no
 * exponent. Its integer rule is rewritten to llama.cpp's.
 */
export function asLlamaCppIntegers(grammar: string): string {
  return grammar.replace(
    /^integer-number-rule ::= .*$/m,
    'integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15})',
  );
}

/**
 * The log probabilities of the tokens LlamaCompletion releases, from the probabilities recorded as each was
 * generated. Tokens come out in the order they were made; those it never releases (a stop sequence, the end
 * token) are passed over, as Ollama drops the log probabilities of what it cuts.
 */
class ReleasedLogprobs {
  private readonly made: { token: Token; probabilities: Probabilities }[] = [];
  private pending: Logprob[] = [];

  constructor(
    private readonly l: LoadedModel,
    private readonly top: number,
  ) {}

  generated(token: Token, probabilities: Probabilities): void {
    this.made.push({ token, probabilities });
  }

  released(tokens: readonly Token[]): void {
    for (const token of tokens) {
      let m = this.made.shift();
      while (m && m.token !== token) m = this.made.shift();
      if (m) this.pending.push(logprobOf(this.l.model, token, m.probabilities, this.top));
    }
  }

  /** The log probabilities of the tokens released since the last call. */
  take(): Logprob[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }
}

/** The tokens a sequence holds, without the placeholders of the prompt's images. */
function textTokens(held: readonly Token[], images: VisionPrompt | undefined): number[] {
  if (!images) return [...held];
  const placeholders = new Set(images.images.map((s) => images.tokens[s.start]));
  return held.filter((t) => !placeholders.has(t));
}

/** Generates; text goes out through onText as it is made. Resolves undefined when aborted. */
export async function generate(
  l: LoadedModel,
  input: GenerateInput,
  s: Sampling,
  signal: AbortSignal,
  onText: (text: string, logprobs?: Logprob[]) => void,
): Promise<GenerateStats | undefined> {
  const started = process.hrtime.bigint();
  let firstToken: bigint | undefined;
  const grammar = s.format ? await grammarFor(l, s.format) : undefined;
  const images = input.images?.length ? await visionPrompt(l, input) : undefined;
  const tokens = images ? images.tokens : fittedPromptTokens(l, input, s.numKeep);
  const preserved = preservedTokenIds(l.model, input.preservedTokens);
  // Without tags to keep, node-llama-cpp's own text (onTextChunk) is the answer.
  const decode = preserved.size > 0 ? answerDecoder(l.model, preserved) : undefined;
  const slot = takeSlot(l, tokens);
  // Context shift re-evaluates the kept tokens, which an image's placeholders cannot be: with images, an answer
  // ends at the context's end (done_reason "length").
  const shift = input.shift !== false && !images;
  const logprobs = s.topLogprobs === undefined ? undefined : new ReleasedLogprobs(l, s.topLogprobs);
  try {
    const meter = slot.sequence.tokenMeter;
    const inputBefore = meter.usedInputTokens;
    const imageTokens = images && l.vision ? await evaluateImages(l, l.vision, slot.sequence, images) : 0;
    // A chunk carrying log probabilities goes out even without text (Ollama's too).
    const emit = (text: string) => {
      const lp = logprobs?.take();
      if (lp?.length) onText(text, lp);
      else if (text) onText(text);
    };
    // shift: false ends the answer at num_ctx (LlamaCompletion reports maxTokens: done_reason "length").
    const maxTokens = !shift ? Math.min(s.maxTokens ?? Infinity, tokensLeft(l, tokens.length)) : s.maxTokens;
    const complete = () =>
      slot.completion.generateCompletionWithMeta(tokens, {
        signal,
        stopOnAbortSignal: true,
        maxTokens,
        temperature: s.temperature,
        topK: s.topK,
        topP: s.topP,
        minP: s.minP,
        seed: s.seed,
        grammar,
        customStopTriggers: s.stop.length ? s.stop : undefined,
        // shift: false stops at the context's end (LlamaCompletion then reports maxTokens: done_reason "length").
        disableContextShift: !shift,
        repeatPenalty:
          s.repeatLastN === 0
            ? false
            : {
                lastTokens: s.repeatLastN,
                penalty: s.repeatPenalty,
                presencePenalty: s.presencePenalty,
                frequencyPenalty: s.frequencyPenalty,
              },
        onToken: (released) => {
          firstToken ??= process.hrtime.bigint();
          logprobs?.released(released);
          if (decode) emit(decode(released));
        },
        onTextChunk: (text) => {
          if (!decode) emit(text);
        },
      });
    const {
      result: { metadata },
      counts,
    } = await decodeCounted(
      slot.sequence,
      l.model,
      s.repeatLastN,
      {
        // An image's placeholder ids are outside the vocabulary: input lookup must never guess one.
        limit: images ? 0 : draftLimit(slot.sequence, s),
        draft: slot.draft,
        // llama.cpp's loop decodes text only, sampled without a grammar and without log probabilities.
        native: l.spec.decodeLoop !== 'javascript' && !images && !grammar && !logprobs,
        maxTokens,
      },
      () =>
        logprobs
          ? withProbabilities(slot.sequence, (t, p) => logprobs.generated(t, p), complete)
          : complete(),
    );
    if (signal.aborted) return undefined;
    const end = process.hrtime.bigint();
    const first = firstToken ?? end;
    return {
      promptTokens: tokens.length,
      // The last prompt token is always evaluated anew (it yields the first output), so at least 1.
      promptEvaluated: Math.max(1, meter.usedInputTokens - inputBefore + imageTokens),
      // Every token the sequence generated: onToken misses tokens held back as partial UTF-8 at the end, and
      // llama.cpp's output count includes guesses that were evaluated and not taken.
      ...counts,
      promptEvalNs: Number(first - started),
      evalNs: Number(end - first),
      doneReason: metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
      // An image's placeholders are not tokens a client could send back: like Ollama's, the context is text only.
      context: input.wantContext ? textTokens(slot.sequence.contextTokens, images) : undefined,
    };
  } finally {
    slot.busy = false;
    if (images) l.vision?.mtmd.freeChunks(images.handle);
  }
}
