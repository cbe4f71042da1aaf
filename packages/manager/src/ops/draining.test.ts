// Draining on SIGTERM, against a real `ownchat serve`: readiness turns false, new requests get 503, a running
// stream finishes, then the process exits 0 (and an idle keep-alive connection does not hold it).
import { once } from 'node:events';
import {
  type ManagerProcess,
  type ManagerWithModels,
  startManagerProcess,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

let setup: ManagerWithModels;
let store: string;
let server: ManagerProcess | undefined;

beforeAll(async () => {
  // A wide vocabulary makes <|im_end|> rare: this model talks until num_predict stops it.
  setup = await startManagerWithModels({ chatty: 'chatty' }, { prefix: 'drain' });
  // Each test starts its own manager on the store this one imported into.
  await setup.manager.stop();
  store = setup.manager.modelsDir;
});

afterEach(async () => {
  await server?.stop('SIGKILL');
  server = undefined;
});

afterAll(() => setup?.stop());

/** Starts a stream and returns once its first line has arrived, with a reader for the rest. */
async function startStream(url: string, numPredict: number) {
  const res = await fetch(`${url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({
      model: 'chatty',
      prompt: 'Talk.',
      options: { num_predict: numPredict, temperature: 0 },
    }),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  /** Reads to the end; the lines, and whether the connection was cut before the end. */
  const rest = async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // A cut connection: what arrived so far is the answer.
    }
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { done?: boolean; eval_count?: number });
  };
  return { rest };
}

const exitOf = (s: ManagerProcess) =>
  s.child.exitCode !== null
    ? Promise.resolve(s.child.exitCode)
    : once(s.child, 'exit').then(([code]) => code);

async function untilReadyzSays(url: string, status: number): Promise<void> {
  await expect
    .poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 10_000, interval: 20 })
    .toBe(status);
}

describe('drain on SIGTERM', () => {
  it('refuses new requests with 503, lets the running stream finish, then exits 0', async () => {
    const s = await startManagerProcess({ modelsDir: store, env: { OWNCHAT_DRAIN_TIMEOUT: '120' } });
    server = s;
    const exited = exitOf(s);
    // Long enough to outlast the checks below on a fast machine (hundreds of tokens a second here).
    const stream = await startStream(s.url, 800);
    s.child.kill('SIGTERM');

    await untilReadyzSays(s.url, 503);
    expect(await (await fetch(`${s.url}/readyz`)).json()).toEqual({
      status: 'not ready',
      reason: 'shutting down',
    });
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const refused = await fetch(`${s.url}/api/tags`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('connection')).toBe('close');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/shutting down/) });
    // OpenAI clients get their own error shape.
    const openai = await fetch(`${s.url}/v1/models`);
    expect(openai.status).toBe(503);
    expect(((await openai.json()) as { error: { type: string } }).error.type).toBe('api_error');
    expect(s.child.exitCode).toBeNull(); // still draining: the stream runs

    const lines = await stream.rest();
    const last = lines.at(-1);
    expect(last?.done).toBe(true);
    expect(last?.eval_count).toBe(800);
    expect(await exited).toBe(0);
    expect(s.output()).toMatch(/draining: new requests get 503; waiting up to 120 s for 1 running request\b/);
  }, 150_000);

  it('stops a stream that outlasts OWNCHAT_DRAIN_TIMEOUT, and still exits 0', async () => {
    const s = await startManagerProcess({ modelsDir: store, env: { OWNCHAT_DRAIN_TIMEOUT: '1' } });
    server = s;
    const exited = exitOf(s);
    const stream = await startStream(s.url, 1_000_000);
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    const lines = await stream.rest();
    expect(lines.some((l) => l.done)).toBe(false);
    expect(s.output()).toMatch(/drain timed out after 1 s/);
  });

  it('exits at once when nothing runs, even with an idle keep-alive connection open', async () => {
    const s = await startManagerProcess({ modelsDir: store });
    server = s;
    const exited = exitOf(s);
    // fetch keeps the connection alive after this answer.
    const res = await fetch(`${s.url}/api/tags`);
    expect(res.headers.get('connection')).toBe('keep-alive');
    await res.text();
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
  });
});
