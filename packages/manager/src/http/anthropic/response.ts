// Anthropic Messages answers as Ollama's anthropic/anthropic.go writes them: the whole message (ToMessagesResponse),
// the stream of events (StreamConverter: message_start, content_block_start/delta/stop per thinking, text and
// tool_use block, message_delta with the stop reason and usage, message_stop), and errors (NewError).
import { randomBytes } from 'node:crypto';
import type { AnswerChunk, ToolCall } from '../../answer/chunk.ts';
import type { InferenceResult } from '../../answer/inference.ts';
import type { AnswerShape } from '../answerReply.ts';
import { NAMED_SSE } from '../eventStream.ts';

type Usage = { input_tokens: number; output_tokens: number };

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Ollama's mapStopReason: a call is tool_use, "stop" end_turn, "length" max_tokens. */
export function stopReason(doneReason: string | null | undefined, hasCalls: boolean): string | undefined {
  if (hasCalls) return 'tool_use';
  if (doneReason === 'stop') return 'end_turn';
  if (doneReason === 'length') return 'max_tokens';
  return doneReason ? 'stop_sequence' : undefined;
}

const usage = (r: InferenceResult): Usage => ({ input_tokens: r.promptTokens, output_tokens: r.evalTokens });

const toolUse = (c: ToolCall) => ({
  type: 'tool_use',
  id: c.id ?? '',
  name: c.function.name,
  input: c.function.arguments ?? {},
});

/** The whole answer (stream: false): thinking, text and tool_use blocks in that order. */
export function messagesResponse(messageId: string, model: string, answer: AnswerChunk, r: InferenceResult) {
  const calls = answer.toolCalls ?? [];
  const content = [
    ...(answer.thinking ? [{ type: 'thinking', thinking: answer.thinking }] : []),
    ...(answer.content ? [{ type: 'text', text: answer.content }] : []),
    ...calls.map(toolUse),
  ];
  const reason = stopReason(r.doneReason, calls.length > 0);
  return {
    id: messageId,
    type: 'message',
    role: 'assistant',
    model,
    content,
    ...(reason ? { stop_reason: reason } : {}),
    usage: usage(r),
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

/** Anthropic's error body; the type follows the status as Ollama's NewError sets it. */
export function anthropicError(status: number, message: string) {
  return {
    type: 'error',
    error: { type: ERROR_TYPES[status] ?? 'api_error', message },
    request_id: id('req'),
  };
}

/**
 * The Messages answer as an AnswerShape: Ollama's StreamConverter, one block open at a time (thinking, then text;
 * a tool call is a whole block of its own), message_start before the first block with the estimated input
 * tokens (the real count is known only at the end, in message_delta).
 */
export function messagesShape(model: string, estimatedTokens: number): AnswerShape {
  const messageId = id('msg');
  let started = false;
  let index = 0;
  let open: 'thinking' | 'text' | undefined;
  let thinkingDone = false;
  let calls = 0;

  const start = (): unknown[] => {
    if (started) return [];
    started = true;
    const message = { id: messageId, type: 'message', role: 'assistant', model, content: [] };
    return [
      {
        type: 'message_start',
        message: { ...message, usage: { input_tokens: estimatedTokens, output_tokens: 0 } },
      },
    ];
  };
  const close = (): unknown[] => {
    if (!open) return [];
    if (open === 'thinking') thinkingDone = true;
    open = undefined;
    return [{ type: 'content_block_stop', index: index++ }];
  };
  const delta = (kind: 'thinking' | 'text', text: string): unknown[] => {
    const events = open === kind ? [] : close();
    if (open !== kind) {
      open = kind;
      events.push({ type: 'content_block_start', index, content_block: { type: kind, [kind]: '' } });
    }
    const d = kind === 'text' ? { type: 'text_delta', text } : { type: 'thinking_delta', thinking: text };
    events.push({ type: 'content_block_delta', index, delta: d });
    return events;
  };

  return {
    framing: NAMED_SSE,
    chunk: (c) => {
      const events = start();
      // Thinking after the answer has begun is not a second thinking block (Ollama drops it too).
      if (c.thinking && !thinkingDone) events.push(...delta('thinking', c.thinking));
      if (c.content) events.push(...delta('text', c.content));
      for (const call of c.toolCalls ?? []) {
        events.push(...close());
        events.push(
          { type: 'content_block_start', index, content_block: { ...toolUse(call), input: {} } },
          {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.function.arguments ?? {}) },
          },
          { type: 'content_block_stop', index: index++ },
        );
        calls++;
      }
      return events;
    },
    last: (r) => {
      const reason = stopReason(r.doneReason, calls > 0);
      return [
        ...start(),
        ...close(),
        { type: 'message_delta', delta: reason ? { stop_reason: reason } : {}, usage: usage(r) },
        { type: 'message_stop' },
      ];
    },
    whole: (answer, r) => messagesResponse(messageId, model, answer, r),
    // Mid-stream, Anthropic's error event (the SDKs raise it); before, the error body.
    error: (status, message) => anthropicError(status, message),
  };
}
