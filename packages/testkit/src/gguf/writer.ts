// A streaming GGUF v3 writer. Test models are generated, not downloaded (nothing can be downloaded here), and
// the largest one is a ~440 MB 0.5B-shaped file, so tensor data is produced row by row through a callback and
// written in chunks: memory stays at one chunk plus one row, whatever the model size.
//
// Layout (GGUF v3, little endian): magic "GGUF", version u32, tensor count u64, kv count u64, the kv pairs,
// the tensor infos (name, n_dims u32, ne[] u64 with ne0 innermost, ggml type u32, offset u64 relative to the
// data section), padding to `general.alignment`, then each tensor's data, each starting on an aligned offset.

import { open, rename, rm } from 'node:fs/promises';
import { f32ToF16Bits } from './f16.ts';
import { Q8_0_BLOCK, Q8_0_BLOCK_BYTES, quantizeQ8_0 } from './q8_0.ts';
import { GGUF_VALUE_TYPE, type GgufMetadata, type GgufValue, metadataEntries, u32 } from './values.ts';

/** ggml tensor types we can write (numbers from ggml.h `enum ggml_type`). */
export const GGML_TYPE = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;

export const GGUF_DEFAULT_ALIGNMENT = 32;

/**
 * Fills `out` (length dims[0]) with row `row` of the tensor, rows counted over all outer dimensions.
 * Called once per row, in order, so a generator may keep state (e.g. a PRNG stream) between calls.
 */
export type RowFiller = (row: number, out: Float32Array) => void;

export interface GgufTensor {
  name: string;
  /** GGUF order: ne0 (the contiguous, innermost dimension) first. A llama matmul weight is [n_in, n_out]. */
  dims: readonly number[];
  type: GgmlTypeName;
  /** Either all values (small tensors) or a per-row filler (large ones, streamed). */
  data: Float32Array | RowFiller;
}

export interface GgufFile {
  metadata: GgufMetadata;
  tensors: readonly GgufTensor[];
}

export interface WrittenGguf {
  path: string;
  /** File size in bytes. */
  size: number;
  /** Absolute offset of the tensor data section. */
  dataOffset: number;
}

/** Bytes one tensor occupies on disk (without alignment padding). */
export function tensorByteSize(type: GgmlTypeName, dims: readonly number[]): number {
  const count = dims.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'F32':
      return count * 4;
    case 'F16':
      return count * 2;
    case 'Q8_0':
      if (dims[0]! % Q8_0_BLOCK !== 0)
        throw new Error(`Q8_0 needs ne0 divisible by ${Q8_0_BLOCK}, got ${dims[0]}`);
      return (count / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

/** Grows as needed; the header (vocab arrays included) is at most a few MB, so it is built in memory. */
class ByteSink {
  buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  i8(v: number): void {
    this.reserve(1);
    this.buf.writeInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  i16(v: number): void {
    this.reserve(2);
    this.buf.writeInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: bigint | number): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  i64(v: bigint | number): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }
  /** GGUF string: u64 byte length, then UTF-8 bytes, no terminator. */
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  pad(alignment: number): void {
    const target = alignUp(this.length, alignment);
    this.reserve(target - this.length);
    this.buf.fill(0, this.length, target);
    this.length = target;
  }
}

function writeValue(sink: ByteSink, value: GgufValue): void {
  const t = GGUF_VALUE_TYPE;
  switch (value.type) {
    case 'uint8':
      sink.u8(value.value);
      break;
    case 'int8':
      sink.i8(value.value);
      break;
    case 'uint16':
      sink.u16(value.value);
      break;
    case 'int16':
      sink.i16(value.value);
      break;
    case 'uint32':
      sink.u32(value.value);
      break;
    case 'int32':
      sink.i32(value.value);
      break;
    case 'float32':
      sink.f32(value.value);
      break;
    case 'float64':
      sink.f64(value.value);
      break;
    case 'uint64':
      sink.u64(value.value);
      break;
    case 'int64':
      sink.i64(value.value);
      break;
    case 'bool':
      sink.u8(value.value ? 1 : 0);
      break;
    case 'string':
      sink.str(value.value);
      break;
    case 'string[]':
      sink.u32(t.string);
      sink.u64(value.value.length);
      for (const s of value.value) sink.str(s);
      break;
    case 'float32[]':
      sink.u32(t.float32);
      sink.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) sink.f32(value.value[i]!);
      break;
    case 'int32[]':
      sink.u32(t.int32);
      sink.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) sink.i32(value.value[i]!);
      break;
    case 'uint32[]':
      sink.u32(t.uint32);
      sink.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) sink.u32(value.value[i]!);
      break;
  }
}

function typeTag(value: GgufValue): number {
  return value.type.endsWith('[]')
    ? GGUF_VALUE_TYPE.array
    : GGUF_VALUE_TYPE[value.type as Exclude<GgufValue['type'], `${string}[]`>];
}

/** Encodes one row of f32 values as `type` into `dst` at `offset`; returns the offset after it. */
function encodeRow(type: GgmlTypeName, row: Float32Array, dst: Buffer, offset: number): number {
  switch (type) {
    case 'F32':
      // Copy the bytes directly: Float32Array is little endian on every platform node-llama-cpp supports.
      dst.set(new Uint8Array(row.buffer, row.byteOffset, row.byteLength), offset);
      return offset + row.byteLength;
    case 'F16':
      for (let i = 0; i < row.length; i++) dst.writeUInt16LE(f32ToF16Bits(row[i]!), offset + i * 2);
      return offset + row.length * 2;
    case 'Q8_0':
      return quantizeQ8_0(row, dst, offset);
  }
}

const CHUNK_BYTES = 4 << 20;

/**
 * Writes a GGUF v3 file. `general.alignment` (u32 32) is added when the metadata does not set it, so readers
 * never have to rely on the default. The file is written under a temporary name and renamed at the end, so
 * an interrupted write (a killed benchmark) never leaves a truncated file that looks like a model.
 */
export async function writeGguf(path: string, file: GgufFile): Promise<WrittenGguf> {
  const entries = metadataEntries(file.metadata);
  const alignmentEntry = entries.find(([key]) => key === 'general.alignment');
  if (!alignmentEntry) entries.unshift(['general.alignment', u32(GGUF_DEFAULT_ALIGNMENT)]);
  const alignment = alignmentEntry ? Number(alignmentEntry[1].value) : GGUF_DEFAULT_ALIGNMENT;
  // gguf.cpp rejects alignments that are not a power of two.
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new Error(`general.alignment must be a power of two, got ${alignment}`);
  }

  const names = new Set<string>();
  for (const t of file.tensors) {
    if (names.has(t.name)) throw new Error(`duplicate tensor name ${t.name}`);
    names.add(t.name);
    if (t.dims.length < 1 || t.dims.length > 4) throw new Error(`${t.name}: ggml tensors have 1 to 4 dims`);
    if (!(t.data instanceof Float32Array)) continue;
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) throw new Error(`${t.name}: ${t.data.length} values for ${count} elements`);
  }

  const header = new ByteSink();
  header.buf.write('GGUF', 0, 'ascii');
  header.length = 4;
  header.u32(3);
  header.u64(file.tensors.length);
  header.u64(entries.length);
  for (const [key, value] of entries) {
    header.str(key);
    header.u32(typeTag(value));
    writeValue(header, value);
  }
  const offsets: number[] = [];
  let dataSize = 0;
  for (const t of file.tensors) {
    header.str(t.name);
    header.u32(t.dims.length);
    for (const d of t.dims) header.u64(d);
    header.u32(GGML_TYPE[t.type]);
    dataSize = alignUp(dataSize, alignment);
    offsets.push(dataSize);
    header.u64(dataSize);
    dataSize += tensorByteSize(t.type, t.dims);
  }
  header.pad(alignment);
  const dataOffset = header.length;

  const partial = `${path}.partial`;
  const handle = await open(partial, 'w');
  let pending: Promise<unknown> = Promise.resolve();
  try {
    await handle.write(header.buf, 0, header.length);
    // Two chunks, so encoding the next one overlaps writing the last: filling is CPU-bound, writing waits on
    // the disk, and awaiting each write in turn left the CPU idle for a third of the time.
    const maxRow = Math.max(0, ...file.tensors.map((t) => tensorByteSize(t.type, [t.dims[0]!])));
    const chunkBytes = Math.max(CHUNK_BYTES, maxRow + alignment);
    let chunk = Buffer.alloc(chunkBytes);
    let spare = Buffer.alloc(chunkBytes);
    let used = 0;
    let written = 0; // bytes of the data section written so far (flushed or in the chunk)
    const flush = async (): Promise<void> => {
      if (used === 0) return;
      await pending; // `spare` was the buffer of that write: free again once it is done
      pending = handle.write(chunk, 0, used);
      [chunk, spare] = [spare, chunk];
      used = 0;
    };
    for (const [index, t] of file.tensors.entries()) {
      const padding = offsets[index]! - written;
      if (used + padding > chunk.length) await flush();
      chunk.fill(0, used, used + padding);
      used += padding;
      written += padding;

      const rowLength = t.dims[0]!;
      const rows = t.dims.slice(1).reduce((a, b) => a * b, 1);
      const rowBytes = tensorByteSize(t.type, [rowLength]);
      const rowBuf = new Float32Array(rowLength);
      for (let r = 0; r < rows; r++) {
        let values: Float32Array = rowBuf;
        if (t.data instanceof Float32Array) values = t.data.subarray(r * rowLength, (r + 1) * rowLength);
        else t.data(r, rowBuf);
        if (used + rowBytes > chunk.length) await flush();
        used = encodeRow(t.type, values, chunk, used);
        written += rowBytes;
      }
    }
    // Pad the last tensor too, as llama.cpp's own gguf writer does: readers that size the data section as
    // the sum of padded tensor sizes then never read past the end of the file.
    const tail = alignUp(written, alignment) - written;
    if (used + tail > chunk.length) await flush();
    chunk.fill(0, used, used + tail);
    used += tail;
    await flush();
    await pending;
  } catch (error) {
    await pending.catch(() => {});
    await handle.close();
    await rm(partial, { force: true });
    throw error;
  }
  await handle.close();
  await rename(partial, path);
  return { path, size: dataOffset + alignUp(dataSize, alignment), dataOffset };
}
