// The Ollama API contract, route by route, through the official client and raw HTTP. It runs against the
// llm-manager it starts, or against any server named by OWNCHAT_CONTRACT_HOST (a real Ollama, say), so the same
// tests tell whether the two answer alike. Models are made the way `ollama create` makes them (blob upload and
// /api/create), which both servers support; the deterministic model answers one known sentence through real
// inference whenever the prompt ends where an assistant turn begins.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  importModel,
  type ManagerProcess,
  ollamaClient,
  startManagerProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHATML = `{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ .Content }}{{ if not $last }}<|im_end|>
{{ end }}
{{- end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}`;

const FIM = '<|im_start|>user\n{{ .Prompt }}<fill>{{ .Suffix }}<|im_end|>\n<|im_start|>assistant\n';

const TOOLS = `{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}{{ if .Tools }}<|im_start|>system
{{ range .Tools }}{{ json . }}{{ end }}<|im_end|>
{{ end }}<|im_start|>assistant
`;

let server: ManagerProcess | undefined;
let url: string;
let dir: string;
const suffix = `-${process.pid}`; // own names, in case the target server is shared
const m = (name: string) => `contract-${name}${suffix}`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-contract-'));
  const gguf = (await writeDeterministicModel(path.join(dir, 'det.gguf'))).path;
  if (process.env.OWNCHAT_CONTRACT_HOST) url = process.env.OWNCHAT_CONTRACT_HOST.replace(/\/$/, '');
  else {
    server = await startManagerProcess();
    url = server.url;
  }
  await importModel(url, m('chatml'), gguf, { template: CHATML, system: 'You answer in one sentence.' });
  await importModel(url, m('fim'), gguf, { template: FIM });
  await importModel(url, m('tools'), gguf, { template: TOOLS });
});

afterAll(async () => {
  const client = ollamaClient(url);
  for (const name of ['chatml', 'fim', 'tools', 'copy'])
    await client.delete({ model: m(name) }).catch(() => {});
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

const post = async (route: string, body: unknown) => {
  const res = await fetch(`${url}${route}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text.split('\n')[0]!) : undefined, text };
};

describe('the Ollama API contract', () => {
  it('GET / and /api/version', async () => {
    expect(await (await fetch(`${url}/`)).text()).toBe('Ollama is running');
    expect((await ollamaClient(url).version()).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('generates through a model template layer, with its system prompt', async () => {
    const r = await ollamaClient(url).generate({ model: m('chatml'), prompt: 'Hello' });
    expect(r.response).toBe(DETERMINISTIC_ANSWER);
    expect(r.context?.length).toBeGreaterThan(r.prompt_eval_count);
  });

  it('raw: true sends the prompt as it is, without template or system prompt', async () => {
    const client = ollamaClient(url);
    const raw = await client.generate({ model: m('chatml'), prompt: 'Hello\n', raw: true });
    expect(raw.response).toBe(DETERMINISTIC_ANSWER); // the prompt ends in "\n" like an assistant turn
    const templated = await client.generate({ model: m('chatml'), prompt: 'Hello\n' });
    expect(raw.prompt_eval_count).toBeLessThan(templated.prompt_eval_count);
  });

  it('a request template and system replace the model’s', async () => {
    const client = ollamaClient(url);
    const r = await client.generate({
      model: m('chatml'),
      prompt: 'Hi',
      template: '{{ .System }}:{{ .Prompt }}',
      system: 'S',
    });
    // "S:Hi" does not end where an answer begins, so the answer is not the sentence; and it is 4 tokens long.
    expect(r.response).not.toBe(DETERMINISTIC_ANSWER);
    expect(r.prompt_eval_count).toBe(4);
  });

  it('context carries a conversation into the next /api/generate', async () => {
    const client = ollamaClient(url);
    const first = await client.generate({ model: m('chatml'), prompt: 'One' });
    const second = await client.generate({ model: m('chatml'), prompt: 'One', context: first.context });
    expect(second.response).toBe(DETERMINISTIC_ANSWER);
    expect(second.prompt_eval_count).toBe(first.context!.length + first.prompt_eval_count);
  });

  it('suffix fills in the middle with a template that has .Suffix, and is refused otherwise', async () => {
    const r = await ollamaClient(url).generate({ model: m('fim'), prompt: 'def f(', suffix: '): pass' });
    expect(r.response).toBe(DETERMINISTIC_ANSWER);
    const refused = await post('/api/generate', { model: m('chatml'), prompt: 'x', suffix: 'y' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/does not support insert/);
  });

  it('chat renders the conversation with the template, and tools where the template has them', async () => {
    const client = ollamaClient(url);
    const r = await client.chat({
      model: m('chatml'),
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'And now?' },
      ],
    });
    expect(r.message.content).toBe(DETERMINISTIC_ANSWER);
    const tool = {
      type: 'function',
      function: { name: 'get_time', description: 'Now', parameters: { type: 'object', properties: {} } },
    };
    const withTools = await client.chat({
      model: m('tools'),
      messages: [{ role: 'user', content: 'Time?' }],
      tools: [tool],
    });
    expect(withTools.message.content).toBe(DETERMINISTIC_ANSWER);
    const refused = await post('/api/chat', {
      model: m('chatml'),
      messages: [{ role: 'user', content: 'x' }],
      tools: [tool],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/does not support tools/);
  });

  it('format: a JSON schema is enforced by grammar', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    const r = await ollamaClient(url).generate({
      model: m('chatml'),
      prompt: 'Answer',
      format: schema,
      options: { num_predict: 64 },
    });
    expect(JSON.parse(String(r.response))).toEqual({ ok: expect.any(Boolean) });
    const bad = await post('/api/generate', { model: m('chatml'), prompt: 'x', format: 'yaml' });
    expect(bad.status).toBe(400);
  });

  it('format: an integer schema gives integers as llama.cpp writes them (no exponent, at most 16 digits)', async () => {
    // node-llama-cpp's own grammar let "6266811e89384" through, which JSON.parse reads as Infinity. The model
    // here gives every digit the same chance, so each seed draws a different number.
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = await ollamaClient(url).generate({
        model: m('chatml'),
        prompt: 'A number',
        format: { type: 'integer' },
        options: { seed, temperature: 1, num_predict: 24 },
      });
      expect(String(r.response).trim()).toMatch(/^-?(0|[1-9][0-9]{0,15})$/);
      expect(Number.isFinite(JSON.parse(String(r.response)))).toBe(true);
    }
  });

  it('format: "json" constrains the output to JSON', async () => {
    const r = await ollamaClient(url).chat({
      model: m('chatml'),
      messages: [{ role: 'user', content: 'JSON please' }],
      format: 'json',
      options: { num_predict: 8 },
    });
    expect(r.message.content.trimStart()).toMatch(/^[{[]/);
  });

  it('/api/embed returns one unit-length vector per input; /api/embeddings the raw vector', async () => {
    const client = ollamaClient(url);
    const many = await client.embed({ model: m('chatml'), input: ['first text', 'second text'] });
    expect(many.embeddings).toHaveLength(2);
    const dims = many.embeddings[0]!.length;
    expect(dims).toBeGreaterThan(0);
    for (const v of many.embeddings) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const one = await client.embed({ model: m('chatml'), input: 'first text' });
    expect(one.embeddings[0]).toEqual(many.embeddings[0]);
    const legacy = await client.embeddings({ model: m('chatml'), prompt: 'first text' });
    expect(legacy.embedding).toHaveLength(dims);
    const norm = Math.hypot(...legacy.embedding);
    expect(legacy.embedding.map((x) => x / norm)[0]).toBeCloseTo(many.embeddings[0]![0]!, 5);
    const long = await post('/api/embed', {
      model: m('chatml'),
      input: 'word '.repeat(5000),
      truncate: false,
    });
    expect(long.status).toBe(400);
    // Ollama's words (server/routes.go EmbedHandler); ours add the numbers after them.
    expect(long.body.error).toMatch(/^the input length exceeds the context length/);
    const truncated = await post('/api/embed', { model: m('chatml'), input: 'word '.repeat(5000) });
    expect(truncated.status).toBe(200);
  });

  it('/api/embed keeps the first `dimensions` values of each vector, normalised again', async () => {
    const full = await post('/api/embed', { model: m('chatml'), input: ['first text', 'second text'] });
    const cut = await post('/api/embed', {
      model: m('chatml'),
      input: ['first text', 'second text'],
      dimensions: 32,
    });
    expect(cut.status).toBe(200);
    for (const [i, v] of (cut.body.embeddings as number[][]).entries()) {
      expect(v).toHaveLength(32);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      const head = (full.body.embeddings as number[][])[i]!.slice(0, 32);
      const norm = Math.hypot(...head);
      for (const [j, x] of v.entries()) expect(x).toBeCloseTo(head[j]! / norm, 5);
    }
    // Zero, or more than the model has: the whole vector, as Ollama ignores them.
    for (const dimensions of [0, 100_000]) {
      const same = await post('/api/embed', { model: m('chatml'), input: 'first text', dimensions });
      expect(same.body.embeddings[0]).toHaveLength(full.body.embeddings[0].length);
    }
    const bad = await post('/api/embed', { model: m('chatml'), input: 'first text', dimensions: 1.5 });
    expect(bad.status).toBe(400);
  });

  it('/api/show tells the template, system, capabilities and model_info', async () => {
    const client = ollamaClient(url);
    const s = await client.show({ model: m('fim') });
    expect(s.template).toBe(FIM);
    expect(s.capabilities).toEqual(expect.arrayContaining(['completion', 'insert']));
    expect((await client.show({ model: m('tools') })).capabilities).toContain('tools');
    const chatml = await client.show({ model: m('chatml') });
    expect(chatml.system).toBe('You answer in one sentence.');
    expect((chatml.model_info as unknown as Record<string, unknown>)['general.architecture']).toBe('llama');
  });

  it('create keeps a license and MESSAGE conversation, which every chat then starts from', async () => {
    const client = ollamaClient(url);
    const messages = [
      { role: 'user', content: 'Who are you?' },
      { role: 'assistant', content: 'A test model.' },
    ];
    await client.create({ model: m('copy'), from: m('chatml'), license: 'MIT, for tests', messages });
    const s = await client.show({ model: m('copy') });
    expect(s.license).toBe('MIT, for tests');
    expect((s as unknown as { messages: unknown }).messages).toEqual(messages);
    const ask = [{ role: 'user', content: 'Hi' }];
    const plain = await client.chat({ model: m('chatml'), messages: ask });
    const primed = await client.chat({ model: m('copy'), messages: ask });
    expect(primed.message.content).toBe(DETERMINISTIC_ANSWER);
    expect(primed.prompt_eval_count).toBeGreaterThan(plain.prompt_eval_count + 10);
    await client.delete({ model: m('copy') });
  });

  it('copy and delete', async () => {
    const client = ollamaClient(url);
    await client.copy({ source: m('chatml'), destination: m('copy') });
    expect((await client.list()).models.map((x) => x.name)).toContain(`${m('copy')}:latest`);
    await client.delete({ model: m('copy') });
    expect((await client.list()).models.map((x) => x.name)).not.toContain(`${m('copy')}:latest`);
    expect((await post('/api/copy', { source: m('missing'), destination: 'x' })).status).toBe(404);
  });

  it('keep_alive: a duration string sets when the model unloads; 0 unloads it', async () => {
    const client = ollamaClient(url);
    await client.generate({ model: m('chatml'), prompt: '', keep_alive: '10m' });
    const ps = (await client.ps()).models.find((x) => x.name === `${m('chatml')}:latest`);
    const inMinutes = (Date.parse(ps!.expires_at as unknown as string) - Date.now()) / 60_000;
    expect(inMinutes).toBeGreaterThan(9);
    expect(inMinutes).toBeLessThanOrEqual(10);
    const unload = await post('/api/generate', { model: m('chatml'), keep_alive: 0 });
    expect(unload.body.done_reason).toBe('unload');
    await expect
      .poll(async () => (await client.ps()).models.map((x) => x.name))
      .not.toContain(`${m('chatml')}:latest`);
  });
});
