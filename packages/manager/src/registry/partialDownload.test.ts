// A download's bytes reach the disk in whole 2 MiB pieces at 2 MiB offsets (so the blob is mapped in huge pages:
// store/hugePageWrites.ts), what is held for a piece is written when a response ends or the pull stops, and the
// file ends with exactly the bytes given. Real files in a temporary store.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from '../store/blobs.ts';
import { HUGE_PAGE } from '../store/hugePageWrites.ts';
import { PartialDownload, partSizeFor } from './partialDownload.ts';

const MiB = 1024 * 1024;
const DIGEST = `sha256:${'b'.repeat(64)}`;
let dir: string;
let blobs: BlobStore;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-partial-'));
  blobs = new BlobStore(dir);
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

/** Appends `data` to a part in chunks of 64 KiB, the size a response body arrives in. */
async function appendAll(d: PartialDownload, index: number, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; at += 64 * 1024) {
    await d.append(d.parts[index]!, data.subarray(at, at + 64 * 1024));
  }
}

describe('a download on disk', () => {
  it('holds the bytes of a piece until it is whole, then writes it; a part ends with its last bytes written', async () => {
    const data = randomBytes(5 * MiB + 100);
    const d = await PartialDownload.open(blobs, DIGEST, data.length, 8 * MiB);
    const part = d.parts[0]!;
    await appendAll(d, 0, data.subarray(0, HUGE_PAGE - 64 * 1024));
    expect(part.completed).toBe(0);
    await appendAll(d, 0, data.subarray(HUGE_PAGE - 64 * 1024, HUGE_PAGE + 3 * 64 * 1024));
    expect(part.completed).toBe(HUGE_PAGE);
    await appendAll(d, 0, data.subarray(HUGE_PAGE + 3 * 64 * 1024));
    expect(part.completed).toBe(data.length);
    await d.commit();
    expect((await fs.readFile(blobs.path(DIGEST))).equals(data)).toBe(true);
  });

  it('writes what it holds when a response ends, and resumes from there after a stop, to the next boundary first', async () => {
    const data = randomBytes(6 * MiB);
    const first = await PartialDownload.open(blobs, DIGEST, data.length, 6 * MiB);
    const cut = HUGE_PAGE + 1234567;
    await first.append(first.parts[0]!, data.subarray(0, cut));
    expect(first.parts[0]!.completed).toBe(HUGE_PAGE);
    await first.flush(first.parts[0]!);
    expect(first.parts[0]!.completed).toBe(cut);
    await first.suspend();

    const again = await PartialDownload.open(blobs, DIGEST, data.length, 6 * MiB);
    expect(again.resumedBytes).toBe(cut);
    const part = again.parts[0]!;
    // One byte short of the next boundary is held; the byte that reaches it writes up to the boundary.
    await again.append(part, data.subarray(cut, 2 * HUGE_PAGE - 1));
    expect(part.completed).toBe(cut);
    await again.append(part, data.subarray(2 * HUGE_PAGE - 1, 2 * HUGE_PAGE + 10));
    expect(part.completed).toBe(2 * HUGE_PAGE);
    await again.append(part, data.subarray(2 * HUGE_PAGE + 10));
    await again.commit();
    expect((await fs.readFile(blobs.path(DIGEST))).equals(data)).toBe(true);
  });

  it('a stopped pull writes the pieces every part was filling before it saves', async () => {
    const data = randomBytes(8 * MiB);
    const d = await PartialDownload.open(blobs, DIGEST, data.length, 4 * MiB);
    await appendAll(d, 0, data.subarray(0, MiB));
    await appendAll(d, 1, data.subarray(4 * MiB, 5 * MiB + 64 * 1024));
    await d.suspend();
    const again = await PartialDownload.open(blobs, DIGEST, data.length, 4 * MiB);
    expect(again.parts.map((p) => p.completed)).toEqual([MiB, MiB + 64 * 1024]);
  });

  it('splits a blob into parts of whole pieces', () => {
    for (const size of [1, 3 * MiB, 300 * MiB + 7, 442_000_000, 5 * 1024 * MiB, 80 * 1024 * MiB]) {
      const part = partSizeFor(size);
      expect(part % HUGE_PAGE).toBe(0);
      expect(part).toBeGreaterThanOrEqual(4 * MiB);
      expect(part).toBeLessThanOrEqual(64 * MiB);
    }
  });
});
