import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { constants, deflateRaw } from 'node:zlib';
import { ChunkHasher } from './chunk-hasher.js';

// The boot_archive as one gzip member made of independently compressed chunks, compressed on
// every core and reusable from one build to the next.
//
// - Chunks are cut where the content says so (content-defined chunking, on 1 KiB units, which is
//   the granularity UFS moves data by when a file grows or shrinks): a change in one file changes
//   the chunks around it, and the rest of the image cuts into the same chunks as before, wherever
//   they now sit. Chunks are 128 KiB to 1 MiB: small enough to balance the cores and to keep a
//   change local, large enough that restarting the dictionary costs well under 1% in size.
// - Each chunk is a raw deflate stream of its own (no dictionary from the chunk before), ended
//   with a full flush so the next one starts on a byte boundary; a final empty stored block ends
//   the deflate data, then the gzip trailer (CRC-32, size). That is one valid gzip member, as
//   pigz --independent writes: gunzip, GRUB and the illumos loader read it like any other.
// - Chunks are compressed by zlib in the thread pool, several at a time, and written in order:
//   the bytes do not depend on how many run at once, only on the zlib version and the level.
// - A chunk whose content (sha256) was in the previous build's archive is copied from it instead
//   of compressed again; the result is byte-identical to compressing it (same zlib, same level).
// - On a rebuild the hashes (the image's SHA-1 and CRC-32, each chunk's sha256) are computed on
//   threads of their own (chunk-hasher.ts) while this one goes on producing and cutting the image.

const UNIT = 1024;
const MIN_CHUNK = 128 * 1024;
const MAX_CHUNK = 1024 * 1024;
/** A cut after a unit whose hash has these bits clear: one unit in 256, chunks of ~384 KiB on average. */
const CUT_MASK = 255;
/**
 * Compression jobs in flight. Chunks differ in size, and are written in order: a few more jobs
 * than cores keep every core busy while a long one finishes (measured on 2 cores: 6 beats 3 by a
 * fifth, 8 gains nothing).
 */
const IN_FLIGHT = Math.max(6, availableParallelism() * 2 + 2);
/** BFINAL=1, BTYPE=00 (stored), LEN=0, NLEN=0xffff: the end of the deflate data. */
const FINAL_EMPTY_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

/** A chunk of the archive: its content hash, sizes, and where its compressed bytes sit in the archive file. */
export interface ChunkRecord {
  /** sha256 of the uncompressed chunk. */
  h: string;
  /** Uncompressed and compressed length. */
  u: number;
  c: number;
  /** Offset of the compressed bytes in the archive file. */
  o: number;
}

/** Where compressed chunks of an earlier archive can be read (the previous build's). */
export interface ChunkSource {
  lookup(hash: string): { offset: number; length: number } | undefined;
  /** The file holding them. */
  path: string;
}

export interface ChunkedGzipResult {
  /** SHA-1 of the uncompressed data (what dboot compares with the hash module). */
  sha1: string;
  bytes: number;
  archiveBytes: number;
  chunks: ChunkRecord[];
  /** Chunks taken from the previous archive instead of compressed. */
  reused: number;
}

/** The gzip header's XFL byte as gzip sets it: 2 for the slowest level, 4 for the fastest. */
const xflFor = (level: number): number => (level === 9 ? 2 : level === 1 ? 4 : 0);

/** A 32-bit mix of a 1 KiB unit, from 16 of its words: which units are cut points is a function of their bytes. */
function unitHash(b: Buffer, at: number): number {
  let h = 0x9e3779b9;
  for (let k = 0; k < UNIT; k += 64) {
    h = Math.imul(h ^ b.readUInt32LE(at + k), 0x85ebca6b);
    h ^= h >>> 13;
  }
  // Never 0 for an all-zero unit, so long runs of zeros are cut by size, not at every unit.
  return (h ^ 0x5bd1e995) >>> 0;
}

function compress(chunk: Buffer, level: number): Promise<Buffer> {
  // An output buffer larger than deflate's worst case (stored blocks: 5 bytes per 16 KiB) lets
  // zlib do the whole chunk in one thread-pool job; with the default 16 KiB it comes back to the
  // main thread after every 16 KiB of output, and waits there while the image is being produced.
  const chunkSize = chunk.length + (chunk.length >> 10) + 1024;
  return new Promise((resolve, reject) => deflateRaw(chunk, { level, chunkSize, finishFlush: constants.Z_FULL_FLUSH }, (e, out) => (e ? reject(e) : resolve(out))));
}

/**
 * Compress a stream of buffers (an image, front to back) into a gzip file at `out`, reusing
 * chunks from `previous` when given. `out` must be a fresh path (the caller renames it into place).
 */
export async function writeChunkedGzip(input: Iterable<Buffer> | AsyncIterable<Buffer>, out: string, opts: { level: number; previous?: ChunkSource; onBytes?: (n: number) => void }): Promise<ChunkedGzipResult> {
  const fd = openSync(out, 'w');
  const prevFd = opts.previous ? openSync(opts.previous.path, 'r') : -1;
  // A slot for each job in flight and one being filled. Hashing threads pay off when chunks are
  // copied rather than compressed, which needs a previous archive (chunk-hasher.ts).
  const hasher = new ChunkHasher(IN_FLIGHT + 1, MAX_CHUNK, !!opts.previous);
  try {
    const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xflFor(opts.level), 3]);
    let pos = writeAll(fd, header, 0);
    let bytes = 0;
    const chunks: ChunkRecord[] = [];
    let reused = 0;
    // Chunks are gathered in the hasher's slots of MAX_CHUNK bytes, each back in the pool once its
    // compressed bytes are written.
    const pool = hasher.slots.map((_, i) => i);
    const take = (): number => {
      const free = pool.pop();
      if (free === undefined) throw new Error('internal: every archive chunk slot is in use');
      return free;
    };
    // A reused chunk's compressed bytes are read into buffers of their own pool.
    const readPool: Buffer[] = [];
    // In order: each job resolves to its record and compressed bytes, and the buffers to give back.
    const queue: Array<{ done: Promise<{ record: Omit<ChunkRecord, 'c' | 'o'>; data: Buffer; read?: Buffer }>; slot: number }> = [];
    const drain = async (keep: number): Promise<void> => {
      while (queue.length > keep) {
        const job = queue.shift()!;
        const { record, data, read } = await job.done;
        chunks.push({ ...record, c: data.length, o: pos });
        pos += writeAll(fd, data, pos);
        pool.push(job.slot);
        if (read) readPool.push(read);
      }
    };
    // A chunk's fate is known once its sha256 is: copied from the previous archive, or compressed.
    const settle = async (slot: number, length: number): Promise<{ record: Omit<ChunkRecord, 'c' | 'o'>; data: Buffer; read?: Buffer }> => {
      const chunk = hasher.slots[slot]!.subarray(0, length);
      if (!opts.previous) {
        // Nothing to reuse: compressed at once, hashed beside it (the index for the next build).
        const [h, data] = await Promise.all([hasher.chunk(slot, length), compress(chunk, opts.level)]);
        return { record: { h, u: length }, data };
      }
      const h = await hasher.chunk(slot, length);
      const record = { h, u: length };
      const hit = opts.previous.lookup(h);
      if (!hit) return { record, data: await compress(chunk, opts.level) };
      let read = readPool.pop();
      if (!read || read.length < hit.length) read = Buffer.allocUnsafe(Math.max(hit.length, MAX_CHUNK + (MAX_CHUNK >> 8)));
      if (readSync(prevFd, read, 0, hit.length, hit.offset) !== hit.length) throw new Error(`the previous archive ${opts.previous.path} is shorter than its index says`);
      reused++;
      return { record, data: read.subarray(0, hit.length), read };
    };
    const emit = async (slot: number, length: number): Promise<void> => {
      const done = settle(slot, length);
      // Awaited in order by drain; a failure before then must not count as unhandled.
      done.catch(() => undefined);
      queue.push({ done, slot });
      await drain(IN_FLIGHT - 1);
    };

    // Content-defined cuts on 1 KiB units of the whole stream: after a unit whose hash says so
    // (once the chunk has MIN_CHUNK bytes), or at MAX_CHUNK.
    const isCut = (b: Buffer, unitAt: number, len: number): boolean => len >= MAX_CHUNK || (len >= MIN_CHUNK && (unitHash(b, unitAt) & CUT_MASK) === 0);
    let slot = take();
    let cur = hasher.slots[slot]!;
    let curLen = 0;
    for await (const piece of input) {
      bytes += piece.length;
      opts.onBytes?.(piece.length);
      let off = 0;
      while (off < piece.length) {
        let cut = false;
        if (curLen % UNIT !== 0 || piece.length - off < UNIT) {
          // Part of a unit (a piece that does not end on a unit boundary): complete it first.
          const n = Math.min(UNIT - (curLen % UNIT), piece.length - off);
          piece.copy(cur, curLen, off, off + n);
          curLen += n;
          off += n;
          cut = curLen % UNIT === 0 && isCut(cur, curLen - UNIT, curLen);
        } else {
          // Whole units: look for the cut in the piece itself, then copy up to it at once.
          let end = off;
          while (!cut && end + UNIT <= piece.length) {
            end += UNIT;
            cut = isCut(piece, end - UNIT, curLen + end - off);
          }
          piece.copy(cur, curLen, off, end);
          curLen += end - off;
          off = end;
        }
        if (cut) {
          await emit(slot, curLen);
          slot = take();
          cur = hasher.slots[slot]!;
          curLen = 0;
        }
      }
    }
    if (curLen) await emit(slot, curLen);
    await drain(0);
    const { sha1, crc } = await hasher.end();
    pos += writeAll(fd, FINAL_EMPTY_BLOCK, pos);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc, 0);
    trailer.writeUInt32LE(bytes % 2 ** 32, 4);
    pos += writeAll(fd, trailer, pos);
    return { sha1, bytes, archiveBytes: pos, chunks, reused };
  } finally {
    await hasher.close();
    closeSync(fd);
    if (prevFd >= 0) closeSync(prevFd);
  }
}

function writeAll(fd: number, data: Buffer, pos: number): number {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, pos + done);
  return data.length;
}
