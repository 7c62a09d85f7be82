import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { makeBootArchive, writeBootArchive } from '../../src/archive/boot-archive.js';
import type { ChunkRecord, ChunkSource } from '../../src/archive/chunked-gzip.js';
import { BuildCache } from '../../src/cache/build-cache.js';
import { previousChunks, rememberChunks } from '../../src/cache/archive-index.js';

/** Deterministic bytes: runs of pseudo-random data and of repeated patterns, like an image. */
function imageBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE((i >> 12) & 1 ? (i >> 8) & 0xff : x, i);
  }
  return out;
}

/** `data` in pieces of the given sizes (repeated), as a producer might hand them over. */
function* pieces(data: Buffer, sizes: number[]): Generator<Buffer> {
  let k = 0;
  for (let at = 0; at < data.length; k++) {
    const n = Math.min(sizes[k % sizes.length], data.length - at);
    // A fresh copy each time: the chunker must not keep references into a piece.
    yield Buffer.from(data.subarray(at, at + n));
    at += n;
  }
}

const sourceOf = (path: string, chunks: ChunkRecord[]): ChunkSource => {
  const m = new Map(chunks.map((c) => [c.h, { offset: c.o, length: c.c }]));
  return { path, lookup: (h) => m.get(h) };
};

describe('the boot_archive: one gzip member of independently compressed chunks', () => {
  it('is read back by gzip, zcat and Node, with no name or time, the whole size in ISIZE, and the SHA-1 of the image beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-test-'));
    const data = imageBytes(1, 6 << 20);
    await writeFile(join(dir, 'image'), data);
    const r = await makeBootArchive(join(dir, 'image'), join(dir, 'boot_archive'), 6);
    const gz = await readFile(join(dir, 'boot_archive'));
    // Readers we did not write: gzip -t and zcat.
    await execa('gzip', ['-t', join(dir, 'boot_archive')]);
    const z = await execa('sh', ['-c', `zcat '${join(dir, 'boot_archive')}' | sha1sum`]);
    expect(z.stdout.split(' ')[0]).toBe(createHash('sha1').update(data).digest('hex'));
    expect(gunzipSync(gz).equals(data)).toBe(true);
    expect(gz.readUInt32LE(4)).toBe(0); // MTIME
    expect(gz[3]).toBe(0); // no FNAME, FEXTRA, FCOMMENT
    expect(gz.readUInt32LE(gz.length - 4)).toBe(data.length);
    expect(await readFile(join(dir, 'boot_archive.hash'), 'utf8')).toBe(`${createHash('sha1').update(data).digest('hex')}\n`);
    expect(r.archiveBytes).toBe(gz.length);
    expect(r.gzip).toBe(`zlib ${process.versions.zlib} level 6`);
    // Chunks of 128 KiB to 1 MiB that tile the image and the compressed stream.
    expect(r.chunks.length).toBeGreaterThan(6);
    expect(r.chunks.reduce((n, c) => n + c.u, 0)).toBe(data.length);
    for (const c of r.chunks.slice(0, -1)) expect(c.u).toBeGreaterThanOrEqual(128 << 10);
    for (const c of r.chunks) expect(c.u).toBeLessThanOrEqual(1 << 20);
    expect(r.chunks[0].o).toBe(10);
    for (let i = 1; i < r.chunks.length; i++) expect(r.chunks[i].o).toBe(r.chunks[i - 1].o + r.chunks[i - 1].c);
  });

  it('the header names the level as gzip does (XFL 2 for 9, 4 for 1), and a higher level is smaller', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-test-'));
    const data = imageBytes(2, 3 << 20);
    const a1 = await writeBootArchive(pieces(data, [1 << 20]), join(dir, 'a1'), { level: 1 });
    const a9 = await writeBootArchive(pieces(data, [1 << 20]), join(dir, 'a9'), { level: 9 });
    expect((await readFile(join(dir, 'a1')))[8]).toBe(4);
    expect((await readFile(join(dir, 'a9')))[8]).toBe(2);
    expect(a9.archiveBytes).toBeLessThan(a1.archiveBytes);
  });

  it('cuts where the content says, wherever the producer splits its buffers: the same bytes for any piece sizes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-test-'));
    const data = imageBytes(3, (5 << 20) + 3000);
    const whole = await writeBootArchive(pieces(data, [1 << 20]), join(dir, 'a'), { level: 6 });
    const odd = await writeBootArchive(pieces(data, [1, 4095, 1024, 77_777, 300_001, 3]), join(dir, 'b'), { level: 6 });
    expect((await readFile(join(dir, 'b'))).equals(await readFile(join(dir, 'a')))).toBe(true);
    expect(odd.chunks).toEqual(whole.chunks);
  });

  it('a rebuild copies the chunks it would compress again, and is byte-identical to a cold build', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-test-'));
    const before = imageBytes(4, 8 << 20);
    const first = await writeBootArchive(pieces(before, [1 << 20]), join(dir, 'before'), { level: 6 });
    // A change in place, and 3 KiB inserted further on (later data moves, as in a UFS image when a file grows).
    const after = Buffer.concat([before.subarray(0, 2 << 20), Buffer.alloc(4096, 0x5a), before.subarray((2 << 20) + 4096, 6 << 20), Buffer.alloc(3072, 1), before.subarray(6 << 20)]);
    const cold = await writeBootArchive(pieces(after, [1 << 20]), join(dir, 'cold'), { level: 6 });
    const warm = await writeBootArchive(pieces(after, [1 << 20]), join(dir, 'warm'), { level: 6, previous: sourceOf(join(dir, 'before'), first.chunks) });
    expect((await readFile(join(dir, 'warm'))).equals(await readFile(join(dir, 'cold')))).toBe(true);
    expect(cold.reusedChunks).toBe(0);
    expect(warm.reusedChunks).toBeGreaterThan(warm.chunks.length - 6);
    expect(warm.reusedChunks).toBeLessThan(warm.chunks.length);
    expect(gunzipSync(await readFile(join(dir, 'warm'))).equals(after)).toBe(true);
  });

  it('the cache index trusts only the very archive it described, compressed the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-test-'));
    const cache = BuildCache.open(dir, join(dir, 'cache'))!;
    const archive = join(dir, 'x.boot_archive');
    const r = await writeBootArchive(pieces(imageBytes(5, 2 << 20), [1 << 20]), archive, { level: 6 });
    rememberChunks(cache, archive, archive, r.gzip, r.chunks);
    expect(previousChunks(cache, archive, r.gzip)?.lookup(r.chunks[1].h)).toEqual({ offset: r.chunks[1].o, length: r.chunks[1].c });
    expect(previousChunks(cache, archive, 'zlib 0.0 level 6')).toBeUndefined();
    expect(previousChunks(BuildCache.open(dir, false), archive, r.gzip)).toBeUndefined();
    // Rewritten by someone else (another inode): not trusted.
    await writeFile(`${archive}.new`, await readFile(archive));
    await execa('mv', [`${archive}.new`, archive]);
    expect(previousChunks(cache, archive, r.gzip)).toBeUndefined();
  });

  it('a previous archive shorter than its index is an error, not a corrupt archive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-test-'));
    const data = imageBytes(6, 2 << 20);
    const r = await writeBootArchive(pieces(data, [1 << 20]), join(dir, 'a'), { level: 6 });
    await writeFile(join(dir, 'short'), (await readFile(join(dir, 'a'))).subarray(0, 100));
    await expect(writeBootArchive(pieces(data, [1 << 20]), join(dir, 'b'), { level: 6, previous: sourceOf(join(dir, 'short'), r.chunks) })).rejects.toThrow(/shorter than its index/);
  });
});
