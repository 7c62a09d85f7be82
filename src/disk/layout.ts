import { createHash } from 'node:crypto';
import { UsageError } from '../util/errors.js';
import { formatBytes } from '../util/size.js';

// The partitions of a compose disk image, a GPT disk that boots under BIOS and UEFI alike:
//   1 BIOS boot    1 MiB       GRUB's core image, which the MBR's boot code loads (BIOS)
//   2 EFI system   the ESP     EFI/BOOT/BOOTX64.EFI (UEFI)
//   3 illumos boot FAT         boot/grub/grub.cfg, the kernel, the boot archive and its hash
//   4 data         (optional)  empty, up to the end of the disk: where a zones pool would go
// Partitions start on MiB boundaries; the first MiB holds the protective MBR and the GPT, the
// last MiB the backup GPT. Every GUID is derived from the image's inputs: the same inputs give
// the same bytes.

export const SECTOR = 512;
export const MIB = 1024 * 1024;
const SECTORS_PER_MIB = MIB / SECTOR;

/** GPT partition type GUIDs (UEFI spec; the ZFS one is what illumos' EFI labels use for a pool's slice, "usr"). */
export const PARTITION_TYPES = {
  bios: '21686148-6449-6E6F-744E-656564454649',
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  /** Microsoft basic data: a FAT file system every firmware and OS recognises. */
  boot: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  /** illumos/Solaris "usr", the type zpool create gives a whole-disk pool's partition. */
  data: '6A898CC3-1DD2-11B2-99A6-080020736631',
} as const;

/** A ZFS vdev smaller than this is refused (uts/common/sys/fs/zfs.h SPA_MINDEVSIZE). */
export const MIN_DATA_BYTES = 64 * MIB;

export type PartitionRole = keyof typeof PARTITION_TYPES;

export interface Partition {
  /** 1-based, as GPT tools number them. */
  number: number;
  role: PartitionRole;
  name: string;
  type: string;
  uuid: string;
  startLba: number;
  sectors: number;
}

export interface DiskLayout {
  bytes: number;
  diskGuid: string;
  partitions: Partition[];
}

const NAMES: Record<PartitionRole, string> = { bios: 'BIOS boot', esp: 'EFI system', boot: 'illumos boot', data: 'illumos data' };

/** A GUID from a seed, in the RFC 4122 layout (version 4 and variant bits set), upper case as GPT tools print them. */
export function guidFrom(seed: string): string {
  const b = createHash('sha256').update(seed).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const mibCeil = (bytes: number): number => Math.ceil(bytes / MIB);

/**
 * Lay out the disk: the ESP and the boot partition as large as their file systems (whole MiB), a
 * data partition taking what --disk-size leaves, or no more disk than needed.
 */
export function planDisk(opts: { espBytes: number; bootBytes: number; diskBytes?: number; dataPartition: boolean; seed: string }): DiskLayout {
  const sizesMiB: Array<[PartitionRole, number]> = [
    ['bios', 1],
    ['esp', mibCeil(opts.espBytes)],
    ['boot', mibCeil(opts.bootBytes)],
  ];
  // 1 MiB for the MBR and the primary GPT, 1 MiB for the backup GPT.
  const neededMiB = 2 + sizesMiB.reduce((n, [, m]) => n + m, 0);
  const minimum = (neededMiB + (opts.dataPartition ? MIN_DATA_BYTES / MIB : 0)) * MIB;
  let totalMiB: number;
  if (opts.diskBytes === undefined) {
    if (opts.dataPartition) throw new UsageError('--data-partition needs --disk-size: the data partition takes the rest of the disk');
    totalMiB = neededMiB;
  } else {
    if (opts.diskBytes % MIB !== 0) throw new UsageError(`--disk-size ${opts.diskBytes} is not a whole number of MiB; give a size such as 2G or 512M`);
    if (opts.diskBytes < minimum) {
      throw new UsageError(`--disk-size ${formatBytes(opts.diskBytes)} is too small: the boot partitions need ${formatBytes(neededMiB * MIB)}${opts.dataPartition ? ` and a data partition at least ${formatBytes(MIN_DATA_BYTES)} (a ZFS pool's minimum)` : ''}; give at least ${formatBytes(minimum)}`);
    }
    totalMiB = opts.diskBytes / MIB;
  }
  if (opts.dataPartition) sizesMiB.push(['data', totalMiB - neededMiB]);
  const partitions: Partition[] = [];
  let startMiB = 1;
  for (const [role, mib] of sizesMiB) {
    const number = partitions.length + 1;
    partitions.push({ number, role, name: NAMES[role], type: PARTITION_TYPES[role], uuid: guidFrom(`${opts.seed}:partition:${number}`), startLba: startMiB * SECTORS_PER_MIB, sectors: mib * SECTORS_PER_MIB });
    startMiB += mib;
  }
  return { bytes: totalMiB * MIB, diskGuid: guidFrom(`${opts.seed}:disk`), partitions };
}
