import type { StagedEntry } from './model.js';
import { CHUNK, forEachChunkSync } from './content.js';
import { fileHasher } from './hash-thread.js';

// One pass over a file's bytes: an emitter reads the content to write it, and the sha256 the
// manifest needs is computed from the same chunks (on the hashing thread), so no file is read
// twice. Reads are
// synchronous into one shared buffer: with the proto in the page cache a blocking read costs far
// less than a thread-pool round trip, and a fresh buffer per file would keep the garbage
// collector busy with tens of thousands of megabyte-sized allocations.

const SHARED = Buffer.allocUnsafe(CHUNK);

/**
 * Feed a file's content (the entry that owns it: hardlinks share their owner's) to `fn` chunk by
 * chunk, and have its sha256 computed when it has none yet: it is on the entry once
 * `hashThread().settle()` resolves. The chunk is only valid during the call.
 */
export function passContentSync(owner: StagedEntry, fn: (chunk: Buffer, offset: number) => void): void {
  if (!owner.source) throw new Error(`internal: ${owner.path} has no content`);
  const hasher = owner.sha256 === undefined ? fileHasher(owner) : undefined;
  let whole = false;
  try {
    forEachChunkSync(
      owner.source,
      owner.size,
      (chunk, off) => {
        hasher?.update(chunk);
        fn(chunk, off);
      },
      SHARED,
    );
    whole = true;
  } finally {
    if (whole) hasher?.end();
    else hasher?.drop();
  }
}
