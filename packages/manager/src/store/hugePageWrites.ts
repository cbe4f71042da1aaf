// A blob's bytes written to disk in whole 2 MiB pieces, each at a multiple of 2 MiB from the file's start.
//
// Why: the runner maps a model's weights straight from the blob file (mmap), and decoding reads all of them
// for every token. On a kernel whose file system caches files in large folios (Linux 6.x with ext4 or XFS),
// the page cache keeps each written piece as one folio of the write's size, and a piece of 2 MiB at a 2 MiB
// offset is then mapped as one huge page instead of 512 small ones. Written in the 64 KiB chunks a request
// body arrives in, a freshly created model stayed in 4 KiB pages until the cache was dropped, and
// decoded 7-9% slower (llama-bench on the same bytes written both ways: bench/README.md, 2026-12-07). Where
// the kernel does not do this, the pieces are ordinary writes. Uploads go through inHugePages; downloads
// (registry/partialDownload.ts) hold each part's bytes the same way.
import { Transform } from 'node:stream';

export const HUGE_PAGE = 2 * 1024 * 1024;

/** Bytes from a file offset to the next multiple of HUGE_PAGE (a whole piece when it is on one). */
export function toBoundary(offset: number): number {
  return HUGE_PAGE - (offset % HUGE_PAGE);
}

/**
 * Re-chunks a stream that is written from file offset `start` so that every chunk but the last ends on a
 * multiple of HUGE_PAGE; the first is shorter when `start` is not itself on one.
 */
export function inHugePages(start = 0): Transform {
  // The bytes since the last boundary, as they came (joined once, when the piece is whole).
  let held: Buffer[] = [];
  let heldBytes = 0;
  let offset = start;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let rest = chunk;
      for (;;) {
        const missing = toBoundary(offset + heldBytes);
        if (rest.length < missing) break;
        held.push(rest.subarray(0, missing));
        const piece = Buffer.concat(held, heldBytes + missing);
        this.push(piece);
        offset += piece.length;
        held = [];
        heldBytes = 0;
        rest = rest.subarray(missing);
      }
      if (rest.length > 0) {
        held.push(rest);
        heldBytes += rest.length;
      }
      done();
    },
    flush(done) {
      if (heldBytes > 0) this.push(Buffer.concat(held, heldBytes));
      done();
    },
  });
}
