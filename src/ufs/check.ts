// An fsck-style checker for UFS images: superblock sanity and backups, every inode reachable
// from the root, block ownership, link counts, directory structure, cylinder-group headers,
// bitmaps and summary counts (ufs-format.md §6, §7.3). It trusts nothing the writer computed:
// everything is rederived from the image.

import { getBit } from './bitmap.js';
import {
  CG_MAGIC, CSUM_SIZE, DINODE_SIZE, DIRBLKSIZ, FS_DYNAMICPOSTBLFMT, FSCLEAN, FSLARGEFILES, FSSTABLE,
  MAXOFF32, MAXPATHLEN, NDADDR, NIADDR, SBSIZE, SIZEOF_FS, UFSROOTINO,
} from './constants.js';
import { decodeCgHeader, decodeCgTables, summarizeFreeMap } from './cylinder-group.js';
import { parseDirectory } from './directory.js';
import { UfsGeometry, maxIpg } from './geometry.js';
import { decodeInode, inodeType, RDEV_SLOT, type DiskInode, type InodeType } from './inode.js';
import { UfsFormatError, UfsImage, isDotName } from './reader.js';
import { decodeCsum, stateIsValid, type Csum, type Superblock } from './superblock.js';

export interface UfsCheckStats {
  sizeBytes: number;
  fsSizeBytes: number;
  ncg: number;
  ipg: number;
  bsize: number;
  fsize: number;
  /** Inodes reachable from the root (the root included, 0 and 1 not). */
  inodesUsed: number;
  inodesTotal: number;
  directories: number;
  files: number;
  symlinks: number;
  devices: number;
  fifos: number;
  sockets: number;
  /** Fragments referenced by reachable inodes, indirect blocks included. */
  dataFrags: number;
  /** Free fragments according to the cylinder-group bitmaps. */
  freeFrags: number;
}

export interface UfsCheckResult {
  ok: boolean;
  problems: string[];
  stats: UfsCheckStats;
}

/** Problems grouped by kind, with a cap per kind so one broken bitmap cannot drown the rest. */
class Problems {
  private readonly list: string[] = [];
  private readonly counts = new Map<string, number>();
  constructor(private readonly cap: number) {}
  add(kind: string, message: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= this.cap) this.list.push(message);
  }
  get size(): number {
    return this.list.length;
  }
  result(): string[] {
    const out = [...this.list];
    for (const [kind, n] of this.counts) if (n > this.cap) out.push(`... and ${n - this.cap} more ${kind} problems`);
    return out;
  }
}

const META = -1;
const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/**
 * Check the superblock. Returns false when the geometry is too broken to check anything else.
 */
function checkSuperblock(sb: Superblock, g: UfsGeometry, imageBytes: number, p: Problems): boolean {
  let usable = true;
  const bad = (msg: string, fatal = false) => {
    p.add('superblock', `superblock: ${msg}`);
    if (fatal) usable = false;
  };
  if (sb.version !== 0 && sb.version !== 2) bad(`fs_version is ${sb.version}; illumos accepts 0 or 2 with this magic`);
  if (sb.bsize !== 4096 && sb.bsize !== 8192) bad(`fs_bsize ${sb.bsize} is not 4096 or 8192`, true);
  if (!isPow2(sb.fsize) || sb.fsize < 512 || sb.fsize > sb.bsize) bad(`fs_fsize ${sb.fsize} is not a power of two between 512 and fs_bsize`, true);
  if (sb.frag !== sb.bsize / sb.fsize || sb.frag > 8) bad(`fs_frag ${sb.frag} is not fs_bsize/fs_fsize (at most 8)`, true);
  if (!usable) return false;
  const derived: Array<[keyof Superblock, number]> = [
    ['bshift', Math.log2(sb.bsize)], ['fshift', Math.log2(sb.fsize)], ['fragshift', Math.log2(sb.frag)],
    ['fsbtodb', Math.log2(sb.fsize / 512)], ['nspf', sb.fsize / 512], ['bmask', ~(sb.bsize - 1)], ['fmask', ~(sb.fsize - 1)],
    ['qbmask0', sb.bsize - 1], ['qbmask1', 0], ['qfmask0', sb.fsize - 1], ['qfmask1', 0],
    ['nindir', sb.bsize / 4], ['inopb', sb.bsize / DINODE_SIZE],
  ];
  for (const [field, want] of derived) if (sb[field] !== want) bad(`fs_${field} is ${String(sb[field])}, expected ${want}`);
  if (sb.sbsize < SIZEOF_FS || sb.sbsize > SBSIZE || sb.sbsize % sb.fsize !== 0) bad(`fs_sbsize ${sb.sbsize} is not a fragment multiple between ${SIZEOF_FS} and ${SBSIZE}`, true);
  if (sb.spc !== sb.nsect * sb.ntrak) bad(`fs_spc ${sb.spc} is not fs_nsect × fs_ntrak = ${sb.nsect * sb.ntrak}`);
  if (sb.fpg !== (sb.cpg * sb.spc) / sb.nspf || sb.fpg % sb.frag !== 0) bad(`fs_fpg ${sb.fpg} is not a block multiple equal to fs_cpg × fs_spc / fs_nspf`, true);
  if (sb.ipg <= 0 || sb.ipg % sb.inopb !== 0 || sb.ipg > maxIpg(sb.bsize)) bad(`fs_ipg ${sb.ipg} is not a multiple of ${sb.inopb} in 1..${maxIpg(sb.bsize)}`, true);
  if (sb.ncg < 1 || sb.ncg !== Math.ceil(sb.size / sb.fpg)) bad(`fs_ncg ${sb.ncg} does not match fs_size ${sb.size} / fs_fpg ${sb.fpg}`, true);
  if (sb.size * sb.fsize > imageBytes) bad(`the file system is ${sb.size * sb.fsize} bytes but the image only ${imageBytes}`, true);
  if (!usable) return false;
  if (!(sb.ncyl > (sb.ncg - 1) * sb.cpg && sb.ncyl <= sb.ncg * sb.cpg)) bad(`fs_ncyl ${sb.ncyl} does not fit ${sb.ncg} groups of ${sb.cpg} cylinders`);
  // The fixed offsets, recomputed from the primary parameters only.
  const fresh = new UfsGeometry({ bsize: sb.bsize, fsize: sb.fsize, nsect: sb.nsect, ntrak: sb.ntrak, cpg: sb.cpg, nrpos: sb.nrpos, ipg: sb.ipg, size: sb.size, ncg: sb.ncg, spc: sb.spc, fpg: sb.fpg });
  const layout: Array<[keyof Superblock, number]> = [
    ['sblkno', fresh.sblkno], ['cblkno', fresh.cblkno], ['iblkno', fresh.iblkno], ['dblkno', fresh.dblkno],
    ['csaddr', fresh.csaddr], ['cssize', fresh.cssize], ['cgsize', fresh.cgsize], ['cgmask', fresh.cgmask],
    ['dsize', fresh.dsize],
  ];
  for (const [field, want] of layout) if (sb[field] !== want) bad(`fs_${field} is ${String(sb[field])}, expected ${want}`, field !== 'dsize' && field !== 'cgmask');
  if (fresh.cgHeaderBytes() > sb.bsize) bad(`a cylinder-group header needs ${fresh.cgHeaderBytes()} bytes, more than a block`, true);
  if (sb.dsize >= sb.size) bad(`fs_dsize ${sb.dsize} is not below fs_size ${sb.size}`);
  const lastMeta = g.cgDmin(sb.ncg - 1) - g.cgBase(sb.ncg - 1);
  if (g.ndblk(sb.ncg - 1) < lastMeta) bad(`the last cylinder group (${g.ndblk(sb.ncg - 1)} fragments) cannot hold its ${lastMeta} fragments of metadata`, true);
  if (!stateIsValid(sb)) bad(`fs_state 0x${(sb.state >>> 0).toString(16)} + fs_time ${sb.time} is not FSOKAY: the file system is not marked clean`);
  if (sb.clean !== FSCLEAN && sb.clean !== FSSTABLE) bad(`fs_clean is ${sb.clean}, not FSCLEAN (1) or FSSTABLE (2)`);
  if (sb.si !== 0) bad(`fs_si is ${sb.si}: the summary information is marked bad`);
  if (sb.logbno !== 0) bad(`fs_logbno is ${sb.logbno}: a UFS log is present`);
  if (sb.rolled !== 0 || sb.reclaim !== 0) bad(`fs_rolled ${sb.rolled} / fs_reclaim ${sb.reclaim} are not 0`);
  if (sb.optim !== 0 && sb.optim !== 1) bad(`fs_optim ${sb.optim} is not 0 or 1`);
  if (sb.minfree < 0 || sb.minfree > 99) bad(`fs_minfree ${sb.minfree} is not 0..99`);
  if (sb.postblformat !== FS_DYNAMICPOSTBLFMT) bad(`fs_postblformat ${sb.postblformat} is not ${FS_DYNAMICPOSTBLFMT}`);
  if (sb.nrpos <= 0 || sb.cpc < 0 || sb.postbloff < 0 || sb.postbloff + sb.nrpos * sb.cpc * 2 > sb.sbsize) bad(`rotational table parameters (nrpos ${sb.nrpos}, cpc ${sb.cpc}, postbloff ${sb.postbloff}) do not fit the superblock`);
  if (sb.maxcontig < 1) bad(`fs_maxcontig ${sb.maxcontig} is below 1`);
  if (sb.npsect !== sb.nsect) bad(`fs_npsect ${sb.npsect} differs from fs_nsect ${sb.nsect}`);
  if ((sb.flags & ~FSLARGEFILES) !== 0) bad(`fs_flags 0x${sb.flags.toString(16)} has bits other than FSLARGEFILES`);
  return usable;
}

interface Walk {
  reached: Uint8Array;
  refs: Int32Array;
  owner: Int32Array;
  paths: Map<number, string>;
  dataFrags: number;
  largestFile: number;
}

export async function checkUfsImage(path: string, opts: { maxProblemsPerKind?: number } = {}): Promise<UfsCheckResult> {
  const p = new Problems(opts.maxProblemsPerKind ?? 25);
  const stats: UfsCheckStats = {
    sizeBytes: 0, fsSizeBytes: 0, ncg: 0, ipg: 0, bsize: 0, fsize: 0, inodesUsed: 0, inodesTotal: 0,
    directories: 0, files: 0, symlinks: 0, devices: 0, fifos: 0, sockets: 0, dataFrags: 0, freeFrags: 0,
  };
  let img: UfsImage;
  try {
    img = await UfsImage.open(path);
  } catch (err) {
    if (err instanceof UfsFormatError) return { ok: false, problems: [err.message], stats };
    throw err;
  }
  try {
    const { sb, geometry: g } = img;
    Object.assign(stats, { sizeBytes: img.imageBytes, fsSizeBytes: sb.size * sb.fsize, ncg: sb.ncg, ipg: sb.ipg, bsize: sb.bsize, fsize: sb.fsize, inodesTotal: g.inodeCount });
    if (!checkSuperblock(sb, g, img.imageBytes, p)) return { ok: false, problems: p.result(), stats };
    await checkBackups(img, p);

    const tables: Buffer[] = [];
    for (let c = 0; c < g.ncg; c++) tables.push(await img.inodeTable(c));
    const inodeAt = (ino: number): DiskInode => decodeInode(tables[g.itog(ino)], (ino % g.ipg) * DINODE_SIZE);

    const owner = new Int32Array(g.size);
    for (let c = 0; c < g.ncg; c++) for (const [s, e] of g.reservedRanges(c)) owner.fill(META, s, Math.min(e, g.size));
    const walk: Walk = { reached: new Uint8Array(g.inodeCount), refs: new Int32Array(g.inodeCount), owner, paths: new Map(), dataFrags: 0, largestFile: 0 };
    await walkTree(img, inodeAt, walk, p, stats);
    checkInodeTables(g, inodeAt, walk, p);
    if (walk.largestFile > MAXOFF32 && (sb.flags & FSLARGEFILES) === 0) p.add('superblock', `superblock: a file of ${walk.largestFile} bytes exists but FSLARGEFILES is not set`);
    stats.dataFrags = walk.dataFrags;
    await checkCylinderGroups(img, inodeAt, walk, p, stats);
    return { ok: p.size === 0, problems: p.result(), stats };
  } finally {
    await img.close();
  }
}

async function checkBackups(img: UfsImage, p: Problems): Promise<void> {
  const { sb, geometry: g } = img;
  const primary = img.rawSuperblock.subarray(0, sb.sbsize);
  for (let c = 0; c < g.ncg; c++) {
    const backup = await img.readAt(g.cgSblock(c) * g.fsize, sb.sbsize);
    if (backup.equals(primary)) continue;
    let at = 0;
    while (at < primary.length && backup[at] === primary[at]) at++;
    p.add('backup superblock', `cg ${c}: backup superblock at fragment ${g.cgSblock(c)} differs from the primary (first difference at byte ${at})`);
  }
}

function describeIno(walk: Walk, ino: number): string {
  const path = walk.paths.get(ino);
  return path === undefined ? `inode ${ino}` : `inode ${ino} ("/${path}")`;
}

/** Claim the fragments of a block for an inode, reporting range, alignment, metadata and duplicates. */
function claim(g: UfsGeometry, walk: Walk, p: Problems, ino: number, start: number, nfrags: number, what: string): void {
  const who = describeIno(walk, ino);
  if (start < 0 || start + nfrags > g.size) {
    p.add('block range', `${who}: ${what} at fragment ${start} is outside the file system (0..${g.size - 1})`);
    return;
  }
  if ((start % g.frag) + nfrags > g.frag) {
    p.add('block alignment', `${who}: ${what} at fragment ${start} (${nfrags} fragments) crosses a block boundary`);
  }
  for (let f = start; f < start + nfrags; f++) {
    const o = walk.owner[f];
    if (o === META) p.add('metadata overlap', `${who}: ${what} uses fragment ${f}, which is file-system metadata of cg ${g.dtog(f)}`);
    else if (o > 0) p.add('duplicate block', `fragment ${f} is used by both ${describeIno(walk, o)} and ${who}`);
    else walk.owner[f] = ino;
  }
  walk.dataFrags += nfrags;
}

/** Check an inode's pointers and block count, claiming every fragment it uses. */
async function checkBlocks(img: UfsImage, walk: Walk, p: Problems, ino: number, di: DiskInode, type: InodeType): Promise<void> {
  const g = img.geometry;
  const who = describeIno(walk, ino);
  const nblocks = Math.ceil(di.size / g.bsize);
  let sectors = 0;
  const dataBlock = (lbn: number, addr: number) => {
    if (addr === 0) {
      if (type !== 'file') p.add('hole', `${who}: logical block ${lbn} is a hole, which a ${type} may not have`);
      return;
    }
    const nfrags = nblocks <= NDADDR && lbn === nblocks - 1 ? Math.ceil((di.size - lbn * g.bsize) / g.fsize) : g.frag;
    claim(g, walk, p, ino, addr, nfrags, `logical block ${lbn}`);
    sectors += nfrags * g.nspf;
  };
  for (let i = 0; i < NDADDR; i++) {
    if (i < nblocks) dataBlock(i, di.db[i]);
    else if (di.db[i] !== 0) p.add('pointer past end', `${who}: direct pointer ${i} is ${di.db[i]} but the file has ${nblocks} blocks`);
  }
  let lbn = NDADDR;
  const visit = async (addr: number, level: number, what: string): Promise<void> => {
    const span = g.nindir ** (level + 1);
    if (addr === 0) {
      if (type !== 'file' && lbn < nblocks) p.add('hole', `${who}: ${what} is a hole, which a ${type} may not have`);
      lbn += span;
      return;
    }
    if (lbn >= nblocks) {
      p.add('pointer past end', `${who}: ${what} is ${addr} but the file needs no blocks there`);
      lbn += span;
      return;
    }
    claim(g, walk, p, ino, addr, g.frag, what);
    sectors += g.frag * g.nspf;
    if (addr <= 0 || addr + g.frag > g.size) {
      lbn += span;
      return;
    }
    const buf = await img.readFrags(addr, g.frag);
    for (let i = 0; i < g.nindir; i++) {
      const ptr = buf.readInt32LE(4 * i);
      if (level === 0) {
        if (lbn < nblocks) dataBlock(lbn, ptr);
        else if (ptr !== 0) p.add('pointer past end', `${who}: ${what} entry ${i} is ${ptr} past the end of the file`);
        lbn++;
      } else {
        await visit(ptr, level - 1, `${what} entry ${i}`);
      }
    }
  };
  const names = ['single indirect block', 'double indirect block', 'triple indirect block'];
  for (let level = 0; level < NIADDR; level++) await visit(di.ib[level], level, names[level]);
  if (di.blocks !== sectors) p.add('block count', `${who}: ic_blocks is ${di.blocks} but the inode holds ${sectors} sectors`);
}

async function checkInode(img: UfsImage, walk: Walk, p: Problems, ino: number, di: DiskInode, stats: UfsCheckStats): Promise<void> {
  const who = describeIno(walk, ino);
  const type = inodeType(di.mode);
  if (di.nlink <= 0) p.add('link count', `${who}: link count ${di.nlink} is not positive`);
  if (di.flags !== 0) p.add('inode fields', `${who}: ic_flags is 0x${di.flags.toString(16)} (preallocated, compressed or attribute inodes are not expected)`);
  if (di.shadow !== 0 || di.oeftflag !== 0) p.add('inode fields', `${who}: ic_shadow ${di.shadow} / ic_oeftflag ${di.oeftflag} refer to ACL or attribute inodes, which are not expected`);
  if (di.size > 2 ** 40 - 1) p.add('inode fields', `${who}: size ${di.size} exceeds the UFS limit`);
  else if (di.size > img.maxFileBytes) p.add('inode fields', `${who}: size ${di.size} is more than the whole file system (${img.maxFileBytes} bytes)`);
  switch (type) {
    case 'file':
      stats.files++;
      walk.largestFile = Math.max(walk.largestFile, di.size);
      await checkBlocks(img, walk, p, ino, di, type);
      return;
    case 'dir':
      stats.directories++;
      if (di.size < DIRBLKSIZ || di.size % DIRBLKSIZ !== 0) p.add('directory', `${who}: directory size ${di.size} is not a positive multiple of ${DIRBLKSIZ}`);
      await checkBlocks(img, walk, p, ino, di, type);
      return;
    case 'symlink':
      stats.symlinks++;
      if (di.size < 1 || di.size >= MAXPATHLEN) p.add('symlink', `${who}: symlink length ${di.size} is not 1..${MAXPATHLEN - 1}`);
      if (di.blocks === 0) p.add('symlink', `${who}: symlink has no data block (an on-disk fast symlink, which Solaris does not have)`);
      else await checkBlocks(img, walk, p, ino, di, type);
      return;
    case 'char':
    case 'block': {
      stats.devices++;
      const stray = di.db.some((v, i) => i !== RDEV_SLOT && v !== 0) || di.ib.some((v) => v !== 0);
      if (di.size !== 0 || di.blocks !== 0 || stray) p.add('device', `${who}: a device inode must have size 0, no blocks and only ic_db[${RDEV_SLOT}] set`);
      return;
    }
    case 'fifo':
    case 'socket':
      if (type === 'fifo') stats.fifos++;
      else stats.sockets++;
      if (di.size !== 0 || di.blocks !== 0 || di.db.some((v) => v !== 0) || di.ib.some((v) => v !== 0)) p.add('inode fields', `${who}: a ${type} must have size 0 and no blocks`);
      return;
    default:
      p.add('inode type', `${who}: mode 0${di.mode.toString(8)} is not a supported file type`);
  }
}

/** Breadth-first walk from the root: directory structure, reachability, link references. */
async function walkTree(img: UfsImage, inodeAt: (ino: number) => DiskInode, walk: Walk, p: Problems, stats: UfsCheckStats): Promise<void> {
  const g = img.geometry;
  const root = inodeAt(UFSROOTINO);
  if (inodeType(root.mode) !== 'dir') {
    p.add('root', `the root inode ${UFSROOTINO} is not a directory (mode 0${root.mode.toString(8)})`);
    return;
  }
  const parentOf = new Map<number, number>([[UFSROOTINO, UFSROOTINO]]);
  walk.reached[UFSROOTINO] = 1;
  walk.paths.set(UFSROOTINO, '');
  const queue = [UFSROOTINO];
  for (let qi = 0; qi < queue.length; qi++) {
    const ino = queue[qi];
    const di = inodeAt(ino);
    stats.inodesUsed++;
    await checkInode(img, walk, p, ino, di, stats);
    if (inodeType(di.mode) !== 'dir') continue;
    const who = describeIno(walk, ino);
    let data: Buffer;
    try {
      data = await img.readAll(di);
    } catch (err) {
      p.add('directory', `${who}: cannot read the directory: ${(err as Error).message}`);
      continue;
    }
    const { entries, problems } = parseDirectory(data);
    for (const msg of problems) p.add('directory', `${who}: ${msg}`);
    const dot = entries[0];
    const dotdot = entries[1];
    if (!dot || dot.offset !== 0 || !dot.name.equals(Buffer.from('.')) || dot.ino !== ino) p.add('directory', `${who}: the first entry is not "." naming the directory itself`);
    if (!dotdot || dotdot.offset !== 12 || !dotdot.name.equals(Buffer.from('..')) || dotdot.ino !== parentOf.get(ino)) p.add('directory', `${who}: the second entry is not ".." naming the parent (inode ${parentOf.get(ino)})`);
    const seen = new Set<string>();
    for (const e of entries) {
      const name = e.name.toString('latin1');
      if (seen.has(name)) p.add('directory', `${who}: the name "${e.name.toString('utf8')}" appears twice`);
      seen.add(name);
      if (e.ino < UFSROOTINO || e.ino >= g.inodeCount) {
        p.add('directory', `${who}: entry "${e.name.toString('utf8')}" names inode ${e.ino}, outside 2..${g.inodeCount - 1}`);
        continue;
      }
      walk.refs[e.ino]++;
      if (isDotName(e.name)) {
        if (e !== dot && e !== dotdot) p.add('directory', `${who}: an extra "${e.name.toString('utf8')}" entry at offset ${e.offset}`);
        continue;
      }
      const child = inodeAt(e.ino);
      const childPath = walk.paths.get(ino) === '' ? e.name.toString('utf8') : `${walk.paths.get(ino)}/${e.name.toString('utf8')}`;
      if (child.mode === 0) {
        p.add('directory', `${who}: entry "${e.name.toString('utf8')}" names inode ${e.ino}, which is free`);
        continue;
      }
      if (walk.reached[e.ino]) {
        if (inodeType(child.mode) === 'dir') p.add('directory', `directory ${describeIno(walk, e.ino)} is also linked as "/${childPath}" (hard link to a directory)`);
        continue;
      }
      walk.reached[e.ino] = 1;
      walk.paths.set(e.ino, childPath);
      if (inodeType(child.mode) === 'dir') parentOf.set(e.ino, ino);
      queue.push(e.ino);
    }
  }
  for (const ino of queue) {
    const di = inodeAt(ino);
    if (di.nlink !== walk.refs[ino]) p.add('link count', `${describeIno(walk, ino)}: link count is ${di.nlink} but ${walk.refs[ino]} directory entries name it`);
  }
}

/** Allocated inodes nobody names, and free inodes that are not blank. */
function checkInodeTables(g: UfsGeometry, inodeAt: (ino: number) => DiskInode, walk: Walk, p: Problems): void {
  for (let ino = UFSROOTINO; ino < g.inodeCount; ino++) {
    if (walk.reached[ino]) continue;
    const di = inodeAt(ino);
    if (di.mode !== 0) p.add('unreferenced inode', `inode ${ino} (${inodeType(di.mode)}, ${di.size} bytes) is allocated but no directory entry reachable from the root names it`);
    else if (di.size !== 0 || di.db.some((v) => v !== 0) || di.ib.some((v) => v !== 0) || di.blocks !== 0) p.add('partially allocated inode', `inode ${ino} is free (mode 0) but has a size or block pointers`);
  }
}

async function checkCylinderGroups(img: UfsImage, inodeAt: (ino: number) => DiskInode, walk: Walk, p: Problems, stats: UfsCheckStats): Promise<void> {
  const { sb, geometry: g } = img;
  const csArea = await img.readAt(g.csaddr * g.fsize, g.cssize);
  const total: Csum = { ndir: 0, nbfree: 0, nifree: 0, nffree: 0 };
  const expectOffsets = g.cgOffsets;
  let freeFrags = 0;
  for (let c = 0; c < g.ncg; c++) {
    const buf = await img.readAt(g.cgTod(c) * g.fsize, g.cgsize);
    const h = decodeCgHeader(buf);
    const t = decodeCgTables(g, buf);
    const tag = `cg ${c}`;
    const ndblk = g.ndblk(c);
    if (h.magic !== CG_MAGIC) {
      p.add('cg header', `${tag}: header magic is 0x${(h.magic >>> 0).toString(16)}, expected 0x${CG_MAGIC.toString(16)}`);
      continue;
    }
    const fields: Array<[string, number, number]> = [
      ['cg_cgx', h.cgx, c], ['cg_ncyl', h.ncyl, g.cgNcyl(c)], ['cg_niblk', h.niblk, g.ipg], ['cg_ndblk', h.ndblk, ndblk],
      ['cg_btotoff', h.btotoff, expectOffsets.btotoff], ['cg_boff', h.boff, expectOffsets.boff], ['cg_iusedoff', h.iusedoff, expectOffsets.iusedoff],
      ['cg_freeoff', h.freeoff, expectOffsets.freeoff], ['cg_nextfreeoff', h.nextfreeoff, expectOffsets.nextfreeoff],
    ];
    for (const [name, got, want] of fields) if (got !== want) p.add('cg header', `${tag}: ${name} is ${got}, expected ${want}`);
    if (h.rotor < 0 || h.rotor >= ndblk || h.frotor < 0 || h.frotor >= ndblk || h.irotor < 0 || h.irotor >= g.ipg) p.add('cg header', `${tag}: rotors ${h.rotor}/${h.frotor}/${h.irotor} are out of range`);

    // Inode bitmap against the inodes actually in use.
    let ndir = 0;
    let iused = 0;
    for (let k = 0; k < g.ipg; k++) {
      const ino = c * g.ipg + k;
      const onDisk = getBit(t.inodeMap, k);
      const inUse = (c === 0 && k < UFSROOTINO) || walk.reached[ino] === 1;
      if (onDisk) {
        iused++;
        if (ino >= UFSROOTINO && inodeType(inodeAt(ino).mode) === 'dir') ndir++;
      }
      if (onDisk && !inUse) p.add('inode bitmap', `${tag}: inode bitmap marks inode ${ino} in use but it is not reachable from the root`);
      if (!onDisk && inUse) p.add('inode bitmap', `${tag}: inode bitmap marks ${describeIno(walk, ino)} free but it is in use`);
    }
    for (let k = g.ipg; k < t.inodeMap.length * 8; k++) if (getBit(t.inodeMap, k)) p.add('inode bitmap', `${tag}: inode bitmap has bit ${k} set, beyond fs_ipg`);

    // Free-fragment bitmap against the fragments actually referenced.
    const base = g.cgBase(c);
    for (let d = 0; d < ndblk; d++) {
      const f = base + d;
      const free = getBit(t.freeMap, d);
      const o = walk.owner[f];
      if (free && o > 0) p.add('free bitmap', `${tag}: free-fragment bitmap marks fragment ${f} free but ${describeIno(walk, o)} uses it`);
      else if (free && o === META) p.add('free bitmap', `${tag}: free-fragment bitmap marks fragment ${f} free but it is file-system metadata`);
      else if (!free && o === 0) p.add('free bitmap', `${tag}: free-fragment bitmap marks fragment ${f} in use but nothing uses it`);
    }
    for (let d = ndblk; d < g.fpg; d++) if (getBit(t.freeMap, d)) p.add('free bitmap', `${tag}: free-fragment bitmap has fragment ${base + d} set, beyond the end of the cylinder group`);

    // Counts derived from the on-disk bitmaps.
    const s = summarizeFreeMap(g, ndblk, t.freeMap);
    const derived: Csum = { ndir, nbfree: s.nbfree, nifree: g.ipg - iused, nffree: s.nffree };
    for (const k of ['ndir', 'nbfree', 'nifree', 'nffree'] as const) {
      if (h.cs[k] !== derived[k]) p.add('cg summary', `${tag}: cg_cs.cs_${k} is ${h.cs[k]} but the bitmaps give ${derived[k]}`);
    }
    for (let n = 1; n < g.frag; n++) if (h.frsum[n] !== s.frsum[n]) p.add('cg summary', `${tag}: cg_frsum[${n}] is ${h.frsum[n]} but the free map has ${s.frsum[n]} runs of ${n} free fragments`);
    for (let i = 0; i < g.cpg; i++) if (t.blktot[i] !== s.blktot[i]) p.add('cg summary', `${tag}: cg_blktot[${i}] is ${t.blktot[i]} but the free map has ${s.blktot[i]} free blocks in that cylinder`);
    for (let i = 0; i < s.blks.length; i++) if (t.blks[i] !== s.blks[i]) p.add('cg summary', `${tag}: cg_blks[${Math.floor(i / g.nrpos)}][${i % g.nrpos}] is ${t.blks[i]}, the free map gives ${s.blks[i]}`);

    const cs = decodeCsum(csArea, c * CSUM_SIZE);
    for (const k of ['ndir', 'nbfree', 'nifree', 'nffree'] as const) {
      if (cs[k] !== h.cs[k]) p.add('summary area', `${tag}: the summary area at fragment ${g.csaddr} says cs_${k} ${cs[k]}, the cg header says ${h.cs[k]}`);
      total[k] += cs[k];
    }
    freeFrags += s.nbfree * g.frag + s.nffree;
  }
  for (const k of ['ndir', 'nbfree', 'nifree', 'nffree'] as const) {
    if (sb.cstotal[k] !== total[k]) p.add('superblock', `superblock: fs_cstotal.cs_${k} is ${sb.cstotal[k]} but the summary area adds up to ${total[k]}`);
  }
  stats.freeFrags = freeFrags;
  if (freeFrags + walk.dataFrags !== g.dsize) p.add('space accounting', `free fragments (${freeFrags}) plus used data fragments (${walk.dataFrags}) are ${freeFrags + walk.dataFrags}, not fs_dsize ${g.dsize}`);
}
