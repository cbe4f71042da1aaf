// The Anthropic Messages API (/v1/messages) through the official @anthropic-ai/sdk, against a real `ownchat serve`
// with real inference on deterministic test models: plain text, a tool call and its round trip (qwen2.5's
// template), thinking (a <think> template), streamed and not; and Anthropic's error bodies for bad input.
import Anthropic from '@anthropic-ai/sdk';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  startManagerWithModels,
  THINKER,
  WEATHER_CALL,
  WEATHER_CALLER,
  WEATHER_FINAL,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CALL = WEATHER_CALL;
const FINAL = WEATHER_FINAL;

const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Get the current weather for a city',
  input_schema: {
    type: 'object',
    required: ['city'],
    properties: { city: { type: 'string', description: 'The city' } },
  },
};
const question: Anthropic.MessageParam = { role: 'user', content: 'What is the weather in Paris?' };
const hi: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hi!' }];

let setup: ManagerWithModels;
let server: ManagerProcess;
let client: Anthropic;

beforeAll(async () => {
  setup = await startManagerWithModels(
    { det: 'det', caller: WEATHER_CALLER, thinker: THINKER },
    { prefix: 'anthropic' },
  );
  server = setup.manager;
  // No retries: an error must show as it is.
  client = new Anthropic({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
}, 120_000);

afterAll(() => setup?.stop());

/** The APIError a call rejects with. */
async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await call;
  } catch (e) {
    if (e instanceof Anthropic.APIError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

describe('messages.create', () => {
  it('answers a message with a text block, end_turn and usage', async () => {
    const m = await client.messages.create({ model: 'det', max_tokens: 64, messages: hi });
    expect(m).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'det',
      content: [{ type: 'text', text: DETERMINISTIC_ANSWER }],
      stop_reason: 'end_turn',
    });
    expect(m.id).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(m.usage.input_tokens).toBeGreaterThan(3);
    expect(m.usage.output_tokens).toBeGreaterThanOrEqual(10);
  });

  it('maps max_tokens (max_tokens stop reason), stop_sequences, system as a string or blocks', async () => {
    const capped = await client.messages.create({ model: 'det', max_tokens: 3, messages: hi });
    expect(capped.content).toEqual([{ type: 'text', text: 'The quick brown' }]);
    expect(capped.stop_reason).toBe('max_tokens');
    expect(capped.usage.output_tokens).toBe(3);
    // temperature, top_p and top_k are gone from this SDK's types; Claude Code and older SDKs still send them.
    const stopped = await client.messages.create({
      model: 'det',
      max_tokens: 64,
      messages: hi,
      stop_sequences: [' fox'],
      ...{ temperature: 0.5, top_p: 0.9, top_k: 20 },
    });
    expect(stopped.content).toEqual([{ type: 'text', text: 'The quick brown' }]);
    // Ollama says end_turn for a stop sequence too (its done_reason is "stop").
    expect(stopped.stop_reason).toBe('end_turn');
    const plain = await client.messages.create({
      model: 'det',
      max_tokens: 64,
      messages: hi,
      system: 'Be brief.',
    });
    const blocks = await client.messages.create({
      model: 'det',
      max_tokens: 64,
      messages: hi,
      system: [
        { type: 'text', text: 'Be ' },
        { type: 'text', text: 'brief.' },
      ],
    });
    // The blocks join into the same system prompt: the same prompt size.
    expect(blocks.usage.input_tokens).toBe(plain.usage.input_tokens);
    expect(plain.usage.input_tokens).toBeGreaterThan(capped.usage.input_tokens);
  });

  it('answers a tool call as a tool_use block (stop_reason tool_use), then the final answer after its result', async () => {
    const first = await client.messages.create({
      model: 'caller',
      max_tokens: 64,
      messages: [question],
      tools: [weather],
    });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([
      {
        type: 'tool_use',
        id: expect.stringMatching(/^call_[a-z0-9]{8}$/),
        name: 'get_weather',
        input: { city: 'Paris' },
      },
    ]);
    const use = first.content[0] as Anthropic.ToolUseBlock;
    const last = await client.messages.create({
      model: 'caller',
      max_tokens: 64,
      tools: [weather],
      messages: [
        question,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: use.id, content: [{ type: 'text', text: '22 degrees' }] },
          ],
        },
      ],
    });
    // "Answer:" opens the turn only after a tool result: the result reached the prompt as a tool message.
    expect(last.content).toEqual([{ type: 'text', text: FINAL }]);
    expect(last.stop_reason).toBe('end_turn');
  });

  it('tool_choice none answers without the tools: the call stays text', async () => {
    const m = await client.messages.create({
      model: 'caller',
      max_tokens: 64,
      messages: [question],
      tools: [weather],
      tool_choice: { type: 'none' },
    });
    expect(m.content).toEqual([{ type: 'text', text: CALL }]);
  });

  it('returns a thinking block before the text; thinking disabled leaves the text as it is', async () => {
    const m = await client.messages.create({
      model: 'thinker',
      max_tokens: 64,
      messages: [question],
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(m.content).toEqual([
      { type: 'thinking', thinking: 'Checking the sky ' },
      { type: 'text', text: 'Sunny!' },
    ]);
    const off = await client.messages.create({
      model: 'thinker',
      max_tokens: 64,
      messages: [question],
      thinking: { type: 'disabled' },
    });
    expect(off.content).toEqual([{ type: 'text', text: '<think> Checking the sky </think> Sunny!' }]);
  });

  it('lets a model that cannot think answer when asked to think (as Ollama relaxes it for Claude Code)', async () => {
    const m = await client.messages.create({
      model: 'det',
      max_tokens: 64,
      messages: hi,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(m.content).toEqual([{ type: 'text', text: DETERMINISTIC_ANSWER }]);
  });

  it('takes earlier thinking and text blocks back into the conversation', async () => {
    const m = await client.messages.create({
      model: 'thinker',
      max_tokens: 64,
      messages: [
        question,
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Looking up', signature: '' },
            { type: 'text', text: 'Sunny!' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
      ],
    });
    expect(m.content.map((b) => b.type)).toEqual(['thinking', 'text']);
  });
});

describe('messages.stream', () => {
  it('streams message_start, one text block in deltas, message_delta with usage, message_stop', async () => {
    const stream = client.messages.stream({ model: 'det', max_tokens: 64, messages: hi });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe(DETERMINISTIC_ANSWER);
    const deltas = types.filter((t) => t === 'content_block_delta').length;
    expect(deltas).toBeGreaterThanOrEqual(10);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array(deltas).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const m = await stream.finalMessage();
    expect(m.content).toEqual([{ type: 'text', text: DETERMINISTIC_ANSWER }]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage.output_tokens).toBeGreaterThanOrEqual(10);
  });

  it('streams thinking then text as two blocks, and a tool call as a tool_use block with its input', async () => {
    const thinking = client.messages.stream({ model: 'thinker', max_tokens: 64, messages: [question] });
    const t = await thinking.finalMessage();
    expect(t.content).toEqual([
      { type: 'thinking', thinking: 'Checking the sky ' },
      { type: 'text', text: 'Sunny!' },
    ]);
    const calling = client.messages.stream({
      model: 'caller',
      max_tokens: 64,
      messages: [question],
      tools: [weather],
    });
    const c = await calling.finalMessage();
    expect(c.content).toEqual([
      {
        type: 'tool_use',
        id: expect.stringMatching(/^call_/),
        name: 'get_weather',
        input: { city: 'Paris' },
      },
    ]);
    expect(c.stop_reason).toBe('tool_use');
  });

  it('names each server-sent event (event: <type>), as Anthropic and Ollama send them', async () => {
    const res = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'det', max_tokens: 2, messages: hi, stream: true }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = (await res.text()).split('\n\n').filter(Boolean);
    for (const e of events) {
      const [name, data] = e.split('\n');
      expect(name).toMatch(/^event: \w+$/);
      expect(JSON.parse(data!.replace(/^data: /, '')).type).toBe(name!.slice('event: '.length));
    }
    expect(events.at(-1)).toBe('event: message_stop\ndata: {"type":"message_stop"}');
  });
});

describe('a request shaped as Claude Code sends it', () => {
  it('?beta=true, cache_control, metadata, thinking on a model that cannot think: answers with the tool call', async () => {
    const res = await fetch(`${server.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'unused',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
      },
      body: JSON.stringify({
        model: 'caller',
        max_tokens: 32000,
        stream: true,
        metadata: { user_id: 'user_abc' },
        thinking: { type: 'enabled', budget_tokens: 31999 },
        system: [
          { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Be concise.' },
        ],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: '<system-reminder>context</system-reminder>' },
              { type: 'text', text: 'What is the weather in Paris?', cache_control: { type: 'ephemeral' } },
            ],
          },
        ],
        tools: [{ ...weather, cache_control: { type: 'ephemeral' } }],
      }),
    });
    expect(res.status).toBe(200);
    const data = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((e) => JSON.parse(e.split('\n')[1]!.slice('data: '.length)) as Record<string, unknown>);
    expect(data.find((d) => d.type === 'content_block_start')!.content_block).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
    });
    expect(data.find((d) => d.type === 'message_delta')!.delta).toEqual({ stop_reason: 'tool_use' });
  });
});

describe('count_tokens', () => {
  it("answers Ollama's estimate: a quarter of the characters", async () => {
    const r = await client.messages.countTokens({
      model: 'det',
      system: 'You are terse.', // 14
      messages: [{ role: 'user', content: 'What is the weather like?' }], // 4 + 25
    });
    expect(r).toEqual({ input_tokens: Math.floor((14 + 4 + 25) / 4) });
    expect(await apiError(client.messages.countTokens({ model: 'nope', messages: hi }))).toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });
});

describe("errors, in Anthropic's shape", () => {
  it('400 invalid_request_error with what to fix, 404 not_found_error for an unknown model', async () => {
    const noMax = await apiError(
      client.messages.create({
        model: 'det',
        messages: hi,
      } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    );
    expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
    expect(noMax.error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens is required and must be positive' },
      request_id: expect.stringMatching(/^req_/),
    });
    const empty = await apiError(client.messages.create({ model: 'det', max_tokens: 8, messages: [] }));
    expect(empty.message).toMatch(/messages is required/);
    const role = await apiError(
      client.messages.create({
        model: 'det',
        max_tokens: 8,
        messages: [{ role: 'system' as 'user', content: 'x' }],
      }),
    );
    expect(role.message).toMatch(/messages\[0\]\.role must be "user" or "assistant"/);
    const url = await apiError(
      client.messages.create({
        model: 'det',
        max_tokens: 8,
        messages: [
          { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'http://x/y.png' } }] },
        ],
      }),
    );
    expect(url.message).toMatch(/Only base64 images are supported/);
    const missing = await apiError(client.messages.create({ model: 'nope', max_tokens: 8, messages: hi }));
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect((missing.error as { error: { type: string } }).error.type).toBe('not_found_error');
    const noTools = await apiError(
      client.messages.create({ model: 'thinker', max_tokens: 8, messages: hi, tools: [weather] }),
    );
    expect(noTools.message).toMatch(/does not support tools/);
  });

  it('a body that is not JSON, or a stream that is not a boolean', async () => {
    const res = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: '{"model": ' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/invalid JSON/) },
    });
    const stream = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ model: 'det', max_tokens: 8, messages: hi, stream: 'yes' }),
    });
    expect(stream.status).toBe(400);
    expect(((await stream.json()) as { error: { message: string } }).error.message).toMatch(/stream must be/);
  });
});
