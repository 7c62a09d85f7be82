// The superblock (struct fs, illumos x86 layout): field offsets, encoding to the 8 KiB on-disk
// image, decoding, and the values our writer stores (ufs-format.md §2).

import {
  FS_DYNAMICPOSTBLFMT, FS_MAGIC, FS_OPTSPACE, FSCLEAN, FSOKAY, SBSIZE, SIZEOF_FS,
} from './constants.js';
import { roundup, type UfsGeometry } from './geometry.js';

export interface Csum {
  ndir: number;
  nbfree: number;
  nifree: number;
  nffree: number;
}

export const emptyCsum = (): Csum => ({ ndir: 0, nbfree: 0, nifree: 0, nffree: 0 });

/** The superblock fields, all as signed 32-bit values except the byte-sized flags. */
export interface Superblock {
  link: number;
  rolled: number;
  sblkno: number;
  cblkno: number;
  iblkno: number;
  dblkno: number;
  cgoffset: number;
  cgmask: number;
  time: number;
  size: number;
  dsize: number;
  ncg: number;
  bsize: number;
  fsize: number;
  frag: number;
  minfree: number;
  rotdelay: number;
  rps: number;
  bmask: number;
  fmask: number;
  bshift: number;
  fshift: number;
  maxcontig: number;
  maxbpg: number;
  fragshift: number;
  fsbtodb: number;
  sbsize: number;
  csmask: number;
  csshift: number;
  nindir: number;
  inopb: number;
  nspf: number;
  optim: number;
  /** x86: FSOKAY - fs_time when clean. */
  state: number;
  si: number;
  trackskew: number;
  id0: number;
  id1: number;
  csaddr: number;
  cssize: number;
  cgsize: number;
  ntrak: number;
  nsect: number;
  spc: number;
  ncyl: number;
  cpg: number;
  ipg: number;
  fpg: number;
  cstotal: Csum;
  fmod: number;
  clean: number;
  ronly: number;
  flags: number;
  cgrotor: number;
  cpc: number;
  version: number;
  logbno: number;
  reclaim: number;
  sparecon2: number;
  /** x86: sectors per track incl. spares (= nsect). */
  npsect: number;
  qbmask0: number;
  qbmask1: number;
  qfmask0: number;
  qfmask1: number;
  postblformat: number;
  nrpos: number;
  postbloff: number;
  rotbloff: number;
  magic: number;
}

type I32Field = Exclude<keyof Superblock, 'cstotal' | 'fmod' | 'clean' | 'ronly' | 'flags'>;

/** Byte offset of every 32-bit field (ufs-format.md §2.1). */
export const SB_I32_OFFSETS: ReadonlyArray<[I32Field, number]> = [
  ['link', 0], ['rolled', 4], ['sblkno', 8], ['cblkno', 12], ['iblkno', 16], ['dblkno', 20],
  ['cgoffset', 24], ['cgmask', 28], ['time', 32], ['size', 36], ['dsize', 40], ['ncg', 44],
  ['bsize', 48], ['fsize', 52], ['frag', 56], ['minfree', 60], ['rotdelay', 64], ['rps', 68],
  ['bmask', 72], ['fmask', 76], ['bshift', 80], ['fshift', 84], ['maxcontig', 88], ['maxbpg', 92],
  ['fragshift', 96], ['fsbtodb', 100], ['sbsize', 104], ['csmask', 108], ['csshift', 112],
  ['nindir', 116], ['inopb', 120], ['nspf', 124], ['optim', 128], ['state', 132], ['si', 136],
  ['trackskew', 140], ['id0', 144], ['id1', 148], ['csaddr', 152], ['cssize', 156], ['cgsize', 160],
  ['ntrak', 164], ['nsect', 168], ['spc', 172], ['ncyl', 176], ['cpg', 180], ['ipg', 184], ['fpg', 188],
  ['cgrotor', 724], ['cpc', 856], ['version', 1320], ['logbno', 1324], ['reclaim', 1328],
  ['sparecon2', 1332], ['npsect', 1336], ['qbmask0', 1340], ['qbmask1', 1344], ['qfmask0', 1348],
  ['qfmask1', 1352], ['postblformat', 1356], ['nrpos', 1360], ['postbloff', 1364], ['rotbloff', 1368],
  ['magic', 1372],
];
const CSTOTAL_OFF = 192;
const FMOD_OFF = 208;
const CLEAN_OFF = 209;
const RONLY_OFF = 210;
const FLAGS_OFF = 211;

export function encodeCsum(buf: Buffer, off: number, cs: Csum): void {
  buf.writeInt32LE(cs.ndir | 0, off);
  buf.writeInt32LE(cs.nbfree | 0, off + 4);
  buf.writeInt32LE(cs.nifree | 0, off + 8);
  buf.writeInt32LE(cs.nffree | 0, off + 12);
}

export function decodeCsum(buf: Buffer, off: number): Csum {
  return { ndir: buf.readInt32LE(off), nbfree: buf.readInt32LE(off + 4), nifree: buf.readInt32LE(off + 8), nffree: buf.readInt32LE(off + 12) };
}

/** The full 8 KiB superblock image; bytes past fs_sbsize stay zero. */
export function encodeSuperblock(sb: Superblock): Buffer {
  const buf = Buffer.alloc(SBSIZE);
  for (const [field, off] of SB_I32_OFFSETS) buf.writeInt32LE(sb[field] | 0, off);
  encodeCsum(buf, CSTOTAL_OFF, sb.cstotal);
  buf[FMOD_OFF] = sb.fmod;
  buf[CLEAN_OFF] = sb.clean;
  buf[RONLY_OFF] = sb.ronly;
  buf[FLAGS_OFF] = sb.flags;
  return buf;
}

export function decodeSuperblock(buf: Buffer): Superblock {
  const sb = {} as Record<string, unknown>;
  for (const [field, off] of SB_I32_OFFSETS) sb[field] = buf.readInt32LE(off);
  sb.cstotal = decodeCsum(buf, CSTOTAL_OFF);
  sb.fmod = buf[FMOD_OFF];
  sb.clean = buf[CLEAN_OFF];
  sb.ronly = buf[RONLY_OFF];
  sb.flags = buf[FLAGS_OFF];
  return sb as unknown as Superblock;
}

/** fs_state for a clean superblock written at `time` (32-bit wrap-around). */
export const cleanState = (time: number): number => (FSOKAY - time) | 0;

/** Whether the fs_state/fs_time pair marks the superblock as trustworthy. */
export const stateIsValid = (sb: Pick<Superblock, 'state' | 'time'>): boolean => ((sb.state + sb.time) | 0) === (FSOKAY | 0);

/** The superblock our writer stores for a geometry (ufs-format.md §2.5, §2.6). */
export function superblockFor(g: UfsGeometry, v: { time: number; cstotal: Csum; largeFiles: boolean }): Superblock {
  const csEntriesPerBlock = g.bsize / 16;
  return {
    link: 0,
    rolled: 0,
    sblkno: g.sblkno,
    cblkno: g.cblkno,
    iblkno: g.iblkno,
    dblkno: g.dblkno,
    cgoffset: g.cgoffset,
    cgmask: g.cgmask,
    time: v.time | 0,
    size: g.size,
    dsize: g.dsize,
    ncg: g.ncg,
    bsize: g.bsize,
    fsize: g.fsize,
    frag: g.frag,
    // create_ramdisk uses newfs -m 0: a ramdisk keeps no reserve for root.
    minfree: 0,
    rotdelay: 0,
    rps: 60,
    bmask: ~(g.bsize - 1),
    fmask: ~(g.fsize - 1),
    bshift: g.bshift,
    fshift: g.fshift,
    maxcontig: 16,
    maxbpg: g.bsize / 4,
    fragshift: g.fragshift,
    fsbtodb: g.fsbtodb,
    sbsize: roundup(SIZEOF_FS, g.fsize),
    csmask: ~(csEntriesPerBlock - 1),
    csshift: Math.round(Math.log2(csEntriesPerBlock)),
    nindir: g.nindir,
    inopb: g.inopb,
    nspf: g.nspf,
    optim: FS_OPTSPACE,
    state: cleanState(v.time),
    si: 0,
    trackskew: 0,
    id0: 0,
    id1: 0,
    csaddr: g.csaddr,
    cssize: g.cssize,
    cgsize: g.cgsize,
    ntrak: g.ntrak,
    nsect: g.nsect,
    spc: g.spc,
    ncyl: g.ncyl,
    cpg: g.cpg,
    ipg: g.ipg,
    fpg: g.fpg,
    cstotal: { ...v.cstotal },
    fmod: 0,
    clean: FSCLEAN,
    ronly: 0,
    flags: v.largeFiles ? 0x01 : 0,
    cgrotor: 0,
    // One track per cylinder: no rotational tables (fs_cpc 0, postbl/rotbl offsets 0).
    cpc: 0,
    version: 0,
    logbno: 0,
    reclaim: 0,
    sparecon2: 0,
    npsect: g.nsect,
    qbmask0: g.bsize - 1,
    qbmask1: 0,
    qfmask0: g.fsize - 1,
    qfmask1: 0,
    postblformat: FS_DYNAMICPOSTBLFMT,
    nrpos: g.nrpos,
    postbloff: 0,
    rotbloff: 0,
    magic: FS_MAGIC,
  };
}

/** The geometry a decoded superblock describes (for readers of any image, not just ours). */
export function geometryParamsOf(sb: Superblock) {
  return {
    bsize: sb.bsize,
    fsize: sb.fsize,
    nsect: sb.nsect,
    ntrak: sb.ntrak,
    cpg: sb.cpg,
    nrpos: sb.nrpos,
    ipg: sb.ipg,
    size: sb.size,
    ncg: sb.ncg,
    sblkno: sb.sblkno,
    cblkno: sb.cblkno,
    iblkno: sb.iblkno,
    cgoffset: sb.cgoffset,
    cgmask: sb.cgmask,
    spc: sb.spc,
    fpg: sb.fpg,
    dblkno: sb.dblkno,
    csaddr: sb.csaddr,
    cssize: sb.cssize,
    ncyl: sb.ncyl,
  };
}
