import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  describeProblem,
  insecurePullRefusal,
  PullError,
  placementOf,
  pullFailure,
  pullRequest,
  sameModel,
  Upstream,
} from './upstream.ts';

const URL_TRIED = 'http://127.0.0.1:11434';

describe('where a model runs', () => {
  it.each([
    [1000, 0, { kind: 'cpu', gpuPercent: 0, text: 'CPU' }],
    [1000, 1000, { kind: 'gpu', gpuPercent: 100, text: 'GPU' }],
    [1000, 1200, { kind: 'gpu', gpuPercent: 100, text: 'GPU' }],
    [1000, 600, { kind: 'split', gpuPercent: 60, text: '60% GPU / 40% CPU' }],
  ])('size %i, size_vram %i', (size, vram, expected) => {
    expect(placementOf(size, vram)).toEqual(expected);
  });
});

describe('model names', () => {
  it.each([
    ['qwen2.5', 'qwen2.5:latest', true],
    ['Qwen2.5:0.5b', 'qwen2.5:0.5b', true],
    ['qwen2.5:0.5b', 'qwen2.5', false],
    ['registry.example:5000/ns/m', 'registry.example:5000/ns/m:latest', true],
    ['http://127.0.0.1:5000/team/m', '127.0.0.1:5000/team/m:latest', true],
    ['registry.ollama.ai/library/qwen2.5:0.5b', 'qwen2.5:0.5b', true],
    ['127.0.0.1:5000/team/m', '127.0.0.1:5001/team/m', false],
  ])('%s and %s are the same model: %s', (a, b, same) => {
    expect(sameModel(a, b)).toBe(same);
  });
});

describe('pulls', () => {
  it('asks for an insecure pull only for a registry the operator listed (issue 19)', () => {
    expect(pullRequest(' qwen2.5:0.5b ')).toEqual({ model: 'qwen2.5:0.5b', stream: true });
    // Not listed: no insecure flag, and the chatbot refuses before asking.
    expect(pullRequest('http://10.0.0.1:5000/team/m')).toEqual({
      model: 'http://10.0.0.1:5000/team/m',
      stream: true,
    });
    expect(insecurePullRefusal('http://10.0.0.1:5000/team/m')).toMatch(
      /^the chatbot does not pull from 10\.0\.0\.1:5000 over plain HTTP: an operator can allow it \(OWNCHAT_INSECURE_REGISTRIES=10\.0\.0\.1:5000\)/,
    );
    expect(insecurePullRefusal('http://169.254.169.254/latest/m', ['10.0.0.1:5000'])).toBeDefined();
    // Listed (the host as written, any case): insecure as the operator chose.
    expect(pullRequest('HTTP://127.0.0.1:5000/team/m', ['127.0.0.1:5000'])).toEqual({
      model: 'HTTP://127.0.0.1:5000/team/m',
      stream: true,
      insecure: true,
    });
    expect(insecurePullRefusal('http://127.0.0.1:5000/team/m', ['127.0.0.1:5000'])).toBeUndefined();
    expect(insecurePullRefusal('https://r.example/team/m')).toBeUndefined();
    expect(pullRequest('https://r.example/team/m')).toEqual({
      model: 'https://r.example/team/m',
      stream: true,
    });
  });

  it('says so when the server cannot pull at all', () => {
    const notFound = Object.assign(new Error('404 page not found'), { status_code: 404 });
    expect(pullFailure(notFound, URL_TRIED)).toBe(
      'the llm-manager at http://127.0.0.1:11434 cannot pull models (it has no /api/pull)',
    );
    expect(pullFailure(new Error('pull model manifest: file does not exist'), URL_TRIED)).toBe(
      'pull model manifest: file does not exist',
    );
  });
});

describe('problems in words', () => {
  const refused = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:11434'), { code: 'ECONNREFUSED' }),
  });
  const response = (error: string, status_code: number) =>
    Object.assign(new Error(error), { error, status_code });

  it.each([
    [
      refused,
      {},
      'unreachable',
      /^Cannot reach the llm-manager at http:\/\/127\.0\.0\.1:11434 \(connection refused\)/,
    ],
    [
      new TypeError('terminated'),
      { midStream: true },
      'cut-off',
      /^The answer was cut off: the connection .* was lost/,
    ],
    [
      new Error('Did not receive done or success response in stream.'),
      { midStream: true },
      'cut-off',
      /stream ended early/,
    ],
    [
      response("model 'x' not found", 404),
      { model: 'x' },
      'model-missing',
      /^The model "x" is not on the llm-manager/,
    ],
    [response('server busy, please try again.', 503), {}, 'busy', /^The llm-manager is busy/],
    [response('invalid API key', 401), {}, 'refused', /Check OWNCHAT_API_KEY/],
    [
      response('options.num_thread 99 is more than the 2 CPUs this server may use', 400),
      {},
      'failed',
      /^The llm-manager refused the request \(400\): options\.num_thread 99/,
    ],
    [
      new PullError('m', 'file does not exist'),
      {},
      'pull-failed',
      /^Could not pull "m": file does not exist$/,
    ],
    [
      new Error('runner crashed'),
      { midStream: true },
      'failed',
      /cut off: the llm-manager reported an error \(runner/,
    ],
    [new Error('runner crashed'), {}, 'failed', /^The llm-manager could not answer: runner crashed$/],
  ])('%s → %s', (e, ctx, kind, message) => {
    const p = describeProblem(e, { url: URL_TRIED, ...ctx });
    expect(p.kind).toBe(kind);
    expect(p.message).toMatch(message);
  });

  it("passes the llm-manager's 4xx on as the same 4xx with its words, not as 502 (issue 19)", () => {
    for (const [status, text] of [
      [400, 'template: the template ran more than 1000000 steps'],
      [403, "pulling 'x' is not allowed by OWNCHAT_PULL_ALLOW"],
      [413, 'the request body is larger than the limit of 256 MiB'],
    ] as const) {
      const p = describeProblem(response(text, status), { url: URL_TRIED });
      expect(p.status).toBe(status);
      expect(p.message).toContain(text);
    }
    expect(describeProblem(response('invalid API key', 401), { url: URL_TRIED }).status).toBe(502);
  });
});

describe('the llm-manager client', () => {
  it('sends OWNCHAT_API_KEY as a bearer token, and nothing when it is unset', async () => {
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      res.end('{"models":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const withKey = new Upstream(url, 'k-123');
      await withKey.list();
      await withKey.ps();
      const without = new Upstream(url);
      await without.list();
      expect(seen).toEqual(['Bearer k-123', 'Bearer k-123', undefined]);
      await withKey.close();
      await without.close();
    } finally {
      server.close();
    }
  });
});
