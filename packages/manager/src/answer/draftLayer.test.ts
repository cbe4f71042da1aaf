// A model with a draft layer (Ollama's DRAFT, /api/create's draft_files), through the whole server with real
// inference: the draft is shown in the modelfile, guesses by default (draft_num_predict 4, Ollama's rule) with
// the answer unchanged, is counted in the model's memory (/api/ps size), travels with copies, `from` and a
// registry push and pull; and every wrong create request is a 400 that says what to fix.
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  importModel,
  type ManagerWithModels,
  metricValue,
  ollamaClient,
  parsePrometheus,
  type Registry,
  sha256File,
  startManagerProcess,
  startManagerWithModels,
  startRegistry,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let setup: ManagerWithModels;
let draftPath: string;
let draftDigest: string;
const url = () => setup.manager.url;

beforeAll(async () => {
  setup = await startManagerWithModels(
    { det: 'det', chatty: 'chatty' },
    { prefix: 'draft-layer', env: { OLLAMA_NUM_PARALLEL: '1' } },
  );
  // Another file with the target's vocabulary and answer (other random weights off the chain): sure of every
  // token, so its guesses are right, as a good draft's mostly are.
  draftPath = (await writeDeterministicModel(path.join(setup.dir, 'draft.gguf'), { shape: { seed: 2 } }))
    .path;
  draftDigest = await sha256File(draftPath);
  await importModel(url(), 'spec', setup.files.det!, { draft: draftPath });
});

afterAll(() => setup?.stop());

const post = (route: string, body: unknown) =>
  fetch(`${url()}${route}`, { method: 'POST', body: JSON.stringify(body) });

const accepted = async (model: string) =>
  metricValue(parsePrometheus(await (await fetch(`${url()}/metrics`)).text()), 'ownchat_draft_tokens_total', {
    model,
    outcome: 'accepted',
  }) ?? 0;

/** A greedy chat; `options` beyond temperature are ownchat's and Ollama's newer ones the client's type lacks. */
const ask = (model: string, options: Record<string, number> = {}) =>
  ollamaClient(url()).chat({
    model,
    messages: [{ role: 'user', content: 'Hello' }],
    options: { temperature: 0, ...options } as Record<string, number>,
  });

const blobPath = (digest: string) => path.join(setup.manager.modelsDir, 'blobs', digest.replace(':', '-'));

describe('a model with a draft layer', () => {
  it('has the layer in its manifest and DRAFT <path> after FROM in its modelfile', async () => {
    const show = await ollamaClient(url()).show({ model: 'spec' });
    const lines = show.modelfile.split('\n');
    const from = lines.findIndex((l) => l.startsWith('FROM '));
    expect(lines[from + 1]).toBe(`DRAFT ${blobPath(draftDigest)}`);
    const manifest = JSON.parse(
      await fs.readFile(
        path.join(setup.manager.modelsDir, 'manifests/registry.ollama.ai/library/spec/latest'),
        'utf8',
      ),
    ) as { layers: { mediaType: string; digest: string }[]; config: { digest: string } };
    expect(manifest.layers.filter((l) => l.mediaType === 'application/vnd.ollama.image.draft')).toEqual([
      expect.objectContaining({ digest: draftDigest }),
    ]);
    const config = JSON.parse(await fs.readFile(blobPath(manifest.config.digest), 'utf8'));
    expect(config.draft).toEqual({ model_format: 'gguf', architecture: 'llama' });
    // A model without one has no DRAFT line.
    expect((await ollamaClient(url()).show({ model: 'det' })).modelfile).not.toMatch(/^DRAFT /m);
  });

  it('guesses with its draft by default (draft_num_predict 4), answering as the model does without it', async () => {
    const plain = await ask('det');
    expect(await accepted('det:latest')).toBe(0); // no draft: no guessing unless asked
    const before = await accepted('spec:latest');
    const fast = await ask('spec');
    expect(fast.message.content).toBe(plain.message.content);
    expect(fast.eval_count).toBe(plain.eval_count);
    expect(await accepted('spec:latest')).toBeGreaterThan(before);
    // draft_num_predict 0 turns it off for a request; draft_max (the older name) is read the same way.
    for (const off of [{ draft_num_predict: 0 }, { draft_max: 0 }] as Record<string, number>[]) {
      const was = await accepted('spec:latest');
      expect((await ask('spec', off)).message.content).toBe(plain.message.content);
      expect(await accepted('spec:latest')).toBe(was);
    }
  });

  it("counts the draft's memory in the model's size in /api/ps", async () => {
    const loadedSize = async (model: string) => {
      await ask(model);
      const ps = await ollamaClient(url()).ps();
      return ps.models.find((m) => m.name === `${model}:latest`)!.size;
    };
    const without = await loadedSize('det');
    const withDraft = await loadedSize('spec');
    // The draft is the same shape as the model, with the same context: it about doubles what is counted.
    expect(withDraft).toBeGreaterThan(without * 1.5);
    expect(Number.isInteger(withDraft)).toBe(true);
  });

  it('keeps its draft through copy and `from`, and PARAMETER draft_num_predict 0 turns the default off', async () => {
    expect((await post('/api/copy', { source: 'spec', destination: 'spec-copy' })).status).toBe(200);
    expect((await ollamaClient(url()).show({ model: 'spec-copy' })).modelfile).toContain(
      `DRAFT ${blobPath(draftDigest)}`,
    );
    const res = await post('/api/create', {
      model: 'spec-quiet',
      from: 'spec',
      parameters: { draft_num_predict: 0 },
      stream: false,
    });
    expect(res.status).toBe(200);
    const show = await ollamaClient(url()).show({ model: 'spec-quiet' });
    expect(show.modelfile).toContain(`DRAFT ${blobPath(draftDigest)}`);
    expect(show.parameters).toMatch(/^draft_num_predict\s+0$/m);
    const was = await accepted('spec-quiet:latest');
    await ask('spec-quiet');
    expect(await accepted('spec-quiet:latest')).toBe(was);
    await ask('spec-quiet', { draft_num_predict: 4 });
    expect(await accepted('spec-quiet:latest')).toBeGreaterThan(was);
  });

  it('travels through a registry: push sends the draft blob and pull fetches it', async () => {
    let registry: Registry | undefined;
    try {
      registry = await startRegistry();
      const remote = `${registry.host}/team/spec:v1`;
      expect((await post('/api/copy', { source: 'spec', destination: remote })).status).toBe(200);
      const pushed = await post('/api/push', { model: remote, insecure: true, stream: false });
      expect(pushed.status).toBe(200);
      // Pulled into an empty store: only the registry can give it the draft.
      const other = await startManagerProcess();
      try {
        const pull = await fetch(`${other.url}/api/pull`, {
          method: 'POST',
          body: JSON.stringify({ model: remote, insecure: true }),
        });
        const lines = (await pull.text())
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        const size = (await fs.stat(draftPath)).size;
        expect(lines).toContainEqual({
          status: `pulling ${draftDigest.slice(7, 19)}`,
          digest: draftDigest,
          total: size,
          completed: size,
        });
        expect(lines.at(-1)).toEqual({ status: 'success' });
        const blob = path.join(other.modelsDir, 'blobs', draftDigest.replace(':', '-'));
        expect(await sha256File(blob)).toBe(draftDigest);
        const show = await ollamaClient(other.url).show({ model: remote });
        expect(show.modelfile).toContain(`DRAFT ${blob}`);
      } finally {
        await other.stop();
        await fs.rm(other.modelsDir, { recursive: true, force: true });
      }
    } finally {
      await registry?.stop();
    }
  });
});

describe('creating a model with draft_files', () => {
  const upload = async (file: string) => {
    const digest = await sha256File(file);
    const res = await fetch(`${url()}/api/blobs/${digest}`, {
      method: 'POST',
      body: await fs.readFile(file),
    });
    expect([200, 201]).toContain(res.status);
    return digest;
  };

  it.each([
    [
      'draft_quantize without a draft (Ollama’s words)',
      { from: 'det', draft_quantize: 'q8_0' },
      /^--draft-quantize requires a DRAFT model$/,
    ],
    [
      'draft_quantize with a draft (nothing is quantized here)',
      { from: 'det', draft_files: { 'draft.gguf': 'DRAFT' }, draft_quantize: 'q8_0' },
      /draft_quantize "q8_0" is not supported: this server does not quantize models; quantize the draft GGUF first/,
    ],
    [
      'a draft_num_predict past the limit',
      { from: 'det', parameters: { draft_num_predict: 99 } },
      /parameters\.draft_num_predict 99 is not valid: use 0 \(no speculative decoding\) to 32 tokens guessed ahead/,
    ],
    [
      'a draft blob not uploaded',
      { from: 'det', draft_files: { 'draft.gguf': `sha256:${'0'.repeat(64)}` } },
      /blob sha256:0{64} for draft\.gguf is not in the store: upload it first/,
    ],
    [
      'a draft that is not a GGUF file name',
      { from: 'det', draft_files: { 'draft.safetensors': `sha256:${'0'.repeat(64)}` } },
      /draft_files must name GGUF files/,
    ],
  ])('refuses %s with a 400', async (_what, fields, message) => {
    const body = { model: 'bad-draft', stream: false, ...fields } as Record<string, unknown>;
    if ((body.draft_files as Record<string, string> | undefined)?.['draft.gguf'] === 'DRAFT') {
      body.draft_files = { 'draft.gguf': await upload(draftPath) };
    }
    const res = await post('/api/create', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('refuses a draft of another vocabulary, and two drafts, naming what is wrong', async () => {
    const chatty = await upload(setup.files.chatty!);
    const other = await post('/api/create', {
      model: 'bad-draft',
      from: 'det',
      draft_files: { 'chatty.gguf': chatty },
      stream: false,
    });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: string }).error).toMatch(
      /^the draft model chatty\.gguf cannot guess for this model: it has 32000 tokens and the model \d+\. A draft must share its model's tokenizer/,
    );
    const two = await post('/api/create', {
      model: 'bad-draft',
      from: 'det',
      draft_files: { 'a.gguf': draftDigest, 'b.gguf': chatty },
      stream: false,
    });
    expect(two.status).toBe(400);
    expect(((await two.json()) as { error: string }).error).toMatch(
      /draft_files must hold one model GGUF \(the draft model\)/,
    );
    expect((await post('/api/show', { model: 'bad-draft' })).status).toBe(404);
  });
});
