// OpenAI's response shapes (chat.completion, chat.completion.chunk, text_completion, list/model, embeddings,
// errors), filled as Ollama's openai/openai.go fills them.
import type { ResolvedModel } from '../../store/modelStore.ts';

export type FinishReason = 'stop' | 'length' | null;
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

export function chatCompletion(head: AnswerHead, content: string, finish: FinishReason, u: Usage) {
  return {
    ...head,
    object: 'chat.completion',
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
    usage: u,
  };
}

export function chatChunk(head: AnswerHead, content: string, finish: FinishReason) {
  return {
    ...head,
    object: 'chat.completion.chunk',
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: finish }],
  };
}

export function textCompletion(head: AnswerHead, text: string, finish: FinishReason, u?: Usage) {
  return {
    ...head,
    object: 'text_completion',
    system_fingerprint: FINGERPRINT,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
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
