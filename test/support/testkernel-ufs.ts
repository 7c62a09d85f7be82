/**
 * A tiny hand-made Solaris (x86) UFS image: just enough of it for the test kernel's
 * reader (superblock fields, one cylinder group's inode table with the root inode, and
 * the root directory in old 4.2BSD entries). It is not a complete file system (no
 * cylinder-group header, no bitmaps, no inodes for the names); it only proves that the
 * kernel reads what we expect and survives what we break. See
 * /work/shared/docs/ufs-format.md for the field offsets.
 *
 * Layout (fsize 1024, bsize 8192, one cylinder group):
 *   frags 0-7 boot area, 8-15 superblock, 16-31 unused, 32-39 inode table (64 inodes),
 *   from frag 40: one full block per directory block, then the single-indirect block.
 */

export const FSOKAY = 0x7c269d38;
const FSIZE = 1024;
const BSIZE = 8192;
const FRAG = BSIZE / FSIZE;
const IBLKNO = 32;
const IPG = 64;
const DATA_FRAG = IBLKNO + (IPG * 128) / FSIZE; // 40
const NDADDR = 12;
const DIRBLKSIZ = 512;
const SB = 8192;

export interface DirEntrySpec {
  name: string;
  ino: number;
  /** Put the entry into this 512-byte directory chunk (default: the next one with room). */
  chunk?: number;
}

export interface HandUfsOptions {
  entries: DirEntrySpec[];
  /** Directory size in 512-byte chunks; default: as many as the entries need. */
  chunks?: number;
  time?: number;
  clean?: number;
  /** Write fs_state = FSOKAY - fs_time (default true). */
  stateOk?: boolean;
}

export interface HandUfs {
  image: Buffer;
  /** Byte offset of the root inode. */
  rootInode: number;
  /** Byte offset of each directory entry, "." and ".." included, in directory order. */
  entryOffsets: Array<{ name: string; ino: number; offset: number }>;
  /** The entries as the kernel should list them. */
  expected: Array<{ ino: number; name: string }>;
}

function dirsiz(namlen: number): number {
  return 8 + ((namlen + 1 + 3) & ~3);
}

export function buildHandUfs(opts: HandUfsOptions): HandUfs {
  // Assign entries to chunks.
  const all: DirEntrySpec[] = [{ name: '.', ino: 2, chunk: 0 }, { name: '..', ino: 2 }, ...opts.entries];
  const chunks: Array<Array<{ name: Buffer; ino: number }>> = [[]];
  let used = 0;
  for (const e of all) {
    const name = Buffer.from(e.name, 'utf8');
    const need = dirsiz(name.length);
    let cur = chunks.length - 1;
    if (e.chunk !== undefined && e.chunk < cur) throw new Error(`entry ${e.name}: chunk ${e.chunk} already passed`);
    const target = e.chunk ?? (used + need <= DIRBLKSIZ ? cur : cur + 1);
    while (cur < target) {
      chunks.push([]);
      cur++;
      used = 0;
    }
    if (used + need > DIRBLKSIZ) throw new Error(`entry ${e.name} does not fit chunk ${cur}`);
    chunks[cur]!.push({ name, ino: e.ino });
    used += need;
  }
  const nChunks = Math.max(opts.chunks ?? 0, chunks.length);
  const dirSize = nChunks * DIRBLKSIZ;
  const nBlocks = Math.ceil(dirSize / BSIZE);
  if (nBlocks > NDADDR + BSIZE / 4) throw new Error('directory too large for this builder');
  const hasIndirect = nBlocks > NDADDR;
  const indirectFrag = DATA_FRAG + nBlocks * FRAG;
  const fsSize = indirectFrag + (hasIndirect ? FRAG : 0);
  const image = Buffer.alloc(fsSize * FSIZE);
  const blockFrag = (lbn: number): number => DATA_FRAG + lbn * FRAG;

  // Superblock: the fields the kernel reads plus the usual companions.
  const time = opts.time ?? 1_700_000_000;
  const sb = (off: number, v: number): void => {
    image.writeUInt32LE(v >>> 0, SB + off);
  };
  sb(0x08, 16); // fs_sblkno
  sb(0x0c, 24); // fs_cblkno
  sb(0x10, IBLKNO); // fs_iblkno
  sb(0x14, DATA_FRAG); // fs_dblkno
  sb(0x18, 0); // fs_cgoffset
  sb(0x1c, 0xffffffff); // fs_cgmask = -1: no staggering
  sb(0x20, time); // fs_time
  sb(0x24, fsSize); // fs_size
  sb(0x28, fsSize - DATA_FRAG); // fs_dsize
  sb(0x2c, 1); // fs_ncg
  sb(0x30, BSIZE); // fs_bsize
  sb(0x34, FSIZE); // fs_fsize
  sb(0x38, FRAG); // fs_frag
  sb(0x48, ~(BSIZE - 1)); // fs_bmask
  sb(0x4c, ~(FSIZE - 1)); // fs_fmask
  sb(0x50, 13); // fs_bshift
  sb(0x54, 10); // fs_fshift
  sb(0x60, 3); // fs_fragshift
  sb(0x64, 1); // fs_fsbtodb
  sb(0x68, 2048); // fs_sbsize
  sb(0x74, BSIZE / 4); // fs_nindir
  sb(0x78, BSIZE / 128); // fs_inopb
  sb(0x7c, FSIZE / 512); // fs_nspf
  sb(0x84, opts.stateOk === false ? 0x12345678 : FSOKAY - time); // fs_state (x86 slot)
  sb(0xa4, 1); // fs_ntrak
  sb(0xb8, IPG); // fs_ipg
  sb(0xbc, fsSize); // fs_fpg: the one cg covers the image
  image[SB + 0xd1] = opts.clean ?? 1; // fs_clean
  sb(0x54c, 1); // fs_postblformat
  sb(0x550, 8); // fs_nrpos
  sb(0x55c, 0x011954); // fs_magic

  // Root inode (inode 2 of cg 0).
  const rootInode = IBLKNO * FSIZE + 2 * 128;
  image.writeUInt16LE(0o40755, rootInode); // IFDIR | 0755
  image.writeUInt16LE(2, rootInode + 2); // nlink
  image.writeBigUInt64LE(BigInt(dirSize), rootInode + 8);
  for (let lbn = 0; lbn < nBlocks; lbn++) {
    if (lbn < NDADDR) image.writeUInt32LE(blockFrag(lbn), rootInode + 40 + lbn * 4);
    else image.writeUInt32LE(blockFrag(lbn), indirectFrag * FSIZE + (lbn - NDADDR) * 4);
  }
  if (hasIndirect) image.writeUInt32LE(indirectFrag, rootInode + 88);
  image.writeUInt32LE((nBlocks + (hasIndirect ? 1 : 0)) * (BSIZE / 512), rootInode + 104);

  // Directory chunks: the last entry of each chunk takes up the rest of it.
  const entryOffsets: HandUfs['entryOffsets'] = [];
  for (let c = 0; c < nChunks; c++) {
    const lbn = Math.floor((c * DIRBLKSIZ) / BSIZE);
    const base = blockFrag(lbn) * FSIZE + ((c * DIRBLKSIZ) % BSIZE);
    const list = chunks[c] ?? [];
    if (list.length === 0) {
      image.writeUInt16LE(DIRBLKSIZ, base + 4); // one empty entry {0, 512, 0}
      continue;
    }
    let o = 0;
    list.forEach((e, k) => {
      const reclen = k === list.length - 1 ? DIRBLKSIZ - o : dirsiz(e.name.length);
      image.writeUInt32LE(e.ino, base + o);
      image.writeUInt16LE(reclen, base + o + 4);
      image.writeUInt16LE(e.name.length, base + o + 6);
      e.name.copy(image, base + o + 8);
      entryOffsets.push({ name: e.name.toString('utf8'), ino: e.ino, offset: base + o });
      o += reclen;
    });
  }
  return {
    image,
    rootInode,
    entryOffsets,
    expected: entryOffsets.map(({ ino, name }) => ({ ino, name })),
  };
}

/** Copy of an image with one change applied. */
export function corrupt(ufs: HandUfs, change: (img: Buffer, ufs: HandUfs) => Buffer | void): Buffer {
  const img = Buffer.from(ufs.image);
  return change(img, ufs) ?? img;
}

export function entryOffset(ufs: HandUfs, name: string): number {
  const e = ufs.entryOffsets.find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  return e.offset;
}
