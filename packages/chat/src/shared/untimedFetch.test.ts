// untimedFetch: Node's own fetch on an Agent of Node's own undici, so the timeouts it is given are the ones that
// apply. A real loopback server that waits before its headers: a short limit gives up, no limit waits.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithTimeouts, untimedFetch } from './untimedFetch.ts';

// Undici checks its timeouts about once a second, so the server waits well beyond that.
const WAIT_MS = 2500;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const wait = req.url === '/slow' ? WAIT_MS : 0;
    setTimeout(() => res.end(`answered ${req.url} with ${req.headers.authorization ?? 'no key'}`), wait);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('untimedFetch', () => {
  it('gives up on headers slower than a limit it was given', async () => {
    const short = fetchWithTimeouts({ headersTimeout: 100, bodyTimeout: 0 });
    try {
      const e = await short.fetch(`${url}/slow`).then(
        () => undefined,
        (err: unknown) => err as Error & { cause?: { code?: string } },
      );
      expect(e?.message).toBe('fetch failed');
      expect(e?.cause?.code).toBe('UND_ERR_HEADERS_TIMEOUT');
    } finally {
      await short.close();
    }
  });

  it('waits for slow headers without a limit, and passes the request on as given', async () => {
    const untimed = untimedFetch();
    try {
      const res = await untimed.fetch(`${url}/slow`, { headers: { authorization: 'Bearer k' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('answered /slow with Bearer k');
    } finally {
      await untimed.close();
    }
  });

  it('obeys the signal of a request', async () => {
    const untimed = untimedFetch();
    try {
      const ac = new AbortController();
      const pending = untimed.fetch(`${url}/slow`, { signal: ac.signal });
      ac.abort();
      await expect(pending).rejects.toThrow(/abort/i);
    } finally {
      await untimed.close();
    }
  });
});
