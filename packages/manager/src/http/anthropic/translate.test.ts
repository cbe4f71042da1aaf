// The Anthropic translation on its own, with the cases of Ollama's anthropic/anthropic_test.go: requests into
// /api/chat bodies (message order around tool results, system blocks, options, thinking and effort, refusals) and
// the stream converter's block order (text before thinking, thinking straight into a tool call).
import { describe, expect, it } from 'vitest';
import type { AnswerChunk } from '../../answer/chunk.ts';
import type { InferenceResult } from '../../answer/inference.ts';
import { estimateTokens, fromMessagesRequest } from './request.ts';
import { messagesShape, stopReason } from './response.ts';

const base = { model: 'm', max_tokens: 1024 };

describe('fromMessagesRequest', () => {
  it('puts a tool result before the user text of the same message (TestFromMessagesRequest_WithToolResultFollowedByUserText)', () => {
    const { ollama } = fromMessagesRequest({
      ...base,
      messages: [
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'call_read', name: 'Read', input: { file_path: '/a.png' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_read', content: 'Read image (311.5KB)' },
            { type: 'text', text: 'Please describe it.' },
          ],
        },
      ],
    });
    expect(ollama.messages).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_read', function: { name: 'Read', arguments: { file_path: '/a.png' } } }],
      },
      { role: 'tool', content: 'Read image (311.5KB)', tool_call_id: 'call_read' },
      { role: 'user', content: 'Please describe it.' },
    ]);
  });

  it('joins system blocks, maps the options and the tools', () => {
    const { ollama, stream } = fromMessagesRequest({
      ...base,
      system: [
        { type: 'text', text: 'You are ' },
        { type: 'text', text: 'helpful.' },
      ],
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['\n\n'],
      stream: true,
      tools: [
        { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
    });
    expect(stream).toBe(true);
    expect(ollama.messages).toEqual([
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(ollama.options).toEqual({
      num_predict: 1024,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      stop: ['\n\n'],
    });
    expect(ollama.tools).toEqual([
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
      },
    ]);
  });

  it.each([
    [{ thinking: { type: 'enabled', budget_tokens: 1000 } }, true],
    [{ thinking: { type: 'disabled' }, output_config: { effort: 'high' } }, false],
    [{ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } }, 'medium'],
    [{ output_config: { effort: 'xhigh' } }, 'high'],
    [{ output_config: { effort: 'unknown' } }, undefined],
  ])('thinking and output_config.effort %j → think %j', (fields, think) => {
    const { ollama } = fromMessagesRequest({
      ...base,
      messages: [{ role: 'user', content: 'Hi' }],
      ...fields,
    });
    expect(ollama.think).toBe(think);
  });

  it('keeps thinking-only assistant messages', () => {
    const { ollama } = fromMessagesRequest({
      ...base,
      messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'x' }] }],
    });
    expect(ollama.messages).toEqual([{ role: 'assistant', content: '', thinking: 'hmm' }]);
  });

  it.each([
    [{ model: '' }, 'model is required'],
    [{ max_tokens: 0 }, 'max_tokens is required and must be positive'],
    [{ messages: [] }, 'messages is required'],
    [
      { messages: [{ role: 'assistant', content: [{ type: 'tool_use', name: 'x' }] }] },
      "missing required 'id'",
    ],
    [
      { messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'a' }] }] },
      "missing required 'name'",
    ],
    [{ messages: [{ role: 'user', content: 42 }] }, 'content must be a string or a list of content blocks'],
    [{ tools: [{ name: 't', input_schema: 'x' }] }, 'invalid input_schema for tool "t"'],
    [{ tool_choice: { type: 'sometimes' } }, 'tool_choice must be'],
    [{ top_k: 1.5 }, 'top_k must be a whole number'],
  ])('refuses %j: %s', (fields, message) => {
    const body = { ...base, messages: [{ role: 'user', content: 'Hi' }], ...fields };
    expect(() => fromMessagesRequest(body)).toThrow(message);
  });
});

describe('estimateTokens (EstimateCountTokens)', () => {
  it('counts a quarter of the bytes of the system prompt, roles, blocks and tools', () => {
    expect(estimateTokens({ messages: [{ role: 'user', content: 'Hello, world!' }] })).toBe(4); // (4 + 13) / 4
    expect(estimateTokens({ messages: [] })).toBe(0);
    expect(estimateTokens({ messages: [{ role: 'a', content: '' }] })).toBe(1);
    const thinking = estimateTokens({
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think about this carefully...' },
            { type: 'text', text: 'Here is my response.' },
          ],
        },
      ],
    });
    expect(thinking).toBe(Math.floor((9 + 36 + 20) / 4));
  });
});

const RESULT: InferenceResult = {
  promptTokens: 10,
  promptEvaluated: 10,
  evalTokens: 5,
  promptEvalNs: 1,
  evalNs: 1,
  doneReason: 'stop',
  loadNs: 0,
};

/** Ollama's test notation: event, block type or delta type, index. */
function streamed(chunks: AnswerChunk[]): string[] {
  const shape = messagesShape('m', 3);
  const events = [...chunks.flatMap((c) => shape.chunk(c)), ...shape.last(RESULT)] as Record<string, never>[];
  return events.map((e) => {
    const block = e.content_block as { type: string } | undefined;
    const delta = e.delta as { type?: string } | undefined;
    if (e.type === 'content_block_start') return `${e.type}:${block!.type}:${e.index}`;
    if (e.type === 'content_block_delta') return `${e.type}:${delta!.type}:${e.index}`;
    if (e.type === 'content_block_stop') return `${e.type}:${e.index}`;
    return String(e.type);
  });
}

describe('the stream (StreamConverter)', () => {
  it('text before thinking: three blocks (TestStreamConverter_TextBeforeThinking)', () => {
    expect(
      streamed([{ content: '---\n' }, { thinking: 'Let me think.' }, { content: 'The answer.' }]),
    ).toEqual([
      'message_start',
      'content_block_start:text:0',
      'content_block_delta:text_delta:0',
      'content_block_stop:0',
      'content_block_start:thinking:1',
      'content_block_delta:thinking_delta:1',
      'content_block_stop:1',
      'content_block_start:text:2',
      'content_block_delta:text_delta:2',
      'content_block_stop:2',
      'message_delta',
      'message_stop',
    ]);
  });

  it('thinking straight into a tool call, whose input comes as one input_json_delta', () => {
    const call = { id: 'call_1', function: { index: 0, name: 'f', arguments: { a: 1 } } };
    const shape = messagesShape('m', 3);
    const events = [
      ...shape.chunk({ thinking: 'Hmm' }),
      ...shape.chunk({ toolCalls: [call] }),
      ...shape.last(RESULT),
    ] as Record<string, unknown>[];
    expect(events.slice(3)).toEqual([
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use' },
        usage: { input_tokens: 10, output_tokens: 5 },
      },
      { type: 'message_stop' },
    ]);
    expect(events[0]).toMatchObject({ type: 'message_start', message: { usage: { input_tokens: 3 } } });
  });

  it('an empty answer still starts and stops the message', () => {
    expect(streamed([])).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('maps stop reasons (TestMapStopReason)', () => {
    expect(stopReason('stop', false)).toBe('end_turn');
    expect(stopReason('length', false)).toBe('max_tokens');
    expect(stopReason('stop', true)).toBe('tool_use');
    expect(stopReason('unload', false)).toBe('stop_sequence');
    expect(stopReason('', false)).toBeUndefined();
  });
});
