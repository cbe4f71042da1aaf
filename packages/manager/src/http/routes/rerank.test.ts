// /api/rerank and /v1/rerank against a real `ownchat serve` (with an API key) and real llama.cpp inference on the
// deterministic test reranker, whose scores are known in advance: testRerankerScore(n), n the count of the most
// repeated known word over query and document (1: no query word in the document, 2: one shared, 3: twice).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  importModel,
  type ManagerProcess,
  startManagerProcess,
  testRerankerScore,
  writeDeterministicModel,
  writeTestReranker,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEY = 'sk-ownchat-rerank-7c2d';
let dir: string;
let server: ManagerProcess;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-rerank-'));
  const reranker = await writeTestReranker(path.join(dir, 'reranker.gguf'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  const setup = await startManagerProcess();
  await importModel(setup.url, 'reranker', reranker.path);
  await importModel(setup.url, 'det', det.path);
  await setup.stop();
  server = await startManagerProcess({ modelsDir: setup.modelsDir, env: { OWNCHAT_API_KEYS: KEY } });
});

afterAll(async () => {
  await server?.stop();
  if (server) await fs.rm(server.modelsDir, { recursive: true, force: true });
  await fs.rm(dir, { recursive: true, force: true });
});

type Result = { index: number; relevance_score: number; document?: { text: string } };
/** A rerank answer, or an error (Ollama's string, OpenAI's object), or /api/show's answer. */
type Answer = {
  model: string;
  object: string;
  results: Result[];
  usage: { prompt_tokens: number; total_tokens: number };
  error: unknown;
  capabilities?: string[];
};

async function post(route: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

/**
 * Results best first, in the given groups of equally relevant documents. Within a group the scores are equal up
 * to rounding (bit-equal on this CPU, where the documents' order breaks the tie; a GPU may round differently).
 */
function expectRanking(results: Result[], groups: number[][]): void {
  for (let i = 1; i < results.length; i++) {
    const [before, after] = [results[i - 1]!, results[i]!];
    expect(before.relevance_score).toBeGreaterThanOrEqual(after.relevance_score);
    if (before.relevance_score === after.relevance_score) expect(before.index).toBeLessThan(after.index);
  }
  let at = 0;
  for (const group of groups) {
    const got = results.slice(at, at + group.length).map((r) => r.index);
    expect(got.sort()).toEqual([...group].sort());
    at += group.length;
  }
  expect(at).toBe(results.length);
}

const QUERY = 'where is the fox';
const DOCUMENTS = ['the dog sleeps', 'fox and fox', 'a fox runs', 'hello world', 'the cat saw a fox'];
const COUNTS = [1, 3, 2, 1, 2];

describe.each(['/api/rerank', '/v1/rerank'])('%s', (route) => {
  it('answers every document best first, with the scores the reranker is built to give', async () => {
    const r = await post(route, { model: 'reranker', query: QUERY, documents: DOCUMENTS });
    expect(r.status).toBe(200);
    expect(r.body.model).toBe('reranker');
    expect(r.body.object).toBe('list');
    expectRanking(r.body.results, [[1], [2, 4], [0, 3]]);
    for (const result of r.body.results) {
      expect(Object.keys(result).sort()).toEqual(['index', 'relevance_score']);
      expect(result.relevance_score).toBeCloseTo(testRerankerScore(COUNTS[result.index]!), 3);
    }
    // Each pair is <s> query </s> document </s>: at least 3 + 4 tokens ("where is the fox") per document.
    expect(r.body.usage.prompt_tokens).toBeGreaterThanOrEqual(DOCUMENTS.length * 7);
    expect(r.body.usage.total_tokens).toBe(r.body.usage.prompt_tokens);
  });

  it('another query ranks the same documents by its own words', async () => {
    const r = await post(route, { model: 'reranker', query: 'a cat or a dog', documents: DOCUMENTS });
    // "dog" and "cat" shared; "fox and fox" repeats a word of its own.
    expectRanking(r.body.results, [
      [0, 1, 4],
      [2, 3],
    ]);
    const counts = [2, 2, 1, 1, 2];
    for (const result of r.body.results) {
      expect(result.relevance_score).toBeCloseTo(testRerankerScore(counts[result.index]!), 3);
    }
  });

  it('top_n keeps the best; return_documents answers them as {text}; Jina {text} documents are read', async () => {
    const r = await post(route, {
      model: 'reranker',
      query: QUERY,
      documents: DOCUMENTS.map((text) => ({ text })),
      top_n: 2,
      return_documents: true,
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { index: 1, relevance_score: expect.any(Number), document: { text: 'fox and fox' } },
      { index: 2, relevance_score: expect.any(Number), document: { text: 'a fox runs' } },
    ]);
    // A top_n above the count answers them all.
    const all = await post(route, { model: 'reranker', query: QUERY, documents: DOCUMENTS, top_n: 50 });
    expect(all.body.results).toHaveLength(DOCUMENTS.length);
  });
});

it('empty, control-character and non-ASCII documents are scored like any other', async () => {
  const docs = ['', '\u0000\u0007', '🦊 fox', 'x'.repeat(100)];
  const r = await post('/api/rerank', { model: 'reranker', query: QUERY, documents: docs });
  expect(r.status).toBe(200);
  expect(r.body.results[0]).toEqual({ index: 2, relevance_score: expect.any(Number) });
  expect(r.body.results[0]?.relevance_score).toBeCloseTo(testRerankerScore(2), 3);
  for (const result of r.body.results.slice(1)) {
    expect(result.relevance_score).toBeCloseTo(testRerankerScore(1), 3);
  }
});

it("Open WebUI's external reranker request (retrieval/models/external.py) gets the scores in document order", async () => {
  // Exactly what ExternalReranker.predict sends: the URL as configured, a bearer key, the user headers when
  // ENABLE_FORWARD_USER_INFO_HEADERS is set, and {model, query, documents, top_n: len(docs)}.
  const docs = ['nothing here', 'the fox', 'fox and fox'];
  const r = await post(
    '/v1/rerank',
    { model: 'reranker', query: 'which fox', documents: docs, top_n: docs.length },
    {
      'X-OpenWebUI-User-Name': 'Ada',
      'X-OpenWebUI-User-Id': 'u-1',
      'X-OpenWebUI-User-Email': 'ada@example.com',
      'X-OpenWebUI-User-Role': 'admin',
    },
  );
  expect(r.status).toBe(200);
  // What it does with the answer: sorted(data["results"], key=index) → [relevance_score].
  const scores = [...r.body.results].sort((a, b) => a.index - b.index).map((x) => x.relevance_score);
  expect(scores).toHaveLength(3);
  [1, 2, 3].forEach((count, i) => {
    expect(scores[i]).toBeCloseTo(testRerankerScore(count), 3);
  });
});

it('/api/show and /api/tags report the rerank capability (and neither completion nor embedding)', async () => {
  const show = await post('/api/show', { model: 'reranker' });
  expect(show.body.capabilities).toEqual(['rerank']);
  const tags = await fetch(`${server.url}/api/tags`, { headers: { authorization: `Bearer ${KEY}` } });
  const listed = ((await tags.json()) as { models: { name: string; capabilities?: string[] }[] }).models;
  const entry = listed.find((m) => m.name.startsWith('reranker'));
  expect(entry?.capabilities).toEqual(['rerank']);
});

describe('bad requests', () => {
  const ok = { model: 'reranker', query: QUERY, documents: DOCUMENTS };
  const cases: [string, Record<string, unknown>, number, RegExp][] = [
    ['no query', { model: 'reranker', documents: DOCUMENTS }, 400, /query is required/],
    ['an empty query', { ...ok, query: '' }, 400, /query is required/],
    ['a query that is not a string', { ...ok, query: 3 }, 400, /query must be a string/],
    ['no documents', { model: 'reranker', query: QUERY }, 400, /documents must be a non-empty list/],
    ['an empty document list', { ...ok, documents: [] }, 400, /documents must be a non-empty list/],
    ['a document that is a number', { ...ok, documents: ['a', 7] }, 400, /document 1 is 7/],
    ['top_n 0', { ...ok, top_n: 0 }, 400, /top_n must be at least 1/],
    ['top_n 1.5', { ...ok, top_n: 1.5 }, 400, /top_n must be a whole number/],
    ['no model', { query: QUERY, documents: DOCUMENTS }, 400, /model is required/],
    ['an unknown model', { ...ok, model: 'nosuch' }, 404, /not found/],
    [
      'a model that is not a reranker',
      { ...ok, model: 'det' },
      400,
      /"det" does not support rerank.*reranker/,
    ],
  ];
  it.each(cases)('%s: Ollama error on /api/rerank', async (_what, body, status, message) => {
    const r = await post('/api/rerank', body);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(message);
  });
  it.each(cases)('%s: OpenAI error on /v1/rerank', async (_what, body, status, message) => {
    const r = await post('/v1/rerank', body);
    expect(r.status).toBe(status);
    expect((r.body.error as { message: string }).message).toMatch(message);
  });

  it('a document longer than the context: 400 naming the document and what to do', async () => {
    const long = 'word '.repeat(200);
    const r = await post('/api/rerank', { ...ok, documents: ['the fox', long], options: { num_ctx: 64 } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(
      /document 1 is \d+ tokens.*shorten the query or the document, or raise num_ctx/,
    );
  });

  it('chat and embeddings on a reranker: 400 saying it does not support them', async () => {
    const chat = await post('/api/chat', { model: 'reranker', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatch(/does not support chat/);
    const embed = await post('/api/embed', { model: 'reranker', input: 'the fox' });
    expect(embed.status).toBe(400);
    expect(embed.body.error).toMatch(/"reranker(:latest)?" does not support embeddings.*\/api\/rerank/);
  });

  it('without the API key: 401', async () => {
    const r = await post('/v1/rerank', ok, { authorization: 'Bearer wrong' });
    expect(r.status).toBe(401);
  });
});
