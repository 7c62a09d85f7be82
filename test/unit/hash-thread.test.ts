import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fileHasher, HashThread, hashThread } from '../../src/stage/hash-thread.js';
import type { StagedEntry } from '../../src/stage/model.js';

// The hashing thread must give every file the sha256 crypto gives its bytes, whatever the sizes
// and however the bytes are cut, when many files share a slot, when the ring of slots wraps many
// times, and when files are interleaved (the UFS image's order) or dropped half-way.

const entry = (path: string): StagedEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 });
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const bytes = (n: number): Buffer => randomBytes(n);

describe('HashThread', () => {
  it('hashes small, empty and multi-megabyte files, cut into pieces of any size, across many turns of the ring', async () => {
    const t = new HashThread();
    const sizes = [0, 1, 100, 4095, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17, 9 * (1 << 20) + 5, ...Array.from({ length: 2000 }, (_, i) => (i * 7919) % 9000)];
    const files = sizes.map((n, i) => ({ e: entry(`f${i}`), data: bytes(n) }));
    const reused = Buffer.alloc(300_000);
    for (const [i, f] of files.entries()) {
      const id = t.begin(f.e);
      // Pieces of changing sizes, through one reused buffer (as the emitters hand them over).
      for (let at = 0, cut = 997 + (i % 7) * 40_000; at < f.data.length; at += cut) {
        const n = f.data.copy(reused, 0, at, Math.min(f.data.length, at + cut));
        t.update(id, reused.subarray(0, n));
      }
      t.end(id);
    }
    await t.settle();
    for (const f of files) expect(f.e.sha256, f.e.path).toBe(sha(f.data));
  });

  it('keeps interleaved files apart, and a dropped file neither gets a hash nor holds up settle()', async () => {
    const t = new HashThread();
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    const [da, db] = [bytes(2_500_000), bytes(1_500_000)];
    const [ia, ib, ic] = [t.begin(a), t.begin(b), t.begin(c)];
    for (let at = 0; at < 2_500_000; at += 500_000) {
      t.update(ia, da.subarray(at, at + 500_000));
      if (at < 1_500_000) t.update(ib, db.subarray(at, at + 500_000));
      t.update(ic, bytes(1000));
    }
    t.drop(ic);
    t.end(ib);
    t.end(ia);
    await t.settle();
    expect(a.sha256).toBe(sha(da));
    expect(b.sha256).toBe(sha(db));
    expect(c.sha256).toBeUndefined();
    // Nothing pending: settles at once, and the thread goes on working afterwards.
    await t.settle();
    const d = entry('d');
    const id = t.begin(d);
    t.update(id, Buffer.from('after'));
    t.end(id);
    await t.settle();
    expect(d.sha256).toBe(sha(Buffer.from('after')));
  });

  it('fileHasher: small and large files alike are hashed on the hashing thread, by settle()', async () => {
    const files = [0, 1, 1000, 64 << 10, (1 << 20) + 7].map((n) => ({ e: { ...entry(`f${n}`), size: n }, d: bytes(n) }));
    for (const { e, d } of files) {
      const h = fileHasher(e);
      h.update(d.subarray(0, 1000));
      h.update(d.subarray(1000));
      h.end();
    }
    await hashThread().settle();
    for (const { e, d } of files) expect(e.sha256).toBe(sha(d));
  });
});
