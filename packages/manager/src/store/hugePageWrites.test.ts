import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { BlobStore } from './blobs.ts';
import { HUGE_PAGE, inHugePages } from './hugePageWrites.ts';

/** Chunks of the sizes a request body or a download arrives in: small, odd, and some larger than a piece. */
function chunksOf(data: Buffer): Buffer[] {
  const sizes = [1, 65536, 16384, 7, 3 * HUGE_PAGE + 5, 65536, 1000, HUGE_PAGE, 123457];
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function rechunk(chunks: Buffer[], start: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  // A writable, as the file stream is: it gets each piece in its own write.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(chunk);
      done();
    },
  });
  await pipeline(Readable.from(chunks), inHugePages(start), sink);
  return out;
}

describe('inHugePages', () => {
  for (const start of [0, HUGE_PAGE, 1234567]) {
    it(`writes from offset ${start} in pieces that end on 2 MiB boundaries, the bytes unchanged`, async () => {
      const data = randomBytes(7 * HUGE_PAGE + 4321);
      const out = await rechunk(chunksOf(data), start);
      expect(Buffer.concat(out).equals(data)).toBe(true);
      let offset = start;
      for (const [i, piece] of out.entries()) {
        offset += piece.length;
        if (i < out.length - 1) expect(offset % HUGE_PAGE).toBe(0);
        // Whole pieces, except the first when the start is not on a boundary, and the last.
        if (i > 0 && i < out.length - 1) expect(piece.length).toBe(HUGE_PAGE);
      }
      expect(out[0]!.length).toBe(HUGE_PAGE - (start % HUGE_PAGE));
    });
  }

  it('passes a body shorter than a piece through whole, and an empty one as nothing', async () => {
    expect((await rechunk([Buffer.from('abc'), Buffer.from('def')], 0)).map(String)).toEqual(['abcdef']);
    expect(await rechunk([], 0)).toEqual([]);
  });

  it('is how a blob reaches the disk: the stored file holds the uploaded bytes', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-blobs-'));
    try {
      const data = randomBytes(3 * HUGE_PAGE + 99);
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      const store = new BlobStore(dir);
      expect(await store.writeStream(digest, Readable.from(chunksOf(data)))).toBe(data.length);
      expect((await fs.readFile(store.path(digest))).equals(data)).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
