// Issue 19's regression tests, one per class, against a real `ownchat serve` with a real model: what one
// request asks (a looping template, a GGUF header that lies, options past the machine, a huge or deeply nested
// body, values of the wrong type) is that request's 4xx, quickly, and the server goes on answering.
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  sha256File,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let setup: ManagerWithModels;
let server: ManagerProcess;

beforeAll(async () => {
  setup = await startManagerWithModels(
    { det: 'det' },
    { prefix: 'hardening', env: { OWNCHAT_MAX_BODY_SIZE: '4MiB' } },
  );
  server = setup.manager;
});

afterAll(() => setup?.stop());

const post = (route: string, body: unknown) =>
  fetch(`${server.url}${route}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function refused(res: Response, status: number, pattern: RegExp): Promise<void> {
  const body = (await res.json()) as { error?: string };
  expect({ status: res.status, error: body.error }).toMatchObject({ status });
  expect(body.error).toMatch(pattern);
}

/** The server still gives a real answer through real inference. */
async function stillAnswers(): Promise<void> {
  const res = await post('/api/chat', {
    model: 'det',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: false,
    options: { num_thread: 1 },
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { message: { content: string } }).message.content).toBe(DETERMINISTIC_ANSWER);
}

/** The server process's resident memory, from /proc (Linux). */
function rss(): number {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

describe('template limits over HTTP', () => {
  const looping = '{{range $i := 99999999999}}x{{end}}';

  it('refuses a 60-byte looping template on /api/generate with 400 naming the limit, and answers after', async () => {
    const started = Date.now();
    const res = await post('/api/generate', { model: 'det', prompt: 'Hi', template: looping, stream: false });
    await refused(res, 400, /^template: the template ran more than 1000000 steps/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await stillAnswers();
  });

  it('refuses it on /api/create, so it is never stored', async () => {
    await refused(
      await post('/api/create', { model: 'looping', from: 'det', template: looping, stream: false }),
      400,
      /more than 1000000 steps/,
    );
    const tags = (await (await fetch(`${server.url}/api/tags`)).json()) as { models: { name: string }[] };
    expect(tags.models.map((m) => m.name)).not.toContain('looping:latest');
  });

  it('refuses a template nested deeper than the limit (no stack overflow)', async () => {
    const deep = `${'{{if 1}}'.repeat(20_000)}${'{{end}}'.repeat(20_000)}`;
    await refused(
      await post('/api/generate', { model: 'det', prompt: 'Hi', template: deep, stream: false }),
      400,
      /more than 100 deep/,
    );
  });
});

describe('a GGUF whose header lies', () => {
  it('is refused by /api/create in milliseconds without the server growing', async () => {
    // 24 bytes: the magic, version 3, and 2^60 tensors and metadata keys.
    const file = path.join(setup.dir, 'liar.gguf');
    const bytes = Buffer.alloc(24);
    bytes.write('GGUF', 0, 'latin1');
    bytes.writeUInt32LE(3, 4);
    bytes.writeBigUInt64LE(2n ** 60n, 8);
    bytes.writeBigUInt64LE(2n ** 60n, 16);
    await fs.writeFile(file, bytes);
    const digest = await sha256File(file);
    expect((await fetch(`${server.url}/api/blobs/${digest}`, { method: 'POST', body: bytes })).status).toBe(
      201,
    );
    const before = rss();
    const started = Date.now();
    const res = await post('/api/create', { model: 'liar', files: { 'liar.gguf': digest }, stream: false });
    const took = Date.now() - started;
    await refused(res, 400, /liar\.gguf is not a valid GGUF file: its header claims \d+ tensors/);
    expect(took).toBeLessThan(2_000);
    expect(rss() - before).toBeLessThan(64 * 1024 * 1024);
    await stillAnswers();
  });
});

describe('options against the machine and the model', () => {
  it('refuses more threads than the server may use, naming the limit', async () => {
    await refused(
      await post('/api/generate', { model: 'det', prompt: 'Hi', options: { num_thread: 100_000 } }),
      400,
      /options\.num_thread 100000 is more than the \d+ CPUs/,
    );
  });

  it('refuses context token ids outside the vocabulary (checked in the runner), and the model goes on', async () => {
    await refused(
      await post('/api/generate', {
        model: 'det',
        prompt: 'Hi',
        context: [1, 99_999_999],
        stream: false,
        options: { num_thread: 1 },
      }),
      400,
      /token id 99999999, outside this model's vocabulary of \d+ tokens/,
    );
    await stillAnswers();
  });

  it('clamps a huge num_ctx to what the model was trained for, as Ollama does', async () => {
    const res = await post('/api/generate', {
      model: 'det',
      prompt: 'Hi',
      stream: false,
      options: { num_ctx: 2 ** 40, num_batch: 2 ** 40, num_predict: 2, num_thread: 1 },
    });
    expect(res.status).toBe(200);
    const ps = (await (await fetch(`${server.url}/api/ps`)).json()) as {
      models: { context_length: number }[];
    };
    expect(ps.models[0]!.context_length).toBeLessThan(2 ** 20);
  });
});

describe('bodies', () => {
  it('answers 413 naming the limit for a body past OWNCHAT_MAX_BODY_SIZE, and the client reads it', async () => {
    const res = await post('/api/chat', `{"model":"det","prompt":"${'a'.repeat(5 * 1024 * 1024)}"}`);
    await refused(res, 413, /larger than the limit of 4 MiB \(OWNCHAT_MAX_BODY_SIZE\)/);
  });

  it.each([
    [
      'format',
      (deep: unknown) => ({ model: 'det', messages: [{ role: 'user', content: 'Hi' }], format: deep }),
    ],
    ['tools', (deep: unknown) => ({ model: 'det', messages: [], tools: [deep] })],
  ])('refuses JSON nested 100,000 deep in %s with 400, and answers after', async (_field, body) => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const text = JSON.stringify(body('DEEP')).replace('"DEEP"', deep);
    await refused(await post('/api/chat', text), 400, /nests JSON more than 1000 levels deep/);
    await stillAnswers();
  });
});

describe('statuses as Ollama gives them', () => {
  it.each([
    ['/api/generate', { model: 5 }, /model must be a string/],
    ['/api/generate', { model: 'det', stream: 'yes' }, /stream must be true or false/],
    [
      '/api/generate',
      { model: 'det', options: { temperature: 'hot' } },
      /options\.temperature must be a number/,
    ],
    ['/api/chat', { model: 'det', messages: 'hi' }, /messages must be a list/],
    ['/api/chat', { model: 'det', messages: [{ role: 'user', content: 5 }] }, /messages\[0\]\.content/],
    ['/api/create', { model: 'x', from: 'det', parameters: [] }, /parameters must be a JSON object/],
    ['/api/show', { model: ['det'] }, /model must be a string/],
    ['/api/pull', { model: 'det', insecure: 'no' }, /insecure must be true or false/],
    ['/api/create', { model: 'x', from: 'det', license: 5 }, /license must be a string or a list of strings/],
    [
      '/api/chat',
      { model: 'det', messages: [{ role: 'user', content: 'Hi', images: 'abc' }] },
      /images must be a list/,
    ],
    ['/api/show', { model: 'det', verbose: 'yes' }, /verbose must be true or false/],
  ])('%s with a value of the wrong type is 400: %j', async (route, body, pattern) => {
    await refused(await post(route, body), 400, pattern);
  });

  it('takes null as absent on /api/create too', async () => {
    const res = await post('/api/create', {
      model: 'nulls',
      from: 'det',
      template: null,
      system: null,
      license: null,
      messages: null,
      parameters: null,
      stream: false,
    });
    expect(res.status).toBe(200);
  });

  it('takes null as absent', async () => {
    const res = await post('/api/generate', {
      model: 'det',
      prompt: 'Hi',
      stream: false,
      system: null,
      template: null,
      format: null,
      options: { num_predict: 2, num_thread: 1, temperature: null },
      keep_alive: null,
      context: null,
    });
    expect(res.status).toBe(200);
  });

  it("answers Ollama's integer fields as JSON integers on every route", async () => {
    const ints = new Set([
      'size',
      'size_vram',
      'context_length',
      'total_duration',
      'load_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
      'context',
      'completed',
      'total',
      'general.parameter_count',
    ]);
    const answers: [string, unknown][] = [];
    const get = async (route: string) =>
      answers.push([route, await (await fetch(`${server.url}${route}`)).json()]);
    const postJson = async (route: string, body: unknown) =>
      answers.push([route, await (await post(route, body)).json()]);
    await postJson('/api/generate', {
      model: 'det',
      prompt: 'Hi',
      stream: false,
      options: { num_thread: 1 },
    });
    await postJson('/api/chat', {
      model: 'det',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: false,
      options: { num_thread: 1 },
    });
    await postJson('/api/embed', { model: 'det', input: 'Hi', options: { num_thread: 1 } });
    await get('/api/tags');
    await get('/api/ps');
    await get('/api/version');
    await postJson('/api/show', { model: 'det' });
    const bad: string[] = [];
    const walk = (where: string, key: string, v: unknown) => {
      if (typeof v === 'number' && ints.has(key) && !Number.isInteger(v)) bad.push(`${where} ${key}=${v}`);
      if (Array.isArray(v)) for (const x of v) walk(where, key, x);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(where, k, x);
    };
    for (const [route, body] of answers) walk(route, '', body);
    expect(answers.find(([r]) => r === '/api/ps')?.[1]).toMatchObject({ models: [expect.anything()] });
    expect(bad).toEqual([]);
  });
});
