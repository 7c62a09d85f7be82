import type { Profile } from '../profile/schema.js';
import type { StagedTree } from '../stage/tree.js';
import type { Reporter } from '../util/progress.js';

/** The boot loaders an ISO can be built with; 'auto' picks one from what the staged tree holds. */
export type Bootloader = 'loader' | 'grub-legacy' | 'grub2';
export type BootloaderChoice = Bootloader | 'auto';

/**
 * On-disk format of the boot archive. The loader passes every format to the kernel as
 * type=rootfs (krtld's bootrd tries UFS, HSFS, bootfs and cpio on the ramdisk in turn), but only a
 * UFS image with uncompressed files can be mounted as the ROOT file system of a live image; cpio
 * (and UFS/HSFS with per-file gzip) work only as a module archive next to a root elsewhere.
 */
export type ArchiveFormat = 'ufs' | 'hsfs' | 'cpio';

export interface IsoArchiveInput {
  /** The boot_archive file as it goes on the ISO (usually the gzip'd image). */
  path: string;
  /** boot_archive.hash: the SHA-1 of the uncompressed image, 40 hex digits and a newline. */
  hashPath: string;
  /** SHA-1 of the uncompressed image. */
  sha1: string;
  /** Default 'ufs'. */
  format?: ArchiveFormat;
}

export interface BuildIsoOptions {
  tree: StagedTree;
  archive: IsoArchiveInput;
  profile: Profile;
  bootloader: BootloaderChoice;
  outPath: string;
  /** ISO 9660 volume id; default 'illumos'. */
  volumeId?: string;
  /** Every timestamp in the ISO (files, directories, volume dates, FAT image) is this time. */
  epoch: number;
  reporter?: Reporter;
  /** Where the temporary ISO root is built (a fresh subdirectory is made and removed); default the OS temp dir. */
  workDir?: string;
}

/** One El Torito boot catalog entry, as xorriso reads it back from the finished ISO. */
export interface ElToritoEntry {
  /** 'bios' = platform id 0x00 (x86 PC-BIOS), 'uefi' = 0xEF. */
  platform: 'bios' | 'uefi' | 'other';
  /** ISO path of the boot image, e.g. '/boot/cdboot'. */
  path: string;
  bootable: boolean;
  /** 'none' for no-emulation images. */
  emulation: string;
  /** Sectors of 512 bytes the firmware loads. */
  loadSize: number;
  /** 2048-byte block address of the image inside the ISO. */
  lba: number;
  /** xorriso's patch options for this image, e.g. ['boot-info-table', 'grub2-boot-info']. */
  options: string[];
}

export interface BootCatalog {
  entries: ElToritoEntry[];
  /** How the first 32 KiB (system area) make the ISO bootable as a disk, e.g. for a USB stick. */
  systemArea: string;
}

export interface BuildIsoResult {
  bootloader: Bootloader;
  /** Why this boot loader was used. */
  picked: string;
  path: string;
  bytes: number;
  bootCatalog: BootCatalog;
  /** Files (and symlinks) placed on the ISO, as ISO paths without a leading slash, sorted. */
  files: string[];
  /** Which firmware/media combinations the layout is built to boot. */
  bootsAs: { biosCdrom: boolean; biosDisk: boolean; uefiCdrom: boolean; uefiDisk: boolean };
}
