import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Profile } from '../profile/schema.js';
import type { StagedTree } from '../stage/tree.js';
import { writeUfsImage, type UfsResult } from '../ufs/index.js';
import { writeCpioArchive, writeHsfsArchive, buildIso, type BuildIsoResult, type BootloaderChoice } from '../iso/index.js';
import { makeBootArchive, type BootArchive } from '../archive/boot-archive.js';
import { tempPathFor } from '../util/atomic.js';
import type { Reporter } from '../util/progress.js';

export interface BootOutputs {
  /** The UFS image, when --format ufs kept it. */
  image?: { path: string; bytes: number; ufs?: UfsResult };
  archive: BootArchive & { format: Profile['archive']['format'] };
  iso?: BuildIsoResult;
}

/**
 * The boot outputs: the archive image (UFS unless the profile asks for a module archive), the
 * gzip'd boot_archive with its hash, and the ISO. The raw image is kept as <profile>.ufs only
 * when asked for; otherwise it lives under a temporary name and is removed.
 */
export async function emitBootOutputs(opts: {
  tree: StagedTree;
  profile: Profile;
  outDir: string;
  keepImage: boolean;
  iso: boolean;
  bootloader?: BootloaderChoice;
  time: number;
  reporter: Reporter;
}): Promise<BootOutputs> {
  const { tree, profile, outDir, reporter } = opts;
  const format = profile.archive.format;
  const finalImage = join(outDir, `${profile.name}.${format}`);
  const imagePath = opts.keepImage && format === 'ufs' ? finalImage : tempPathFor(`${finalImage}.image`);
  let ufs: UfsResult | undefined;
  let bytes: number;
  try {
    if (format === 'ufs') {
      ufs = await writeUfsImage(tree, imagePath, {
        size: profile.ramdisk.size,
        freePercent: profile.ramdisk.freePercent,
        nbpi: profile.ramdisk.nbpi,
        lostAndFound: profile.ramdisk.lostAndFound,
        time: opts.time,
        onProgress: (done, total) => reporter.progress('writing UFS image', done, total),
      });
      reporter.done('writing UFS image');
      bytes = ufs.sizeBytes;
    } else if (format === 'cpio') {
      reporter.warn('archive.format cpio: the kernel reads it as a module archive only; a ramdisk root must be UFS');
      bytes = (await writeCpioArchive(tree, imagePath, { reporter })).bytes;
    } else {
      reporter.warn('archive.format hsfs: booting with an ISO 9660 root ramdisk is untested on illumos; a ramdisk root should be UFS');
      bytes = (await writeHsfsArchive(tree, imagePath, { epoch: opts.time })).bytes;
    }
    const archive = { ...(await makeBootArchive(imagePath, join(outDir, `${profile.name}.boot_archive`), profile.archive.gzipLevel)), format };
    let iso: BuildIsoResult | undefined;
    if (opts.iso) {
      iso = await buildIso({
        tree,
        archive: { path: archive.archive, hashPath: archive.hashFile, sha1: archive.sha1, format },
        profile,
        bootloader: opts.bootloader ?? profile.iso.bootloader,
        outPath: join(outDir, `${profile.name}.iso`),
        volumeId: profile.iso.volumeId,
        epoch: opts.time,
        reporter,
      });
    }
    const image = imagePath === finalImage ? { path: finalImage, bytes, ufs } : undefined;
    return { image, archive, iso };
  } finally {
    if (imagePath !== finalImage) await rm(imagePath, { force: true });
  }
}
