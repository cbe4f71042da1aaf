// A bounded walk over a GGUF's header before any parser builds it: every count and length is checked against
// the bytes left in the file (and against caps no real model comes near) before anything is allocated or
// looped over, so a 24-byte file whose header claims 2^60 tensors is refused in microseconds. node-llama-cpp's
// parser, which runs after this, trusts the counts it reads (it read past the end of such a file for minutes,
// growing the heap to gigabytes).
import fs from 'node:fs/promises';
import { BadRequestError } from '../errors.ts';

// Far beyond real models (Llama 3 405B has about 1,100 tensors, the largest vocabularies about 260,000 tokens,
// the longest chat templates tens of kilobytes), far below what would exhaust the heap.
export const GGUF_LIMITS = {
  tensors: 100_000,
  metadataKeys: 100_000,
  arrayLength: 8_000_000,
  stringBytes: 16 * 1024 * 1024,
  dimensions: 4, // GGML_MAX_DIMS
};

// GGUF value types (gguf.h): 8 is a string, 9 an array; the others have the fixed sizes below.
const STRING = 8;
const ARRAY = 9;
const FIXED_SIZE: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

/** Reads a file front to back through a 1 MiB window. */
class Cursor {
  pos = 0;
  private buf = Buffer.alloc(0);
  private bufStart = 0;

  constructor(
    private readonly fh: fs.FileHandle,
    readonly size: number,
    private readonly fail: (what: string) => BadRequestError,
  ) {}

  get left(): number {
    return this.size - this.pos;
  }

  private async bytes(n: number): Promise<Buffer> {
    if (n > this.left) throw this.fail('it ends in the middle of its header (truncated)');
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      const length = Math.min(Math.max(n, 1024 * 1024), this.left);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await this.fh.read(buf, 0, length, this.pos);
      if (bytesRead < n) throw this.fail('it ends in the middle of its header (truncated)');
      this.buf = buf.subarray(0, bytesRead);
      this.bufStart = this.pos;
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }

  async u32(): Promise<number> {
    return (await this.bytes(4)).readUInt32LE(0);
  }

  /** A u64 as a number; anything above 2^53 is more than any file holds, so it is refused by the caller's check. */
  async u64(): Promise<number> {
    const v = (await this.bytes(8)).readBigUInt64LE(0);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  skip(n: number, what: string): void {
    if (n > this.left)
      throw this.fail(`${what} claims ${n} bytes but only ${this.left} are left in the file`);
    this.pos += n;
  }
}

/**
 * Walks the header (version, counts, every metadata value, every tensor's name, shape and offset) and throws a
 * BadRequestError naming the first count or length the file cannot hold. Work and memory are bounded by the
 * file's size and the caps above.
 */
export async function checkGgufBounds(file: string, label = file): Promise<void> {
  const fail = (what: string) => new BadRequestError(`${label} is not a valid GGUF file: ${what}`);
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const c = new Cursor(fh, size, fail);
    await c.u32(); // the magic, checked by the caller
    const version = await c.u32();
    if (version !== 2 && version !== 3) throw fail(`GGUF version ${version} is not supported (2 and 3 are)`);
    const tensors = await c.u64();
    const keys = await c.u64();
    // The smallest entries: a metadata key is an 8-byte length, a 4-byte type and a 1-byte value; a tensor is
    // an 8-byte name length, 4-byte dimension count, 4-byte type and 8-byte offset.
    const count = (n: number, cap: number, min: number, what: string) => {
      if (n > cap) throw fail(`its header claims ${n} ${what}, more than the ${cap} any model has`);
      if (n * min > c.left) {
        throw fail(
          `its header claims ${n} ${what}, but the ${c.left} bytes left cannot hold them (truncated?)`,
        );
      }
    };
    count(tensors, GGUF_LIMITS.tensors, 24, 'tensors');
    count(keys, GGUF_LIMITS.metadataKeys, 13, 'metadata keys');

    const string = async (what: string) => {
      const n = await c.u64();
      if (n > GGUF_LIMITS.stringBytes) {
        throw fail(
          `${what} claims a string of ${n} bytes, more than the limit of ${GGUF_LIMITS.stringBytes}`,
        );
      }
      c.skip(n, what);
    };
    const value = async (type: number, what: string, inArray: boolean): Promise<void> => {
      const fixed = FIXED_SIZE[type];
      if (fixed !== undefined) return c.skip(fixed, what);
      if (type === STRING) return string(what);
      if (type !== ARRAY) throw fail(`${what} has an unknown value type ${type}`);
      // llama.cpp refuses arrays of arrays; so do we (they are also what makes a parser recurse).
      if (inArray) throw fail(`${what} is an array nested in an array, which GGUF does not allow`);
      const itemType = await c.u32();
      const n = await c.u64();
      const min = FIXED_SIZE[itemType] ?? (itemType === STRING ? 8 : itemType === ARRAY ? 12 : 1);
      if (n > GGUF_LIMITS.arrayLength) {
        throw fail(
          `${what} claims an array of ${n} items, more than the limit of ${GGUF_LIMITS.arrayLength}`,
        );
      }
      if (n * min > c.left) throw fail(`${what} claims an array of ${n} items, more than the file holds`);
      if (FIXED_SIZE[itemType] !== undefined) return c.skip(n * min, what);
      for (let i = 0; i < n; i++) await value(itemType, what, true);
    };

    for (let k = 0; k < keys; k++) {
      await string(`metadata key ${k}`);
      const type = await c.u32();
      await value(type, `metadata key ${k}`, false);
    }
    for (let t = 0; t < tensors; t++) {
      await string(`tensor ${t}'s name`);
      const dims = await c.u32();
      if (dims > GGUF_LIMITS.dimensions) {
        throw fail(`tensor ${t} claims ${dims} dimensions, more than GGML's ${GGUF_LIMITS.dimensions}`);
      }
      // At least one bit per weight (the smallest quantizations use 1.5): more elements than that cannot be
      // in the file, and the product cannot overflow past 2^53 unnoticed.
      let elements = 1;
      for (let d = 0; d < dims; d++) {
        elements *= await c.u64();
        if (elements > size * 8) throw fail(`tensor ${t} claims more weights than the file can hold`);
      }
      c.skip(4 + 8, `tensor ${t}`); // type and offset: checked against the file by the caller
    }
  } finally {
    await fh.close();
  }
}
