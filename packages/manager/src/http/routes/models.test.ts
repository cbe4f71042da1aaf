// Model management against a real server: create (from an uploaded GGUF or an existing model, with template,
// system and parameters), list, show, copy, delete and /api/ps, through the official client and raw HTTP.
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  importModel,
  type ManagerProcess,
  type ManagerWithModels,
  ollamaClient,
  sha256File,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let setup: ManagerWithModels;
let server: ManagerProcess;
let detPath: string;

beforeAll(async () => {
  setup = await startManagerWithModels(
    {
      det: {
        kind: 'det',
        system: 'You are terse.',
        parameters: { temperature: 0.3, stop: ['<|im_end|>'], num_ctx: 1024 },
      },
    },
    { prefix: 'models-test' },
  );
  server = setup.manager;
  detPath = setup.files.det!;
});

afterAll(() => setup?.stop());

const post = (route: string, body: unknown, method = 'POST') =>
  fetch(`${server.url}${route}`, { method, body: JSON.stringify(body) });

describe('model management', () => {
  it('lists a created model with its details, as /api/tags does', async () => {
    const { models } = await ollamaClient(server.url).list();
    const m = models.find((x) => x.name === 'det:latest');
    expect(m).toBeDefined();
    expect(m!.model).toBe('det:latest');
    expect(m!.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(m!.size).toBeGreaterThan((await fs.stat(detPath)).size);
    expect(m!.details).toMatchObject({
      format: 'gguf',
      family: 'llama',
      families: ['llama'],
      quantization_level: 'F32',
    });
    expect(m!.details.parameter_size).toMatch(/^\d+(\.\d+)?[KM]$/);
  });

  it('writes the store in Ollama layout', async () => {
    const manifest = JSON.parse(
      await fs.readFile(
        path.join(server.modelsDir, 'manifests/registry.ollama.ai/library/det/latest'),
        'utf8',
      ),
    );
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(manifest.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType).sort()).toEqual([
      'application/vnd.ollama.image.model',
      'application/vnd.ollama.image.params',
      'application/vnd.ollama.image.system',
    ]);
    const model = manifest.layers.find((l: { mediaType: string }) => l.mediaType.endsWith('.model'));
    expect(model.digest).toBe(await sha256File(detPath));
    await fs.access(path.join(server.modelsDir, 'blobs', model.digest.replace(':', '-')));
  });

  it('shows parameters, system, template, details, model_info and capabilities', async () => {
    const s = await ollamaClient(server.url).show({ model: 'det' });
    expect(s.system).toBe('You are terse.');
    expect(s.parameters).toMatch(/^temperature\s+0\.3$/m);
    expect(s.parameters).toMatch(/^stop\s+"<\|im_end\|>"$/m);
    expect(s.template).toContain('<|im_start|>');
    expect(s.modelfile).toMatch(/^FROM .*sha256-[0-9a-f]{64}$/m);
    expect(s.modelfile).toContain('SYSTEM """You are terse."""');
    expect(s.details.family).toBe('llama');
    // ollama-js types model_info as a Map; on the wire it is a JSON object.
    const info = s.model_info as unknown as Record<string, unknown>;
    expect(info['general.architecture']).toBe('llama');
    expect(info['llama.context_length']).toBe(2048);
    expect(info['tokenizer.ggml.tokens']).toBeNull(); // the vocabulary is left out, as Ollama does
    expect(s.capabilities).toContain('completion');
    // Older clients send `name`.
    const byName = await post('/api/show', { name: 'det' });
    expect(byName.status).toBe(200);
  });

  it('uses the model parameters: num_ctx from the params layer decides the context length', async () => {
    const client = ollamaClient(server.url);
    const r = await client.chat({ model: 'det', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.message.content).toBe(DETERMINISTIC_ANSWER);
    const loaded = (await client.ps()).models.find((m) => m.name === 'det:latest') as
      | { context_length?: number; size: number; digest: string }
      | undefined;
    expect(loaded?.context_length).toBe(1024);
    expect(loaded?.size).toBeGreaterThan(0);
    expect(loaded?.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('creates a model from an existing one, replacing its system prompt, streaming Ollama progress', async () => {
    const client = ollamaClient(server.url);
    const progress = await client.create({
      model: 'det-kind',
      from: 'det',
      system: 'Be kind.',
      stream: true,
    });
    const statuses: string[] = [];
    for await (const p of progress) statuses.push(p.status);
    expect(statuses[0]).toMatch(/^using existing layer sha256:/);
    expect(statuses).toContain('writing manifest');
    expect(statuses.at(-1)).toBe('success');
    expect((await client.show({ model: 'det-kind' })).system).toBe('Be kind.');
    expect((await client.show({ model: 'det' })).system).toBe('You are terse.');
  });

  it('copies and deletes, removing only blobs no other model uses', async () => {
    const client = ollamaClient(server.url);
    await client.copy({ source: 'det', destination: 'team/det-copy:v1' });
    expect((await client.list()).models.map((m) => m.name)).toContain('team/det-copy:v1');
    await client.delete({ model: 'team/det-copy:v1' });
    expect((await client.list()).models.map((m) => m.name)).not.toContain('team/det-copy:v1');
    // The shared model blob is still there for det.
    const blob = (await sha256File(detPath)).replace(':', '-');
    await fs.access(path.join(server.modelsDir, 'blobs', blob));
    // A model whose own system layer is used by nobody else loses it on delete.
    const manifest = JSON.parse(
      await fs.readFile(
        path.join(server.modelsDir, 'manifests/registry.ollama.ai/library/det-kind/latest'),
        'utf8',
      ),
    );
    const system = manifest.layers.find((l: { mediaType: string }) => l.mediaType.endsWith('.system'));
    await client.delete({ model: 'det-kind' });
    await expect(
      fs.access(path.join(server.modelsDir, 'blobs', system.digest.replace(':', '-'))),
    ).rejects.toThrow();
    const again = await post('/api/delete', { model: 'det-kind' }, 'DELETE');
    expect(again.status).toBe(404);
  });

  it.each([
    ['/api/show', { model: 'missing' }, 'POST', 404, /model 'missing' not found/],
    ['/api/copy', { source: 'missing', destination: 'x' }, 'POST', 404, /model 'missing' not found/],
    ['/api/copy', { source: 'det' }, 'POST', 400, /destination is required/],
    ['/api/create', { model: 'x' }, 'POST', 400, /neither 'from' nor 'files' was specified/],
    ['/api/create', { model: 'x', from: 'missing', stream: false }, 'POST', 404, /model 'missing' not found/],
    [
      '/api/create',
      { model: 'x', from: 'det', parser: 'qwen9' },
      'POST',
      400,
      /parser "qwen9" is not one this server has: use one of qwen3, qwen3-thinking, harmony, passthrough/,
    ],
    [
      '/api/create',
      { model: 'x', from: 'det', renderer: 'qwen9' },
      'POST',
      400,
      /renderer "qwen9" is not one this server has/,
    ],
    [
      '/api/create',
      { model: 'x', files: { 'm.gguf': `sha256:${'0'.repeat(64)}` }, stream: false },
      'POST',
      400,
      /is not in the store: upload it first with POST \/api\/blobs/,
    ],
    [
      '/api/create',
      { model: 'x', files: { 'm.safetensors': 'sha256:1' } },
      'POST',
      400,
      /files must name GGUF files/,
    ],
    [
      '/api/create',
      { model: 'x', from: 'det', parameters: { top_k: 'many' } },
      'POST',
      400,
      /parameters\.top_k must be a whole number/,
    ],
  ])('%s %j answers %s', async (route, body, method, status, message) => {
    const res = await post(route, body, method);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('refuses to create a model from a blob that is not a GGUF, writing no manifest', async () => {
    const bytes = Buffer.from('this is not a model at all, just text');
    const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(bytes).digest('hex')}`;
    expect((await fetch(`${server.url}/api/blobs/${digest}`, { method: 'POST', body: bytes })).status).toBe(
      201,
    );
    const res = await post('/api/create', { model: 'junk', files: { 'junk.gguf': digest }, stream: false });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe(
      'junk.gguf is not a GGUF file (it does not start with the GGUF magic)',
    );
    expect((await ollamaClient(server.url).list()).models.map((m) => m.name)).not.toContain('junk:latest');
  });

  it('fails a model llama.cpp cannot load with a clear 500, and keeps serving', async () => {
    // A valid GGUF header whose tensors are cut off: it passes the header check, the runner's load fails.
    const bytes = await fs.readFile(detPath);
    const broken = path.join(setup.dir, 'broken.gguf');
    await fs.writeFile(broken, bytes.subarray(0, Math.floor(bytes.length * 0.9)));
    await importModel(server.url, 'broken', broken);
    const res = await post('/api/chat', { model: 'broken', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(/^failed to load broken:latest: /);
    const ok = await ollamaClient(server.url).generate({ model: 'det', prompt: 'x' });
    expect(ok.response).toBe(DETERMINISTIC_ANSWER);
  });
});
