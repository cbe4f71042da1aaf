// The status poller when the llm-manager cannot be read: each reading says why (in the chatbot's words for an
// unreachable llm-manager) with no values, so the charts show a gap rather than zeros; and the ring keeps only
// the newest readings. Over real loopback: a port nothing listens on.
import net from 'node:net';
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
