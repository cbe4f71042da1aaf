// The status poller when the llm-manager cannot be read: each reading says why (in the chatbot's words for an
// unreachable llm-manager) with no values, so the charts show a gap rather than zeros; and the ring keeps only
// the newest readings; a server with /api/ps and no /metrics (a plain Ollama) still shows what is loaded. Over
// real loopback: a port nothing listens on, and an HTTP server answering as Ollama does.
import http from 'node:http';
import net from 'node:net';
import { startManagerProcess } from '@ownchat/testkit';
import pino from 'pino';
import { expect, it } from 'vitest';
import { Upstream } from '../upstream.ts';
import { StatusPoller } from './statusPoller.ts';

/** A loopback port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

it('records a failed reading as a gap with the reason, and keeps at most an hour of readings', async () => {
  const url = `http://127.0.0.1:${await closedPort()}`;
  const upstream = new Upstream(url);
  let clock = 1_000;
  // One reading every 20 minutes: an hour is 3 readings.
  const poller = new StatusPoller(upstream, pino({ level: 'silent' }), 1_200_000, () => clock);
  expect(poller.capacity).toBe(3);
  for (let i = 0; i < 5; i++) {
    await poller.poll();
    clock += 1_200_000;
  }
  const { samples, loaded, pulls } = poller.snapshot();
  expect(samples.map((s) => s.t)).toEqual([2_401_000, 3_601_000, 4_801_000]);
  expect(samples[0]).toEqual({
    t: 2_401_000,
    running: null,
    waiting: null,
    kvCacheUsage: null,
    tokensPerSecond: {},
    ttftP50: {},
    ttftP95: {},
    pulledBytesPerSecond: null,
    problem: expect.stringContaining(`Cannot reach the llm-manager at ${url} (connection refused)`),
  });
  expect(loaded).toEqual([]);
  expect(pulls).toEqual([]);
  expect(poller.snapshot(3_601_000).samples.map((s) => s.t)).toEqual([4_801_000]);
  await upstream.close();
});

it('shows what a plain Ollama has loaded, and says the charts need /metrics, which it lacks', async () => {
  const expires = '2026-12-06T18:00:00.000Z';
  // Ollama's answers: /api/ps as it writes it, and its 404 text for a path it does not serve.
  const ollama = http.createServer((req, res) => {
    if (req.url === '/api/ps') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          models: [
            {
              name: 'qwen:latest',
              model: 'qwen:latest',
              size: 1000,
              size_vram: 400,
              expires_at: expires,
              context_length: 4096,
            },
          ],
        }),
      );
    } else {
      res.statusCode = 404;
      res.end('404 page not found');
    }
  });
  await new Promise<void>((r) => ollama.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(ollama.address() as net.AddressInfo).port}`;
  const upstream = new Upstream(url);
  const poller = new StatusPoller(upstream, pino({ level: 'silent' }), 5_000);
  await poller.poll();
  const { samples, loaded } = poller.snapshot();
  expect(loaded).toEqual([
    {
      name: 'qwen:latest',
      gpuBytes: 400,
      cpuBytes: 600,
      placement: { kind: 'split', gpuPercent: 40, text: '40% GPU / 60% CPU' },
      expiresAt: expires,
      contextLength: 4096,
    },
  ]);
  expect(samples[0]!.problem).toBe(
    `The llm-manager at ${url} has no /metrics (is it a plain Ollama?): the live charts need ownchat's llm-manager.`,
  );
  await upstream.close();
  await new Promise((r) => ollama.close(r));
});

it("sends the API key to an llm-manager that wants one, and says so in the chatbot's words when it is missing", async () => {
  const manager = await startManagerProcess({ env: { OWNCHAT_API_KEYS: 'status-key' } });
  const withKey = new Upstream(manager.url, 'status-key');
  const withoutKey = new Upstream(manager.url);
  try {
    const good = new StatusPoller(withKey, pino({ level: 'silent' }), 5_000);
    await good.poll();
    expect(good.snapshot().samples[0]).toMatchObject({ running: 0, waiting: 0, kvCacheUsage: 0 });
    expect(good.snapshot().samples[0]!.problem).toBeUndefined();
    const refused = new StatusPoller(withoutKey, pino({ level: 'silent' }), 5_000);
    await refused.poll();
    expect(refused.snapshot().samples[0]!.problem).toMatch(
      /^The llm-manager refused the chatbot \(401: this server needs an API key.*Check OWNCHAT_API_KEY\.$/,
    );
  } finally {
    await withKey.close();
    await withoutKey.close();
    await manager.stop();
  }
}, 60_000);
