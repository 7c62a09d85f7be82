// Reading a UFS image back: superblock, inodes, block maps (through indirect blocks), file
// contents, directories and a full listing. Independent of the writer's plan, so it can read any
// image in this format, and tolerant enough for the checker to use on damaged ones.

import { open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { DINODE_SIZE, FS_MAGIC, MAXPATHLEN, NDADDR, SBOFF, SBSIZE, UFSROOTINO } from './constants.js';
import { parseDirectory, type ParsedDirEntry } from './directory.js';
import { UfsGeometry } from './geometry.js';
import { decodeDevice, decodeInode, effectiveGid, effectiveUid, inodeType, RDEV_SLOT, type DiskInode, type InodeType } from './inode.js';
import { decodeSuperblock, geometryParamsOf, stateIsValid, type Superblock } from './superblock.js';

export class UfsFormatError extends Error {}

/** One entry of an image, as `compose inspect` shows it (JSON-friendly). */
export interface UfsListEntry {
  /** Relative path, '' for the root. */
  path: string;
  type: InodeType;
  /** Permission bits including 07000. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  ino: number;
  mtime: number;
  /** Regular files: sha256 of the content. */
  sha256?: string;
  /** Symlinks: the target. */
  target?: string;
  /** Character and block devices. */
  rdev?: { major: number; minor: number };
}

/** Where a file's logical blocks live: fragment number (0 = hole) and bytes used in each. */
export interface BlockMap {
  /** First fragment of each logical block, 0 for a hole. */
  addrs: number[];
  /** Bytes of storage each logical block occupies (a tail may be a few fragments). */
  lengths: number[];
  /** Indirect blocks (single, double and its level-1 blocks), by fragment. */
  indirect: number[];
  /** Problems found while following pointers (out-of-range indirect blocks...). */
  problems: string[];
}

export class UfsImage {
  private readonly tables = new Map<number, Buffer>();

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    readonly sb: Superblock,
    readonly geometry: UfsGeometry,
    readonly imageBytes: number,
    readonly rawSuperblock: Buffer,
  ) {}

  static async open(path: string): Promise<UfsImage> {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      if (size < SBOFF + SBSIZE) throw new UfsFormatError(`${path} is too short to be a UFS image (${size} bytes; its superblock alone ends at byte ${SBOFF + SBSIZE})`);
      const raw = Buffer.alloc(SBSIZE);
      await fh.read(raw, 0, SBSIZE, SBOFF);
      const sb = decodeSuperblock(raw);
      if (sb.magic !== FS_MAGIC) throw new UfsFormatError(`${path}: no UFS superblock (magic 0x${(sb.magic >>> 0).toString(16)} at byte ${SBOFF + 1372}, expected 0x${FS_MAGIC.toString(16)})`);
      const sane = sb.bsize >= 4096 && sb.bsize <= 65536 && sb.fsize >= 512 && sb.fsize <= sb.bsize && sb.ipg > 0 && sb.fpg > 0 && sb.ncg > 0 && sb.nsect > 0 && sb.ntrak > 0 && sb.cpg > 0 && sb.nrpos > 0;
      if (!sane) throw new UfsFormatError(`${path}: the UFS superblock has impossible geometry (bsize ${sb.bsize}, fsize ${sb.fsize}, ipg ${sb.ipg}, fpg ${sb.fpg}, ncg ${sb.ncg})`);
      return new UfsImage(fh, path, sb, new UfsGeometry(geometryParamsOf(sb)), size, raw);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /** Read `length` bytes at byte `pos` (zeros past the end of the image). */
  async readAt(pos: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, pos + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf;
  }

  readFrags(frag: number, count: number): Promise<Buffer> {
    return this.readAt(frag * this.geometry.fsize, count * this.geometry.fsize);
  }

  get inodeCount(): number {
    return this.geometry.inodeCount;
  }

  async inode(ino: number): Promise<DiskInode> {
    if (!Number.isInteger(ino) || ino < 0 || ino >= this.inodeCount) throw new UfsFormatError(`inode ${ino} is outside 0..${this.inodeCount - 1}`);
    const table = await this.inodeTable(this.geometry.itog(ino));
    return decodeInode(table, (ino % this.geometry.ipg) * DINODE_SIZE);
  }

  /** A whole cg's inode table (read once, then kept: ipg × 128 bytes per group). */
  async inodeTable(c: number): Promise<Buffer> {
    let table = this.tables.get(c);
    if (!table) {
      table = await this.readAt(this.geometry.cgImin(c) * this.geometry.fsize, this.geometry.ipg * DINODE_SIZE);
      this.tables.set(c, table);
    }
    return table;
  }

  private fragOk(f: number): boolean {
    return f > 0 && f < this.geometry.size;
  }

  private async pointers(frag: number): Promise<Int32Array> {
    const buf = await this.readFrags(frag, this.geometry.frag);
    const out = new Int32Array(this.geometry.nindir);
    for (let i = 0; i < out.length; i++) out[i] = buf.readInt32LE(4 * i);
    return out;
  }

  /** The largest size a file can have here: the file system's size (holes are not written by compose). */
  get maxFileBytes(): number {
    return Math.min(this.sb.size * this.geometry.fsize, this.imageBytes);
  }

  /** Follow an inode's pointers (direct, single, double and triple indirect). */
  async blockMap(ino: DiskInode): Promise<BlockMap> {
    const g = this.geometry;
    const map: BlockMap = { addrs: [], lengths: [], indirect: [], problems: [] };
    // A size read from the image is checked before anything is sized by it: a flipped bit must
    // not make the reader walk (or allocate for) terabytes.
    if (!Number.isSafeInteger(ino.size) || ino.size < 0 || ino.size > this.maxFileBytes) {
      map.problems.push(`the inode claims ${ino.size} bytes, more than the whole file system (${this.maxFileBytes})`);
      return map;
    }
    const nblocks = Math.ceil(ino.size / g.bsize);
    const lengthOf = (lbn: number): number => {
      if (nblocks > NDADDR || lbn < nblocks - 1) return g.bsize;
      const rest = ino.size - lbn * g.bsize;
      return Math.ceil(rest / g.fsize) * g.fsize;
    };
    const push = (addr: number) => {
      const lbn = map.addrs.length;
      map.addrs.push(addr);
      map.lengths.push(lengthOf(lbn));
    };
    for (let i = 0; i < Math.min(NDADDR, nblocks); i++) push(ino.db[i]);
    const walk = async (frag: number, level: number, what: string): Promise<void> => {
      if (map.addrs.length >= nblocks) return;
      if (frag === 0) {
        // A hole covering everything this pointer would map.
        let span = g.nindir ** (level + 1);
        while (span-- > 0 && map.addrs.length < nblocks) push(0);
        return;
      }
      if (!this.fragOk(frag)) {
        map.problems.push(`${what} points at fragment ${frag}, outside the file system`);
        return;
      }
      map.indirect.push(frag);
      const ptrs = await this.pointers(frag);
      for (let i = 0; i < ptrs.length && map.addrs.length < nblocks; i++) {
        if (level === 0) push(ptrs[i]);
        else await walk(ptrs[i], level - 1, `${what} entry ${i}`);
      }
    };
    const names = ['single indirect block', 'double indirect block', 'triple indirect block'];
    for (let level = 0; level < 3 && map.addrs.length < nblocks; level++) await walk(ino.ib[level], level, names[level]);
    return map;
  }

  /**
   * Stream a file's content in pieces of up to `maxChunk` bytes (contiguous blocks are read
   * together). Holes read as zeros.
   */
  async readContent(ino: DiskInode, fn: (chunk: Buffer) => void | Promise<void>, maxChunk = 1 << 20): Promise<void> {
    const g = this.geometry;
    const map = await this.blockMap(ino);
    if (map.problems.length) throw new UfsFormatError(map.problems[0]);
    let remaining = ino.size;
    let lbn = 0;
    while (remaining > 0 && lbn < map.addrs.length) {
      const start = map.addrs[lbn];
      let n = 1;
      if (start !== 0) while (lbn + n < map.addrs.length && map.addrs[lbn + n] === start + n * g.frag && (n + 1) * g.bsize <= maxChunk) n++;
      const len = Math.min(remaining, n * g.bsize);
      const data = start === 0 ? Buffer.alloc(len) : await this.readAt(start * g.fsize, len);
      await fn(data);
      remaining -= len;
      lbn += n;
    }
  }

  /** `length` bytes of a file at `offset` (short at the end of the file; holes read as zeros). */
  async readRange(ino: DiskInode, offset: number, length: number): Promise<Buffer> {
    const g = this.geometry;
    const end = Math.min(ino.size, offset + length);
    if (offset >= end) return Buffer.alloc(0);
    const map = await this.blockMap(ino);
    if (map.problems.length) throw new UfsFormatError(map.problems[0]);
    const out = Buffer.alloc(end - offset);
    for (let lbn = Math.floor(offset / g.bsize); lbn * g.bsize < end && lbn < map.addrs.length; lbn++) {
      const blockStart = lbn * g.bsize;
      const from = Math.max(offset, blockStart);
      const to = Math.min(end, blockStart + g.bsize);
      if (map.addrs[lbn] === 0) continue;
      const data = await this.readAt(map.addrs[lbn] * g.fsize + (from - blockStart), to - from);
      data.copy(out, from - offset);
    }
    return out;
  }

  async readAll(ino: DiskInode): Promise<Buffer> {
    const parts: Buffer[] = [];
    await this.readContent(ino, (c) => {
      parts.push(c);
    });
    return Buffer.concat(parts);
  }

  async sha256(ino: DiskInode): Promise<string> {
    const h = createHash('sha256');
    if (ino.size === 0) return h.digest('hex');
    await this.readContent(ino, (c) => {
      h.update(c);
    });
    return h.digest('hex');
  }

  async readDirectory(ino: DiskInode): Promise<{ entries: ParsedDirEntry[]; problems: string[] }> {
    return parseDirectory(await this.readAll(ino));
  }

  async readSymlink(ino: DiskInode): Promise<string> {
    if (ino.size > MAXPATHLEN) throw new UfsFormatError(`a symbolic link of ${ino.size} bytes is longer than MAXPATHLEN (${MAXPATHLEN})`);
    if (ino.blocks === 0) {
      // Not something Solaris writes, but tolerate a BSD-style inline target.
      const raw = Buffer.alloc(60);
      for (let i = 0; i < NDADDR; i++) raw.writeInt32LE(ino.db[i], 4 * i);
      for (let i = 0; i < 3; i++) raw.writeInt32LE(ino.ib[i], 48 + 4 * i);
      return raw.subarray(0, Math.min(ino.size, 60)).toString('utf8');
    }
    return (await this.readAll(ino)).toString('utf8');
  }

  /** Every entry reachable from the root, depth first in directory order. */
  async list(opts: { hash?: boolean } = {}): Promise<UfsListEntry[]> {
    const hash = opts.hash ?? true;
    const out: UfsListEntry[] = [];
    const hashes = new Map<number, string>();
    const visitedDirs = new Set<number>();
    const describe = async (path: string, n: number, di: DiskInode): Promise<UfsListEntry> => {
      const type = inodeType(di.mode);
      const e: UfsListEntry = { path, type, mode: di.mode & 0o7777, uid: effectiveUid(di), gid: effectiveGid(di), nlink: di.nlink, size: di.size, ino: n, mtime: di.mtime };
      if (type === 'file' && hash) {
        let h = hashes.get(n);
        if (!h) hashes.set(n, (h = await this.sha256(di)));
        e.sha256 = h;
      }
      if (type === 'symlink') e.target = await this.readSymlink(di);
      if (type === 'char' || type === 'block') e.rdev = decodeDevice(di.db[RDEV_SLOT]);
      return e;
    };
    const stack: Array<{ path: string; ino: number }> = [{ path: '', ino: UFSROOTINO }];
    while (stack.length > 0) {
      const { path, ino } = stack.pop()!;
      const di = await this.inode(ino);
      out.push(await describe(path, ino, di));
      if (inodeType(di.mode) !== 'dir' || visitedDirs.has(ino)) continue;
      visitedDirs.add(ino);
      const { entries, problems } = await this.readDirectory(di);
      if (problems.length) throw new UfsFormatError(`directory "${path || '/'}" (inode ${ino}): ${problems[0]}`);
      const children = entries.filter((e) => !isDotName(e.name));
      for (let i = children.length - 1; i >= 0; i--) {
        const name = children[i].name.toString('utf8');
        stack.push({ path: path === '' ? name : `${path}/${name}`, ino: children[i].ino });
      }
    }
    return out;
  }
}

/** Facts from the superblock, for `compose inspect` (JSON-friendly). */
export interface UfsSummary {
  imageBytes: number;
  fsSizeBytes: number;
  bsize: number;
  fsize: number;
  ncg: number;
  ipg: number;
  inodesTotal: number;
  inodesFree: number;
  directories: number;
  freeBytes: number;
  /** fs_time, seconds. */
  time: number;
  /** fs_clean is FSCLEAN/FSSTABLE and fs_state matches fs_time. */
  clean: boolean;
  largeFiles: boolean;
}

export function summarizeImage(img: UfsImage): UfsSummary {
  const { sb, geometry: g } = img;
  return {
    imageBytes: img.imageBytes,
    fsSizeBytes: sb.size * sb.fsize,
    bsize: sb.bsize,
    fsize: sb.fsize,
    ncg: sb.ncg,
    ipg: sb.ipg,
    inodesTotal: g.inodeCount,
    inodesFree: sb.cstotal.nifree,
    directories: sb.cstotal.ndir,
    freeBytes: (sb.cstotal.nbfree * sb.frag + sb.cstotal.nffree) * sb.fsize,
    time: sb.time,
    clean: (sb.clean === 1 || sb.clean === 2) && stateIsValid(sb),
    largeFiles: (sb.flags & 1) !== 0,
  };
}

/** The superblock facts of an image file. */
export async function summarizeUfs(path: string): Promise<UfsSummary> {
  const img = await UfsImage.open(path);
  try {
    return summarizeImage(img);
  } finally {
    await img.close();
  }
}

export const isDotName = (name: Buffer): boolean => (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e);

export function openUfsImage(path: string): Promise<UfsImage> {
  return UfsImage.open(path);
}

/** Every entry of an image, sorted by path, with sha256 of each regular file. */
export async function listUfs(path: string, opts: { hash?: boolean } = {}): Promise<UfsListEntry[]> {
  const img = await UfsImage.open(path);
  try {
    const entries = await img.list(opts);
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } finally {
    await img.close();
  }
}
