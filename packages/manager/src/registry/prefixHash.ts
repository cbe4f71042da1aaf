// SHA-256 of a blob while it downloads. SHA-256 must see the bytes in order, and parts arrive out of order, so
// this follows the contiguous prefix on disk (parts are fetched in order, a few at a time, so the prefix keeps
// moving): bytes that arrive right at its end are hashed as they come, the others are read back from the page
// cache once the bytes before them are in. When the last part lands only the tail is left to hash, so verifying
// a multi-gigabyte blob does not add a long pause after its download.
import { createHash } from 'node:crypto';
import type { PartialDownload } from './partialDownload.ts';

const READ_SIZE = 1024 * 1024;

export class PrefixHash {
  private readonly hash = createHash('sha256');
  private hashed = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private buffer = Buffer.allocUnsafe(READ_SIZE);

  constructor(private readonly file: PartialDownload) {}

  /** Bytes just written at `position`: hashed at once when they continue the hashed prefix, else later. */
  written(position: number, chunk: Buffer): void {
    if (!this.running && position === this.hashed) {
      this.hash.update(chunk);
      this.hashed += chunk.length;
    } else {
      this.advance();
    }
  }

  /** Hashes, in the background, whatever has become contiguous since the last call. */
  advance(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.catchUp().finally(() => {
      this.running = undefined;
    });
    this.running.catch(() => {}); // surfaced by digest()
  }

  /** The blob's digest ("sha256:<hex>"), once every byte is on disk. */
  async digest(): Promise<string> {
    while (this.running) await this.running;
    await this.catchUp();
    if (this.hashed !== this.file.size) {
      throw new Error(`internal error: hashed ${this.hashed} of ${this.file.size} bytes`);
    }
    return `sha256:${this.hash.digest('hex')}`;
  }

  private async catchUp(): Promise<void> {
    do {
      this.again = false;
      const end = this.file.contiguous;
      while (this.hashed < end) {
        const n = await this.file.read(this.buffer, Math.min(READ_SIZE, end - this.hashed), this.hashed);
        if (n <= 0) throw new Error(`unexpected end of ${this.file.digest}-partial at ${this.hashed}`);
        this.hash.update(this.buffer.subarray(0, n));
        this.hashed += n;
      }
    } while (this.again);
  }
}
