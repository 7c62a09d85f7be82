import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Profile } from '../profile/schema.js';
import type { StagedTree } from '../stage/tree.js';
import type { Reporter } from '../util/progress.js';
import { writeAtomically } from '../util/atomic.js';
import { ARCHIVE_PLACEMENT } from '../archive/boot-archive.js';
import { bootSettingsFor } from '../iso/boot-settings.js';
import { grubCfg, type ArchivePlacement } from '../iso/configs.js';
import { efiImageKiB, makeFatFileSystem } from '../iso/efi-image.js';
import { makeGrubImage } from '../iso/grub-image.js';
import { writeStagedContent } from '../iso/iso-root.js';
import { KERNEL_PATH, stagedFile } from '../iso/pick.js';
import type { ArchiveFormat } from '../iso/types.js';
import { InputError } from '../util/errors.js';
import { writePartitionTable } from './gpt.js';
import { installGrubBios } from './grub-bios.js';
import { MIB, planDisk, SECTOR, type DiskLayout, type Partition } from './layout.js';
import { convertDisk, DISK_EXTENSIONS, type DiskFormat } from './vm-formats.js';

// A disk image to dd onto a disk or USB stick (or hand to a hypervisor): GPT, BIOS boot through
// GRUB's core in the BIOS boot partition, UEFI boot through GRUB in the ESP, and a FAT boot
// partition with the same grub.cfg, kernel, boot archive and hash the ISO has (layout.ts). Both
// GRUBs find the boot partition by its FAT serial number, never by a device name, so the image
// boots from whatever disk it is written to. GRUB 2 comes from the build host, as for ISOs of
// proto areas without a loader: the illumos loader's BIOS stages (pmbr, gptzfsboot) expect a
// ZFS or UFS boot partition written by installboot, which has no Linux counterpart.

export interface DiskImageOptions {
  tree: StagedTree;
  profile: Profile;
  archive: { path: string; hashPath: string; sha1: string; format: ArchiveFormat };
  /** Directory the image is written into (the staging directory). */
  outDir: string;
  format: DiskFormat;
  /** --disk-size in bytes; undefined: just large enough. */
  diskBytes?: number;
  /** An empty data partition to the end of the disk. */
  dataPartition: boolean;
  epoch: number;
  reporter: Reporter;
}

export interface DiskImageResult {
  path: string;
  format: DiskFormat;
  /** Size of the disk the image describes. */
  diskBytes: number;
  /** Size of the file written (sparse for raw). */
  fileBytes: number;
  layout: DiskLayout;
}

const BOOT_LABEL = 'ILLUMOSBOOT';
const EFI_LABEL = 'EFI';

/** FAT volume serials from the image's inputs (GRUB's search --fs-uuid takes them as XXXX-XXXX). */
const serialFor = (seed: string, what: string): string => createHash('sha256').update(`${what}:${seed}`).digest('hex').slice(0, 8).toUpperCase();
const fatUuid = (serial: string): string => `${serial.slice(0, 4)}-${serial.slice(4)}`;

/**
 * KiB of FAT for files of these sizes: each rounded up to 32 KiB (the largest cluster mkfs.fat
 * picks below 8 GiB), a tenth more and 4 MiB for the FATs, directories and a later grub.cfg edit.
 */
export function bootPartitionKiB(sizes: number[]): number {
  const data = sizes.reduce((n, s) => n + Math.ceil(Math.max(s, 1) / 32768) * 32768, 0);
  return Math.ceil((data * 1.1 + 4 * MIB) / 1024);
}

/** The GRUB early config embedded in both core images: find the boot partition, read its grub.cfg. */
export function diskEarlyCfg(bootSerial: string): string {
  return [`search --no-floppy --set=root --fs-uuid ${fatUuid(bootSerial)}`, 'set prefix=($root)/boot/grub', 'configfile $prefix/grub.cfg', ''].join('\n');
}

export async function buildDiskImage(opts: DiskImageOptions): Promise<DiskImageResult> {
  const { tree, profile, reporter } = opts;
  if (!stagedFile(tree, KERNEL_PATH)) throw new InputError(`a disk image needs ${KERNEL_PATH} in the staged tree, but it is missing; check the proto area`);
  if (opts.archive.format === 'cpio') reporter.warn('a cpio boot archive cannot be mounted as the root file system; this disk boots only if the kernel arguments point root elsewhere');
  const seed = `${profile.name}\0${opts.epoch}\0${opts.archive.sha1}\0disk`;
  const bootSerial = serialFor(seed, 'boot');
  const boot = await bootSettingsFor(tree, profile);
  const archive: ArchivePlacement = { path: `/${ARCHIVE_PLACEMENT.loader}`, hashPath: `/${ARCHIVE_PLACEMENT.loader}.hash`, format: opts.archive.format };
  const work = await mkdtemp(join(opts.outDir, '.disk-work-'));
  try {
    const early = join(work, 'early.cfg');
    await writeFile(early, diskEarlyCfg(bootSerial));
    const core = join(work, 'core.img');
    const efiApp = join(work, 'BOOTX64.EFI');
    await makeGrubImage('i386-pc', core, early, 'disk');
    await makeGrubImage('x86_64-efi', efiApp, early, 'disk');
    const cfg = join(work, 'grub.cfg');
    await writeFile(cfg, grubCfg(boot, archive));
    const unix = join(work, 'unix');
    await writeStagedContent(stagedFile(tree, KERNEL_PATH)!, unix);
    // The archive and its hash are this build's own files: their time is set, not copied to set it.
    for (const p of [opts.archive.path, opts.archive.hashPath]) await utimes(p, opts.epoch, opts.epoch);
    const bootFiles = [
      { name: 'boot/grub/grub.cfg', source: cfg },
      { name: KERNEL_PATH, source: unix },
      { name: ARCHIVE_PLACEMENT.loader, source: opts.archive.path, pinned: true },
      { name: `${ARCHIVE_PLACEMENT.loader}.hash`, source: opts.archive.hashPath, pinned: true },
    ];
    const sizes = await Promise.all(bootFiles.map(async (f) => (await stat(f.source)).size));
    const layout = planDisk({
      espBytes: efiImageKiB([(await stat(efiApp)).size]) * 1024,
      bootBytes: bootPartitionKiB(sizes) * 1024,
      diskBytes: opts.diskBytes,
      dataPartition: opts.dataPartition,
      seed,
    });
    const part = (role: Partition['role']): Partition => layout.partitions.find((p) => p.role === role)!;
    const kib = (p: Partition): number => (p.sectors * SECTOR) / 1024;

    const finalPath = join(opts.outDir, `${profile.name}.${DISK_EXTENSIONS[opts.format]}`);
    const writeRaw = async (raw: string): Promise<void> => {
      const fd = openSync(raw, 'w');
      try {
        // Sparse: what no partition writes reads as zeros, and takes no room on the build host.
        ftruncateSync(fd, layout.bytes);
      } finally {
        closeSync(fd);
      }
      await writePartitionTable(raw, layout);
      await makeFatFileSystem({ path: raw, offset: part('esp').startLba * SECTOR, kib: kib(part('esp')) }, [{ name: 'EFI/BOOT/BOOTX64.EFI', source: efiApp }], {
        epoch: opts.epoch,
        volumeSerial: serialFor(seed, 'esp'),
        label: EFI_LABEL,
        workDir: work,
      });
      await makeFatFileSystem({ path: raw, offset: part('boot').startLba * SECTOR, kib: kib(part('boot')) }, bootFiles, {
        epoch: opts.epoch,
        volumeSerial: bootSerial,
        label: BOOT_LABEL,
        workDir: work,
      });
      await installGrubBios(raw, core, part('bios'));
    };
    reporter.note(`disk: ${layout.partitions.map((p) => `${p.name} ${Math.round((p.sectors * SECTOR) / MIB)} MiB`).join(', ')}, ${Math.round(layout.bytes / MIB)} MiB in all`);
    if (opts.format === 'raw') {
      await writeAtomically(finalPath, writeRaw);
    } else {
      const raw = join(work, 'disk.img');
      await writeRaw(raw);
      // Converted under its final name: a VMDK names its own file in its descriptor.
      const converted = join(work, basename(finalPath));
      await convertDisk(raw, converted, opts.format as Exclude<DiskFormat, 'raw'>, `${seed}:${layout.diskGuid}`);
      await writeAtomically(finalPath, (tmp) => rename(converted, tmp));
    }
    await utimes(finalPath, opts.epoch, opts.epoch);
    return { path: finalPath, format: opts.format, diskBytes: layout.bytes, fileBytes: (await stat(finalPath)).size, layout };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
