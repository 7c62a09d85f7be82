// The UFS writer: plan the tree, choose the geometry, place every node, list every piece of the
// image (file data by reference, directories, symlinks, indirect blocks, inode tables, cylinder
// groups, the summary area and every copy of the superblock), then produce the image front to
// back (image-stream.ts): into a file (writeUfsImage), or block by block to whoever consumes it.

import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { hashThread } from '../stage/hash-thread.js';
import type { StagedTree } from '../stage/tree.js';
import { writeAtomically } from '../util/atomic.js';
import { UsageError } from '../util/errors.js';
import { CSUM_SIZE, DINODE_SIZE, NDADDR, SBOFF } from './constants.js';
import { setBit } from './bitmap.js';
import { cgHeaderFor, encodeCg, summarizeFreeMap } from './cylinder-group.js';
import { encodeDirectory, padDirectory } from './directory.js';
import type { UfsGeometry } from './geometry.js';
import { emptyInode, encodeInode, RDEV_SLOT, shortId, TYPE_BITS, type DiskInode } from './inode.js';
import { planTree, sectorsOf, type PlanNode, type TreePlan } from './plan.js';
import { chooseSizing } from './sizing.js';
import { emptyCsum, encodeCsum, encodeSuperblock, superblockFor, type Csum } from './superblock.js';
import { imageBlocks, PieceList, type ImageBlock } from './image-stream.js';
import type { FragAllocator } from './allocator.js';

export interface UfsOptions {
  /** 'auto' = just big enough (plus freePercent); a number = exact image size in bytes. */
  size: 'auto' | number;
  /** Spare data space for 'auto', in percent of what the tree needs. Default 10. */
  freePercent?: number;
  /** Bytes of file system per inode (newfs -i). Default 16384; raised as needed to fit the tree. */
  nbpi?: number;
  /** fs_time and cg_time, seconds. Entries' own timestamps come from their mtime. */
  time: number;
  /** Create an empty lost+found in the root (as mkfs does). Default false. */
  lostAndFound?: boolean;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface UfsResult {
  /** Length of the image file. */
  sizeBytes: number;
  /** Size of the file system inside it (fs_size fragments). */
  fsSizeBytes: number;
  ncg: number;
  /** Inodes per cylinder group. */
  ipg: number;
  /** Inodes the tree uses (the root included; the reserved inodes 0 and 1 not). */
  inodesUsed: number;
  inodesTotal: number;
  /** Fragments holding data, directories, symlinks and indirect blocks. */
  fragsUsed: number;
  /** Bytes of regular-file content. */
  dataBytes: number;
  /** Free space left in the file system. */
  freeBytes: number;
  fsTime: number;
}

export const DEFAULT_FREE_PERCENT = 10;
export const DEFAULT_NBPI = 16384;

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const clampTime = (t: number): number => (Number.isFinite(t) ? Math.max(INT32_MIN, Math.min(INT32_MAX, Math.floor(t))) : 0);

/** A generation number that only depends on the inode number, so images are reproducible. */
const generationOf = (ino: number): number => Math.imul(ino, 0x9e3779b1) >>> 1;

function validateOptions(opts: UfsOptions): { freePercent: number; nbpi: number } {
  const freePercent = opts.freePercent ?? DEFAULT_FREE_PERCENT;
  const nbpi = opts.nbpi ?? DEFAULT_NBPI;
  if (!Number.isFinite(freePercent) || freePercent < 0) throw new UsageError(`UFS free space ${freePercent}% must be a number >= 0`);
  if (!Number.isInteger(nbpi) || nbpi < 1024) throw new UsageError(`UFS bytes per inode ${nbpi} must be a whole number >= 1024`);
  if (opts.size !== 'auto' && (!Number.isInteger(opts.size) || opts.size <= 0)) throw new UsageError(`UFS image size ${opts.size} must be "auto" or a positive number of bytes`);
  if (!Number.isInteger(opts.time) || opts.time < 0 || opts.time > INT32_MAX) throw new UsageError(`UFS time ${opts.time} must be whole seconds between 0 and 2147483647`);
  return { freePercent, nbpi };
}

/** A planned, placed image: its size, facts, and the pieces that fill it. */
export interface PreparedImage {
  imageBytes: number;
  result: UfsResult;
  pieces: PieceList;
  /** Bytes of file content the image holds (for progress). */
  fileBytes: number;
}

/**
 * Plan the tree, choose the geometry, place every node, and list every piece of the image: file
 * data (by reference, nothing is read yet), directories, symlinks, indirect blocks, inode tables,
 * cylinder groups, the summary area and every copy of the superblock.
 */
export function prepareUfsImage(tree: StagedTree, opts: UfsOptions): PreparedImage {
  const { freePercent, nbpi } = validateOptions(opts);
  const plan = planTree(tree, { lostAndFound: opts.lostAndFound ?? false, time: opts.time });
  const sizing = chooseSizing(plan, { size: opts.size, freePercent, nbpi });
  const g = sizing.geometry;
  const frags = sizing.frags;
  const pieces = new PieceList();
  listContents(plan, g, pieces);
  listInodeTables(plan, g, pieces);
  const cstotal = listCylinderGroups(plan, g, frags, opts.time, pieces);
  listSuperblocks(g, encodeSuperblock(superblockFor(g, { time: opts.time, cstotal, largeFiles: plan.largeFiles })), pieces);
  return {
    imageBytes: sizing.imageBytes,
    pieces,
    fileBytes: plan.fileBytes,
    result: {
      sizeBytes: sizing.imageBytes,
      fsSizeBytes: g.size * g.fsize,
      ncg: g.ncg,
      ipg: g.ipg,
      inodesUsed: plan.nodes.length,
      inodesTotal: g.inodeCount,
      fragsUsed: frags.dataFrags,
      dataBytes: plan.fileBytes,
      freeBytes: (cstotal.nbfree * g.frag + cstotal.nffree) * g.fsize,
      fsTime: opts.time,
    },
  };
}

/** The image's blocks, front to back (see image-stream.ts), with progress by file bytes. */
export function ufsImageBlocks(prepared: PreparedImage, onProgress?: (done: number, total: number) => void): Generator<ImageBlock> {
  let done = 0;
  return imageBlocks(prepared.pieces, prepared.imageBytes, (n) => {
    done += n;
    onProgress?.(done, prepared.fileBytes);
  });
}

/** Write the image's blocks to an open file: sequential large writes, free space left as holes. */
export function writeImageBlock(fd: number, block: ImageBlock): void {
  if (block.zero) return;
  for (let done = 0; done < block.data.length; ) done += writeSync(fd, block.data, done, block.data.length - done, block.pos + done);
}

export async function writeUfsImage(tree: StagedTree, outPath: string, opts: UfsOptions): Promise<UfsResult> {
  const prepared = prepareUfsImage(tree, opts);
  return writeAtomically(outPath, async (tmp) => {
    const fd = openSync(tmp, 'w');
    try {
      ftruncateSync(fd, prepared.imageBytes);
      for (const block of ufsImageBlocks(prepared, opts.onProgress)) writeImageBlock(fd, block);
      await hashThread().settle();
      return prepared.result;
    } finally {
      closeSync(fd);
    }
  });
}

/** List `node`'s content (from logical byte `offset`, `len` bytes) where its blocks are. */
function listMapped(node: PlanNode, g: UfsGeometry, offset: number, len: number, pieces: PieceList, data?: Buffer): void {
  let done = 0;
  while (done < len) {
    const pos = offset + done;
    const lbn = Math.floor(pos / g.bsize);
    const within = pos % g.bsize;
    // Extend over following blocks while they are physically contiguous.
    let n = Math.min(g.bsize - within, len - done);
    let last = lbn;
    while (done + n < len && last + 1 < node.nblocks && node.addrs[last + 1] === node.addrs[last] + g.frag) {
      last++;
      n += Math.min(g.bsize, len - done - n);
    }
    const at = node.addrs[lbn] * g.fsize + within;
    if (data) pieces.bytes(data.subarray(done, done + n), at);
    else pieces.file(node, pos, n, at);
    done += n;
  }
}

function indirectBlock(g: UfsGeometry, pointers: ArrayLike<number>): Buffer {
  const buf = Buffer.alloc(g.bsize);
  for (let i = 0; i < pointers.length; i++) buf.writeInt32LE(pointers[i], 4 * i);
  return buf;
}

function directoryBytes(node: PlanNode, g: UfsGeometry): Buffer {
  const parentIno = node.parent!.ino;
  if (node.lostFound) return padDirectory(encodeDirectory(node.ino, parentIno, []), g.bsize);
  return encodeDirectory(node.ino, parentIno, node.children!.map((c) => ({ ino: c.node.ino, name: c.name })));
}

function listContents(plan: TreePlan, g: UfsGeometry, pieces: PieceList): void {
  for (const node of plan.nodes) {
    if (node.kind === 'file' && node.size > 0) listMapped(node, g, 0, node.size, pieces);
    else if (node.kind === 'dir') {
      const bytes = directoryBytes(node, g);
      listMapped(node, g, 0, bytes.length, pieces, bytes);
    } else if (node.kind === 'symlink') listMapped(node, g, 0, node.symlinkTarget!.length, pieces, node.symlinkTarget!);
    if (node.single) {
      const singleEnd = Math.min(node.nblocks, NDADDR + g.nindir);
      pieces.bytes(indirectBlock(g, node.addrs.subarray(NDADDR, singleEnd)), node.single * g.fsize);
    }
    if (node.double) {
      pieces.bytes(indirectBlock(g, node.level1), node.double * g.fsize);
      const base = NDADDR + g.nindir;
      for (let k = 0; k < node.level1.length; k++) {
        const start = base + k * g.nindir;
        pieces.bytes(indirectBlock(g, node.addrs.subarray(start, Math.min(node.nblocks, start + g.nindir))), node.level1[k] * g.fsize);
      }
    }
  }
}

function diskInodeOf(node: PlanNode, g: UfsGeometry): DiskInode {
  const e = node.entry;
  const t = clampTime(e.mtime);
  const di = emptyInode();
  di.mode = TYPE_BITS[node.kind] | (e.mode & 0o7777);
  di.nlink = node.nlink;
  di.uid = e.uid >>> 0;
  di.gid = e.gid >>> 0;
  di.suid = shortId(di.uid);
  di.sgid = shortId(di.gid);
  di.size = node.kind === 'char' || node.kind === 'block' || node.kind === 'fifo' ? 0 : node.size;
  di.atime = di.mtime = di.ctime = t;
  for (let i = 0; i < Math.min(NDADDR, node.nblocks); i++) di.db[i] = node.addrs[i];
  if (node.kind === 'char' || node.kind === 'block') di.db[RDEV_SLOT] = node.rdevWord;
  di.ib[0] = node.single;
  di.ib[1] = node.double;
  di.blocks = sectorsOf(node, g);
  di.gen = generationOf(node.ino);
  return di;
}

function listInodeTables(plan: TreePlan, g: UfsGeometry, pieces: PieceList): void {
  const byCg = new Map<number, PlanNode[]>();
  for (const node of plan.nodes) {
    const c = g.itog(node.ino);
    let list = byCg.get(c);
    if (!list) byCg.set(c, (list = []));
    list.push(node);
  }
  // Tables of cgs without inodes stay as the zeros the sparse image already reads as.
  for (const c of [...byCg.keys()].sort((a, b) => a - b)) {
    const table = Buffer.alloc(g.ipg * DINODE_SIZE);
    for (const node of byCg.get(c)!) encodeInode(table, (node.ino % g.ipg) * DINODE_SIZE, diskInodeOf(node, g));
    pieces.bytes(table, g.cgImin(c) * g.fsize);
  }
}

function listCylinderGroups(plan: TreePlan, g: UfsGeometry, frags: FragAllocator, time: number, pieces: PieceList): Csum {
  const inodeMaps = Array.from({ length: g.ncg }, () => new Uint8Array(Math.ceil(g.ipg / 8)));
  const ndir = new Int32Array(g.ncg);
  const iused = new Int32Array(g.ncg);
  setBit(inodeMaps[0], 0);
  setBit(inodeMaps[0], 1);
  iused[0] = 2;
  for (const node of plan.nodes) {
    const c = g.itog(node.ino);
    setBit(inodeMaps[c], node.ino % g.ipg);
    iused[c]++;
    if (node.kind === 'dir') ndir[c]++;
  }
  const cstotal = emptyCsum();
  const csArea = Buffer.alloc(g.cssize);
  for (let c = 0; c < g.ncg; c++) {
    const base = g.cgBase(c);
    const ndblk = g.ndblk(c);
    const freeMap = new Uint8Array(Math.ceil(g.fpg / 8));
    for (let d = 0; d < ndblk; d++) if (frags.used[base + d] === 0) setBit(freeMap, d);
    const s = summarizeFreeMap(g, ndblk, freeMap);
    const cs: Csum = { ndir: ndir[c], nbfree: s.nbfree, nifree: g.ipg - iused[c], nffree: s.nffree };
    const header = cgHeaderFor(g, c, time, cs, s.frsum);
    pieces.bytes(encodeCg(g, header, { blktot: s.blktot, blks: s.blks, inodeMap: inodeMaps[c], freeMap }), g.cgTod(c) * g.fsize);
    encodeCsum(csArea, c * CSUM_SIZE, cs);
    cstotal.ndir += cs.ndir;
    cstotal.nbfree += cs.nbfree;
    cstotal.nifree += cs.nifree;
    cstotal.nffree += cs.nffree;
  }
  pieces.bytes(csArea, g.csaddr * g.fsize);
  return cstotal;
}

/** The primary superblock and an identical backup in every cylinder group. */
function listSuperblocks(g: UfsGeometry, sb: Buffer, pieces: PieceList): void {
  pieces.bytes(sb, SBOFF);
  for (let c = 0; c < g.ncg; c++) pieces.bytes(sb, g.cgSblock(c) * g.fsize);
}
