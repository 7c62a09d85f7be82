/**
 * The fsck-style checker finds corruption: each test damages one thing in a copy of a good
 * image (a free-map bit, a summary count, a backup superblock byte, a link count...) and the
 * checker must name it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUfsImage, listUfs, openUfsImage, writeUfsImage, type UfsListEntry } from '../../src/ufs/index.js';
import { UfsImage } from '../../src/ufs/reader.js';
import { addInt16, addInt32, flipBit, patchedCopy, type ImageIO } from '../support/ufs-patch.js';
import { MiB, pseudoRandom, T0, TreeBuilder } from '../support/ufs-trees.js';

let work: string;
let good: string;
let listing: UfsListEntry[];
let img: UfsImage;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ufs-check-'));
  const b = new TreeBuilder();
  for (let i = 0; i < 30; i++) b.file(`data/f${i}`, pseudoRandom(100_000 + i * 7000, `f${i}`));
  b.file('data/big', pseudoRandom(2 * MiB, 'big'));
  b.file('etc/motd', 'hello\n').hardlink('etc/motd-too', 'etc/motd').symlink('etc/link', 'motd').dir('var/empty');
  good = join(work, 'good.ufs');
  // 40 MiB: three cylinder groups, so there are backups beyond cg 0.
  await writeUfsImage(b.tree, good, { size: 40 * MiB, time: T0 });
  listing = await listUfs(good);
  img = await openUfsImage(good);
});
afterAll(async () => {
  await img?.close();
  await rm(work, { recursive: true, force: true });
});

const entry = (p: string) => listing.find((e) => e.path === p)!;
let n = 0;
async function damaged(edit: (io: ImageIO) => Promise<void>): Promise<string[]> {
  const copy = await patchedCopy(good, join(work, `bad-${n++}.ufs`), edit);
  const r = await checkUfsImage(copy);
  expect(r.ok).toBe(false);
  return r.problems;
}

describe('checkUfsImage', () => {
  it('accepts the good image', async () => {
    const r = await checkUfsImage(good);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.stats).toMatchObject({ ncg: 3, files: 32, symlinks: 1, directories: 5, inodesUsed: 38 });
  });

  it('finds a flipped bit in a free-fragment bitmap', async () => {
    const g = img.geometry;
    const di = await img.inode(entry('data/big').ino);
    const frag = di.db[3];
    const c = g.dtog(frag);
    const d = frag - g.cgBase(c);
    const problems = await damaged((io) => flipBit(io, g.cgTod(c) * g.fsize + g.cgOffsets.freeoff + (d >> 3), d & 7));
    expect(problems).toContain(`cg ${c}: free-fragment bitmap marks fragment ${frag} free but inode ${entry('data/big').ino} ("/data/big") uses it`);
    // The counts no longer match the bitmap either.
    expect(problems.some((p) => p.startsWith(`cg ${c}: cg_cs.cs_nffree`))).toBe(true);
  });

  it('finds a changed summary count, in the cg header and in the summary area', async () => {
    const g = img.geometry;
    const inHeader = await damaged((io) => addInt32(io, g.cgTod(1) * g.fsize + 24 + 4, -1));
    expect(inHeader.some((p) => /^cg 1: cg_cs\.cs_nbfree is \d+ but the bitmaps give \d+$/.test(p))).toBe(true);
    const inArea = await damaged((io) => addInt32(io, g.csaddr * g.fsize + 2 * 16 + 8, 5));
    expect(inArea.some((p) => /^cg 2: the summary area at fragment \d+ says cs_nifree/.test(p))).toBe(true);
    expect(inArea.some((p) => p.startsWith('superblock: fs_cstotal.cs_nifree'))).toBe(true);
  });

  it('finds a changed byte in a backup superblock', async () => {
    const g = img.geometry;
    const problems = await damaged((io) => flipBit(io, g.cgSblock(2) * g.fsize + 100, 3));
    expect(problems).toEqual([`cg 2: backup superblock at fragment ${g.cgSblock(2)} differs from the primary (first difference at byte 100)`]);
  });

  it('finds a superblock that is not marked clean', async () => {
    const problems = await damaged((io) => addInt32(io, 8192 + 132, 1));
    expect(problems.some((p) => p.includes('is not FSOKAY'))).toBe(true);
  });

  it('finds wrong link counts and block counts', async () => {
    const g = img.geometry;
    const motd = entry('etc/motd').ino;
    const nlink = await damaged((io) => addInt16(io, g.inodeOffset(motd) + 2, 1));
    expect(nlink).toContain(`inode ${motd} ("/etc/motd"): link count is 3 but 2 directory entries name it`);
    const f = entry('data/f3').ino;
    const blocks = await damaged((io) => addInt32(io, g.inodeOffset(f) + 104, 2));
    expect(blocks.some((p) => p.startsWith(`inode ${f} ("/data/f3"): ic_blocks is`))).toBe(true);
  });

  it('finds a cleared inode bitmap bit and a block claimed twice', async () => {
    const g = img.geometry;
    const f = entry('data/f5').ino;
    const c = g.itog(f);
    const k = f % g.ipg;
    const bitmap = await damaged((io) => flipBit(io, g.cgTod(c) * g.fsize + g.cgOffsets.iusedoff + (k >> 3), k & 7));
    expect(bitmap).toContain(`cg ${c}: inode bitmap marks inode ${f} ("/data/f5") free but it is in use`);
    const other = await img.inode(entry('data/f6').ino);
    const dup = await damaged((io) => {
      const b = Buffer.alloc(4);
      b.writeInt32LE(other.db[0]);
      return io.write(g.inodeOffset(f) + 40, b);
    });
    expect(dup.some((p) => /^fragment \d+ is used by both inode \d+ \("\/data\/f[56]"\) and inode \d+ \("\/data\/f[56]"\)$/.test(p))).toBe(true);
  });

  it('finds a malformed directory entry', async () => {
    const g = img.geometry;
    const etc = await img.inode(entry('etc').ino);
    const problems = await damaged((io) => addInt16(io, etc.db[0] * g.fsize + 12 + 4, 2));
    expect(problems.some((p) => p.includes('("/etc")') && /reclen/.test(p))).toBe(true);
  });

  it('reports an image without a UFS superblock', async () => {
    const r = await checkUfsImage(await patchedCopy(good, join(work, 'nomagic.ufs'), (io) => io.write(8192 + 1372, Buffer.alloc(4))));
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/no UFS superblock/);
  });
});
