// The Responses translation on its own, with the cases of Ollama's openai/responses_test.go: input items into
// /api/chat messages (the merges of calls, replayed messages and reasoning), tools, options; and the stream
// converter's events and sequence numbers.
import { describe, expect, it } from 'vitest';
import type { InferenceResult } from '../../answer/inference.ts';
import { fromResponsesRequest } from './responsesRequest.ts';
import { responsesShape } from './responsesResponse.ts';

const messagesOf = (input: unknown[], extra: object = {}) =>
  fromResponsesRequest({ model: 'm', input, ...extra }).ollama.messages;

const call = (id: string, name = 'get_weather') => ({
  type: 'function_call',
  call_id: id,
  name,
  arguments: '{"city":"Paris"}',
});
const args = { city: 'Paris' };

describe('fromResponsesRequest', () => {
  it('merges a replayed assistant message into the call it follows (TestFromResponsesRequestMergesMessageAfterFunctionCall)', () => {
    expect(
      messagesOf([
        { role: 'user', content: 'Find Ollama and inspect the current directory.' },
        { type: 'web_search_call', id: 'ws_test', status: 'completed' },
        { type: 'function_call', call_id: 'call_test', name: 'exec_command', arguments: '{"cmd":"pwd"}' },
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'I found Ollama and will inspect the directory.' }],
        },
        { type: 'function_call_output', call_id: 'call_test', output: '/tmp' },
      ]),
    ).toEqual([
      { role: 'user', content: 'Find Ollama and inspect the current directory.' },
      {
        role: 'assistant',
        content: 'I found Ollama and will inspect the directory.',
        tool_calls: [{ id: 'call_test', function: { name: 'exec_command', arguments: { cmd: 'pwd' } } }],
      },
      { role: 'tool', content: '/tmp', tool_call_id: 'call_test' },
    ]);
  });

  it('merges calls into the assistant message before them; a call alone makes its own (TestFromResponsesRequest_FunctionCallMerge)', () => {
    const user = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'weather?' }] };
    const said = {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: "I'll check." }],
    };
    expect(messagesOf([user, said, call('call_1'), call('call_2', 'get_time')])).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: "I'll check.",
        tool_calls: [
          { id: 'call_1', function: { name: 'get_weather', arguments: args } },
          { id: 'call_2', function: { name: 'get_time', arguments: args } },
        ],
      },
    ]);
    expect(messagesOf([user, call('call_1')])).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: args } }],
      },
    ]);
  });

  it('gives reasoning to the assistant message or call that follows (TestFromResponsesRequest_ReasoningMerge)', () => {
    const reasoning = { type: 'reasoning', id: 'rs_1', encrypted_content: 'Let me think', summary: [] };
    expect(
      messagesOf([
        { role: 'user', content: 'solve 2+2' },
        reasoning,
        { type: 'message', role: 'assistant', content: [{ type: 'input_text', text: 'The answer is 4' }] },
      ]),
    ).toEqual([
      { role: 'user', content: 'solve 2+2' },
      { role: 'assistant', content: 'The answer is 4', thinking: 'Let me think' },
    ]);
    expect(messagesOf([{ role: 'user', content: 'weather?' }, reasoning, call('c')])).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'c', function: { name: 'get_weather', arguments: args } }],
        thinking: 'Let me think',
      },
    ]);
    expect(messagesOf([{ role: 'user', content: 'x' }, reasoning])).toEqual([
      { role: 'user', content: 'x' },
      { role: 'assistant', content: '', thinking: 'Let me think' },
    ]);
  });

  it('instructions first, developer as system, output content parts joined', () => {
    expect(
      messagesOf(
        [
          { role: 'developer', content: 'Be brief.' },
          {
            type: 'function_call_output',
            call_id: 'c',
            output: [
              { type: 'input_text', text: 'a' },
              { type: 'output_text', text: 'b' },
            ],
          },
        ],
        { instructions: 'You are ownchat.' },
      ),
    ).toEqual([
      { role: 'system', content: 'You are ownchat.' },
      { role: 'system', content: 'Be brief.' },
      { role: 'tool', content: 'ab', tool_call_id: 'c' },
    ]);
  });

  it('maps tools (namespaces flattened, web_search left out), options, format and reasoning effort', () => {
    const { ollama, stream } = fromResponsesRequest({
      model: 'm',
      input: 'Hi',
      stream: true,
      max_output_tokens: 100,
      top_p: 0.5,
      reasoning: { effort: 'minimal' },
      text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' } } },
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object' },
          strict: true,
        },
        { type: 'namespace', name: 'fs', tools: [{ type: 'function', name: 'read', parameters: null }] },
        { type: 'web_search' },
      ],
    });
    expect(stream).toBe(true);
    expect(ollama.messages).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(ollama.options).toEqual({ temperature: 1, top_p: 0.5, num_predict: 100 });
    expect(ollama.format).toEqual({ type: 'object' });
    expect(ollama.think).toBe('low');
    expect(ollama.tools).toEqual([
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
      },
      { type: 'function', function: { name: 'fs.read' } },
    ]);
    const none = fromResponsesRequest({ model: 'm', input: 'Hi', tools: [call('x')], tool_choice: 'none' });
    expect(none.ollama.tools).toBeUndefined();
  });

  it.each([
    [{ input: 42 }, 'input is required'],
    [{ input: [{ content: 'no type or role' }] }, "input[0]: input item missing required 'type' field"],
    [{ input: [{ type: 'message', role: 'robot', content: 'x' }] }, 'input[0].role must be one of'],
    [
      { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] },
      'file inputs are not currently supported',
    ],
    [
      { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'http://x/y.png' }] }] },
      'image URLs are not supported',
    ],
    [{ input: [{ type: 'function_call', name: 'f', arguments: '[1]' }] }, 'arguments must be a JSON object'],
    [{ input: 'x', tools: [{ type: 'function' }] }, 'tools[0].name is required'],
    [{ input: 'x', tool_choice: 'always' }, 'tool_choice must be'],
    [{ input: 'x', max_output_tokens: 1.5 }, 'max_output_tokens must be a whole number'],
  ])('refuses %j: %s', (fields, message) => {
    expect(() => fromResponsesRequest({ model: 'm', ...fields })).toThrow(message);
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

describe('the stream (ResponsesStreamConverter)', () => {
  it('reasoning, then text: two items in order, numbered events, the final output in the completed response', () => {
    const shape = responsesShape('m', { model: 'm', input: 'x' });
    const events = [
      ...shape.chunk({ thinking: 'Hmm' }),
      ...shape.chunk({ content: 'Hi' }),
      ...shape.last(RESULT),
    ] as Record<string, unknown>[];
    expect(events.map((e) => `${e.type}${e.output_index === undefined ? '' : `:${e.output_index}`}`)).toEqual(
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added:0',
        'response.reasoning_summary_part.added:0',
        'response.reasoning_summary_text.delta:0',
        'response.reasoning_summary_text.done:0',
        'response.reasoning_summary_part.done:0',
        'response.output_item.done:0',
        'response.output_item.added:1',
        'response.content_part.added:1',
        'response.output_text.delta:1',
        'response.output_text.done:1',
        'response.content_part.done:1',
        'response.output_item.done:1',
        'response.completed',
      ],
    );
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const { response } = events.at(-1) as { response: { output: { type: string }[]; usage: unknown } };
    expect(response.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect(response.usage).toMatchObject({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });
  });

  it('text after a tool call is left out, as Ollama leaves it', () => {
    const shape = responsesShape('m', { model: 'm', input: 'x' });
    const events = [
      ...shape.chunk({
        toolCalls: [{ id: 'call_1', function: { index: 0, name: 'f', arguments: { a: 1 } } }],
      }),
      ...shape.chunk({ content: 'after' }),
      ...shape.last(RESULT),
    ] as Record<string, unknown>[];
    expect(events.some((e) => e.type === 'response.output_text.delta')).toBe(false);
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({
      arguments: '{"a":1}',
      output_index: 0,
    });
  });
});
