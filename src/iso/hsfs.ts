import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeDir } from '../emit/dir.js';
import { canonicalizeHardlinks } from '../stage/hardlinks.js';
import type { StagedTree } from '../stage/tree.js';
import { writeAtomically } from '../util/atomic.js';
import type { Reporter } from '../util/progress.js';
import { sourceDateEpoch } from '../util/time.js';
import { isoModificationDate, runMkisofs } from './xorriso.js';

export interface HsfsOptions {
  volumeId?: string;
  /** Volume dates; default SOURCE_DATE_EPOCH, else 0. File times stay those of the tree. */
  epoch?: number;
  /** Where a staged tree is laid out; default the OS temp dir. */
  workDir?: string;
  reporter?: Reporter;
}

export interface HsfsResult {
  bytes: number;
  /** Device nodes of a staged tree that could not be laid out without root (and are not in the archive). */
  skippedDevices: string[];
}

/**
 * The mkisofs options bootadm uses for its HSFS boot archives (cmd/boot/bootadm/bootadm.c
 * MKISO_PARAMS "-quiet -graft-points -dlrDJN -relaxed-filenames"): Rock Ridge with uid/gid 0 and
 * normalised modes (-r), Joliet, long untranslated names, no version numbers, no relocation.
 */
export const HSFS_MKISOFS_ARGS = ['-quiet', '-d', '-l', '-r', '-D', '-J', '-N', '-relaxed-filenames'];

/**
 * Write an ISO 9660 (HSFS) boot archive with xorriso, from a directory or from a staged tree laid
 * out in a temporary directory first. The kernel can read it as a module archive; as the root of a
 * live image it is untested (the kernel needs -B fstype=hsfs, which the config writers add).
 */
export async function writeHsfsArchive(src: string | StagedTree, outPath: string, opts: HsfsOptions = {}): Promise<HsfsResult> {
  const out = resolve(outPath);
  const epoch = opts.epoch ?? sourceDateEpoch() ?? 0;
  let work: string | undefined;
  let dir: string;
  let skippedDevices: string[] = [];
  try {
    if (typeof src === 'string') {
      dir = resolve(src);
    } else {
      const base = resolve(opts.workDir ?? tmpdir());
      await mkdir(base, { recursive: true });
      work = await mkdtemp(join(base, 'compose-hsfs-'));
      dir = join(work, 'tree');
      // writeDir links each hardlink to a file it has already written: owners must sort first.
      const canonical = src.clone();
      canonicalizeHardlinks(canonical);
      ({ skippedDevices } = await writeDir(canonical, dir, opts.reporter));
      if (skippedDevices.length > 0) opts.reporter?.warn(`${skippedDevices.length} device node(s) are not in the HSFS archive (creating them needs root), e.g. ${skippedDevices[0]}`);
    }
    await mkdir(dirname(out), { recursive: true });
    await writeAtomically(out, (tmp) =>
      runMkisofs(['-o', tmp, '-V', opts.volumeId ?? 'boot_archive', `--modification-date=${isoModificationDate(epoch)}`, ...HSFS_MKISOFS_ARGS, dir], epoch, dirname(out)),
    );
    return { bytes: (await stat(out)).size, skippedDevices };
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
  }
}
