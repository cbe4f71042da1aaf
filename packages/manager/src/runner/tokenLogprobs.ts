// Log probabilities of generated tokens, as Ollama reports them: the model's own distribution (a softmax over the
// raw logits of the whole vocabulary), not the one the request's sampling (temperature, top_k, top_p, penalties)
// reshaped; the token that was sampled, and the likeliest N when asked.
//
// node-llama-cpp 3.21.1 returns next-token probabilities only from evaluateWithMetadata, computed after its
// sampler chain. Two small seams give the model's distribution without patching the engine (a patch change
// rebuilds it): while a generation wants log probabilities its sequence's `evaluate` (what LlamaCompletion calls)
// is evaluateWithMetadata asking for probabilities, and the context's native sampleToken, when asked for
// probabilities, samples with the request's sampler as usual, then reads the same logits again through a
// sampler with no settings (greedy, nothing applied: the raw logits), whose probabilities it returns instead.
// Both read the logits before the next batch is decoded (node-llama-cpp awaits every sample first).
import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { Logprob, TokenLogprob } from './protocol.ts';

type SampleToken = (
  batchLogitIndex: number,
  sampler: unknown,
  probabilities?: boolean,
  confidence?: boolean,
) => Promise<number | [number, number[] | undefined, number | undefined]>;

type NativeContext = { sampleToken: SampleToken };
type NativeSampler = { applyConfig(config: object): void };
type Internals = {
  _ctx: NativeContext;
  _llama: { _bindings: { AddonSampler: new (model: unknown) => NativeSampler } };
};

/**
 * Makes the context's sampling return the model's own probabilities when a generation asks for them (once per
 * context, at load). A request that does not ask samples exactly as before.
 */
export function sampleModelProbabilities(context: LlamaContext, model: LlamaModel): void {
  const internals = context as unknown as Internals;
  const native = internals._ctx;
  const sample = native.sampleToken.bind(native);
  const raw = new internals._llama._bindings.AddonSampler((model as unknown as { _model: unknown })._model);
  raw.applyConfig({ temperature: 0 });
  // One raw sampler, one use at a time: sequences sampled in the same batch would share its buffers.
  let rawTurn: Promise<unknown> = Promise.resolve();
  const sampleToken: SampleToken = async (index, sampler, probabilities, confidence) => {
    if (!probabilities) return sample(index, sampler, probabilities, confidence);
    const token = await sample(index, sampler);
    const read = rawTurn.then(() => sample(index, raw, true, false));
    rawTurn = read.catch(() => undefined);
    const [, modelProbabilities] = (await read) as [number, number[], unknown];
    return [token as number, modelProbabilities, undefined];
  };
  // The native method is read-only on its prototype: the context gets its own.
  Object.defineProperty(native, 'sampleToken', { value: sampleToken, configurable: true });
}

/** Next-token probabilities, sorted from the likeliest (as evaluateWithMetadata gives them). */
export type Probabilities = Map<Token, number>;

/**
 * Runs `run` with `sequence.evaluate` yielding tokens as before while recording each one's probabilities, in
 * order, through `onProbabilities`.
 */
export async function withProbabilities<T>(
  sequence: LlamaContextSequence,
  onProbabilities: (token: Token, probabilities: Probabilities) => void,
  run: () => Promise<T>,
): Promise<T> {
  const own = Object.getOwnPropertyDescriptor(sequence, 'evaluate');
  const evaluate: LlamaContextSequence['evaluate'] = async function* (tokens, options = {}) {
    const iterator = sequence.evaluateWithMetadata(tokens, { probabilities: true }, options);
    let input: unknown;
    try {
      while (true) {
        const { value, done } = await iterator.next(input as never);
        if (done) return;
        onProbabilities(value.token, value.probabilities);
        input = yield value.token;
      }
    } finally {
      await iterator.return();
    }
  };
  Object.defineProperty(sequence, 'evaluate', { value: evaluate, configurable: true, writable: true });
  try {
    return await run();
  } finally {
    if (own) Object.defineProperty(sequence, 'evaluate', own);
    else delete (sequence as { evaluate?: unknown }).evaluate;
  }
}

/**
 * A probability as a log probability. A float32 softmax rounds the unlikeliest tokens to 0; they get the log of
 * the smallest float32 instead of -Infinity, which JSON cannot carry.
 */
function logOf(p: number | undefined): number {
  return Math.log(Math.max(p ?? 0, 1e-45));
}

function tokenLogprob(model: LlamaModel, token: Token, p: number | undefined): TokenLogprob {
  const text = model.detokenize([token], true);
  const bytes = [...Buffer.from(text, 'utf8')];
  return { token: text, logprob: logOf(p), ...(bytes.length ? { bytes } : {}) };
}

/** The sampled token's log probability and, when top > 0, the `top` likeliest tokens' (Ollama's api.Logprob). */
export function logprobOf(
  model: LlamaModel,
  token: Token,
  probabilities: Probabilities,
  top: number,
): Logprob {
  const entry: Logprob = tokenLogprob(model, token, probabilities.get(token));
  if (top > 0) {
    const alternatives: TokenLogprob[] = [];
    for (const [t, p] of probabilities) {
      if (alternatives.length >= top) break;
      alternatives.push(tokenLogprob(model, t, p));
    }
    entry.top_logprobs = alternatives;
  }
  return entry;
}
