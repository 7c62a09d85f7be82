/**
 * The Linux kernel's own UFS driver (ufstype=sunx86, read-only, under QEMU) reads the full
 * feature tree written by our UFS writer: every entry's type, mode, uid, gid, link count, size,
 * sha256, symlink target and device number must match the staged tree, and the kernel must not
 * complain (no "fs needs fsck", no bad directory entries).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUfsImage, writeUfsImage, type UfsResult } from '../../src/ufs/index.js';
import { prepareLinuxReader, readImage, type ReadImageResult } from '../support/linux-reader.js';
import { compareEntries, expectedEntries, featureTree, T0, TreeBuilder, type ExpectedEntry } from '../support/ufs-trees.js';
import { addInt32, patchedCopy } from '../support/ufs-patch.js';

let work: string;
let image: string;
let result: UfsResult;
let expected: Map<string, ExpectedEntry>;
let read: ReadImageResult;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ufs-linux-'));
  const [tree] = await Promise.all([featureTree({ tmpDir: work }), prepareLinuxReader()]);
  image = join(work, 'feature.ufs');
  result = await writeUfsImage(tree, image, { size: 'auto', time: T0, lostAndFound: true });
  expected = await expectedEntries(tree, { lostAndFound: true, time: T0 });
  read = await readImage(image, { fstype: 'ufs', options: 'ufstype=sunx86', timeoutMs: 240_000 });
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Linux ufstype=sunx86 reads our UFS image', () => {
  it('passes our own checker', async () => {
    expect((await checkUfsImage(image)).problems).toEqual([]);
    expect(result.ncg).toBeGreaterThan(1);
  });

  it('mounts without any complaint from the kernel', () => {
    expect(read.mountError).toBeUndefined();
    expect(read.mountOk).toBe(true);
    console.log(`Linux read ${read.entries.length} entries in ${read.durationMs} ms; mount-time kernel messages: ${JSON.stringify(read.warnings)}`);
    // The driver's complaints all start with "ufs:" (fs needs fsck, bad entry in directory...).
    expect(read.warnings.filter((l) => /ufs|fsck|error|bad|corrupt|i\/o/i.test(l))).toEqual([]);
    expect(read.kernelLog.filter((l) => /^ufs[:_ ]|fsck|bad entry|I\/O error/i.test(l))).toEqual([]);
    expect(read.walkErrors).toEqual([]);
    expect(read.parseErrors).toEqual([]);
  });

  it('lists every entry with the staged type, mode, owner, link count, size, content, target and device', () => {
    expect(read.entries.length).toBe(expected.size);
    const mismatches = compareEntries(read.entries, expected, ['type', 'mode', 'uid', 'gid', 'nlink', 'size', 'sha256', 'target', 'rdev', 'mtime']);
    expect(mismatches).toEqual([]);
  });

  it('shows hard links across directories as one inode', () => {
    const ino = (p: string) => read.entries.find((e) => e.path === p)!.ino;
    expect(ino('sbin/prog-link')).toBe(ino('usr/bin/prog'));
    expect(ino('usr/lib/prog-also')).toBe(ino('usr/bin/prog'));
    expect(ino('usr/bin/passwd')).not.toBe(ino('usr/bin/prog'));
  });
});

describe('the Linux check would notice a broken image', () => {
  it('reports "fs needs fsck" when fs_state does not match fs_time', async () => {
    const small = join(work, 'small.ufs');
    await writeUfsImage(new TreeBuilder().file('a', 'a\n').tree, small, { size: 'auto', time: T0 });
    const broken = await patchedCopy(small, join(work, 'unclean.ufs'), (io) => addInt32(io, 8192 + 132, 1));
    const r = await readImage(broken, { fstype: 'ufs', options: 'ufstype=sunx86', timeoutMs: 120_000 });
    expect(r.warnings.some((l) => /fs needs fsck/.test(l))).toBe(true);
  });
});
