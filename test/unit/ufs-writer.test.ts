/**
 * The UFS writer end to end on trees built in memory: every entry read back by our reader must
 * match the staged tree, the fsck-style checker must find nothing, images are reproducible, and
 * sizing, inode counts and error cases behave as documented.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUfsImage, formatUfsListing, listUfs, openUfsImage, summarizeUfs, UfsEntryError, UfsNameTooLongError, UfsTooSmallError, writeUfsImage } from '../../src/ufs/index.js';
import { EXIT } from '../../src/util/errors.js';
import { compareEntries, expectedEntries, featureTree, MiB, NAME_255, T0, TreeBuilder } from '../support/ufs-trees.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ufs-writer-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const sha256File = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

// The images below, pinned byte for byte. The writer's bytes are proven right by readers we did
// not write (the Linux kernel's ufs driver, fsck and the Sleuth Kit, in test/integration); these
// hashes make any change to those bytes fail here in a second, so a change must be deliberate.
// After one, run the integration tests, then update the hash.
const PINNED = {
  feature: '6f857f460487815faeea45e3e472b622d8ba62061dfb5eae038162f09146c35f',
  lostAndFound: '6b6b01dd3314c3bb240d99c72f8cd0bd5a255f745145048723500add00ed1d12',
  fixed: '5a3899f355a000acc0ceef4a4891098c8bedac2273da9efd2b7186b749c5f05a',
};

async function writeAndVerify(tree: ReturnType<TreeBuilder['tree']['clone']>, name: string, opts: Parameters<typeof writeUfsImage>[2], expectOpts: { lostAndFound?: boolean } = {}) {
  const out = join(work, name);
  const result = await writeUfsImage(tree, out, opts);
  const check = await checkUfsImage(out);
  expect(check.problems).toEqual([]);
  expect(check.ok).toBe(true);
  const listing = await listUfs(out);
  expect(compareEntries(listing, await expectedEntries(tree, { ...expectOpts, time: opts.time }))).toEqual([]);
  return { out, result, check, listing };
}

describe('writeUfsImage', () => {
  it('writes the full feature tree so that our reader and checker agree with the staged tree', async () => {
    const tree = await featureTree({ tmpDir: work });
    const { out, result, check, listing } = await writeAndVerify(tree, 'feature.ufs', { size: 'auto', time: T0 });
    expect(await sha256File(out)).toBe(PINNED.feature);
    expect((await stat(out)).size).toBe(result.sizeBytes);
    expect(result.ncg).toBeGreaterThanOrEqual(2);
    expect(result.inodesUsed).toBe(check.stats.inodesUsed);
    expect(result.fragsUsed).toBe(check.stats.dataFrags);
    expect(result.freeBytes).toBe(check.stats.freeFrags * 1024);
    expect(result.inodesTotal).toBeGreaterThanOrEqual(result.inodesUsed + 2 + 64);
    // auto sizing leaves about freePercent (10 %) of the data as free space, not much more.
    expect(result.freeBytes).toBeGreaterThanOrEqual(result.fragsUsed * 1024 * 0.1);
    expect(result.freeBytes).toBeLessThan(result.fragsUsed * 1024 * 0.1 + 4 * MiB);
    // Hardlinks across directories share one inode.
    const ino = (p: string) => listing.find((e) => e.path === p)!.ino;
    expect(ino('sbin/prog-link')).toBe(ino('usr/bin/prog'));
    expect(ino('usr/lib/prog-also')).toBe(ino('usr/bin/prog'));
    expect(ino('')).toBe(2);

    const img = await openUfsImage(out);
    try {
      // The directory with thousands of entries spans more than 12 blocks, so it has an indirect block.
      const bigdir = await img.inode(ino('bigdir'));
      expect(bigdir.size).toBeGreaterThan(12 * 8192);
      expect(bigdir.size % 512).toBe(0);
      expect(bigdir.ib[0]).not.toBe(0);
      // Double-indirect file: both indirect pointers in use, blocks counted with indirect blocks.
      const dbl = await img.inode(ino('sizes/double-indirect'));
      expect(dbl.ib[0]).not.toBe(0);
      expect(dbl.ib[1]).not.toBe(0);
      expect(dbl.ib[2]).toBe(0);
      const nblocks = Math.ceil(dbl.size / 8192);
      expect(dbl.blocks).toBe((nblocks + 1 + 1 + Math.ceil((nblocks - 12 - 2048) / 2048)) * 16);
      // A file of exactly 12 blocks uses only direct pointers; one byte more needs the indirect block.
      expect((await img.inode(ino(`sizes/file-${12 * 8192}`))).ib[0]).toBe(0);
      expect((await img.inode(ino(`sizes/file-${12 * 8192 + 1}`))).blocks).toBe(14 * 16);
      // Tail fragments: 8193 bytes = one block + one fragment, inside one block.
      const tail = await img.inode(ino('sizes/file-8193'));
      expect(tail.blocks).toBe(18);
      expect(tail.db[0] % 8).toBe(0);
      expect((tail.db[1] % 8) + 1).toBeLessThanOrEqual(8);
      // Empty files and fifos hold no blocks; devices keep their number in ic_db[1] (x86).
      expect((await img.inode(ino('etc/empty'))).blocks).toBe(0);
      const fifo = await img.inode(ino('dev/initpipe'));
      expect([fifo.blocks, fifo.size, ...fifo.db]).toEqual(new Array(14).fill(0));
      const dev = await img.inode(ino('dev/null'));
      expect(dev.db[1]).toBe((13 << 8) | 2);
      expect(dev.db[0]).toBe(0);
      // Symlinks always live in a data fragment (no on-disk fast symlinks).
      const link = await img.inode(ino('usr/motd-link'));
      expect(link.blocks).toBe(2);
      expect(link.db[0]).not.toBe(0);
      // Large ids: ic_suid says "long", the 32-bit field has the id.
      const big = await img.inode(ino('ids/uid-100000'));
      expect([big.suid, big.uid, big.sgid, big.gid]).toEqual([0xffff, 100000, 60001, 60001]);
      // Superblock: clean, no large files, fs_time as asked.
      expect(img.sb.time).toBe(T0);
      expect(img.sb.clean).toBe(1);
      expect(img.sb.flags).toBe(0);
    } finally {
      await img.close();
    }
  });

  it('produces byte-identical images from the same tree', async () => {
    const tree = await featureTree({ tmpDir: work, bigDirEntries: 500, doubleIndirect: false });
    await writeUfsImage(tree, join(work, 'a.ufs'), { size: 'auto', time: T0 });
    await writeUfsImage(tree.clone(), join(work, 'b.ufs'), { size: 'auto', time: T0 });
    expect(await sha256File(join(work, 'a.ufs'))).toBe(await sha256File(join(work, 'b.ufs')));
  });

  it('creates lost+found on request, as inode 3 with one block of empty chunks', async () => {
    const b = new TreeBuilder().file('zz', 'z').dir('aa');
    const { out, listing } = await writeAndVerify(b.tree, 'lf.ufs', { size: 'auto', time: T0 + 5, lostAndFound: true }, { lostAndFound: true });
    expect(await sha256File(out)).toBe(PINNED.lostAndFound);
    const lf = listing.find((e) => e.path === 'lost+found')!;
    expect(lf).toMatchObject({ ino: 3, mode: 0o700, nlink: 2, size: 8192, mtime: T0 + 5 });
    expect(listing.find((e) => e.path === '')!.nlink).toBe(4);
    const img = await openUfsImage(out);
    expect((await img.inode(3)).blocks).toBe(16);
    await img.close();
  });

  it('fills a fixed size exactly and spreads over several cylinder groups', async () => {
    const b = new TreeBuilder();
    for (let i = 0; i < 40; i++) b.file(`d${i % 4}/f${i}`, Buffer.alloc(1024 * 1024 + i, i));
    const { out, result } = await writeAndVerify(b.tree, 'fixed.ufs', { size: 64 * MiB, time: T0 });
    expect(await sha256File(out)).toBe(PINNED.fixed);
    expect((await stat(out)).size).toBe(64 * MiB);
    expect(result.sizeBytes).toBe(64 * MiB);
    expect(result.ncg).toBe(4);
    const img = await openUfsImage(out);
    // Inodes follow their data into later cylinder groups.
    const cgs = new Set((await img.list({ hash: false })).map((e) => Math.floor(e.ino / img.geometry.ipg)));
    expect(cgs.size).toBeGreaterThan(1);
    await img.close();
  });

  it('reports what a too-small fixed size needs, and leaves no file behind', async () => {
    const b = new TreeBuilder();
    for (let i = 0; i < 5; i++) b.file(`f${i}`, Buffer.alloc(3 * MiB, i));
    const out = join(work, 'small', 'too-small.ufs');
    await rm(join(work, 'small'), { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(join(work, 'small')));
    const err = await writeUfsImage(b.tree, out, { size: 8 * MiB, time: T0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UfsTooSmallError);
    const e = err as UfsTooSmallError;
    expect(e.exitCode).toBe(EXIT.usage);
    expect(e.sizeBytes).toBe(8 * MiB);
    expect(e.needBytes).toBeGreaterThan(15 * MiB);
    expect(e.needBytes).toBeLessThan(17 * MiB);
    expect(e.message).toMatch(/the tree needs 1[56]\.\d MiB but the UFS image size is 8\.0 MiB/);
    expect(await readdir(join(work, 'small'))).toEqual([]);
    // The size it asks for is enough.
    await writeAndVerify(b.tree, 'just-enough.ufs', { size: e.needBytes, time: T0 });
  });

  it('always has enough inodes, whatever the density', async () => {
    const b = new TreeBuilder();
    for (let i = 0; i < 24000; i++) b.file(`many/d${i % 8}/e${i}`, '');
    const { result } = await writeAndVerify(b.tree, 'inodes.ufs', { size: 'auto', time: T0, nbpi: 1 << 20 });
    expect(result.inodesUsed).toBe(24000 + 8 + 2);
    expect(result.inodesTotal).toBeGreaterThanOrEqual(result.inodesUsed + 2 + 2400);
    // A fixed size raises the inodes per group beyond the density when it has to.
    const fixed = await writeAndVerify(b.tree, 'inodes-fixed.ufs', { size: 48 * MiB, time: T0, nbpi: 1 << 20 });
    expect(fixed.result.inodesTotal).toBeGreaterThanOrEqual(24012);
  });

  it('rejects names, symlinks and devices UFS cannot hold, naming the path', async () => {
    const long = new TreeBuilder().file(`dir/${NAME_255}x`, 'x');
    const e1 = await writeUfsImage(long.tree, join(work, 'e1.ufs'), { size: 'auto', time: T0 }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(UfsNameTooLongError);
    expect((e1 as UfsNameTooLongError).path).toBe(`dir/${NAME_255}x`);
    expect((e1 as UfsNameTooLongError).exitCode).toBe(EXIT.input);
    const utf8 = new TreeBuilder().file('é'.repeat(128), 'x');
    await expect(writeUfsImage(utf8.tree, join(work, 'e2.ufs'), { size: 'auto', time: T0 })).rejects.toThrow(/256 bytes long in UTF-8/);
    const link = new TreeBuilder().symlink('l', 'y'.repeat(1024));
    await expect(writeUfsImage(link.tree, join(work, 'e3.ufs'), { size: 'auto', time: T0 })).rejects.toThrow(UfsEntryError);
    const dev = new TreeBuilder().device('dev/x', 'char', 0x4000, 1);
    await expect(writeUfsImage(dev.tree, join(work, 'e4.ufs'), { size: 'auto', time: T0 })).rejects.toThrow(/"dev\/x": major number 16384/);
    expect((await readdir(work)).filter((n) => n.startsWith('e'))).toEqual([]);
  });

  it('removes the temporary file when a source file is missing', async () => {
    const b = new TreeBuilder().file('ok', 'fine').hostFile('gone', join(work, 'does-not-exist'), 10);
    await expect(writeUfsImage(b.tree, join(work, 'missing.ufs'), { size: 'auto', time: T0 })).rejects.toThrow(/ENOENT/);
    expect((await readdir(work)).filter((n) => n.includes('missing'))).toEqual([]);
  });

  it('summarizes and lists an image for inspection', async () => {
    const b = new TreeBuilder().file('bin/sh', 'x'.repeat(1500), { mode: 0o4755, uid: 0, gid: 3 }).symlink('sh', 'bin/sh').device('dev/null', 'char', 13, 2, { mode: 0o666 }).dir('tmp', { mode: 0o1777 });
    const out = join(work, 'inspect.ufs');
    const result = await writeUfsImage(b.tree, out, { size: 'auto', time: T0 });
    const summary = await summarizeUfs(out);
    expect(summary).toMatchObject({ imageBytes: result.sizeBytes, fsize: 1024, bsize: 8192, ncg: result.ncg, time: T0, clean: true, largeFiles: false, directories: 4, freeBytes: result.freeBytes });
    expect(summary.inodesFree).toBe(result.inodesTotal - result.inodesUsed - 2);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    const listing = await listUfs(out);
    expect(JSON.parse(JSON.stringify(listing))).toEqual(listing);
    expect(formatUfsListing(listing).split('\n')).toEqual([
      'drwxr-xr-x 5 0 0  512 /',
      'drwxr-xr-x 2 0 0  512 /bin',
      '-rwsr-xr-x 1 0 3 1500 /bin/sh',
      'drwxr-xr-x 2 0 0  512 /dev',
      'crw-rw-rw- 1 0 3 13,2 /dev/null',
      'lrwxrwxrwx 1 0 0    6 /sh -> bin/sh',
      'drwxrwxrwt 2 0 0  512 /tmp',
      '',
    ]);
    expect(formatUfsListing(listing, { ino: true, sha256: true })).toMatch(/^ ?\d+ -rwsr-xr-x 1 0 3 1500 \/bin\/sh  [0-9a-f]{64}$/m);
  });

  it('reports progress up to the total', async () => {
    const b = new TreeBuilder().file('a', Buffer.alloc(3 * MiB, 1)).file('b', 'bb');
    const calls: Array<[number, number]> = [];
    await writeUfsImage(b.tree, join(work, 'progress.ufs'), { size: 'auto', time: T0, onProgress: (d, t) => calls.push([d, t]) });
    expect(calls.length).toBeGreaterThan(2);
    const [done, total] = calls[calls.length - 1];
    expect(done).toBe(total);
    expect(total).toBeGreaterThanOrEqual(3 * MiB + 2);
    expect(calls.every(([d], i) => i === 0 || d >= calls[i - 1][0])).toBe(true);
  });
});

describe('the image, byte for byte, where the format fixes the bytes', () => {
  // Checked against the on-disk format itself, not our reader: struct cg's cg_iusedoff and
  // cg_freeoff at bytes 92 and 96 of the cylinder-group header, maps least significant bit first
  // (bit k of byte k>>3: setbit() in sys/fs/ufs_fs.h via isset/setbit of sys/param.h), a device
  // number in ic_db[1] (inode byte 44) in the old 16-bit form major<<8|minor when it fits and
  // else the 32-bit form major<<18|minor (ufs_dirmakeinode, cmpldev).
  it('inode map, free-fragment map and device numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ufs-golden-'));
    const t = new TreeBuilder();
    t.tree.put({ path: 'dev/null', type: 'char', mode: 0o666, uid: 0, gid: 3, mtime: T0, size: 0, rdev: { major: 13, minor: 2 } });
    t.tree.put({ path: 'dev/big', type: 'block', mode: 0o600, uid: 0, gid: 3, mtime: T0, size: 0, rdev: { major: 300, minor: 5 } });
    const file = join(dir, 'g.ufs');
    await writeUfsImage(t.tree, file, { size: 'auto', freePercent: 10, nbpi: 4096, time: T0 });
    const img = readFileSync(file);
    const sb = 8192;
    const fsize = img.readInt32LE(sb + 0x34);
    const iblkno = img.readInt32LE(sb + 0x10);
    const cblkno = img.readInt32LE(sb + 0x0c);
    const cg = cblkno * fsize;
    expect(img.readInt32LE(cg + 4)).toBe(0x090255); // cg_magic
    const iused = img.readInt32LE(cg + 92);
    const free = img.readInt32LE(cg + 96);
    // Inodes 0 and 1 are reserved, 2 is the root, then /dev, /dev/big, /dev/null: six in use.
    expect(img[cg + iused]).toBe(0b0011_1111);
    expect(img[cg + iused + 1]).toBe(0);
    // The root directory's first fragment (ic_db[0] of inode 2) is in use: its bit is clear.
    const inode = (n: number) => iblkno * fsize + n * 128;
    const rootFrag = img.readInt32LE(inode(2) + 40);
    expect((img[cg + free + (rootFrag >> 3)] >> (rootFrag & 7)) & 1).toBe(0);
    // The fragments below the data area hold metadata, never free; the last fragment of a group
    // with room to spare is free: its bit is set.
    expect(img[cg + free]).toBe(0);
    const fpg = img.readInt32LE(sb + 0xbc);
    const size = img.readInt32LE(sb + 0x24);
    const last = Math.min(fpg, size) - 1;
    expect((img[cg + free + (last >> 3)] >> (last & 7)) & 1).toBe(1);
    // Device numbers in ic_db[1] (the root, /dev and then the devices in name order: big, null).
    expect(img.readUInt32LE(inode(4) + 44)).toBe((300 << 18) | 5);
    expect(img.readUInt32LE(inode(5) + 44)).toBe((13 << 8) | 2);
    expect(img.readUInt16LE(inode(5)) & 0xf000).toBe(0x2000); // IFCHR
    expect(img.readUInt16LE(inode(4)) & 0xf000).toBe(0x6000); // IFBLK
  });
});
