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

/**
 * Make the FAT image an El Torito UEFI entry (and an EFI system partition) points at, with
 * mkfs.fat and mtools, never mounting. Reproducible: mkfs.fat --invariant with a fixed serial,
 * SOURCE_DATE_EPOCH for the directories mtools creates (in UTC, FAT times being local times), and
 * copies of the files whose mtime is pinned before `mcopy -m` keeps it.
 */
export async function makeEfiImage(out: string, files: EfiImageFile[], opts: EfiImageOptions): Promise<{ bytes: number }> {
  const [mkfsFat, mmd, mcopy] = await Promise.all([
    requireTool('mkfs.fat', 'to make the FAT image of the UEFI boot entry'),
    requireTool('mmd', 'to fill the FAT image of the UEFI boot entry'),
    requireTool('mcopy', 'to fill the FAT image of the UEFI boot entry'),
  ]);
  if (!/^[0-9a-f]{8}$/i.test(opts.volumeSerial)) throw new Error(`FAT volume serial "${opts.volumeSerial}" is not 8 hex digits`);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f.source)).size));
  const kib = efiImageKiB(sizes);
  const env = { MTOOLS_SKIP_CHECK: '1', SOURCE_DATE_EPOCH: String(opts.epoch), TZ: 'UTC' };
  const scratch = await mkdtemp(join(opts.workDir, 'efi-'));
  try {
    await rm(out, { force: true });
    await run(mkfsFat, ['--invariant', '-i', opts.volumeSerial, '-n', opts.label ?? 'EFIBOOT', '-C', out, String(kib)], { env });
    const dirs = new Set<string>();
    for (const f of files) {
      const parts = f.name.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    const sortedDirs = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
    if (sortedDirs.length > 0) await run(mmd, ['-i', out, ...sortedDirs.map((d) => `::/${d}`)], { env });
    for (const [i, f] of files.entries()) {
      const pinned = join(scratch, String(i));
      await copyFile(f.source, pinned);
      await utimes(pinned, opts.epoch, opts.epoch);
      await run(mcopy, ['-m', '-i', out, pinned, `::/${f.name}`], { env });
    }
    await utimes(out, opts.epoch, opts.epoch);
    return { bytes: kib * KIB };
  } catch (err) {
    await rm(out, { force: true });
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
