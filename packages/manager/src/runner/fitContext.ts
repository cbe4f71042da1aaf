// A prompt longer than the context, handled as Ollama handles it (server/prompt.go chatPrompt, then its runner):
// with `truncate` (the default) a chat first drops its oldest messages, keeping the system messages and the last
// one, until the prompt fits; what still does not fit keeps its first num_keep tokens and drops the middle, so
// that about half the context is free (llm/llama_server.go contextShiftPromptLimit) — unless `shift` is off,
// which refuses it. `truncate: false` refuses any prompt that does not fit.
import type { Token } from 'node-llama-cpp';
import { contextPerSequence } from './contextOptions.ts';
import { type LoadedModel, RequestError } from './loadedModel.ts';
import { promptTokens } from './promptTokens.ts';
import type { GenerateInput } from './protocol.ts';
import { shorterChats } from './shorterChats.ts';

/** Ollama's runner's message (400) for truncate: false. */
export const INPUT_TOO_LONG = 'the input length exceeds the context length';

/** Ollama's message (400) for a prompt that does not fit when shift is off (llm/llama_server.go). */
export const PROMPT_TOO_LONG =
  'the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length';

/**
 * The context a sequence has as the request sees it: num_ctx (at most what the model was trained for). llama.cpp
 * rounds the context it allocates up (to 256 cells), but Ollama's limits are num_ctx's.
 */
export function sequenceContext(l: LoadedModel): number {
  return Math.min(contextPerSequence(l.spec, l.model.trainContextSize), l.context.contextSize);
}

/** The BOS LlamaCompletion puts before the prompt: it takes a place in the context too. */
function bosTokens(l: LoadedModel): number {
  return l.model.tokens.shouldPrependBosToken && l.model.tokens.bos != null ? 1 : 0;
}

/**
 * The tokens a prompt may take: the context less what LlamaCompletion keeps free for generating (its default
 * context shift size, a tenth; a longer prompt it would cut from the start itself) and the BOS.
 */
export function promptRoom(l: LoadedModel): number {
  const size = sequenceContext(l);
  return size - Math.max(1, Math.floor(size / 10)) - bosTokens(l);
}

/**
 * The most tokens an answer may have with shift off: what is left of num_ctx after the prompt (Ollama's runner
 * ends the answer there with done_reason "length").
 */
export function tokensLeft(l: LoadedModel, promptLength: number): number {
  return Math.max(1, sequenceContext(l) - promptLength - bosTokens(l));
}

function* shorterInputs(input: GenerateInput): Generator<GenerateInput> {
  if (input.kind === 'messages') {
    for (const messages of shorterChats(input.messages)) yield { ...input, messages };
  } else {
    for (const text of input.shorter ?? []) yield { ...input, text };
  }
}

/** The prompt's tokens, fitted into the context as Ollama fits them (or refused with its message). */
export function fittedPromptTokens(l: LoadedModel, input: GenerateInput, numKeep: number): Token[] {
  const room = promptRoom(l);
  let tokens = promptTokens(l, input);
  if (tokens.length <= room) return tokens;
  if (input.truncate === false) throw new RequestError(INPUT_TOO_LONG);
  for (const shorter of shorterInputs(input)) {
    tokens = promptTokens(l, shorter);
    if (tokens.length <= room) return tokens;
  }
  if (input.shift === false) throw new RequestError(PROMPT_TOO_LONG);
  const size = sequenceContext(l);
  const wanted = Math.max(0, Math.min(numKeep < 0 ? tokens.length : numKeep, room - 1));
  const limit = Math.min(room, size - Math.max(Math.floor((size - wanted) / 2), 1));
  const keep = Math.min(wanted, limit);
  return [...tokens.slice(0, keep), ...tokens.slice(tokens.length - (limit - keep))];
}
