// File-system geometry: where every cylinder group, inode table, cg header and data area lives.
// One class serves both the writer (which builds it from our fixed profile) and the reader and
// checker (which build it from whatever superblock they find).

import { BBSIZE, CG_SPACE_OFF, CSUM_SIZE, DINODE_SIZE, SBSIZE, SIZEOF_CG } from './constants.js';

export interface GeometryParams {
  bsize: number;
  fsize: number;
  /** Sectors per track and tracks per cylinder; only used for the cylinder arithmetic. */
  nsect: number;
  ntrak: number;
  /** Cylinders per group. */
  cpg: number;
  /** Rotational positions (sizes the cg_blks table). */
  nrpos: number;
  /** Inodes per group. */
  ipg: number;
  /** Total fragments in the file system. */
  size: number;
  /** Number of cylinder groups. */
  ncg: number;
  /** Stored offsets; derived from bsize/fsize when omitted. */
  sblkno?: number;
  cblkno?: number;
  iblkno?: number;
  cgoffset?: number;
  cgmask?: number;
  /** Stored values that normally follow from the others (a foreign image may differ). */
  spc?: number;
  fpg?: number;
  dblkno?: number;
  csaddr?: number;
  cssize?: number;
  ncyl?: number;
}

const log2 = (n: number): number => Math.round(Math.log2(n));
export const howmany = (x: number, y: number): number => Math.floor((x + y - 1) / y);
export const roundup = (x: number, y: number): number => howmany(x, y) * y;

/** Most inodes a cg of an 8 KiB-block file system may have (fsck's MAXIpG). */
export function maxIpg(bsize: number): number {
  return roundup(Math.floor((bsize * 8) / 3), bsize / DINODE_SIZE);
}

export class UfsGeometry {
  readonly bsize: number;
  readonly fsize: number;
  readonly frag: number;
  readonly fragshift: number;
  readonly bshift: number;
  readonly fshift: number;
  /** Sectors per fragment. */
  readonly nspf: number;
  readonly fsbtodb: number;
  readonly nindir: number;
  readonly inopb: number;
  readonly nsect: number;
  readonly ntrak: number;
  readonly spc: number;
  readonly cpg: number;
  readonly fpg: number;
  readonly nrpos: number;
  readonly ipg: number;
  readonly size: number;
  readonly ncg: number;
  readonly ncyl: number;
  readonly sblkno: number;
  readonly cblkno: number;
  readonly iblkno: number;
  readonly dblkno: number;
  readonly cgoffset: number;
  readonly cgmask: number;
  readonly csaddr: number;
  readonly cssize: number;
  readonly csFrags: number;
  readonly cgsize: number;

  constructor(p: GeometryParams) {
    this.bsize = p.bsize;
    this.fsize = p.fsize;
    this.frag = p.bsize / p.fsize;
    this.fragshift = log2(this.frag);
    this.bshift = log2(p.bsize);
    this.fshift = log2(p.fsize);
    this.nspf = p.fsize / 512;
    this.fsbtodb = log2(this.nspf);
    this.nindir = p.bsize / 4;
    this.inopb = p.bsize / DINODE_SIZE;
    this.nsect = p.nsect;
    this.ntrak = p.ntrak;
    this.spc = p.spc ?? p.nsect * p.ntrak;
    this.cpg = p.cpg;
    this.fpg = p.fpg ?? (p.cpg * this.spc) / this.nspf;
    this.nrpos = p.nrpos;
    this.ipg = p.ipg;
    this.size = p.size;
    this.ncg = p.ncg;
    this.ncyl = p.ncyl ?? howmany(p.size * this.nspf, this.spc);
    this.sblkno = p.sblkno ?? roundup(howmany(BBSIZE + SBSIZE, p.fsize), this.frag);
    this.cblkno = p.cblkno ?? this.sblkno + roundup(howmany(SBSIZE, p.fsize), this.frag);
    this.iblkno = p.iblkno ?? this.cblkno + this.frag;
    this.dblkno = p.dblkno ?? this.iblkno + p.ipg / (this.inopb >> this.fragshift);
    this.cgoffset = p.cgoffset ?? roundup(howmany(p.nsect, this.nspf), this.frag);
    this.cgmask = p.cgmask ?? UfsGeometry.cgmaskFor(p.ntrak);
    this.csaddr = p.csaddr ?? this.cgDmin(0);
    this.cssize = p.cssize ?? roundup(p.ncg * CSUM_SIZE, p.fsize);
    this.csFrags = this.cssize / p.fsize;
    this.cgsize = roundup(this.cgHeaderBytes(), p.fsize);
  }

  /** mkfs's fs_cgmask: -1 shifted left once per halving of ntrak (plus once if not a power of 2). */
  static cgmaskFor(ntrak: number): number {
    let mask = -1;
    for (let i = ntrak; i > 1; i >>= 1) mask <<= 1;
    if ((ntrak & (ntrak - 1)) !== 0) mask <<= 1;
    return mask | 0;
  }

  cgBase(c: number): number {
    return this.fpg * c;
  }
  /** Start of cg c's metadata, after the (optional) stagger. */
  cgStart(c: number): number {
    return this.cgBase(c) + this.cgoffset * (c & ~this.cgmask);
  }
  /** Backup superblock of cg c. */
  cgSblock(c: number): number {
    return this.cgStart(c) + this.sblkno;
  }
  /** Cylinder-group header of cg c. */
  cgTod(c: number): number {
    return this.cgStart(c) + this.cblkno;
  }
  /** First fragment of cg c's inode table. */
  cgImin(c: number): number {
    return this.cgStart(c) + this.iblkno;
  }
  /** First fragment after cg c's metadata. */
  cgDmin(c: number): number {
    return this.cgStart(c) + this.dblkno;
  }
  /** Fragments that belong to cg c (the last cg may be short). */
  ndblk(c: number): number {
    return Math.min(this.cgBase(c) + this.fpg, this.size) - this.cgBase(c);
  }
  /** Cylinders in cg c (cg_ncyl). */
  cgNcyl(c: number): number {
    return c < this.ncg - 1 ? this.cpg : this.ncyl - this.cpg * (this.ncg - 1);
  }
  /** Fragments of cg c that can never hold data: boot area, superblocks, cg header, inodes, summary. */
  reservedRanges(c: number): Array<[number, number]> {
    const ranges: Array<[number, number]> = c === 0 ? [[this.cgBase(0), this.cgDmin(0)]] : [[this.cgSblock(c), this.cgDmin(c)]];
    // The summary area normally directly follows cg 0's inode table.
    const cs: [number, number] = [this.csaddr, this.csaddr + this.csFrags];
    if (this.dtog(this.csaddr) === c) {
      const last = ranges[ranges.length - 1];
      if (cs[0] === last[1]) last[1] = cs[1];
      else ranges.push(cs);
    }
    return ranges;
  }
  /** Fragments usable for data over the whole file system (fs_dsize). */
  get dsize(): number {
    let d = 0;
    for (let c = 0; c < this.ncg; c++) {
      const low = c > 0 ? this.cgSblock(c) - this.cgBase(c) : 0;
      const dupper = this.cgDmin(c) - this.cgBase(c) + (c === 0 ? this.csFrags : 0);
      d += low + this.ndblk(c) - dupper;
    }
    return d;
  }
  get inodeCount(): number {
    return this.ncg * this.ipg;
  }
  itog(ino: number): number {
    return Math.floor(ino / this.ipg);
  }
  dtog(frag: number): number {
    return Math.floor(frag / this.fpg);
  }
  /** Byte offset of inode ino in the image. */
  inodeOffset(ino: number): number {
    return this.cgImin(this.itog(ino)) * this.fsize + (ino % this.ipg) * DINODE_SIZE;
  }
  /** Byte offsets of the tables inside a cg header (fsck recomputes exactly these). */
  get cgOffsets(): { btotoff: number; boff: number; iusedoff: number; freeoff: number; nextfreeoff: number } {
    const btotoff = CG_SPACE_OFF;
    const boff = btotoff + this.cpg * 4;
    const iusedoff = boff + this.cpg * this.nrpos * 2;
    const freeoff = iusedoff + howmany(this.ipg, 8);
    const nextfreeoff = freeoff + howmany((this.cpg * this.spc) / this.nspf, 8);
    return { btotoff, boff, iusedoff, freeoff, nextfreeoff };
  }
  /** CGSIZE: bytes a cg header needs. */
  cgHeaderBytes(): number {
    return SIZEOF_CG + this.cpg * 4 + this.cpg * this.nrpos * 2 + howmany(this.ipg, 8) + howmany((this.cpg * this.spc) / this.nspf, 8);
  }
  /** Cylinder (within its cg) of cg-relative fragment d: cbtocylno. */
  cylOf(d: number): number {
    return Math.floor((d * this.nspf) / this.spc);
  }
  /** Rotational position of cg-relative fragment d: cbtorpos. */
  rposOf(d: number): number {
    return Math.floor((((d * this.nspf) % this.spc) % this.nsect) * this.nrpos / this.nsect);
  }
}

// --- Our writer's profile (ufs-format.md §2.6) -----------------------------------------------

/** 8 KiB blocks, 1 KiB fragments: the illumos defaults, also readable by Linux. */
export const PROFILE = {
  bsize: 8192,
  fsize: 1024,
  /** A 1 MiB "cylinder" with one track: no rotational tables, no cg staggering. */
  nsect: 2048,
  ntrak: 1,
  /** 16 cylinders per group: 16 MiB cylinder groups. */
  cpg: 16,
  nrpos: 8,
} as const;

export const PROFILE_FPG = (PROFILE.cpg * PROFILE.nsect * PROFILE.ntrak) / (PROFILE.fsize / 512);
/** Bytes of one cylinder: the unit auto sizing rounds to. */
export const CYLINDER_BYTES = PROFILE.nsect * PROFILE.ntrak * 512;

/**
 * Inodes per group for a bytes-per-inode density, as mkfs computes it for a full cg: the bytes of
 * the group minus a provisional metadata allowance, divided by nbpi, rounded up to a block of
 * inodes. For a file system smaller than one cg the average cg size is used instead.
 */
export function ipgForDensity(nbpi: number, avgCgBytes: number): number {
  const inopb = PROFILE.bsize / DINODE_SIZE;
  const bpcyl = PROFILE.nsect * PROFILE.ntrak * 512;
  const provisionalIpg = Math.min(roundup(bpcyl / DINODE_SIZE, inopb), maxIpg(PROFILE.bsize));
  const iblkno = 32;
  const usedBytes = (iblkno + provisionalIpg / (inopb / (PROFILE.bsize / PROFILE.fsize))) * PROFILE.fsize;
  const perCg = Math.floor(Math.max(0, avgCgBytes - usedBytes) / nbpi);
  return Math.max(inopb, roundup(perCg, inopb));
}

/** Geometry of our profile for a file system of `sizeFrags` fragments with `ipg` inodes per cg. */
export function profileGeometry(sizeFrags: number, ipg: number): UfsGeometry {
  const ncg = howmany(sizeFrags, PROFILE_FPG);
  return new UfsGeometry({ ...PROFILE, ipg, size: sizeFrags, ncg });
}

/**
 * Whether every cg of a geometry can hold its metadata and at least one data block (mkfs drops a
 * last cg that cannot), and the cg header fits in a block.
 */
export function geometryIsViable(g: UfsGeometry): boolean {
  if (g.ipg <= 0 || g.ipg % g.inopb !== 0 || g.ipg > maxIpg(g.bsize)) return false;
  if (g.cgHeaderBytes() > g.bsize) return false;
  if (g.size % g.frag !== 0) return false;
  const last = g.ncg - 1;
  const metaEnd = g.cgDmin(last) - g.cgBase(last) + (last === 0 ? g.csFrags : 0);
  return g.ndblk(last) >= roundup(metaEnd, g.frag) + g.frag;
}
