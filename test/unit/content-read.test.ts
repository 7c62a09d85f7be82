import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentChangedError, forEachChunk, forEachChunkSync } from '../../src/stage/content.js';

// forEachChunkSync reads a proto file in chunks into a reused buffer, and refuses a file whose
// size is no longer the one it was staged with.

const dir = mkdtempSync(join(tmpdir(), 'content-read-'));
const bytes = (n: number, seed = 1): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const host = (path: string) => ({ kind: 'host' as const, path, origin: 'proto' as const });

function readAll(path: string, staged: number, buffer: Buffer): { data: Buffer; offsets: number[] } {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  forEachChunkSync(host(path), staged, (chunk, off) => {
    parts.push(Buffer.from(chunk));
    offsets.push(off);
  }, buffer);
  return { data: Buffer.concat(parts), offsets };
}

describe('reading a staged file', () => {
  it.each([0, 1, 999, 1000, 1001, 4000])('gives a %i-byte file whole, in buffer-sized chunks at their offsets', (n) => {
    const path = join(dir, `f${n}`);
    writeFileSync(path, bytes(n));
    const { data, offsets } = readAll(path, n, Buffer.alloc(1000));
    expect(data.equals(bytes(n))).toBe(true);
    expect(offsets).toEqual(Array.from({ length: Math.ceil(n / 1000) }, (_, i) => i * 1000));
  });

  it('refuses a file that grew or shrank after staging, naming it', () => {
    const path = join(dir, 'changed');
    writeFileSync(path, bytes(3000));
    // Grown by less than a chunk, by whole chunks (the staged size a multiple of the buffer), shrunk.
    for (const staged of [2999, 2000, 1000, 3001, 4000]) {
      expect(() => readAll(path, staged, Buffer.alloc(1000))).toThrow(ContentChangedError);
      expect(() => readAll(path, staged, Buffer.alloc(1000))).toThrow(path);
    }
  });

  it('refuses it the same way when reading asynchronously', async () => {
    const path = join(dir, 'changed-async');
    writeFileSync(path, bytes(3000));
    for (const staged of [2999, 2000, 1000, 3001, 4000]) {
      await expect(forEachChunk(host(path), staged, () => undefined, Buffer.alloc(1000))).rejects.toThrow(ContentChangedError);
    }
    const seen: Buffer[] = [];
    await forEachChunk(host(path), 3000, (c) => void seen.push(Buffer.from(c)), Buffer.alloc(1000));
    expect(Buffer.concat(seen).equals(bytes(3000))).toBe(true);
  });
});
