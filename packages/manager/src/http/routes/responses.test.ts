// The OpenAI Responses API (/v1/responses) through the official `openai` SDK, against a real `ownchat serve` with
// real inference on deterministic test models: text, a function call and its round trip (qwen2.5's template),
// reasoning (a <think> template), streamed and not, with the events Ollama streams; and OpenAI's error bodies.
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  startManagerWithModels,
  THINKER,
  WEATHER_CALLER,
  WEATHER_FINAL,
} from '@ownchat/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FINAL = WEATHER_FINAL;

const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a city',
  strict: true,
  parameters: {
    type: 'object',
    required: ['city'],
    properties: { city: { type: 'string', description: 'The city' } },
  },
};
const question = 'What is the weather in Paris?';

let setup: ManagerWithModels;
let server: ManagerProcess;
let client: OpenAI;

beforeAll(async () => {
  setup = await startManagerWithModels(
    { det: 'det', caller: WEATHER_CALLER, thinker: THINKER },
    { prefix: 'responses' },
  );
  server = setup.manager;
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}, 120_000);

afterAll(() => setup?.stop());

async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (e) {
    if (e instanceof OpenAI.APIError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

/** The events of a streamed response, in order. */
async function events(params: OpenAI.Responses.ResponseCreateParamsStreaming) {
  const out: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of await client.responses.create(params)) out.push(e);
  return out;
}

describe('responses.create', () => {
  it('answers a response object with one message item, usage, and the request echoed', async () => {
    const r = await client.responses.create({
      model: 'det',
      input: 'Hi!',
      instructions: 'Be brief.',
      max_output_tokens: 64,
      temperature: 0.5,
    });
    expect(r).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'det',
      instructions: 'Be brief.',
      temperature: 0.5,
      top_p: 1,
      max_output_tokens: 64,
      tools: [],
      error: null,
    });
    expect(r.id).toMatch(/^resp_\d+$/);
    expect(r.output).toEqual([
      {
        id: expect.stringMatching(/^msg_\d+$/),
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: DETERMINISTIC_ANSWER, annotations: [], logprobs: [] }],
      },
    ]);
    expect(r.output_text).toBe(DETERMINISTIC_ANSWER);
    expect(r.usage!.input_tokens).toBeGreaterThan(3);
    expect(r.usage!.output_tokens).toBeGreaterThanOrEqual(10);
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
    const capped = await client.responses.create({ model: 'det', input: 'Hi!', max_output_tokens: 3 });
    expect(capped.output_text).toBe('The quick brown');
  });

  it('takes input items: messages with content parts, developer as system', async () => {
    const r = await client.responses.create({
      model: 'det',
      input: [
        { role: 'developer', content: 'Be brief.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi!' }] },
      ],
    });
    expect(r.output_text).toBe(DETERMINISTIC_ANSWER);
  });

  it('answers a call as a function_call item, then the final answer after function_call_output', async () => {
    const first = await client.responses.create({ model: 'caller', input: question, tools: [weather] });
    expect(first.output).toEqual([
      {
        id: `fc_${first.id}_0`,
        type: 'function_call',
        status: 'completed',
        call_id: expect.stringMatching(/^call_[a-z0-9]{8}$/),
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
    ]);
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    const last = await client.responses.create({
      model: 'caller',
      tools: [weather],
      input: [
        { role: 'user', content: question },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: '22 degrees, sunny' },
      ],
    });
    // "Answer:" opens the turn only after a tool result: the output reached the prompt as a tool message.
    expect(last.output_text).toBe(FINAL);
  });

  it('returns reasoning as a reasoning item before the message; effort "none" turns it off', async () => {
    const r = await client.responses.create({
      model: 'thinker',
      input: question,
      reasoning: { effort: 'high' },
    });
    expect(r.output).toEqual([
      {
        id: `rs_${r.id}`,
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'Checking the sky ' }],
        encrypted_content: 'Checking the sky ',
      },
      expect.objectContaining({ type: 'message' }),
    ]);
    expect(r.output_text).toBe('Sunny!');
    expect(r.reasoning).toEqual({ effort: 'high', summary: null });
    const off = await client.responses.create({
      model: 'thinker',
      input: question,
      reasoning: { effort: 'none' },
    });
    expect(off.output_text).toBe('<think> Checking the sky </think> Sunny!');
  });
});

describe('responses.create streamed', () => {
  it("streams Ollama's events for a message, numbered in order, the last one the completed response", async () => {
    const es = await events({ model: 'det', input: 'Hi!', stream: true });
    const deltas = es.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas.map((d) => d.delta).join('')).toBe(DETERMINISTIC_ANSWER);
    expect(es.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...deltas.map(() => 'response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(es.map((e) => e.sequence_number)).toEqual(es.map((_, i) => i));
    const done = es.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(done.response.status).toBe('completed');
    expect(done.response.output).toEqual([
      expect.objectContaining({
        type: 'message',
        content: [expect.objectContaining({ text: DETERMINISTIC_ANSWER })],
      }),
    ]);
    expect(done.response.usage!.output_tokens).toBeGreaterThanOrEqual(10);
  });

  it('streams reasoning as its own item before the text, and a call as a function_call item', async () => {
    const thinking = await events({ model: 'thinker', input: question, stream: true });
    const summary = thinking.filter((e) => e.type === 'response.reasoning_summary_text.delta');
    expect(summary.map((e) => e.delta).join('')).toBe('Checking the sky ');
    const text = thinking.filter((e) => e.type === 'response.output_text.delta');
    expect(text.map((e) => e.delta).join('')).toBe('Sunny!');
    const done = thinking.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(done.response.output.map((o) => o.type)).toEqual(['reasoning', 'message']);

    const calling = await events({ model: 'caller', input: question, tools: [weather], stream: true });
    expect(calling.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const item = (calling[5] as OpenAI.Responses.ResponseOutputItemDoneEvent).item;
    expect(item).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect((calling.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response.output).toEqual([item]);
  });

  // Ollama sends no reasoning_summary_part events, and this helper then fails on reasoning ("missing content at
  // index 0"); ownchat sends them, as OpenAI does.
  it("the SDK's responses.stream helper assembles the final response from the events", async () => {
    const thinking = await client.responses.stream({ model: 'thinker', input: question }).finalResponse();
    expect(thinking.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect(thinking.output_text).toBe('Sunny!');
    const calling = await client.responses
      .stream({ model: 'caller', input: question, tools: [weather] })
      .finalResponse();
    expect(calling.output).toEqual([
      expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' }),
    ]);
  });

  it('names each server-sent event (event: <type>) and ends without [DONE]', async () => {
    const res = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'det', input: 'Hi!', stream: true, max_output_tokens: 2 }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const body = await res.text();
    expect(body).not.toContain('[DONE]');
    for (const e of body.split('\n\n').filter(Boolean)) {
      const [name, data] = e.split('\n');
      expect(JSON.parse(data!.replace(/^data: /, '')).type).toBe(name!.replace(/^event: /, ''));
    }
  });
});

describe('errors, in OpenAI shape', () => {
  it('400 naming the field, 404 for an unknown model', async () => {
    const noInput = await apiError(client.responses.create({ model: 'det' }));
    expect(noInput).toBeInstanceOf(OpenAI.BadRequestError);
    expect(noInput.param).toBe('input');
    const item = await apiError(
      client.responses.create({
        model: 'det',
        input: [{ type: 'mystery' } as unknown as OpenAI.Responses.ResponseInputItem],
      }),
    );
    expect(item.message).toMatch(/input\[0\]: unknown input item type: "mystery"/);
    const args = await apiError(
      client.responses.create({
        model: 'caller',
        input: [{ type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{city' }],
      }),
    );
    expect(args.message).toMatch(/failed to parse function call arguments/);
    const effort = await apiError(
      client.responses.create({ model: 'det', input: 'Hi', reasoning: { effort: 'huge' as 'high' } }),
    );
    expect(effort.message).toMatch(/invalid reasoning value: "huge"/);
    const temperature = await apiError(
      client.responses.create({ model: 'det', input: 'Hi', temperature: 'hot' as unknown as number }),
    );
    expect(temperature.param).toBe('temperature');
    const missing = await apiError(client.responses.create({ model: 'nope', input: 'Hi' }));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.type).toBe('not_found_error');
  });
});
