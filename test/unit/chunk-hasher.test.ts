import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ChunkHasher } from '../../src/archive/chunk-hasher.js';

// The archive writer's hashing threads: each chunk's sha256, and the SHA-1 and CRC-32 of all the
// chunks in the order given, checked against Node's own hashes of the same bytes.

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + (i >> 7)) & 0xff));

describe.each([
  ['on threads of their own', true],
  ['on the calling thread', false],
])('the archive hashing, %s', (_, threads) => {
  it('give each chunk its sha256 and the whole stream its SHA-1 and CRC-32, slots reused', async () => {
    const hasher = new ChunkHasher(2, 4096, threads);
    try {
      const chunks = [bytes(4096, 3), bytes(1, 5), bytes(0, 7), bytes(3000, 11), bytes(4096, 13)];
      for (const [i, c] of chunks.entries()) {
        const slot = i % 2;
        c.copy(hasher.slots[slot]!);
        expect(await hasher.chunk(slot, c.length)).toBe(createHash('sha256').update(c).digest('hex'));
      }
      const whole = Buffer.concat(chunks);
      expect(await hasher.end()).toEqual({ sha1: createHash('sha1').update(whole).digest('hex'), crc: crc32(whole) });
    } finally {
      await hasher.close();
    }
  });

  it('an empty stream has the SHA-1 of nothing and CRC 0', async () => {
    const hasher = new ChunkHasher(1, 16, threads);
    try {
      expect(await hasher.end()).toEqual({ sha1: createHash('sha1').digest('hex'), crc: 0 });
    } finally {
      await hasher.close();
    }
  });

  it('refuses work once stopped, rather than waiting for an answer that never comes', async () => {
    const hasher = new ChunkHasher(1, 16, threads);
    await hasher.close();
    await expect(hasher.chunk(0, 4)).rejects.toThrow(/stopped/);
    await expect(hasher.end()).rejects.toThrow(/stopped/);
  });
});
