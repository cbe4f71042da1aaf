// The one reply writer, through the real routes of a real server on loopback, with a scripted runner in place
// of the runner process (the runner is the seam; the pipeline and writer are under test): chunks streamed as
// Ollama's NDJSON and OpenAI's SSE or joined for stream:false, an error after the first chunk as the last
// event in each API's shape (Anthropic's and the Responses API's named events included, raised by their SDKs), an error before it as the status, and a client that leaves (499 before the first
// byte, generation stopped either way). Real inference through the same writer: generate.test.ts, openai.test.ts.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { importModel, metricValue, parsePrometheus, writeDeterministicModel } from '@ownchat/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../config/config.ts';
import { RunnerError } from '../errors.ts';
import type { GenerateStats } from '../runner/protocol.ts';
import { type RunningManager, startManager } from '../serve.ts';
import { fakeDevices } from '../testing/fakeDevices.ts';
import { FakeRunner, type GenerateScript } from '../testing/fakeRunner.ts';

const STATS: GenerateStats = {
  promptTokens: 7,
  promptEvaluated: 7,
  evalTokens: 2,
  promptEvalNs: 1_000,
  evalNs: 2_000,
  doneReason: 'stop',
};

/** What the next generation does; each test sets its own. */
let script: GenerateScript;
/** Signals of the generations the runner was asked for, to see that a client leaving stops them. */
let signals: AbortSignal[];
let manager: RunningManager;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-reply-'));
  manager = await startManager(
    readConfig({ OLLAMA_HOST: '127.0.0.1:0', OLLAMA_MODELS: dir, OWNCHAT_LOG_LEVEL: 'silent' }),
    {
      devices: fakeDevices(16 * 1024 ** 3, {}),
      startRunner: (label) =>
        new FakeRunner(label, Promise.resolve(), (input, sampling, onChunk, signal) => {
          if (signal) signals.push(signal);
          return script(input, sampling, onChunk, signal);
        }),
    },
  );
  // A real store entry (the GGUF's facts are read at import); the fake runner never opens it.
  await importModel(manager.url, 'm', (await writeDeterministicModel(path.join(dir, 'm.gguf'))).path);
});

afterAll(async () => {
  await manager?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  signals = [];
});

const says =
  (...parts: string[]): GenerateScript =>
  async (_input, _sampling, onChunk) => {
    for (const p of parts) onChunk(p);
    return STATS;
  };

const failsAfter =
  (...parts: string[]): GenerateScript =>
  async (_input, _sampling, onChunk) => {
    for (const p of parts) onChunk(p);
    throw new RunnerError('the model runner for m:latest was killed by SIGKILL');
  };

/** Sends `parts`, then waits for the client to leave (the signal), as a long generation would. */
const talksUntilStopped =
  (...parts: string[]): GenerateScript =>
  (_input, _sampling, onChunk, signal) =>
    new Promise((_resolve, reject) => {
      for (const p of parts) onChunk(p);
      signal?.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
    });

const post = (route: string, body: object, signal?: AbortSignal) =>
  fetch(`${manager.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', ...body }),
    signal,
  });

const ndjson = async (res: Response) =>
  (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const sse = async (res: Response) => (await res.text()).split('\n\n').filter(Boolean);

const chat = { messages: [{ role: 'user', content: 'Hi' }] };

describe('streamed', () => {
  it('NDJSON (/api/chat): one line per chunk, then the statistics line', async () => {
    script = says('Hel', 'lo');
    const res = await post('/api/chat', chat);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = await ndjson(res);
    expect(lines.map((l) => (l.message as { content: string }).content)).toEqual(['Hel', 'lo', '']);
    expect(lines.slice(0, 2).every((l) => l.done === false)).toBe(true);
    expect(lines[2]).toMatchObject({
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 7,
      prompt_eval_duration: 1_000,
      eval_count: 2,
      eval_duration: 2_000,
    });
    expect(Number.isInteger(lines[2]!.total_duration)).toBe(true);
  });

  it('NDJSON (/api/generate): chunks in `response`', async () => {
    script = says('Hel', 'lo');
    const lines = await ndjson(await post('/api/generate', { prompt: 'Hi' }));
    expect(lines.map((l) => l.response)).toEqual(['Hel', 'lo', '']);
  });

  it('SSE (/v1/chat/completions): one event per chunk, the finish reason, usage when asked, then [DONE]', async () => {
    script = says('Hel', 'lo');
    const res = await post('/v1/chat/completions', {
      ...chat,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = await sse(res);
    expect(events.at(-1)).toBe('data: [DONE]');
    const data = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(data.map((d) => d.choices[0]?.delta.content)).toEqual(['Hel', 'lo', '', undefined]);
    expect(data.map((d) => d.choices[0]?.finish_reason)).toEqual([null, null, 'stop', undefined]);
    expect(data[3].usage).toEqual({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
    expect(new Set(data.map((d) => d.id)).size).toBe(1);
  });
});

describe('buffered (stream: false)', () => {
  it('Ollama: one object with the whole answer and the statistics', async () => {
    script = says('Hel', 'lo');
    const res = await post('/api/chat', { ...chat, stream: false });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({
      model: 'm',
      message: { role: 'assistant', content: 'Hello' },
      done: true,
      eval_count: 2,
    });
  });

  it('OpenAI: one chat.completion', async () => {
    script = says('Hel', 'lo');
    const r = (await (await post('/v1/chat/completions', chat)).json()) as {
      object: string;
      choices: { message: unknown }[];
      usage: { total_tokens: number };
    };
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message).toEqual({ role: 'assistant', content: 'Hello' });
    expect(r.usage.total_tokens).toBe(9);
  });
});

describe('errors', () => {
  it('after the first chunk: NDJSON ends with an {"error"} line, status 200', async () => {
    script = failsAfter('Hel');
    const res = await post('/api/chat', chat);
    expect(res.status).toBe(200);
    const lines = await ndjson(res);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({ error: 'the model runner for m:latest was killed by SIGKILL' });
  });

  it('after the first chunk: SSE ends with an OpenAI error event and no [DONE]', async () => {
    script = failsAfter('Hel');
    const events = await sse(await post('/v1/chat/completions', { ...chat, stream: true }));
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1]!.slice('data: '.length))).toEqual({
      error: {
        message: 'the model runner for m:latest was killed by SIGKILL',
        type: 'api_error',
        param: null,
        code: null,
      },
    });
  });

  it('after the first chunk: /v1/messages ends with an Anthropic error event, which the SDK raises', async () => {
    script = failsAfter('Hel');
    const client = new Anthropic({ baseURL: manager.url, apiKey: 'unused', maxRetries: 0 });
    const stream = client.messages.stream({ model: 'm', max_tokens: 8, messages: chat.messages as [] });
    const seen: string[] = [];
    const raised = await (async () => {
      try {
        for await (const e of stream) seen.push(e.type);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(seen).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(raised).toBeInstanceOf(Anthropic.APIError);
    expect(raised!.message).toMatch(/killed by SIGKILL/);
    const events = await sse(await post('/v1/messages', { ...chat, max_tokens: 8, stream: true }));
    expect(events.at(-1)).toMatch(
      /^event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"the model runner/,
    );
  });

  it('after the first chunk: /v1/responses ends with an error event, which the openai SDK raises', async () => {
    script = failsAfter('Hel');
    const client = new OpenAI({ baseURL: `${manager.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const seen: string[] = [];
    const raised = await (async () => {
      try {
        for await (const e of await client.responses.create({ model: 'm', input: 'Hi', stream: true }))
          seen.push(e.type);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(seen.at(-1)).toBe('response.output_text.delta');
    expect(raised).toBeInstanceOf(OpenAI.APIError);
    expect(raised!.message).toMatch(/killed by SIGKILL/);
  });

  it.each([
    ['/api/chat', { error: 'the model runner for m:latest was killed by SIGKILL' }],
    [
      '/v1/chat/completions',
      { error: expect.objectContaining({ message: 'the model runner for m:latest was killed by SIGKILL' }) },
    ],
  ])('before the first chunk (%s): a 500 in the API shape, nothing streamed', async (route, body) => {
    script = failsAfter();
    const res = await post(route, { ...chat, stream: true });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual(body);
  });
});

describe('the client leaves', () => {
  /** /metrics' count of answers with this status (the requests metric counts 499s for clients gone). */
  const answered = async (status: number) => {
    const samples = parsePrometheus(await (await fetch(`${manager.url}/metrics`)).text());
    return metricValue(samples, 'ownchat_http_requests_total', {
      route: '/api/chat',
      status: String(status),
    });
  };

  it('mid-stream: the generation is stopped and the model serves the next request', async () => {
    script = talksUntilStopped('Hel');
    const ac = new AbortController();
    const res = await post('/api/chat', chat, ac.signal);
    const reader = res.body!.getReader();
    await reader.read(); // the first chunk arrived: the 200 is out
    ac.abort();
    await expect.poll(() => signals[0]?.aborted).toBe(true);
    script = says('again');
    const lines = await ndjson(await post('/api/chat', chat));
    expect((lines[0]!.message as { content: string }).content).toBe('again');
  });

  // The 499 itself reaches nobody (the client is gone); /metrics counts it from the closed socket.
  it('before the first byte: the generation is stopped, counted as 499, and the next request served', async () => {
    const before = await answered(499);
    script = talksUntilStopped();
    const ac = new AbortController();
    const res = post('/api/chat', chat, ac.signal);
    await expect.poll(() => signals.length).toBe(1);
    ac.abort();
    await expect(res).rejects.toThrow(/abort/i);
    await expect.poll(() => signals[0]!.aborted).toBe(true);
    await expect.poll(() => answered(499)).toBe(before + 1);
    script = says('again');
    const next = (await (await post('/api/chat', { ...chat, stream: false })).json()) as Record<
      string,
      unknown
    >;
    expect(next.message).toEqual({ role: 'assistant', content: 'again' });
  });
});
