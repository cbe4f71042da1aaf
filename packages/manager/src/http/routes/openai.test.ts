// The OpenAI-compatible API through the official `openai` SDK, against a real `ownchat serve` with an API key,
// with real inference on the deterministic test model.
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  startManagerProcess,
  startManagerWithModels,
} from '@ownchat/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEY = 'sk-ownchat-test-5e1b';
let setup: ManagerWithModels;
let server: ManagerProcess;
let client: OpenAI;

beforeAll(async () => {
  // Imported without a key; then the store is served by a manager that requires one.
  setup = await startManagerWithModels({ det: 'det' }, { prefix: 'openai' });
  await setup.manager.stop();
  // Trace logging: not even the most verbose level may print a key.
  server = await startManagerProcess({
    modelsDir: setup.manager.modelsDir,
    env: { OWNCHAT_API_KEYS: KEY, OWNCHAT_LOG_LEVEL: 'trace' },
  });
  // No retries: an error must show as it is.
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
  await setup?.stop();
});

const hi = [{ role: 'user' as const, content: 'Hi!' }];

/** The APIError a call rejects with. */
async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (e) {
    if (e instanceof OpenAI.APIError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

describe('chat completions', () => {
  it('answers one chat.completion with usage', async () => {
    const r = await client.chat.completions.create({ model: 'det', messages: hi });
    expect(r.object).toBe('chat.completion');
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.model).toBe('det');
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0]!.message).toMatchObject({ role: 'assistant', content: DETERMINISTIC_ANSWER });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage!.prompt_tokens).toBeGreaterThan(3);
    expect(r.usage!.completion_tokens).toBeGreaterThanOrEqual(10);
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it('streams chunks, then a usage chunk when stream_options.include_usage asks for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'det',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Tell me something.' }] },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishes: (string | null)[] = [];
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      for (const c of chunk.choices) {
        text += c.delta.content ?? '';
        finishes.push(c.finish_reason);
      }
    }
    expect(text).toBe(DETERMINISTIC_ANSWER);
    expect(chunks.length).toBeGreaterThanOrEqual(12);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
    expect(finishes.at(-1)).toBe('stop');
    expect(finishes.slice(0, -1).every((f) => f === null)).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBeGreaterThanOrEqual(10);
  });

  it('ends the event stream with data: [DONE], and sends no usage chunk unless asked', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'det', messages: hi, stream: true }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const body = await res.text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = body.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(body).not.toContain('"usage"');
  });

  it('maps max_tokens, max_completion_tokens and stop', async () => {
    const capped = await client.chat.completions.create({ model: 'det', messages: hi, max_tokens: 3 });
    expect(capped.choices[0]!.message.content).toBe('The quick brown');
    expect(capped.choices[0]!.finish_reason).toBe('length');
    expect(capped.usage!.completion_tokens).toBe(3);
    const newer = await client.chat.completions.create({
      model: 'det',
      messages: hi,
      max_completion_tokens: 3,
    });
    expect(newer.choices[0]!.message.content).toBe('The quick brown');
    const stopped = await client.chat.completions.create({ model: 'det', messages: hi, stop: [' fox'] });
    expect(stopped.choices[0]!.message.content).toBe('The quick brown');
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
  });
});

describe('response_format', () => {
  it('json_schema constrains the answer to the schema (by grammar)', async () => {
    const r = await client.chat.completions.create({
      model: 'det',
      messages: [{ role: 'user', content: 'Answer' }],
      max_tokens: 64,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
        },
      },
    });
    expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ ok: expect.any(Boolean) });
  });
});

describe('completions', () => {
  it('answers a text_completion, streamed or not', async () => {
    const r = await client.completions.create({ model: 'det', prompt: 'Go', max_tokens: 3 });
    expect(r.object).toBe('text_completion');
    expect(r.choices[0]!.text).toBe('The quick brown');
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage!.completion_tokens).toBe(3);
    const stream = await client.completions.create({ model: 'det', prompt: 'Go', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(DETERMINISTIC_ANSWER);
  });
});

describe('models', () => {
  it('lists the store and retrieves one model', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['det:latest']);
    const m = await client.models.retrieve('det');
    expect(m).toMatchObject({ id: 'det', object: 'model', owned_by: 'library' });
    expect(m.created).toBeGreaterThan(1_700_000_000);
  });
});

describe('embeddings', () => {
  const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));

  it('embeds, as base64 the SDK decodes (its default) or as floats, normalised as /api/embed answers', async () => {
    const r = await client.embeddings.create({ model: 'det', input: ['hello', 'the quick brown fox'] });
    expect(r.object).toBe('list');
    expect(r.model).toBe('det');
    expect(r.data.map((d) => d.index)).toEqual([0, 1]);
    const [first] = r.data;
    expect(first!.embedding.length).toBeGreaterThan(8);
    expect(norm(first!.embedding)).toBeCloseTo(1, 4);
    expect(r.usage.prompt_tokens).toBeGreaterThan(2);
    expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens);
    const floats = await client.embeddings.create({ model: 'det', input: 'hello', encoding_format: 'float' });
    const f = floats.data[0]!.embedding;
    expect(f).toHaveLength(first!.embedding.length);
    f.forEach((x, k) => {
      expect(x).toBeCloseTo(first!.embedding[k]!, 5);
    });
  });

  it('keeps the first `dimensions` values, normalised again', async () => {
    const full = (await client.embeddings.create({ model: 'det', input: 'hello', encoding_format: 'float' }))
      .data[0]!.embedding;
    // Cut just past the first non-zero value (the test model's vectors are sparse).
    const dimensions = full.findIndex((x) => Math.abs(x) > 1e-6) + 2;
    expect(dimensions).toBeGreaterThan(1);
    const r = await client.embeddings.create({
      model: 'det',
      input: 'hello',
      dimensions,
      encoding_format: 'float',
    });
    const cut = r.data[0]!.embedding;
    expect(cut).toHaveLength(dimensions);
    expect(norm(cut)).toBeCloseTo(1, 4);
    const expected = full.slice(0, dimensions).map((x) => x / norm(full.slice(0, dimensions)));
    cut.forEach((x, k) => {
      expect(x).toBeCloseTo(expected[k]!, 5);
    });
  });

  it('names the input when it is missing', async () => {
    const bad = await apiError(client.embeddings.create({ model: 'det', input: [] }));
    expect(bad.status).toBe(400);
    expect(bad.param).toBe('input');
  });
});

describe('errors, in OpenAI shape', () => {
  it('404 for an unknown model', async () => {
    const e = await apiError(client.chat.completions.create({ model: 'nope', messages: hi }));
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e.type).toBe('not_found_error');
    expect(e.message).toMatch(/model 'nope' not found/);
    expect(await apiError(client.models.retrieve('nope'))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('400 naming the field for what we cannot do or do not understand', async () => {
    const n = await apiError(client.chat.completions.create({ model: 'det', messages: hi, n: 2 }));
    expect(n).toBeInstanceOf(OpenAI.BadRequestError);
    expect(n.param).toBe('n');
    expect(n.type).toBe('invalid_request_error');
    const empty = await apiError(client.chat.completions.create({ model: 'det', messages: [] }));
    expect(empty.param).toBe('messages');
    const json = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: '{"model": ',
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({
      error: {
        message: expect.stringMatching(/invalid JSON in the request body/),
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  });

  it('401 for a wrong key', async () => {
    const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    const e = await apiError(wrong.models.list());
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(e.code).toBe('invalid_api_key');
    // Neither key reaches the log.
    expect(server.output()).not.toContain('sk-wrong');
    expect(server.output()).not.toContain(KEY);
  });
});
