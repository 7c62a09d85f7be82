// Choosing the geometry: the smallest image that holds the tree plus the requested free space
// ("auto"), or the geometry of a fixed size, with enough inodes either way.

import { CYLINDER_BYTES, PROFILE, PROFILE_FPG, geometryIsViable, howmany, ipgForDensity, maxIpg, profileGeometry, roundup, type UfsGeometry } from './geometry.js';
import { OutOfSpaceError, type FragAllocator } from './allocator.js';
import { UfsTooSmallError } from './errors.js';
import { placeTree, type TreePlan } from './plan.js';

export interface SizingOptions {
  size: 'auto' | number;
  freePercent: number;
  nbpi: number;
}

export interface Sizing {
  geometry: UfsGeometry;
  /** Length of the image file (at least the file system's size). */
  imageBytes: number;
  /** The placement's fragment map (which fragments hold data), for the cg bitmaps. */
  frags: FragAllocator;
}

const FRAGS_PER_CYL = CYLINDER_BYTES / PROFILE.fsize;
/** Fragment numbers are signed 32-bit. */
const MAX_FRAGS = 0x7fffffff - PROFILE_FPG;

/** Spare inodes beyond the tree's own, so the running system can create files. */
export function inodeReserve(entries: number, freePercent: number): number {
  return Math.max(64, Math.ceil((entries * freePercent) / 100));
}

/**
 * The geometry for `sizeFrags` fragments with at least `minInodes` inodes (0 and 1 included), or
 * null when no viable geometry of that size has that many.
 */
export function geometryFor(sizeFrags: number, nbpi: number, minInodes: number): UfsGeometry | null {
  const ncg = howmany(sizeFrags, PROFILE_FPG);
  const byDensity = ipgForDensity(nbpi, (sizeFrags * PROFILE.fsize) / ncg);
  const byNeed = roundup(howmany(minInodes, ncg), PROFILE.bsize / 128);
  const ipg = Math.max(byDensity, byNeed);
  if (ipg > maxIpg(PROFILE.bsize)) {
    if (byNeed > maxIpg(PROFILE.bsize)) return null;
    return finish(profileGeometry(sizeFrags, maxIpg(PROFILE.bsize)));
  }
  return finish(profileGeometry(sizeFrags, ipg));
}

const finish = (g: UfsGeometry): UfsGeometry | null => (geometryIsViable(g) ? g : null);

function tryPlace(plan: TreePlan, g: UfsGeometry): { frags: FragAllocator } | null {
  try {
    return { frags: placeTree(plan, g).frags };
  } catch (err) {
    if (err instanceof OutOfSpaceError) return null;
    throw err;
  }
}

/** The smallest whole-cylinder image holding the tree with `freePercent` spare data space. */
export function sizeAuto(plan: TreePlan, freePercent: number, nbpi: number): Sizing {
  const entries = plan.nodes.length;
  const minInodes = entries + 2 + inodeReserve(entries, freePercent);
  const target = Math.ceil(plan.dataFrags * (1 + freePercent / 100));
  let cyls = Math.max(1, howmany(target, FRAGS_PER_CYL));
  for (;;) {
    const sizeFrags = cyls * FRAGS_PER_CYL;
    if (sizeFrags > MAX_FRAGS) throw new Error(`the tree needs more than ${MAX_FRAGS} fragments, beyond what UFS can address`);
    const g = geometryFor(sizeFrags, nbpi, minInodes);
    if (g && g.dsize >= target) {
      const placed = tryPlace(plan, g);
      if (placed) return { geometry: g, imageBytes: sizeFrags * PROFILE.fsize, ...placed };
    }
    // Grow in small steps: the answer is usually a few cylinders above the first guess.
    cyls += Math.max(1, Math.floor(cyls / 512));
  }
}

/** The geometry of a fixed-size image; UfsTooSmallError when the tree does not fit. */
export function sizeFixed(plan: TreePlan, sizeBytes: number, freePercent: number, nbpi: number): Sizing {
  const entries = plan.nodes.length;
  const tooSmall = (detail?: string): UfsTooSmallError => new UfsTooSmallError(sizeAuto(plan, 0, nbpi).imageBytes, sizeBytes, detail);
  let sizeFrags = Math.min(MAX_FRAGS, Math.floor(sizeBytes / PROFILE.bsize) * (PROFILE.bsize / PROFILE.fsize));
  if (sizeFrags <= 0) throw tooSmall();
  const pick = (frags: number) => geometryFor(frags, nbpi, entries + 2 + inodeReserve(entries, freePercent)) ?? geometryFor(frags, nbpi, entries + 2);
  let g = pick(sizeFrags);
  if (!g && sizeFrags > PROFILE_FPG) {
    // A last cg too small for its own metadata is dropped, as mkfs does.
    sizeFrags = (howmany(sizeFrags, PROFILE_FPG) - 1) * PROFILE_FPG;
    g = pick(sizeFrags);
  }
  if (!g) throw tooSmall(`${entries} inodes and the metadata of the cylinder groups do not fit`);
  const placed = tryPlace(plan, g);
  if (!placed) throw tooSmall();
  return { geometry: g, imageBytes: sizeBytes, ...placed };
}

export function chooseSizing(plan: TreePlan, opts: SizingOptions): Sizing {
  if (opts.size === 'auto') return sizeAuto(plan, opts.freePercent, opts.nbpi);
  return sizeFixed(plan, opts.size, opts.freePercent, opts.nbpi);
}
