// The on-disk inode (struct icommon, 128 bytes, Solaris layout; ufs-format.md §4): encoding,
// decoding, id and device-number conventions.

import {
  DINODE_SIZE, IFBLK, IFCHR, IFDIR, IFIFO, IFLNK, IFMT, IFREG, IFSOCK, L_BITSMINOR32, L_MAXMAJ32,
  L_MAXMIN32, NDADDR, NIADDR, O_BITSMINOR, O_MAXMAJ, O_MAXMIN, UID_LONG,
} from './constants.js';

export interface DiskInode {
  /** Type and permission bits (ic_smode). 0 = free inode. */
  mode: number;
  nlink: number;
  /** 16-bit ids; UID_LONG (65535) means "use the 32-bit uid/gid". */
  suid: number;
  sgid: number;
  size: number;
  atime: number;
  atimeUsec: number;
  mtime: number;
  mtimeUsec: number;
  ctime: number;
  ctimeUsec: number;
  /** Direct block pointers (fragment numbers). */
  db: number[];
  /** Single, double, triple indirect block pointers. */
  ib: number[];
  flags: number;
  /** 512-byte sectors held, including indirect blocks. */
  blocks: number;
  gen: number;
  shadow: number;
  uid: number;
  gid: number;
  oeftflag: number;
}

export function emptyInode(): DiskInode {
  return {
    mode: 0, nlink: 0, suid: 0, sgid: 0, size: 0,
    atime: 0, atimeUsec: 0, mtime: 0, mtimeUsec: 0, ctime: 0, ctimeUsec: 0,
    db: new Array<number>(NDADDR).fill(0), ib: new Array<number>(NIADDR).fill(0),
    flags: 0, blocks: 0, gen: 0, shadow: 0, uid: 0, gid: 0, oeftflag: 0,
  };
}

export function encodeInode(buf: Buffer, off: number, ino: DiskInode): void {
  buf.fill(0, off, off + DINODE_SIZE);
  buf.writeUInt16LE(ino.mode & 0xffff, off);
  buf.writeInt16LE(ino.nlink, off + 2);
  buf.writeUInt16LE(ino.suid & 0xffff, off + 4);
  buf.writeUInt16LE(ino.sgid & 0xffff, off + 6);
  buf.writeBigUInt64LE(BigInt(ino.size), off + 8);
  buf.writeInt32LE(ino.atime | 0, off + 16);
  buf.writeInt32LE(ino.atimeUsec | 0, off + 20);
  buf.writeInt32LE(ino.mtime | 0, off + 24);
  buf.writeInt32LE(ino.mtimeUsec | 0, off + 28);
  buf.writeInt32LE(ino.ctime | 0, off + 32);
  buf.writeInt32LE(ino.ctimeUsec | 0, off + 36);
  for (let i = 0; i < NDADDR; i++) buf.writeInt32LE(ino.db[i] | 0, off + 40 + 4 * i);
  for (let i = 0; i < NIADDR; i++) buf.writeInt32LE(ino.ib[i] | 0, off + 88 + 4 * i);
  buf.writeUInt32LE(ino.flags >>> 0, off + 100);
  buf.writeInt32LE(ino.blocks | 0, off + 104);
  buf.writeInt32LE(ino.gen | 0, off + 108);
  buf.writeInt32LE(ino.shadow | 0, off + 112);
  buf.writeUInt32LE(ino.uid >>> 0, off + 116);
  buf.writeUInt32LE(ino.gid >>> 0, off + 120);
  buf.writeUInt32LE(ino.oeftflag >>> 0, off + 124);
}

export function decodeInode(buf: Buffer, off: number): DiskInode {
  const db: number[] = [];
  for (let i = 0; i < NDADDR; i++) db.push(buf.readInt32LE(off + 40 + 4 * i));
  const ib: number[] = [];
  for (let i = 0; i < NIADDR; i++) ib.push(buf.readInt32LE(off + 88 + 4 * i));
  return {
    mode: buf.readUInt16LE(off),
    nlink: buf.readInt16LE(off + 2),
    suid: buf.readUInt16LE(off + 4),
    sgid: buf.readUInt16LE(off + 6),
    size: Number(buf.readBigUInt64LE(off + 8)),
    atime: buf.readInt32LE(off + 16),
    atimeUsec: buf.readInt32LE(off + 20),
    mtime: buf.readInt32LE(off + 24),
    mtimeUsec: buf.readInt32LE(off + 28),
    ctime: buf.readInt32LE(off + 32),
    ctimeUsec: buf.readInt32LE(off + 36),
    db,
    ib,
    flags: buf.readUInt32LE(off + 100),
    blocks: buf.readInt32LE(off + 104),
    gen: buf.readInt32LE(off + 108),
    shadow: buf.readInt32LE(off + 112),
    uid: buf.readUInt32LE(off + 116),
    gid: buf.readUInt32LE(off + 120),
    oeftflag: buf.readUInt32LE(off + 124),
  };
}

/** The 16-bit id field for an id: the id itself, or UID_LONG when it does not fit. */
export const shortId = (id: number): number => (id >= UID_LONG ? UID_LONG : id);

/** The effective uid as illumos ufs_iget computes it: ic_suid unless it says "long". */
export const effectiveUid = (ino: Pick<DiskInode, 'suid' | 'uid'>): number => (ino.suid !== UID_LONG ? ino.suid : ino.uid);
export const effectiveGid = (ino: Pick<DiskInode, 'sgid' | 'gid'>): number => (ino.sgid !== UID_LONG ? ino.sgid : ino.gid);

/** Why a device number cannot be stored, or null when it can. */
export function deviceNumberProblem(major: number, minor: number): string | null {
  if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || minor < 0) return `device number ${major},${minor} is not a pair of non-negative integers`;
  if (major > L_MAXMAJ32) return `major number ${major} is larger than ${L_MAXMAJ32}, the most a UFS inode can hold`;
  if (minor > L_MAXMIN32) return `minor number ${minor} is larger than ${L_MAXMIN32}, the most a UFS inode can hold`;
  // Readers (illumos ufs_iget included) take a word whose top 16 bits are all 0 or all 1 for the
  // old 16-bit form, so e.g. 0,300 or 16383,262143 would come back as a different device.
  const back = decodeDevice(encodeDevice(major, minor));
  if (back.major !== major || back.minor !== minor) return `device number ${major},${minor} cannot be stored unambiguously in UFS (readers would see ${back.major},${back.minor})`;
  return null;
}

/**
 * The word illumos stores in i_ordev (ic_db[1] on x86) for a device: the old 16-bit form when
 * major and minor fit it, else the 32-bit form major << 18 | minor (as ufs_dirmakeinode does).
 */
export function encodeDevice(major: number, minor: number): number {
  if (major <= O_MAXMAJ && minor <= O_MAXMIN) return (major << O_BITSMINOR) | minor;
  return ((major << L_BITSMINOR32) | minor) | 0;
}

/** Decode i_ordev as illumos ufs_iget and Linux ufs_get_inode_dev do. */
export function decodeDevice(word: number): { major: number; minor: number } {
  const v = word >>> 0;
  const top16 = (v & 0xffff0000) >>> 0;
  if (top16 === 0 || top16 === 0xffff0000) return { major: (v >>> O_BITSMINOR) & O_MAXMAJ, minor: v & O_MAXMIN };
  return { major: (v >>> L_BITSMINOR32) & L_MAXMAJ32, minor: v & L_MAXMIN32 };
}

/** Slot of the device number among the direct pointers (x86: "USL SVR4 compatibility"). */
export const RDEV_SLOT = 1;

export type InodeType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket' | 'other';

export function inodeType(mode: number): InodeType {
  switch (mode & IFMT) {
    case IFREG: return 'file';
    case IFDIR: return 'dir';
    case IFLNK: return 'symlink';
    case IFCHR: return 'char';
    case IFBLK: return 'block';
    case IFIFO: return 'fifo';
    case IFSOCK: return 'socket';
    default: return 'other';
  }
}

export const TYPE_BITS: Record<'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo', number> = {
  file: IFREG, dir: IFDIR, symlink: IFLNK, char: IFCHR, block: IFBLK, fifo: IFIFO,
};
