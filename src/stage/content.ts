import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ContentSource, StagedEntry } from './model.js';

/** Chunk size for every streamed read of file contents. */
export const CHUNK = 1 << 20;

/** A readable stream of a file's bytes, wherever they come from. Never loads a host file whole. */
export function openContent(source: ContentSource): Readable {
  if (source.kind === 'generated') return Readable.from([source.data]);
  if (source.kind === 'reader') {
    return Readable.from(
      (async function* () {
        for (let off = 0; ; off += CHUNK) {
          const chunk = await source.read(off, CHUNK);
          if (chunk.length === 0) return;
          yield chunk;
        }
      })(),
    );
  }
  return createReadStream(source.path, { highWaterMark: CHUNK });
}

/**
 * Read a file's content in chunks into a callback, reusing one buffer: what emitters use to copy
 * data into an image with bounded memory. `expectedSize` guards against a proto file that changed
 * size after it was staged.
 */
export async function forEachChunk(
  source: ContentSource,
  expectedSize: number,
  fn: (chunk: Buffer, offset: number) => void | Promise<void>,
  buffer: Buffer = Buffer.allocUnsafe(CHUNK),
): Promise<void> {
  if (source.kind === 'generated') {
    if (source.data.length !== expectedSize) throw new ContentChangedError(`${source.generator} content is ${source.data.length} bytes, expected ${expectedSize}`);
    for (let off = 0; off < source.data.length; off += CHUNK) await fn(source.data.subarray(off, off + CHUNK), off);
    return;
  }
  if (source.kind === 'reader') {
    let off = 0;
    while (off < expectedSize) {
      const chunk = await source.read(off, Math.min(CHUNK, expectedSize - off));
      if (chunk.length === 0) break;
      await fn(chunk, off);
      off += chunk.length;
    }
    if (off !== expectedSize) throw new ContentChangedError(`${source.label} holds ${off} bytes, expected ${expectedSize}`);
    return;
  }
  const fh = await open(source.path, 'r');
  try {
    let off = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, off);
      if (bytesRead === 0) break;
      if (off + bytesRead > expectedSize) {
        off += bytesRead;
        break;
      }
      await fn(buffer.subarray(0, bytesRead), off);
      off += bytesRead;
    }
    if (off !== expectedSize) throw new ContentChangedError(`${source.path} is now ${off} bytes, it was ${expectedSize} bytes when staged; re-run compose`);
  } finally {
    await fh.close();
  }
}

/**
 * forEachChunk with synchronous reads, for emitters whose whole inner loop is synchronous (the
 * UFS writer): with files in the page cache, a blocking read costs far less than a round trip
 * through the thread pool, and thousands of small files make that difference dominate.
 */
export function forEachChunkSync(source: ContentSource, expectedSize: number, fn: (chunk: Buffer, offset: number) => void, buffer: Buffer = Buffer.allocUnsafe(CHUNK)): void {
  if (source.kind === 'generated') {
    if (source.data.length !== expectedSize) throw new ContentChangedError(`${source.generator} content is ${source.data.length} bytes, expected ${expectedSize}`);
    for (let off = 0; off < source.data.length; off += CHUNK) fn(source.data.subarray(off, off + CHUNK), off);
    return;
  }
  if (source.kind === 'reader') throw new Error(`${source.label}: an image's entries can only be read asynchronously`);
  const fd = openSync(source.path, 'r');
  try {
    let off = 0;
    for (;;) {
      const want = Math.min(buffer.length, expectedSize - off + 1);
      const n = readSync(fd, buffer, 0, want, off);
      if (n === 0) break;
      if (off + n > expectedSize) {
        // Grown: said here, since off alone can still equal the staged size.
        off += n;
        break;
      }
      fn(buffer.subarray(0, n), off);
      off += n;
      // A short read that completes the staged size is the end of the file: asking again for the
      // 0 that says so cost a system call per file (tens of thousands in a proto).
      if (n < want && off === expectedSize) break;
    }
    if (off !== expectedSize) throw new ContentChangedError(`${source.path} is now ${off < expectedSize ? off : 'more than ' + expectedSize} bytes, it was ${expectedSize} bytes when staged; re-run compose`);
  } finally {
    closeSync(fd);
  }
}

export class ContentChangedError extends Error {}

/** sha256 of an entry's content, computed once and remembered on the entry. */
const HASH_BUFFER = Buffer.allocUnsafe(CHUNK);

export async function sha256Of(entry: StagedEntry): Promise<string> {
  if (entry.sha256) return entry.sha256;
  if (!entry.source) throw new Error(`entry ${entry.path} has no content`);
  const h = createHash('sha256');
  // One buffer for every file hashed this way: they are hashed one after the other.
  await forEachChunk(
    entry.source,
    entry.size,
    (c) => {
      h.update(c);
    },
    HASH_BUFFER,
  );
  entry.sha256 = h.digest('hex');
  return entry.sha256;
}
