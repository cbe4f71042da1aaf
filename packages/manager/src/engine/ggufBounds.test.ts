// GGUF headers that lie about their counts (issue 19): each crafted file is refused with a BadRequestError that
// names what it claims, in milliseconds and without the heap growing; a real model file still passes.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeRandomModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.ts';
import { inspectGguf } from './gguf.ts';
import { checkGgufBounds } from './ggufBounds.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-ggufbounds-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Little-endian GGUF pieces, written by hand so each file says exactly the lie it is meant to. */
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: bigint | number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
const header = (tensors: bigint | number, keys: bigint | number, version = 3) =>
  Buffer.concat([Buffer.from('GGUF'), u32(version), u64(tensors), u64(keys)]);

async function file(name: string, ...parts: Buffer[]): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, Buffer.concat(parts));
  return p;
}

async function refused(p: string, pattern: RegExp): Promise<void> {
  const heap = process.memoryUsage().heapUsed;
  const started = performance.now();
  const error = await inspectGguf(p, 'crafted.gguf').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestError);
  expect((error as Error).message).toMatch(/^crafted\.gguf is not a valid GGUF file: /);
  expect((error as Error).message).toMatch(pattern);
  expect(performance.now() - started).toBeLessThan(500);
  expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 * 1024 * 1024);
}

describe('GGUF header bounds', () => {
  it('refuses a 24-byte file that claims 2^60 tensors and metadata keys', async () => {
    const p = await file('huge-counts.gguf', header(2n ** 60n, 2n ** 60n));
    expect((await fs.stat(p)).size).toBe(24);
    await refused(p, /claims \d+ tensors, more than the 100000 any model has/);
  });

  it('refuses counts within the caps that the file cannot hold', async () => {
    await refused(await file('few-bytes.gguf', header(50_000, 0)), /50000 tensors, but the 0 bytes left/);
    await refused(await file('keys.gguf', header(0, 1000)), /1000 metadata keys, but the 0 bytes left/);
  });

  it('refuses a truncated header', async () => {
    await refused(await file('truncated.gguf', Buffer.from('GGUF'), u32(3), u64(1)), /truncated/);
    const key = Buffer.concat([str('general.name'), u32(8), str('tiny')]);
    await refused(await file('cut-key.gguf', header(0, 2), key, str('general.arch')), /truncated|left/);
  });

  it('refuses a string that claims more bytes than the file has', async () => {
    const p = await file('long-string.gguf', header(0, 1), u64(2n ** 62n), Buffer.alloc(16));
    await refused(p, /a string of \d+ bytes, more than the limit/);
    const q = await file('long-string2.gguf', header(0, 1), u64(1_000_000), Buffer.alloc(16));
    await refused(q, /claims 1000000 bytes but only 16 are left/);
  });

  it('refuses an array that claims more items than the file has', async () => {
    const arr = (itemType: number, n: bigint | number) => Buffer.concat([u32(9), u32(itemType), u64(n)]);
    await refused(
      await file('huge-array.gguf', header(0, 1), str('a'), arr(4, 2n ** 61n)),
      /array of \d+ items/,
    );
    await refused(
      await file('array-left.gguf', header(0, 1), str('a'), arr(8, 100_000)),
      /more than the file/,
    );
  });

  it('refuses arrays nested in arrays, as llama.cpp does', async () => {
    const nested = Buffer.concat([u32(9), u32(9), u64(1), u32(4), u64(1), u32(7)]);
    await refused(await file('nested.gguf', header(0, 1), str('a'), nested), /array nested in an array/);
  });

  it('refuses a tensor with too many dimensions or more weights than the file holds', async () => {
    const dims = await file('dims.gguf', header(1, 0), str('t'), u32(1000), Buffer.alloc(64));
    await refused(dims, /claims 1000 dimensions/);
    const huge = Buffer.concat([str('t'), u32(2), u64(2n ** 40n), u64(2n ** 40n), u32(0), u64(0)]);
    await refused(await file('weights.gguf', header(1, 0), huge), /more weights than the file can hold/);
  });

  it('passes a real model and the versions it does not know are named', async () => {
    const model = await writeRandomModel(path.join(dir, 'real.gguf'));
    await expect(checkGgufBounds(model.path)).resolves.toBeUndefined();
    await refused(await file('v9.gguf', header(0, 0, 9)), /GGUF version 9 is not supported/);
  });
});
