// Blob uploads against a real server: bodies far beyond Fastify's 1 MiB default are streamed to disk and hashed;
// a wrong digest stores nothing.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { type ManagerProcess, startManagerProcess } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: ManagerProcess;
beforeAll(async () => {
  server = await startManagerProcess();
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(server.modelsDir, { recursive: true, force: true });
});

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobUrl = (digest: string) => `${server.url}/api/blobs/${digest}`;

describe('/api/blobs', () => {
  it('stores a 20 MiB body under its digest (201), then finds it (HEAD 200)', async () => {
    const body = randomBytes(20 * 1024 * 1024);
    const digest = digestOf(body);
    expect((await fetch(blobUrl(digest), { method: 'HEAD' })).status).toBe(404);
    const res = await fetch(blobUrl(digest), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(201);
    expect((await fetch(blobUrl(digest), { method: 'HEAD' })).status).toBe(200);
    const stored = await fs.readFile(`${server.modelsDir}/blobs/${digest.replace(':', '-')}`);
    expect(stored.equals(body)).toBe(true);
    // Uploading it again is harmless.
    expect((await fetch(blobUrl(digest), { method: 'POST', body })).status).toBe(200);
  });

  it('accepts a body sent with a JSON content type or none at all', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, {}] as Record<string, string>[]) {
      const body = randomBytes(2 * 1024 * 1024);
      const res = await fetch(blobUrl(digestOf(body)), { method: 'POST', body, headers });
      expect(res.status).toBe(201);
    }
  });

  it('refuses a body whose digest does not match (400) and keeps nothing', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    const claimed = digestOf(Buffer.from('something else'));
    const res = await fetch(blobUrl(claimed), { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /digest mismatch: the body hashes to sha256:[0-9a-f]{64}/,
    );
    expect((await fetch(blobUrl(claimed), { method: 'HEAD' })).status).toBe(404);
    const left = await fs.readdir(`${server.modelsDir}/blobs`);
    expect(left.filter((f) => !/^sha256-[0-9a-f]{64}$/.test(f))).toEqual([]); // no temporary files left behind
  });

  it('refuses a malformed digest (400) naming the expected form', async () => {
    const res = await fetch(blobUrl('sha256:xyz'), { method: 'POST', body: 'x' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /expected "sha256:" and 64 lowercase hex digits/,
    );
  });
});
