import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Profile } from '../profile/schema.js';
import type { StagedTree } from '../stage/tree.js';
import { hashThread } from '../stage/hash-thread.js';
import { prepareUfsImage, ufsImageBlocks, writeImageBlock, type PreparedImage, type UfsResult } from '../ufs/writer.js';
import { writeCpioArchive, writeHsfsArchive, buildIso, type BuildIsoResult, type BootloaderChoice } from '../iso/index.js';
import { makeBootArchive, writeBootArchive, type BootArchive } from '../archive/boot-archive.js';
import type { ChunkSource } from '../archive/chunked-gzip.js';
import { tempPathFor, writeAtomically } from '../util/atomic.js';
import type { Reporter } from '../util/progress.js';
import { Timings } from '../util/timings.js';
import { buildPxeTree, type PxeTreeResult } from '../pxe/pxe-tree.js';
import { buildDiskImage, type DiskImageResult } from '../disk/disk-image.js';
import type { DiskFormat } from '../disk/vm-formats.js';

/** The boot outputs: the archive image and boot_archive, then the media made from them. */
export type BootOutputs = BootArchiveOutputs & BootMediaOutputs;

export interface BootArchiveOutputs {
  /** The UFS image, when --format ufs kept it. */
  image?: { path: string; bytes: number };
  /** The UFS file system's facts, when the archive is UFS. */
  ufs?: UfsResult;
  /** Bytes of the archive image (UFS, or a module archive). */
  imageBytes: number;
  /** The boot_archive and its hash, for --format archive or iso. */
  archive?: BootArchive & { format: Profile['archive']['format'] };
}

export interface BootMediaOutputs {
  iso?: BuildIsoResult;
  pxe?: PxeTreeResult;
  disk?: DiskImageResult;
}

/** --format disk's settings. */
export interface DiskRequest {
  format: DiskFormat;
  diskBytes?: number;
  dataPartition: boolean;
}

export interface BootRequest {
  tree: StagedTree;
  profile: Profile;
  outDir: string;
  keepImage: boolean;
  /** Write the boot_archive (implied by the boot media). */
  archive: boolean;
  iso: boolean;
  pxe?: boolean;
  disk?: DiskRequest;
  bootloader?: BootloaderChoice;
  time: number;
  /** gzip level (--gzip-level, else the profile's archive.gzip_level). */
  gzipLevel: number;
  /** The previous build's archive chunks, to copy instead of compress. */
  previous?: ChunkSource;
  reporter: Reporter;
  timings?: Timings;
}

/**
 * The archive image (UFS unless the profile asks for a module archive) and the gzip'd
 * boot_archive with its hash. A UFS image is never written just to be read back: it is produced
 * front to back and compressed as it comes, and written to <profile>.ufs on the way only when
 * --format ufs asks for it. --format ufs alone compresses nothing.
 */
export async function emitBootArchive(opts: BootRequest): Promise<BootArchiveOutputs> {
  const timings = opts.timings ?? new Timings();
  const { tree, profile, outDir, reporter } = opts;
  const format = profile.archive.format;
  const archivePath = join(outDir, `${profile.name}.boot_archive`);
  let archive: BootOutputs['archive'];
  let image: BootOutputs['image'];
  let ufs: UfsResult | undefined;
  let imageBytes: number;
  const wantArchive = opts.archive || opts.iso || !!opts.pxe || !!opts.disk;
  if (format === 'ufs' && !wantArchive) {
    // The image alone: written front to back, nothing compressed.
    const prepared = await timings.time('ufs', () => prepareUfsImage(tree, ufsOptions(profile, opts.time)));
    const imagePath = join(outDir, `${profile.name}.ufs`);
    await writeAtomically(imagePath, async (tmp) => {
      const fd = openSync(tmp, 'w');
      try {
        ftruncateSync(fd, prepared.imageBytes);
        for (const _ of imageBuffers(prepared, reporter, timings, fd));
      } finally {
        closeSync(fd);
      }
    });
    reporter.done('writing UFS image');
    await hashThread().settle();
    image = { path: imagePath, bytes: prepared.imageBytes };
    ufs = prepared.result;
    imageBytes = prepared.imageBytes;
  } else if (format === 'ufs') {
    const prepared = await timings.time('ufs', () => prepareUfsImage(tree, ufsOptions(profile, opts.time)));
    const compress = (blocks: Iterable<Buffer>) => writeBootArchive(blocks, archivePath, { level: opts.gzipLevel, previous: opts.previous });
    const t0 = performance.now();
    let made: BootArchive;
    if (opts.keepImage) {
      const imagePath = join(outDir, `${profile.name}.ufs`);
      made = await writeAtomically(imagePath, (tmp) => {
        const fd = openSync(tmp, 'w');
        return (async () => {
          try {
            ftruncateSync(fd, prepared.imageBytes);
            return await compress(imageBuffers(prepared, reporter, timings, fd));
          } finally {
            closeSync(fd);
          }
        })();
      });
      image = { path: imagePath, bytes: prepared.imageBytes };
    } else made = await compress(imageBuffers(prepared, reporter, timings));
    timings.add('archive', performance.now() - t0 - timings.of('ufsStream'));
    reporter.done('writing UFS image');
    await hashThread().settle();
    archive = { ...made, format };
    ufs = prepared.result;
    imageBytes = prepared.imageBytes;
  } else {
    // Module archives are small and made by other writers: written to a file, then compressed.
    const imagePath = tempPathFor(`${archivePath}.image`);
    try {
      if (format === 'cpio') {
        reporter.warn('archive.format cpio: the kernel reads it as a module archive only; a ramdisk root must be UFS');
        imageBytes = (await writeCpioArchive(tree, imagePath, { reporter })).bytes;
      } else {
        reporter.warn('archive.format hsfs: booting with an ISO 9660 root ramdisk is untested on illumos; a ramdisk root should be UFS');
        imageBytes = (await writeHsfsArchive(tree, imagePath, { epoch: opts.time })).bytes;
      }
      archive = { ...(await timings.time('archive', () => makeBootArchive(imagePath, archivePath, opts.gzipLevel, opts.previous))), format };
    } finally {
      await rm(imagePath, { force: true });
    }
  }
  return { image, ufs, imageBytes, archive };
}

/**
 * The media made from the boot_archive: the ISO, the PXE tree and the disk image. They read the
 * archive and the staged tree only, so a build runs them (xorriso, mostly) beside its own last
 * steps: the manifest, the change report.
 */
export async function emitBootMedia(opts: BootRequest, made: BootArchiveOutputs): Promise<BootMediaOutputs> {
  const timings = opts.timings ?? new Timings();
  const { tree, profile, outDir, reporter } = opts;
  const { archive } = made;
  const format = profile.archive.format;
  let iso: BuildIsoResult | undefined;
  if (opts.iso && archive) {
    iso = await timings.time('iso', () => buildIso({
      tree,
      archive: { path: archive.archive, hashPath: archive.hashFile, sha1: archive.sha1, format },
      profile,
      bootloader: opts.bootloader ?? profile.iso.bootloader,
      outPath: join(outDir, `${profile.name}.iso`),
      volumeId: profile.iso.volumeId,
      epoch: opts.time,
      reporter,
    }));
  }
  let pxe: PxeTreeResult | undefined;
  if (opts.pxe && archive) {
    pxe = await timings.time('pxe', () => buildPxeTree({
      tree,
      profile,
      archive: { path: archive!.archive, hashPath: archive!.hashFile, sha1: archive!.sha1, format },
      outPath: join(outDir, `${profile.name}.pxe`),
      bootloader: opts.bootloader ?? profile.iso.bootloader,
      epoch: opts.time,
      reporter,
    }));
  }
  let disk: DiskImageResult | undefined;
  if (opts.disk && archive) {
    const req = opts.disk;
    disk = await timings.time('disk', () => buildDiskImage({
      tree,
      profile,
      archive: { path: archive!.archive, hashPath: archive!.hashFile, sha1: archive!.sha1, format },
      outDir,
      format: req.format,
      diskBytes: req.diskBytes,
      dataPartition: req.dataPartition,
      epoch: opts.time,
      reporter,
    }));
  }
  return { iso, pxe, disk };
}

function ufsOptions(profile: Profile, time: number) {
  return {
    size: profile.ramdisk.size,
    freePercent: profile.ramdisk.freePercent,
    nbpi: profile.ramdisk.nbpi,
    lostAndFound: profile.ramdisk.lostAndFound,
    time,
  };
}

/**
 * The UFS image's bytes block by block, written to `fd` on the way when given. The time spent
 * producing them (reading the proto files, building metadata) is counted as 'ufsStream', apart
 * from compressing them.
 */
function* imageBuffers(prepared: PreparedImage, reporter: Reporter, timings: Timings, fd?: number): Generator<Buffer> {
  const blocks = ufsImageBlocks(prepared, (done, total) => reporter.progress('writing UFS image', done, total));
  for (;;) {
    const t0 = performance.now();
    const next = blocks.next();
    if (!next.done && fd !== undefined) writeImageBlock(fd, next.value);
    timings.add('ufsStream', performance.now() - t0);
    if (next.done) return;
    yield next.value.data;
  }
}
