// Content-addressed blobs, stored as Ollama stores them: blobs/sha256-<hex>. A blob is written to a temporary
// file beside its final place, hashed while it streams, and renamed into place only when its digest is right,
// so a half-written or corrupt upload never appears as a blob.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadRequestError } from '../errors.ts';
import { inHugePages } from './hugePageWrites.ts';

const DIGEST_RE = /^sha256[:-]([a-f0-9]{64})$/;

/** Accepts "sha256:<hex>" (the API's form) or "sha256-<hex>" (the file name's); returns "sha256:<hex>". */
export function parseDigest(text: string): string {
  const m = DIGEST_RE.exec(text);
  if (!m) {
    throw new BadRequestError(
      `invalid digest ${JSON.stringify(text)}: expected "sha256:" and 64 lowercase hex digits`,
    );
  }
  return `sha256:${m[1]}`;
}

export class BlobStore {
  constructor(readonly dir: string) {}

  /** The file that holds a blob ("sha256:<hex>" → blobs/sha256-<hex>). */
  path(digest: string): string {
    return path.join(this.dir, parseDigest(digest).replace(':', '-'));
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await fs.stat(this.path(digest))).isFile();
    } catch {
      return false;
    }
  }

  async size(digest: string): Promise<number> {
    return (await fs.stat(this.path(digest))).size;
  }

  /**
   * Streams a body into the store under the digest it claims. Throws BadRequestError (and keeps nothing) when
   * the bytes do not hash to it. Returns the number of bytes written.
   */
  async writeStream(expectedDigest: string, body: Readable): Promise<number> {
    const digest = parseDigest(expectedDigest);
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = `${this.path(digest)}-upload-${randomBytes(6).toString('hex')}`;
    const hash = createHash('sha256');
    let bytes = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, hasher, inHugePages(), createWriteStream(tmp));
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest) {
        throw new BadRequestError(`digest mismatch: the body hashes to ${actual}, not ${digest}`);
      }
      await fs.rename(tmp, this.path(digest));
      return bytes;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Stores bytes held in memory (small layers: template, system, params, config); returns the digest. */
  async writeBytes(data: Buffer | string): Promise<{ digest: string; size: number }> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const digest = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    if (!(await this.has(digest))) {
      await fs.mkdir(this.dir, { recursive: true });
      const tmp = `${this.path(digest)}-write-${randomBytes(6).toString('hex')}`;
      await fs.writeFile(tmp, buf);
      await fs.rename(tmp, this.path(digest));
    }
    return { digest, size: buf.length };
  }

  async readText(digest: string): Promise<string> {
    return fs.readFile(this.path(digest), 'utf8');
  }

  async remove(digest: string): Promise<void> {
    await fs.rm(this.path(digest), { force: true });
  }

  /** Every complete blob's digest (temporary and partial files are not blobs). */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => /^sha256-[a-f0-9]{64}$/.test(n)).map((n) => n.replace('-', ':'));
  }
}
