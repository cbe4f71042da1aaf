// OpenAI Responses answers as Ollama's openai/responses.go writes them: the response object (ToResponse) with its
// output items (reasoning, function_call or message) and usage, and the streamed events (ResponsesStreamConverter:
// response.created, response.in_progress, output_item.added, reasoning_summary_text.delta, output_text.delta,
// function_call_arguments.delta, … response.completed), each with its sequence_number; and OpenAI's
// reasoning_summary_part events around a summary, which Ollama leaves out and the SDK's stream helper needs.
import { randomInt } from 'node:crypto';
import type { AnswerChunk } from '../../answer/chunk.ts';
import type { InferenceResult } from '../../answer/inference.ts';
import type { AnswerShape } from '../answerReply.ts';
import { NAMED_SSE } from '../eventStream.ts';
import { type Body, isObject } from '../validate.ts';
import { openaiError, toolCalls } from './response.ts';

type Item = Record<string, unknown>;

const now = () => Math.floor(Date.now() / 1000);
/** Ollama's ids: a prefix and a random number below a million. */
const randomId = (prefix: string) => `${prefix}_${randomInt(999_999)}`;

function usage(r: InferenceResult) {
  return {
    input_tokens: r.promptTokens,
    output_tokens: r.evalTokens,
    total_tokens: r.promptTokens + r.evalTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens_details: { reasoning_tokens: 0 },
  };
}

const outputText = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

function messageItem(itemId: string, text: string, status = 'completed'): Item {
  return { id: itemId, type: 'message', status, role: 'assistant', content: [outputText(text)] };
}

function reasoningItem(itemId: string, thinking: string): Item {
  return {
    id: itemId,
    type: 'reasoning',
    summary: [{ type: 'summary_text', text: thinking }],
    encrypted_content: thinking, // plain text, as Ollama sends it: clients send it back as input
  };
}

/** The request's settings echoed in the response object, with OpenAI's defaults (buildResponseObject). */
function responseObject(
  responseId: string,
  model: string,
  req: Body,
  status: string,
  output: unknown[],
  u: ReturnType<typeof usage> | null,
) {
  const reasoning = isObject(req.reasoning) ? req.reasoning : {};
  const effort = typeof reasoning.effort === 'string' && reasoning.effort ? reasoning.effort : null;
  const summary = typeof reasoning.summary === 'string' && reasoning.summary ? reasoning.summary : null;
  const format = isObject(req.text) && isObject(req.text.format) ? req.text.format : { type: 'text' };
  return {
    id: responseId,
    object: 'response',
    created_at: now(),
    completed_at: status === 'in_progress' ? null : now(),
    status,
    incomplete_details: null,
    model,
    previous_response_id: null,
    instructions: typeof req.instructions === 'string' && req.instructions ? req.instructions : null,
    output,
    error: null,
    tools: Array.isArray(req.tools) ? req.tools : [],
    tool_choice: 'auto',
    truncation: typeof req.truncation === 'string' ? req.truncation : 'disabled',
    parallel_tool_calls: true,
    text: { format },
    top_p: typeof req.top_p === 'number' ? req.top_p : 1,
    presence_penalty: 0,
    frequency_penalty: 0,
    top_logprobs: 0,
    temperature: typeof req.temperature === 'number' ? req.temperature : 1,
    reasoning: effort || summary ? { effort, summary } : null,
    usage: u,
    max_output_tokens: typeof req.max_output_tokens === 'number' ? req.max_output_tokens : null,
    max_tool_calls: null,
    store: false,
    background: req.background === true,
    service_tier: 'default',
    metadata: {},
    safety_identifier: null,
    prompt_cache_key: null,
  };
}

/** A tool call as a function_call output item (arguments as JSON text). */
function functionCallItem(
  itemId: string,
  call: ReturnType<typeof toolCalls>[number],
  status = 'completed',
): Item {
  return {
    id: itemId,
    type: 'function_call',
    status,
    call_id: call.id,
    name: call.function.name,
    arguments: status === 'completed' ? call.function.arguments : '',
  };
}

/**
 * The Responses answer as an AnswerShape. As Ollama's converter: reasoning is one item, finished when anything
 * else begins; tool calls are whole items; text after a tool call is left out (the answer is the calls).
 */
export function responsesShape(model: string, req: Body): AnswerShape {
  const responseId = randomId('resp');
  const messageId = randomId('msg');
  let seq = 0;
  let outputIndex = 0;
  let started = false;
  let reasoningId: string | undefined;
  let thinking = '';
  let text: string | undefined; // undefined until the message item is added
  let sentCalls = false;
  const done: Item[] = [];

  const event = (type: string, data: Item) => ({ type, sequence_number: seq++, ...data });
  const start = () => {
    if (started) return [];
    started = true;
    return ['response.created', 'response.in_progress'].map((type) =>
      event(type, { response: responseObject(responseId, model, req, 'in_progress', [], null) }),
    );
  };
  const finishReasoning = () => {
    if (!reasoningId) return [];
    const item = reasoningItem(reasoningId, thinking);
    const at = outputIndex++;
    const ids = { item_id: reasoningId, output_index: at, summary_index: 0 };
    const events = [
      event('response.reasoning_summary_text.done', { ...ids, text: thinking }),
      event('response.reasoning_summary_part.done', {
        ...ids,
        part: { type: 'summary_text', text: thinking },
      }),
      event('response.output_item.done', { output_index: at, item }),
    ];
    done.push(item);
    reasoningId = undefined;
    thinking = '';
    return events;
  };
  const reasoningDelta = (delta: string) => {
    const events = [];
    if (!reasoningId) {
      reasoningId = randomId('rs');
      const item = { id: reasoningId, type: 'reasoning', summary: [] };
      const ids = { item_id: reasoningId, output_index: outputIndex, summary_index: 0 };
      // The summary part's events are OpenAI's, not Ollama's: without them the SDK's responses.stream()
      // helper has no summary to add the deltas to, and fails.
      events.push(
        event('response.output_item.added', { output_index: outputIndex, item }),
        event('response.reasoning_summary_part.added', { ...ids, part: { type: 'summary_text', text: '' } }),
      );
    }
    thinking += delta;
    events.push(
      event('response.reasoning_summary_text.delta', {
        item_id: reasoningId,
        output_index: outputIndex,
        summary_index: 0,
        delta,
      }),
    );
    return events;
  };
  const callEvents = (c: AnswerChunk) => {
    const events = finishReasoning();
    for (const call of toolCalls(c)) {
      const itemId = `fc_${randomInt(999_999)}_${call.index}`;
      const item = functionCallItem(itemId, call);
      const at = outputIndex++;
      const args = call.function.arguments;
      events.push(
        event('response.output_item.added', {
          output_index: at,
          item: functionCallItem(itemId, call, 'in_progress'),
        }),
        event('response.function_call_arguments.delta', { item_id: itemId, output_index: at, delta: args }),
        event('response.function_call_arguments.done', {
          item_id: itemId,
          output_index: at,
          arguments: args,
        }),
        event('response.output_item.done', { output_index: at, item }),
      );
      done.push(item);
    }
    sentCalls = true;
    return events;
  };
  const textDelta = (delta: string) => {
    const events = finishReasoning();
    if (text === undefined) {
      text = '';
      events.push(
        event('response.output_item.added', {
          output_index: outputIndex,
          item: { id: messageId, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
        }),
        event('response.content_part.added', {
          item_id: messageId,
          output_index: outputIndex,
          content_index: 0,
          part: outputText(''),
        }),
      );
    }
    text += delta;
    events.push(
      event('response.output_text.delta', {
        item_id: messageId,
        output_index: outputIndex,
        content_index: 0,
        delta,
        logprobs: [],
      }),
    );
    return events;
  };
  const finishText = () => {
    if (text === undefined || sentCalls) return [];
    const item = messageItem(messageId, text);
    const ids = { item_id: messageId, output_index: outputIndex, content_index: 0 };
    done.push(item);
    return [
      event('response.output_text.done', { ...ids, text, logprobs: [] }),
      event('response.content_part.done', { ...ids, part: outputText(text) }),
      event('response.output_item.done', { output_index: outputIndex, item }),
    ];
  };

  return {
    framing: NAMED_SSE,
    chunk: (c) => [
      ...start(),
      ...(c.thinking ? reasoningDelta(c.thinking) : []),
      ...(c.toolCalls?.length ? callEvents(c) : []),
      ...(!sentCalls && c.content ? textDelta(c.content) : []),
    ],
    last: (r) => {
      const events = [...start(), ...finishReasoning(), ...finishText()];
      const response = responseObject(responseId, model, req, 'completed', done, usage(r));
      return [...events, event('response.completed', { response })];
    },
    whole: (answer, r) => {
      const calls = toolCalls(answer);
      const output: Item[] = [
        ...(answer.thinking ? [reasoningItem(`rs_${responseId}`, answer.thinking)] : []),
        ...(calls.length
          ? calls.map((call, i) => functionCallItem(`fc_${responseId}_${i}`, call))
          : [messageItem(messageId, answer.content ?? '')]),
      ];
      return responseObject(responseId, model, req, 'completed', output, usage(r));
    },
    // Mid-stream an `error` event whose `error` the OpenAI SDK raises; before, OpenAI's error body.
    error: (status, message) =>
      started
        ? { type: 'error', sequence_number: seq++, ...openaiError(status, message) }
        : openaiError(status, message),
  };
}
