// /api/generate and /api/chat against a real `ownchat serve`, through the official ollama client and by raw HTTP,
// with real inference on GGUF files written by the testkit.
import fs from 'node:fs/promises';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  ollamaClient,
  sha256File,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let setup: ManagerWithModels;
let server: ManagerProcess;

beforeAll(async () => {
  setup = await startManagerWithModels({ det: 'det', chatty: 'chatty' }, { prefix: 'generate' });
  server = setup.manager;
});

afterAll(() => setup?.stop());

const post = (route: string, body: unknown) =>
  fetch(`${server.url}${route}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** The lines of an NDJSON body. */
async function lines(res: Response): Promise<Record<string, unknown>[]> {
  return (await res.text())
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

describe('chat through the ollama client', () => {
  it('answers the exact sentence with Ollama final statistics (stream: false)', async () => {
    const r = await ollamaClient(server.url).chat({
      model: 'det',
      messages: [{ role: 'user', content: 'Hi!' }],
    });
    expect(r.message).toEqual({ role: 'assistant', content: DETERMINISTIC_ANSWER });
    expect(r.done).toBe(true);
    expect(r.done_reason).toBe('stop');
    expect(r.model).toBe('det');
    expect(Number.isNaN(Date.parse(r.created_at as unknown as string))).toBe(false);
    expect(r.prompt_eval_count).toBeGreaterThan(5);
    expect(r.eval_count).toBeGreaterThanOrEqual(10);
    // Durations are nanoseconds: a whole answer takes well over a microsecond and well under an hour.
    for (const d of [r.total_duration, r.prompt_eval_duration, r.eval_duration]) {
      expect(d).toBeGreaterThan(1000);
      expect(d).toBeLessThan(3600e9);
    }
    expect(r.total_duration).toBeGreaterThanOrEqual(r.eval_duration + r.prompt_eval_duration);
  });

  it('streams the sentence token by token and ends with an empty done chunk', async () => {
    const stream = await ollamaClient(server.url).chat({
      model: 'det',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Tell me something.' },
      ],
      stream: true,
    });
    const parts: string[] = [];
    let last: { done: boolean; message: { content: string }; eval_count?: number } | undefined;
    for await (const chunk of stream) {
      if (!chunk.done) parts.push(chunk.message.content);
      last = chunk;
    }
    expect(parts.length).toBeGreaterThanOrEqual(10);
    expect(parts.join('')).toBe(DETERMINISTIC_ANSWER);
    expect(last?.done).toBe(true);
    expect(last?.message.content).toBe('');
  });

  it('honours num_predict (done_reason length) and stop sequences', async () => {
    const client = ollamaClient(server.url);
    const short = await client.generate({ model: 'det', prompt: 'Go', options: { num_predict: 3 } });
    expect(short.response).toBe('The quick brown');
    expect(short.done_reason).toBe('length');
    expect(short.eval_count).toBe(3);
    const stopped = await client.generate({ model: 'det', prompt: 'Go', options: { stop: [' fox'] } });
    expect(stopped.response).toBe('The quick brown');
    expect(stopped.done_reason).toBe('stop');
  });

  it('gives the same answer at any temperature, seed and sampling settings', async () => {
    const r = await ollamaClient(server.url).generate({
      model: 'det',
      prompt: 'Go',
      options: { temperature: 1.5, top_k: 100, top_p: 0.5, min_p: 0.01, seed: 42, repeat_penalty: 1.3 },
    });
    expect(r.response).toBe(DETERMINISTIC_ANSWER);
  });

  it('stops generating when the client aborts mid-stream, and serves the next request at once', async () => {
    const client = ollamaClient(server.url);
    const stream = await client.generate({
      model: 'chatty',
      prompt: 'Talk forever.',
      stream: true,
      options: { num_predict: 1_000_000, temperature: 0 },
    });
    let chunks = 0;
    await expect(
      (async () => {
        for await (const _ of stream) {
          if (++chunks === 5) stream.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    // Chunks already buffered when abort() was called may still be read; the stream ends soon after.
    expect(chunks).toBeGreaterThanOrEqual(5);
    expect(chunks).toBeLessThan(100);
    // Had the runner kept going, this would wait behind a million tokens (one generation at a time per model).
    const next = await client.generate({ model: 'chatty', prompt: 'Hi', options: { num_predict: 4 } });
    expect(next.eval_count).toBe(4);
    // Noticed at the next token: under load that can take over a second.
    await expect
      .poll(() => server.output(), { timeout: 15_000 })
      .toMatch(/client went away: generation stopped/);
  });

  it('fails the request of a runner killed mid-answer with an error line, then serves the next one', async () => {
    const client = ollamaClient(server.url);
    const stream = await client.generate({
      model: 'chatty',
      prompt: 'Talk forever.',
      stream: true,
      options: { num_predict: 1_000_000, temperature: 0 },
    });
    let killed = 0;
    const consume = (async () => {
      for await (const _ of stream) {
        if (!killed) killed = await killRunners(server.child.pid!, setup.files.chatty!);
      }
    })();
    await expect(consume).rejects.toThrow(/model runner for chatty:latest was killed by SIGKILL/);
    expect(killed).toBe(1);
    const again = await client.chat({ model: 'det', messages: [{ role: 'user', content: 'Still there?' }] });
    expect(again.message.content).toBe(DETERMINISTIC_ANSWER);
    const after = await client.generate({ model: 'chatty', prompt: 'Hi', options: { num_predict: 2 } });
    expect(after.eval_count).toBe(2);
  });
});

describe('raw HTTP, as clients other than ollama-js send it', () => {
  it('streams NDJSON when the body has no stream field', async () => {
    const res = await post('/api/generate', { model: 'det', prompt: 'Hello' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const all = await lines(res);
    expect(all.length).toBeGreaterThan(2);
    expect(
      all
        .slice(0, -1)
        .map((l) => l.response)
        .join(''),
    ).toBe(DETERMINISTIC_ANSWER);
    const final = all.at(-1)!;
    expect(final).toMatchObject({ done: true, done_reason: 'stop', response: '' });
    for (const k of [
      'total_duration',
      'load_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
    ]) {
      expect(typeof final[k], k).toBe('number');
    }
  });

  it('accepts `name` instead of `model`, any content type, and ignores unknown options', async () => {
    const res = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, // what curl -d sends
      body: JSON.stringify({
        name: 'det',
        messages: [{ role: 'user', content: 'x' }],
        stream: false,
        options: { no_such_option: 1, mirostat: 2 },
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { message: { content: string } }).message.content).toBe(
      DETERMINISTIC_ANSWER,
    );
  });

  it.each([
    ['a body that is not JSON', '{"model": "det", ', 400, /invalid JSON in the request body/],
    ['an empty body', '', 400, /missing request body/],
    ['a JSON array', '[1,2]', 400, /must be a JSON object/],
    ['no model', { prompt: 'x' }, 400, /^model is required$/],
    ['a model that is not a string', { model: 5 }, 400, /model must be a string/],
    ['an unknown model', { model: 'nope:1b', prompt: 'x' }, 404, /^model 'nope:1b' not found$/],
    ['an invalid model name', { model: 'no pe', prompt: 'x' }, 400, /invalid model name/],
    [
      'an option of the wrong type',
      { model: 'det', prompt: 'x', options: { temperature: 'hot' } },
      400,
      /options\.temperature must be a number/,
    ],
    [
      'options that are not an object',
      { model: 'det', prompt: 'x', options: [1] },
      400,
      /options must be an object/,
    ],
    [
      'a bad keep_alive',
      { model: 'det', prompt: 'x', keep_alive: 'soon' },
      400,
      /keep_alive: "soon" is not a duration/,
    ],
    [
      'a stream flag that is not boolean',
      { model: 'det', prompt: 'x', stream: 'yes' },
      400,
      /stream must be true or false/,
    ],
  ])('answers %s with %i and a message', async (_what, body, status, message) => {
    const res = await post('/api/generate', body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it.each([
    [{ model: 'det', messages: 'hi' }, /messages must be a list/],
    [{ model: 'det', messages: [{ role: 'wizard', content: 'x' }] }, /messages\[0\]\.role must be one of/],
    [{ model: 'det', messages: [{ role: 'user', content: 5 }] }, /messages\[0\]\.content must be a string/],
  ])('rejects malformed chat messages %j', async (body, message) => {
    const res = await post('/api/chat', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('loads with an empty prompt (done_reason load) and unloads with keep_alive 0 (done_reason unload)', async () => {
    const client = ollamaClient(server.url);
    const load = await post('/api/generate', { model: 'det', keep_alive: -1 });
    expect(await load.json()).toMatchObject({ model: 'det', done: true, done_reason: 'load', response: '' });
    const loaded = (await client.ps()).models.find((m) => m.name === 'det:latest') as PsModel | undefined;
    expect(loaded?.context_length).toBe(2048);
    expect(loaded?.size_vram).toBe(0);
    expect(new Date(loaded!.expires_at as unknown as string).getFullYear()).toBeGreaterThan(2100);
    const unload = await post('/api/chat', { model: 'det', messages: [], keep_alive: 0 });
    expect(await unload.json()).toMatchObject({
      done: true,
      done_reason: 'unload',
      message: { content: '' },
    });
    await expect.poll(async () => (await client.ps()).models.map((m) => m.name)).not.toContain('det:latest');
  });

  it('unloads a model right after the request when keep_alive is 0', async () => {
    const client = ollamaClient(server.url);
    const r = await client.generate({ model: 'det', prompt: 'x', keep_alive: 0 });
    expect(r.response).toBe(DETERMINISTIC_ANSWER);
    await expect.poll(async () => (await client.ps()).models.map((m) => m.name)).not.toContain('det:latest');
  });
});

// ollama-js 0.6.4 lacks context_length in its ModelResponse type; the server sends it.
type PsModel = Awaited<ReturnType<ReturnType<typeof ollamaClient>['ps']>>['models'][number] & {
  context_length: number;
};

/**
 * SIGKILLs the manager's runner (child process) that has this model file mapped, leaving other models' runners
 * alone; returns how many it killed.
 */
async function killRunners(managerPid: number, ggufPath: string): Promise<number> {
  const blob = (await sha256File(ggufPath)).replace(':', '-');
  let n = 0;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== managerPid) continue;
    const maps = await fs.readFile(`/proc/${entry}/maps`, 'utf8').catch(() => '');
    if (maps.includes(blob)) {
      process.kill(Number(entry), 'SIGKILL');
      n++;
    }
  }
  return n;
}
