// Cylinder-group headers (struct cg; ufs-format.md §3): the tables derived from the free-fragment
// map, encoding the header block and decoding it again.

import { CG_MAGIC } from './constants.js';
import { getBit } from './bitmap.js';
import type { UfsGeometry } from './geometry.js';
import { decodeCsum, encodeCsum, type Csum } from './superblock.js';

export interface CgHeader {
  magic: number;
  time: number;
  cgx: number;
  ncyl: number;
  niblk: number;
  ndblk: number;
  cs: Csum;
  rotor: number;
  frotor: number;
  irotor: number;
  /** frsum[n] = number of maximal runs of exactly n free fragments in partly used blocks. */
  frsum: number[];
  btotoff: number;
  boff: number;
  iusedoff: number;
  freeoff: number;
  nextfreeoff: number;
}

export interface CgTables {
  /** Free blocks per cylinder. */
  blktot: Int32Array;
  /** Free blocks per cylinder and rotational position, [cyl * nrpos + rpos]. */
  blks: Int16Array;
  /** Bit set = inode in use. */
  inodeMap: Uint8Array;
  /** Bit set = fragment free. */
  freeMap: Uint8Array;
}

export interface FreeMapSummary {
  nbfree: number;
  nffree: number;
  frsum: number[];
  blktot: Int32Array;
  blks: Int16Array;
}

/** Everything that follows from a cg's free-fragment map: free blocks, free frags, run counts. */
export function summarizeFreeMap(g: UfsGeometry, ndblk: number, freeMap: Uint8Array): FreeMapSummary {
  const s: FreeMapSummary = {
    nbfree: 0,
    nffree: 0,
    frsum: new Array<number>(8).fill(0),
    blktot: new Int32Array(g.cpg),
    blks: new Int16Array(g.cpg * g.nrpos),
  };
  for (let d = 0; d < ndblk; d += g.frag) {
    let free = 0;
    let run = 0;
    const runs: number[] = [];
    for (let i = 0; i < g.frag; i++) {
      const isFree = d + i < ndblk && getBit(freeMap, d + i);
      if (isFree) {
        free++;
        run++;
      } else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    }
    if (run > 0) runs.push(run);
    if (free === g.frag) {
      s.nbfree++;
      const cyl = g.cylOf(d);
      s.blktot[cyl]++;
      s.blks[cyl * g.nrpos + g.rposOf(d)]++;
    } else {
      s.nffree += free;
      for (const r of runs) s.frsum[r]++;
    }
  }
  return s;
}

/** The cg header block (fs_cgsize bytes; bytes past cg_nextfreeoff are zero). */
export function encodeCg(g: UfsGeometry, h: CgHeader, t: CgTables): Buffer {
  const buf = Buffer.alloc(g.cgsize);
  buf.writeInt32LE(0, 0);
  buf.writeInt32LE(h.magic, 4);
  buf.writeInt32LE(h.time | 0, 8);
  buf.writeInt32LE(h.cgx, 12);
  buf.writeInt16LE(h.ncyl, 16);
  buf.writeInt16LE(h.niblk, 18);
  buf.writeInt32LE(h.ndblk, 20);
  encodeCsum(buf, 24, h.cs);
  buf.writeInt32LE(h.rotor, 40);
  buf.writeInt32LE(h.frotor, 44);
  buf.writeInt32LE(h.irotor, 48);
  for (let i = 0; i < 8; i++) buf.writeInt32LE(h.frsum[i] ?? 0, 52 + 4 * i);
  buf.writeInt32LE(h.btotoff, 84);
  buf.writeInt32LE(h.boff, 88);
  buf.writeInt32LE(h.iusedoff, 92);
  buf.writeInt32LE(h.freeoff, 96);
  buf.writeInt32LE(h.nextfreeoff, 100);
  for (let i = 0; i < t.blktot.length; i++) buf.writeInt32LE(t.blktot[i], h.btotoff + 4 * i);
  for (let i = 0; i < t.blks.length; i++) buf.writeInt16LE(t.blks[i], h.boff + 2 * i);
  Buffer.from(t.inodeMap.buffer, t.inodeMap.byteOffset, h.freeoff - h.iusedoff).copy(buf, h.iusedoff);
  Buffer.from(t.freeMap.buffer, t.freeMap.byteOffset, h.nextfreeoff - h.freeoff).copy(buf, h.freeoff);
  return buf;
}

export function decodeCgHeader(buf: Buffer): CgHeader {
  const frsum: number[] = [];
  for (let i = 0; i < 8; i++) frsum.push(buf.readInt32LE(52 + 4 * i));
  return {
    magic: buf.readInt32LE(4),
    time: buf.readInt32LE(8),
    cgx: buf.readInt32LE(12),
    ncyl: buf.readInt16LE(16),
    niblk: buf.readInt16LE(18),
    ndblk: buf.readInt32LE(20),
    cs: decodeCsum(buf, 24),
    rotor: buf.readInt32LE(40),
    frotor: buf.readInt32LE(44),
    irotor: buf.readInt32LE(48),
    frsum,
    btotoff: buf.readInt32LE(84),
    boff: buf.readInt32LE(88),
    iusedoff: buf.readInt32LE(92),
    freeoff: buf.readInt32LE(96),
    nextfreeoff: buf.readInt32LE(100),
  };
}

/**
 * The tables of a cg header, read at the offsets the geometry prescribes (a header whose stored
 * offsets disagree is reported by the checker, not trusted here).
 */
export function decodeCgTables(g: UfsGeometry, buf: Buffer): CgTables {
  const o = g.cgOffsets;
  const need = o.nextfreeoff;
  const b = buf.length >= need ? buf : Buffer.concat([buf, Buffer.alloc(need - buf.length)]);
  const blktot = new Int32Array(g.cpg);
  for (let i = 0; i < g.cpg; i++) blktot[i] = b.readInt32LE(o.btotoff + 4 * i);
  const blks = new Int16Array(g.cpg * g.nrpos);
  for (let i = 0; i < blks.length; i++) blks[i] = b.readInt16LE(o.boff + 2 * i);
  return {
    blktot,
    blks,
    inodeMap: new Uint8Array(b.subarray(o.iusedoff, o.freeoff)),
    freeMap: new Uint8Array(b.subarray(o.freeoff, o.nextfreeoff)),
  };
}

/** A fresh header for cg c with the given counts and tables. */
export function cgHeaderFor(g: UfsGeometry, c: number, time: number, cs: Csum, frsum: number[]): CgHeader {
  const o = g.cgOffsets;
  return {
    magic: CG_MAGIC,
    time,
    cgx: c,
    ncyl: g.cgNcyl(c),
    niblk: g.ipg,
    ndblk: g.ndblk(c),
    cs,
    rotor: 0,
    frotor: 0,
    irotor: 0,
    frsum,
    ...o,
  };
}
