import { copyFile, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../util/children.js';
import { requireTool } from './tools.js';

export interface EfiImageFile {
  /** Path inside the FAT file system, e.g. 'EFI/BOOT/BOOTX64.EFI' (8.3 names, so no long-name entries). */
  name: string;
  /** Host file to copy in. */
  source: string;
}

export interface EfiImageOptions {
  /** Every timestamp in the image. */
  epoch: number;
  /** FAT volume serial number, 8 hex digits (mkfs.fat would otherwise derive it from the clock). */
  volumeSerial: string;
  label?: string;
  /** Scratch directory for time-pinned copies of the sources. */
  workDir: string;
}

const KIB = 1024;
const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/**
 * Size of the FAT image in KiB: every file rounded up to 4 KiB (the largest cluster mkfs.fat picks
 * for images this small) plus room for the FATs, root directory and directories, in 64 KiB steps.
 */
export function efiImageKiB(fileSizes: number[]): number {
  const data = fileSizes.reduce((sum, s) => sum + roundUp(Math.max(s, 1), 4 * KIB), 0);
  return Math.max(1024, roundUp(Math.ceil((data * 1.03 + 192 * KIB) / KIB), 64));
}

/** Where a FAT file system is made: a new image file, or a partition of a disk image (byte offset). */
export interface FatTarget {
  path: string;
  /** Byte offset of the partition in the disk image (a multiple of 512); absent for a file of its own. */
  offset?: number;
  /** Size in KiB (default: just big enough for the files, efiImageKiB). */
  kib?: number;
}

/**
 * Make the FAT image an El Torito UEFI entry (and an EFI system partition) points at, with
 * mkfs.fat and mtools, never mounting. Reproducible: mkfs.fat --invariant with a fixed serial,
 * SOURCE_DATE_EPOCH for the directories mtools creates (in UTC, FAT times being local times), and
 * copies of the files whose mtime is pinned before `mcopy -m` keeps it.
 */
export async function makeEfiImage(out: string, files: EfiImageFile[], opts: EfiImageOptions): Promise<{ bytes: number }> {
  return makeFatFileSystem({ path: out }, files, opts);
}

/**
 * Make a FAT file system holding `files`, as its own image file or inside a partition of a disk
 * image (mkfs.fat --offset, mtools' image@@offset), the same reproducible way as makeEfiImage.
 * Files marked `pinned` already have the epoch as their modification time and are copied in as
 * they are (a boot archive is too large to copy just to set its time).
 */
export async function makeFatFileSystem(target: FatTarget, files: Array<EfiImageFile & { pinned?: boolean }>, opts: EfiImageOptions): Promise<{ bytes: number }> {
  const [mkfsFat, mmd, mcopy] = await Promise.all([
    requireTool('mkfs.fat', 'to make a FAT file system'),
    requireTool('mmd', 'to fill a FAT file system'),
    requireTool('mcopy', 'to fill a FAT file system'),
  ]);
  if (!/^[0-9a-f]{8}$/i.test(opts.volumeSerial)) throw new Error(`FAT volume serial "${opts.volumeSerial}" is not 8 hex digits`);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f.source)).size));
  const kib = target.kib ?? efiImageKiB(sizes);
  const env = { MTOOLS_SKIP_CHECK: '1', SOURCE_DATE_EPOCH: String(opts.epoch), TZ: 'UTC' };
  const image = target.offset === undefined ? target.path : `${target.path}@@${target.offset}`;
  const scratch = await mkdtemp(join(opts.workDir, 'fat-'));
  try {
    const label = ['-n', opts.label ?? 'EFIBOOT'];
    if (target.offset === undefined) {
      await rm(target.path, { force: true });
      await run(mkfsFat, ['--invariant', '-i', opts.volumeSerial, ...label, '-C', target.path, String(kib)], { env });
    } else {
      if (target.offset % 512 !== 0) throw new Error(`internal: FAT partition offset ${target.offset} is not a multiple of 512`);
      await run(mkfsFat, ['--invariant', '-i', opts.volumeSerial, ...label, `--offset=${target.offset / 512}`, target.path, String(kib)], { env });
    }
    const dirs = new Set<string>();
    for (const f of files) {
      const parts = f.name.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    const sortedDirs = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
    if (sortedDirs.length > 0) await run(mmd, ['-i', image, ...sortedDirs.map((d) => `::/${d}`)], { env });
    for (const [i, f] of files.entries()) {
      let source = f.source;
      if (!f.pinned) {
        source = join(scratch, String(i));
        await copyFile(f.source, source);
        await utimes(source, opts.epoch, opts.epoch);
      }
      await run(mcopy, ['-m', '-i', image, source, `::/${f.name}`], { env });
    }
    if (target.offset === undefined) await utimes(target.path, opts.epoch, opts.epoch);
    return { bytes: kib * KIB };
  } catch (err) {
    if (target.offset === undefined) await rm(target.path, { force: true });
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
