/**
 * The UFS on-disk structures on their own: superblock, inode, directory and cylinder-group
 * encodings round-trip, device numbers follow illumos' rules, and the geometry matches the
 * worked example of ufs-format.md §1.6/§2.6 (re-derived mkfs arithmetic).
 */
import { describe, expect, it } from 'vitest';
import { DIRBLKSIZ, FS_MAGIC, FSOKAY } from '../../src/ufs/constants.js';
import { UfsGeometry, geometryIsViable, ipgForDensity, maxIpg, profileGeometry } from '../../src/ufs/geometry.js';
import { cleanState, decodeSuperblock, encodeSuperblock, stateIsValid, superblockFor } from '../../src/ufs/superblock.js';
import { decodeDevice, decodeInode, deviceNumberProblem, effectiveGid, effectiveUid, emptyInode, encodeDevice, encodeInode, shortId } from '../../src/ufs/inode.js';
import { directorySize, dirsiz, encodeDirectory, padDirectory, parseDirectory } from '../../src/ufs/directory.js';
import { cgHeaderFor, decodeCgHeader, decodeCgTables, encodeCg, summarizeFreeMap } from '../../src/ufs/cylinder-group.js';
import { setBit } from '../../src/ufs/bitmap.js';
import { dataLayout, planTree } from '../../src/ufs/plan.js';
import { StagedTree } from '../../src/stage/tree.js';
import { UfsEntryError } from '../../src/ufs/errors.js';

describe('geometry', () => {
  it('matches the worked 256 MiB / nbpi 2048 example of the format notes', () => {
    const ipg = ipgForDensity(2048, 16 * 1024 * 1024);
    expect(ipg).toBe(7680);
    const g = profileGeometry(262144, ipg);
    expect({ sblkno: g.sblkno, cblkno: g.cblkno, iblkno: g.iblkno, dblkno: g.dblkno, cgoffset: g.cgoffset, cgmask: g.cgmask }).toEqual({ sblkno: 16, cblkno: 24, iblkno: 32, dblkno: 992, cgoffset: 1024, cgmask: -1 });
    expect({ size: g.size, dsize: g.dsize, ncg: g.ncg, ncyl: g.ncyl, cpg: g.cpg, fpg: g.fpg, cgsize: g.cgsize, csaddr: g.csaddr, cssize: g.cssize }).toEqual({
      size: 262144, dsize: 246511, ncg: 16, ncyl: 256, cpg: 16, fpg: 16384, cgsize: 4096, csaddr: 992, cssize: 1024,
    });
    expect(g.cgOffsets).toEqual({ btotoff: 168, boff: 232, iusedoff: 488, freeoff: 1448, nextfreeoff: 3496 });
    expect(g.cgHeaderBytes()).toBe(3500);
    // Backup superblocks at sectors 32, 32800, 65568, ...
    expect([0, 1, 2].map((c) => g.cgSblock(c) * 2)).toEqual([32, 32800, 65568]);
    expect(g.inodeOffset(2)).toBe(32768 + 256);
    expect(g.inodeOffset(7680)).toBe(16 * 1024 * 1024 + 32768);
  });

  it('uses the default density of newfs -i 16384 for full groups', () => {
    expect(ipgForDensity(16384, 16 * 1024 * 1024)).toBe(960);
    expect(maxIpg(8192)).toBe(21888);
  });

  it('gives every size a viable layout with a short last group', () => {
    for (const mib of [1, 3, 16, 17, 100, 250, 600]) {
      const g = profileGeometry(mib * 1024, 1024);
      expect(g.ncg).toBe(Math.ceil(mib / 16));
      expect(g.ndblk(g.ncg - 1)).toBe(mib * 1024 - (g.ncg - 1) * 16384);
      expect(g.cgNcyl(g.ncg - 1)).toBe(mib - (g.ncg - 1) * 16);
      expect(geometryIsViable(g)).toBe(true);
      // Reserved areas: boot + superblocks + cg header + inodes (+ summary in cg 0).
      expect(g.reservedRanges(0)).toEqual([[0, g.dblkno + g.csFrags]]);
      if (g.ncg > 1) expect(g.reservedRanges(1)).toEqual([[16384 + 16, 16384 + g.dblkno]]);
    }
    // A last group too small for its inode table is not viable.
    expect(geometryIsViable(profileGeometry(16384 + 64, 1024))).toBe(false);
  });

  it('derives cg_mask from the track count as mkfs does', () => {
    expect(UfsGeometry.cgmaskFor(1)).toBe(-1);
    expect(UfsGeometry.cgmaskFor(48)).toBe(-64);
    expect(UfsGeometry.cgmaskFor(16)).toBe(-16);
  });

  it('lays out files with tails only when there are no indirect blocks', () => {
    expect(dataLayout(0)).toEqual({ nblocks: 0, tailFrags: 0, indirectBlocks: 0, frags: 0 });
    expect(dataLayout(1)).toEqual({ nblocks: 1, tailFrags: 1, indirectBlocks: 0, frags: 1 });
    expect(dataLayout(8193)).toEqual({ nblocks: 2, tailFrags: 1, indirectBlocks: 0, frags: 9 });
    expect(dataLayout(7169).tailFrags).toBe(0);
    expect(dataLayout(12 * 8192)).toEqual({ nblocks: 12, tailFrags: 0, indirectBlocks: 0, frags: 96 });
    expect(dataLayout(12 * 8192 + 1)).toEqual({ nblocks: 13, tailFrags: 0, indirectBlocks: 1, frags: 14 * 8 });
    const dbl = dataLayout((12 + 2048) * 8192 + 1);
    expect(dbl.indirectBlocks).toBe(3);
    expect(dataLayout((12 + 2048 + 2049) * 8192).indirectBlocks).toBe(4);
  });
});

describe('superblock', () => {
  it('round-trips and puts the Solaris x86 fields at their offsets', () => {
    const g = profileGeometry(64 * 1024, 960);
    const sb = superblockFor(g, { time: 1_700_000_000, cstotal: { ndir: 3, nbfree: 100, nifree: 3000, nffree: 7 }, largeFiles: true });
    const buf = encodeSuperblock(sb);
    expect(buf.length).toBe(8192);
    expect(decodeSuperblock(buf)).toEqual(sb);
    expect(buf.readInt32LE(1372)).toBe(FS_MAGIC);
    expect(buf.readUInt32LE(132)).toBe(0x16d2ac38); // fs_state = FSOKAY - fs_time
    expect(buf.readInt32LE(1320)).toBe(0); // fs_version
    expect(buf.readInt32LE(1336)).toBe(2048); // fs_npsect
    expect(buf.readInt32LE(1340)).toBe(0x1fff); // fs_qbmask
    expect(buf.readInt32LE(1348)).toBe(0x3ff); // fs_qfmask
    expect(buf[209]).toBe(1); // FSCLEAN
    expect(buf[211]).toBe(1); // FSLARGEFILES
    expect(buf.readInt32LE(856)).toBe(0); // fs_cpc
    expect(buf.readInt32LE(104)).toBe(2048); // fs_sbsize
    expect(buf.readInt32LE(128)).toBe(1); // FS_OPTSPACE
    expect(buf.subarray(2048).every((b) => b === 0)).toBe(true);
    expect(stateIsValid(sb)).toBe(true);
    expect(stateIsValid({ state: sb.state + 1, time: sb.time })).toBe(false);
    expect((cleanState(0) >>> 0)).toBe(FSOKAY);
  });
});

describe('inode', () => {
  it('round-trips every field at the Solaris offsets', () => {
    const di = emptyInode();
    Object.assign(di, {
      mode: 0o104755, nlink: 3, suid: shortId(100000), sgid: shortId(5), size: 3 * 2 ** 31 + 17,
      atime: 1, atimeUsec: 2, mtime: 3, mtimeUsec: 4, ctime: 5, ctimeUsec: 6,
      db: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120], ib: [130, 140, 0],
      flags: 0, blocks: 1234, gen: 42, shadow: 0, uid: 100000, gid: 5, oeftflag: 0,
    });
    const buf = Buffer.alloc(256, 0xee);
    encodeInode(buf, 128, di);
    expect(buf.subarray(0, 128).every((b) => b === 0xee)).toBe(true);
    expect(decodeInode(buf, 128)).toEqual(di);
    expect(buf.readUInt16LE(128 + 4)).toBe(0xffff);
    expect(buf.readUInt16LE(128 + 6)).toBe(5);
    expect(buf.readUInt32LE(128 + 116)).toBe(100000);
    expect(buf.readUInt32LE(128 + 120)).toBe(5);
    expect(buf.readInt32LE(128 + 40)).toBe(10);
    expect(buf.readInt32LE(128 + 88)).toBe(130);
    expect(effectiveUid(di)).toBe(100000);
    expect(effectiveGid(di)).toBe(5);
  });

  it('prefers the 16-bit id unless it is UID_LONG, as ufs_iget does', () => {
    expect(effectiveUid({ suid: 7, uid: 99999 })).toBe(7);
    expect(effectiveUid({ suid: 0xffff, uid: 65535 })).toBe(65535);
    expect(shortId(65534)).toBe(65534);
    expect(shortId(65535)).toBe(0xffff);
  });

  it('encodes device numbers in the old form when they fit, else major<<18|minor', () => {
    expect(encodeDevice(13, 2)).toBe(0x0d02);
    expect(encodeDevice(0x7f, 0xff)).toBe(0x7fff);
    expect(encodeDevice(128, 0) >>> 0).toBe((128 << 18) >>> 0);
    expect(encodeDevice(200, 70000) >>> 0).toBe(((200 << 18) | 70000) >>> 0);
    for (const [maj, min] of [[13, 2], [0, 0], [0x7f, 0xff], [1, 256], [200, 70000], [0x3fff, 0x2ffff], [0x3ffe, 0x3ffff], [0, 70000]]) {
      expect(deviceNumberProblem(maj, min)).toBeNull();
      expect(decodeDevice(encodeDevice(maj, min))).toEqual({ major: maj, minor: min });
    }
    expect(deviceNumberProblem(0x4000, 0)).toMatch(/major/);
    expect(deviceNumberProblem(1, 0x40000)).toMatch(/minor/);
    expect(deviceNumberProblem(0, 300)).toMatch(/unambiguously/);
    expect(deviceNumberProblem(0x3fff, 0x3ffff)).toMatch(/unambiguously/);
  });
});

describe('directory', () => {
  const name = (s: string) => Buffer.from(s);

  it('packs . and .. first and never lets an entry cross a 512-byte chunk', () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({ ino: 100 + i, name: name(`file-${i}-${'x'.repeat(i % 40)}`) }));
    const buf = encodeDirectory(5, 2, entries);
    expect(buf.length).toBe(directorySize(entries.map((e) => e.name.length)));
    expect(buf.length % DIRBLKSIZ).toBe(0);
    const { entries: parsed, problems } = parseDirectory(buf);
    expect(problems).toEqual([]);
    expect(parsed[0]).toMatchObject({ ino: 5, offset: 0, reclen: 12 });
    expect(parsed[0].name.toString()).toBe('.');
    expect(parsed[1]).toMatchObject({ ino: 2, offset: 12 });
    expect(parsed[1].name.toString()).toBe('..');
    expect(parsed.slice(2).map((e) => [e.ino, e.name.toString()])).toEqual(entries.map((e) => [e.ino, e.name.toString()]));
    // The entries of each chunk cover it exactly.
    for (let chunk = 0; chunk < buf.length; chunk += DIRBLKSIZ) {
      const inChunk = parsed.filter((e) => e.offset >= chunk && e.offset < chunk + DIRBLKSIZ);
      expect(inChunk[0].offset).toBe(chunk);
      expect(inChunk.reduce((s, e) => s + e.reclen, 0)).toBe(DIRBLKSIZ);
    }
  });

  it('writes the old 4.2 format: 16-bit namlen, NUL terminator, 4-byte padding', () => {
    const buf = encodeDirectory(2, 2, [{ ino: 3, name: name('abcde') }]);
    expect(buf.readUInt32LE(24)).toBe(3);
    expect(buf.readUInt16LE(28)).toBe(DIRBLKSIZ - 24);
    expect(buf.readUInt16LE(30)).toBe(5);
    expect(buf.subarray(32, 38).toString('latin1')).toBe('abcde\0');
    expect(dirsiz(1)).toBe(12);
    expect(dirsiz(3)).toBe(12);
    expect(dirsiz(4)).toBe(16);
    expect(dirsiz(255)).toBe(264);
  });

  it('pads with empty chunks and reports malformed entries', () => {
    const padded = padDirectory(encodeDirectory(3, 2, []), 8192);
    expect(padded.length).toBe(8192);
    expect(parseDirectory(padded)).toMatchObject({ problems: [] });
    expect(padded.readUInt16LE(512 + 4)).toBe(512);
    const broken = Buffer.from(padded);
    broken.writeUInt16LE(1000, 12 + 4);
    expect(parseDirectory(broken).problems[0]).toMatch(/crosses the 512-byte chunk/);
    const noNul = encodeDirectory(3, 2, [{ ino: 9, name: name('abc') }]);
    noNul[24 + 8 + 3] = 0x41;
    expect(parseDirectory(noNul).problems[0]).toMatch(/NUL-terminated/);
  });
});

describe('cylinder group', () => {
  it('summarizes a free map into free blocks, free fragments and run counts', () => {
    const g = profileGeometry(2048, 64);
    const free = new Uint8Array(g.fpg / 8);
    // Block 10 (frags 80..87) entirely free; block 11 with runs of 1 and 3; block 12 with 7 free.
    for (let f = 80; f < 88; f++) setBit(free, f);
    setBit(free, 88);
    for (const f of [92, 93, 94]) setBit(free, f);
    for (let f = 97; f < 104; f++) setBit(free, f);
    // A free block in the second cylinder (frag 1024 = cylinder 1, rotational position 0).
    for (let f = 1024 + 128; f < 1024 + 136; f++) setBit(free, f);
    const s = summarizeFreeMap(g, g.ndblk(0), free);
    expect(s.nbfree).toBe(2);
    expect(s.nffree).toBe(1 + 3 + 7);
    expect(s.frsum).toEqual([0, 1, 0, 1, 0, 0, 0, 1]);
    expect(s.blktot[0]).toBe(1);
    expect(s.blktot[1]).toBe(1);
    expect(s.blks[0 * 8 + 0]).toBe(1);
    expect(s.blks[1 * 8 + 1]).toBe(1);
  });

  it('round-trips a header with its tables', () => {
    const g = profileGeometry(40 * 1024, 1024);
    const free = new Uint8Array(g.fpg / 8).fill(0xff);
    const imap = new Uint8Array(g.ipg / 8);
    setBit(imap, 0);
    setBit(imap, 1);
    const s = summarizeFreeMap(g, g.ndblk(2), free);
    const h = cgHeaderFor(g, 2, 1_700_000_000, { ndir: 0, nbfree: s.nbfree, nifree: g.ipg - 2, nffree: s.nffree }, s.frsum);
    const buf = encodeCg(g, h, { blktot: s.blktot, blks: s.blks, inodeMap: imap, freeMap: free });
    expect(buf.length).toBe(g.cgsize);
    expect(buf.readInt32LE(4)).toBe(0x090255);
    expect(decodeCgHeader(buf)).toEqual(h);
    const t = decodeCgTables(g, buf);
    expect([...t.inodeMap]).toEqual([...imap]);
    expect([...t.freeMap]).toEqual([...free]);
    expect([...t.blktot]).toEqual([...s.blktot]);
    expect(h.ncyl).toBe(8);
    expect(h.ndblk).toBe(8192);
  });
});

describe('planning', () => {
  const big = (size: number) => {
    const t = new StagedTree(1);
    // Planning never reads content, so a claimed size is enough here.
    t.put({ path: 'big', type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime: 1, source: { kind: 'host', path: '/nonexistent', origin: 'proto' } });
    return t;
  };

  it('flags files over 2 GiB for FSLARGEFILES', () => {
    expect(planTree(big(2 ** 31 - 1), { lostAndFound: false, time: 1 }).largeFiles).toBe(false);
    const plan = planTree(big(2 ** 31), { lostAndFound: false, time: 1 });
    expect(plan.largeFiles).toBe(true);
    expect(plan.nodes[1].indirectBlocks).toBe(1 + 1 + Math.ceil((2 ** 31 / 8192 - 12 - 2048) / 2048));
  });

  it('refuses files beyond double-indirect reach and ids beyond MAXUID, naming the path', () => {
    expect(() => planTree(big((12 + 2048 + 2048 * 2048) * 8192 + 1), { lostAndFound: false, time: 1 })).toThrow(/"big": the file is/);
    const t = new StagedTree(1);
    t.put({ path: 'x', type: 'fifo', mode: 0o644, uid: 2 ** 31, gid: 0, size: 0, mtime: 1 });
    expect(() => planTree(t, { lostAndFound: false, time: 1 })).toThrow(UfsEntryError);
  });

  it('counts links: 2 + subdirectories for directories, one per name for files', () => {
    const t = new StagedTree(1);
    const f = (path: string) => t.put({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1 });
    f('a/b/file');
    t.put({ path: 'c/link', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, target: 'a/b/file' });
    t.put({ path: 'a/link2', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, target: 'a/b/file' });
    const plan = planTree(t, { lostAndFound: true, time: 1 });
    const byPath = new Map(plan.nodes.map((n) => [n.path, n]));
    expect(byPath.get('')!.nlink).toBe(2 + 3);
    expect(byPath.get('a')!.nlink).toBe(3);
    expect(byPath.get('a/b/file')!.nlink).toBe(3);
    expect(byPath.get('lost+found')!.nlink).toBe(2);
    // Allocation order: root, lost+found, then depth first with a directory's files before its subdirectories.
    expect(plan.nodes.map((n) => n.path)).toEqual(['', 'lost+found', 'a', 'a/b/file', 'a/b', 'c']);
  });
});
