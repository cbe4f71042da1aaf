import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../errors.ts';
import { fromChatRequest, fromCompletionRequest, fromEmbeddingRequest } from './request.ts';

const user = [{ role: 'user', content: 'Hi' }];

describe('OpenAI chat request → Ollama /api/chat body', () => {
  it("maps sampling fields as Ollama's openai.go does, with OpenAI's defaults", () => {
    const { ollama, streaming } = fromChatRequest({
      model: 'qwen2.5:0.5b',
      messages: user,
      max_tokens: 7,
      temperature: 0.2,
      top_p: 0.5,
      seed: 42,
      stop: 'END',
      frequency_penalty: 0.3,
      presence_penalty: 0.4,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(ollama).toEqual({
      model: 'qwen2.5:0.5b',
      messages: [{ role: 'user', content: 'Hi' }],
      options: {
        num_predict: 7,
        temperature: 0.2,
        top_p: 0.5,
        seed: 42,
        stop: ['END'],
        frequency_penalty: 0.3,
        presence_penalty: 0.4,
      },
      stream: false,
    });
    expect(streaming).toEqual({ stream: true, includeUsage: true });
    const defaults = fromChatRequest({ model: 'm', messages: user });
    expect(defaults.ollama.options).toEqual({ temperature: 1, top_p: 1 });
    expect(defaults.streaming).toEqual({ stream: false, includeUsage: false });
  });

  it('takes max_completion_tokens over max_tokens, and stop as a list', () => {
    const { ollama } = fromChatRequest({
      model: 'm',
      messages: user,
      max_tokens: 100,
      max_completion_tokens: 3,
      stop: ['a', 'b'],
    });
    expect(ollama.options).toMatchObject({ num_predict: 3, stop: ['a', 'b'] });
  });

  it.each([
    [{ type: 'json_object' }, 'json'],
    [{ type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } }, { type: 'object' }],
    [{ type: 'text' }, undefined],
  ])('maps response_format %j to format %j', (response_format, format) => {
    expect(fromChatRequest({ model: 'm', messages: user, response_format }).ollama.format).toEqual(format);
  });

  it('turns roles and content parts into Ollama messages (developer is system; one message per part)', () => {
    const { ollama } = fromChatRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        { role: 'assistant', content: null },
      ],
    });
    expect(ollama.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is this?' },
      { role: 'user', content: '', images: ['iVBORw0KGgo='] },
      { role: 'assistant', content: '' },
    ]);
  });

  it('passes tools on, and turns tool calls and tool answers into Ollama messages', () => {
    const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }];
    const { ollama } = fromChatRequest({
      model: 'm',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '21 °C' },
      ],
    });
    expect(ollama.tools).toEqual(tools);
    expect(ollama.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_1', function: { name: 'weather', arguments: { city: 'Paris' } } }],
      },
      { role: 'tool', content: '21 °C', tool_name: 'weather', tool_call_id: 'call_1' },
    ]);
  });

  it('maps reasoning_effort to think as openai.go thinkFromReasoningEffort does, and tool_choice "none" drops the tools', () => {
    const req = (extra: Record<string, unknown>) =>
      fromChatRequest({ model: 'm', messages: user, ...extra }).ollama;
    expect(req({}).think).toBeUndefined();
    expect(req({ reasoning_effort: 'none' }).think).toBe(false);
    expect(req({ reasoning_effort: 'minimal' }).think).toBe('low');
    expect(req({ reasoning_effort: 'high' }).think).toBe('high');
    expect(req({ reasoning: { effort: 'xhigh' } }).think).toBe('max');
    expect(() => req({ reasoning_effort: 'lots' })).toThrow(
      'invalid reasoning value: "lots" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")',
    );
    const tools = [{ type: 'function', function: { name: 'f' } }];
    expect(req({ tools, tool_choice: 'none' }).tools).toBeUndefined();
    expect(req({ tools, tool_choice: 'auto' }).tools).toEqual(tools);
    expect(req({ messages: [{ role: 'assistant', content: 'x', reasoning: 'hmm' }] }).messages).toEqual([
      { role: 'assistant', content: 'x', thinking: 'hmm' },
    ]);
  });

  it.each([
    [
      {
        model: 'm',
        messages: [{ role: 'assistant', tool_calls: [{ function: { name: 'f', arguments: '{oops' } }] }],
      },
      'messages',
      /tool_calls\[0\]\.function\.arguments must be JSON text/,
    ],
    [{ messages: user }, 'model', /model is required/],
    [{ model: 'm' }, 'messages', /messages must be a non-empty list/],
    [{ model: 'm', messages: [] }, 'messages', /non-empty list/],
    [
      { model: 'm', messages: [{ role: 'robot', content: 'x' }] },
      'messages',
      /messages\[0\]\.role must be one of/,
    ],
    [{ model: 'm', messages: user, n: 2 }, 'n', /n=2 is not supported: ask for one answer per request/],
    [{ model: 'm', messages: user, max_tokens: 'ten' }, 'max_tokens', /max_tokens must be a whole number/],
    [{ model: 'm', messages: user, temperature: 'hot' }, 'temperature', /temperature must be a number/],
    [{ model: 'm', messages: user, stop: [1] }, 'stop', /stop must be a string or a list of strings/],
    [{ model: 'm', messages: user, stream: 'yes' }, 'stream', /stream must be true or false/],
    [{ model: 'm', messages: user, response_format: { type: 'xml' } }, 'response_format', /"json_object"/],
    [
      {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
      },
      'messages',
      /image URLs are not supported/,
    ],
  ])('refuses %j naming %s', (body, param, message) => {
    let error: unknown;
    try {
      fromChatRequest(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(message);
    expect((error as BadRequestError).param).toBe(param);
  });
});

describe('OpenAI completion request → Ollama /api/generate body', () => {
  it('maps the prompt (a one-element list too) and the sampling fields', () => {
    const { ollama, streaming } = fromCompletionRequest({
      model: 'm',
      prompt: ['Once upon a time'],
      max_tokens: 5,
      stream: true,
    });
    expect(ollama).toEqual({
      model: 'm',
      prompt: 'Once upon a time',
      options: { num_predict: 5, temperature: 1, top_p: 1 },
      stream: false,
    });
    expect(streaming.stream).toBe(true);
  });

  it.each([
    [{ model: 'm' }, /prompt is required/],
    [{ model: 'm', prompt: ['a', 'b'] }, /send several prompts as several requests/],
    [{ model: 'm', prompt: [1, 2, 3] }, /token ids are not supported/],
  ])('refuses %j', (body, message) => {
    expect(() => fromCompletionRequest(body)).toThrow(message);
  });
});

describe('OpenAI embedding request', () => {
  it('takes a string or a list of strings, dimensions and the encoding', () => {
    expect(fromEmbeddingRequest({ model: 'm', input: 'hello' })).toEqual({
      model: 'm',
      inputs: ['hello'],
      dimensions: undefined,
      encoding: 'float',
    });
    expect(
      fromEmbeddingRequest({ model: 'm', input: ['a', 'b'], dimensions: 8, encoding_format: 'base64' }),
    ).toEqual({ model: 'm', inputs: ['a', 'b'], dimensions: 8, encoding: 'base64' });
  });

  it.each([
    [{ model: 'm' }, /input is required/],
    [{ model: 'm', input: [] }, /input is required/],
    [{ model: 'm', input: [[1, 2]] }, /not token ids/],
    [{ model: 'm', input: ['a', ''] }, /empty strings/],
    [{ model: 'm', input: 'a', dimensions: 0 }, /dimensions must be at least 1/],
    [{ model: 'm', input: 'a', encoding_format: 'int8' }, /encoding_format must be "float" or "base64"/],
  ])('refuses %j', (body, message) => {
    expect(() => fromEmbeddingRequest(body)).toThrow(message);
  });
});
