// OpenAI's response shapes (chat.completion, chat.completion.chunk, text_completion, list/model, embeddings,
// errors), filled as Ollama's openai/openai.go fills them.

import type { AnswerChunk } from '../../answer/chunk.ts';
import type { ResolvedModel } from '../../store/modelStore.ts';
import { goJson } from '../../template/goValues.ts';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | null;
export type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };

/** Ollama answers with this fingerprint; clients that log it see the same. */
const FINGERPRINT = 'fp_ollama';

export function usage(counts: { promptTokens: number; evalTokens: number }): Usage {
  return {
    prompt_tokens: counts.promptTokens,
    completion_tokens: counts.evalTokens,
    total_tokens: counts.promptTokens + counts.evalTokens,
  };
}

/** The fields every completion object and chunk of one answer shares. */
export type AnswerHead = { id: string; created: number; model: string };

/**
 * Ollama's tool calls in OpenAI's shape (openai.go ToToolCalls): an id, the call's index, type "function",
 * and the arguments as JSON text (written as Go's encoding/json writes them).
 */
export function toolCalls(c: AnswerChunk) {
  return (c.toolCalls ?? []).map((t) => ({
    id: t.id ?? '',
    index: t.function.index ?? 0,
    type: 'function',
    function: { name: t.function.name, arguments: goJson(t.function.arguments ?? {}) },
  }));
}

/** A stop with tool calls is finish_reason "tool_calls", as Ollama's /v1 says it. */
export function finishReason(reason: FinishReason, sentCalls: boolean): FinishReason {
  return reason === 'stop' && sentCalls ? 'tool_calls' : reason;
}

/** Log probabilities as Ollama's /v1 carries them (openai.go ChoiceLogprobs): `{content: [...]}`, or absent. */
function choiceLogprobs(c: AnswerChunk) {
  return c.logprobs?.length ? { logprobs: { content: c.logprobs } } : {};
}

export function chatCompletion(head: AnswerHead, answer: AnswerChunk, finish: FinishReason, u: Usage) {
  const calls = toolCalls(answer);
  const message = {
    role: 'assistant',
    content: answer.content ?? '',
    ...(answer.thinking ? { reasoning: answer.thinking } : {}),
    ...(calls.length ? { tool_calls: calls } : {}),
  };
  return {
    ...head,
    object: 'chat.completion',
    system_fingerprint: FINGERPRINT,
    choices: [
      {
        index: 0,
        message,
        finish_reason: finishReason(finish, calls.length > 0),
        ...choiceLogprobs(answer),
      },
    ],
    usage: u,
  };
}

type Delta = {
  role?: string;
  content?: string;
  reasoning?: string;
  tool_calls?: ReturnType<typeof toolCalls>;
};

export function chatChunk(
  head: AnswerHead,
  delta: Delta,
  finish: FinishReason,
  logprobsOf: AnswerChunk = {},
) {
  return {
    ...head,
    object: 'chat.completion.chunk',
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, delta, finish_reason: finish, ...choiceLogprobs(logprobsOf) }],
  };
}

/**
 * A streamed chat chunk as Ollama's ToStreamChunks sends it: content (and tool calls) in the delta, reasoning
 * as `reasoning`; a chunk with both reasoning and content or calls goes out as two, reasoning first (carrying
 * all the chunk's log probabilities, as Ollama's does).
 */
export function chatChunks(head: AnswerHead, c: AnswerChunk) {
  const calls = toolCalls(c);
  const rest = { content: c.content ?? '', ...(calls.length ? { tool_calls: calls } : {}) };
  if (c.thinking && (c.content || calls.length)) {
    return [
      chatChunk(head, { role: 'assistant', reasoning: c.thinking }, null, c),
      chatChunk(head, { role: 'assistant', ...rest }, null),
    ];
  }
  const reasoning = c.thinking ? { reasoning: c.thinking } : {};
  return [chatChunk(head, { role: 'assistant', ...rest, ...reasoning }, null, c)];
}

/** A text_completion; `logprobs` in Ollama's shape when the answer has them, else null as OpenAI writes it. */
export function textCompletion(head: AnswerHead, answer: AnswerChunk, finish: FinishReason, u?: Usage) {
  const logprobs = answer.logprobs?.length ? { content: answer.logprobs } : null;
  return {
    ...head,
    object: 'text_completion',
    system_fingerprint: FINGERPRINT,
    choices: [{ text: answer.content ?? '', index: 0, logprobs, finish_reason: finish }],
    ...(u ? { usage: u } : {}),
  };
}

/** stream_options.include_usage: one last chunk with no choices and the usage. */
export function usageChunk(head: AnswerHead, object: string, u: Usage) {
  return { ...head, object, system_fingerprint: FINGERPRINT, choices: [], usage: u };
}

/** A model as /v1/models lists it; `id` is the name the client asked for, as Ollama answers it. */
export function modelObject(m: ResolvedModel, id = m.displayName) {
  return {
    id,
    object: 'model',
    created: Math.floor(m.modifiedAt.getTime() / 1000),
    owned_by: m.name.namespace,
  };
}

/** float32 little-endian, base64: what the OpenAI SDKs ask for by default and decode themselves. */
function base64Floats(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

export function embeddingList(
  model: string,
  embeddings: number[][],
  promptTokens: number,
  encoding: 'float' | 'base64',
) {
  return {
    object: 'list',
    data: embeddings.map((e, index) => ({
      object: 'embedding',
      embedding: encoding === 'base64' ? base64Floats(e) : e,
      index,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** OpenAI's error body; the type follows the status as Ollama's openai.NewError sets it. */
export function openaiError(status: number, message: string, param?: string) {
  let type = 'api_error';
  let code: string | null = null;
  if (status === 400) type = 'invalid_request_error';
  else if (status === 401) {
    type = 'invalid_request_error';
    code = 'invalid_api_key';
  } else if (status === 404) type = 'not_found_error';
  return { error: { message, type, param: param ?? null, code } };
}
