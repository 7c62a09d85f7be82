// The system area (first 32 KiB) of a hybrid illumos ISO, laid out byte for byte as illumos'
// own hybridize step leaves it (ptribble/mvi hybridize-iso, kayak build/iso):
//
//   fdisk -A 190:0:0:0:0:0:0:0:3:60             X86BOOT partition, sectors 3-62
//   fdisk -A 239:0:0:0:0:0:0:0:<esp>:<sectors>  EFI system partition over boot/efiboot.img
//   installboot -fm boot/pmbr boot/isoboot <p2>
//
// installboot (cmd/boot/installboot/i386/installboot.c) with an X86BOOT partition and a pcfs
// target: isoboot goes to partition sector 1 (sector 4), a copy of pmbr that loads it is the
// partition's boot record (sector 3), and the MBR loads that one sector; the isoboot's fake
// multiboot header gets the target partition's start LBA. No Linux tool does this, and xorriso's
// own MBR/GPT options would put a GPT over sectors 1-33, so we write these sectors ourselves into
// the zero system area xorriso leaves when given no system-area options.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export const SECTOR = 512;
export const SYSTEM_AREA_BYTES = 32 * 1024;

/** Offsets in illumos' pmbr, from cmd/boot/installboot/i386/installboot.h. */
export const STAGE1 = {
  BPB_OFFSET: 0x3,
  BPB_SIZE: 0x3b,
  STAGE2_SIZE: 0xfc,
  STAGE2_LBA: 0xfe,
  STAGE2_UUID: 0x106,
  SIG: 0x1b8,
  PARTTBL: 0x1be,
  MAGIC: 0x1fe,
} as const;

/** The X86BOOT (fdisk id 190) partition hybridize-iso creates: sectors 3-62, inside the system area. */
export const X86BOOT = { id: 190, start: 3, sectors: 60 } as const;
export const EFI_PARTITION_ID = 0xef;

const MB_HEADER_MAGIC = 0x1badb002;
/** installboot looks for the multiboot header in the first 32 KiB (MBOOT_SCAN_SIZE). */
const MBOOT_SCAN_SIZE = 32 * 1024;
/** bss_end_addr inside struct multiboot_header: magic, flags, checksum, header/load/load_end addrs. */
const MB_BSS_END_OFFSET = 24;

/** Largest isoboot that fits: the X86BOOT partition minus its boot record sector. */
export const MAX_ISOBOOT_BYTES = (X86BOOT.sectors - 1) * SECTOR;

export interface EspLocation {
  /** First 512-byte sector of boot/efiboot.img in the ISO. */
  start: number;
  sectors: number;
}

export interface HybridInput {
  pmbr: Buffer;
  isoboot: Buffer;
  esp: EspLocation;
  /** 16 bytes: installboot's "disk uuid" that lets the loader's biosdev tell disks apart. */
  diskUuid: Buffer;
}

/** An MBR partition table entry as fdisk -A writes it: not active, CHS fields zero, LBA start and size. */
function partitionEntry(id: number, start: number, sectors: number): Buffer {
  const e = Buffer.alloc(16);
  e[4] = id;
  e.writeUInt32LE(start, 8);
  e.writeUInt32LE(sectors, 12);
  return e;
}

/** Offset of a valid multiboot header (4-byte aligned, checksum adds up) in the first 32 KiB, or -1. */
export function findMultibootHeader(buf: Buffer): number {
  const end = Math.min(buf.length, MBOOT_SCAN_SIZE) - 32;
  for (let off = 0; off <= end; off += 4) {
    if (buf.readUInt32LE(off) !== MB_HEADER_MAGIC) continue;
    const flags = buf.readUInt32LE(off + 4);
    const checksum = buf.readUInt32LE(off + 8);
    if (((MB_HEADER_MAGIC + flags + checksum) >>> 0) === 0) return off;
  }
  return -1;
}

/** Why a pmbr/isoboot pair cannot be installed, or null. */
export function hybridProblem(pmbr: Buffer, isoboot: Buffer): string | null {
  if (pmbr.length < SECTOR || pmbr.readUInt16LE(STAGE1.MAGIC) !== 0xaa55) return 'boot/pmbr is not a 512-byte boot sector ending in 55 AA';
  if (isoboot.length > MAX_ISOBOOT_BYTES) return `boot/isoboot is ${isoboot.length} bytes, more than the ${MAX_ISOBOOT_BYTES} bytes the X86BOOT partition (sectors 3-62) holds`;
  if (findMultibootHeader(isoboot) < 0) return 'boot/isoboot has no multiboot header in its first 32 KiB (installboot needs it to record the partition start)';
  return null;
}

/**
 * The 32 KiB system area: MBR (pmbr loading the boot record at sector 3), the boot record (pmbr
 * loading isoboot from sector 4), isoboot, and the partition table in both sector 0 and 3.
 */
export function illumosSystemArea(input: HybridInput): Buffer {
  const problem = hybridProblem(input.pmbr, input.isoboot);
  if (problem) throw new Error(problem);
  const area = Buffer.alloc(SYSTEM_AREA_BYTES);

  // The "device MBR" fdisk made: zero code, two partitions, signature.
  const deviceMbr = Buffer.alloc(SECTOR);
  partitionEntry(X86BOOT.id, X86BOOT.start, X86BOOT.sectors).copy(deviceMbr, STAGE1.PARTTBL);
  partitionEntry(EFI_PARTITION_ID, input.esp.start, input.esp.sectors).copy(deviceMbr, STAGE1.PARTTBL + 16);
  deviceMbr.writeUInt16LE(0xaa55, STAGE1.MAGIC);

  // prepare_stage1: pmbr code, BPB and everything from the disk signature on from the device MBR,
  // stage2 = isoboot at partition start + 1, and the disk uuid.
  const stage2Sectors = Math.ceil(input.isoboot.length / SECTOR);
  const stage2Lba = X86BOOT.start + 1;
  const stage1 = Buffer.from(input.pmbr.subarray(0, SECTOR));
  deviceMbr.copy(stage1, STAGE1.BPB_OFFSET, STAGE1.BPB_OFFSET, STAGE1.BPB_OFFSET + STAGE1.BPB_SIZE);
  deviceMbr.copy(stage1, STAGE1.SIG, STAGE1.SIG, SECTOR);
  stage1.writeUInt16LE(stage2Sectors, STAGE1.STAGE2_SIZE);
  stage1.writeBigUInt64LE(BigInt(stage2Lba), STAGE1.STAGE2_LBA);
  input.diskUuid.copy(stage1, STAGE1.STAGE2_UUID, 0, 16);

  // write_stage1: the boot record of the X86BOOT partition...
  stage1.copy(area, X86BOOT.start * SECTOR);
  // ...and the MBR, told to load just that one sector.
  const mbr = Buffer.from(stage1);
  mbr.writeUInt16LE(1, STAGE1.STAGE2_SIZE);
  mbr.writeBigUInt64LE(BigInt(X86BOOT.start), STAGE1.STAGE2_LBA);
  mbr.copy(area, 0);

  // prepare_bootblock + write_bootblock: isoboot learns the target (ESP) partition start.
  const isoboot = Buffer.from(input.isoboot);
  isoboot.writeBigUInt64LE(BigInt(input.esp.start), findMultibootHeader(isoboot) + MB_BSS_END_OFFSET);
  isoboot.copy(area, stage2Lba * SECTOR);
  return area;
}

/**
 * An MBR holding only the EFI system partition entry, for a loader ISO without pmbr/isoboot: UEFI
 * firmware then finds boot/efiboot.img on a USB stick; a BIOS cannot boot it as a disk.
 */
export function espOnlySystemArea(esp: EspLocation): Buffer {
  const area = Buffer.alloc(SYSTEM_AREA_BYTES);
  partitionEntry(EFI_PARTITION_ID, esp.start, esp.sectors).copy(area, STAGE1.PARTTBL);
  area.writeUInt16LE(0xaa55, STAGE1.MAGIC);
  return area;
}

/** A deterministic stand-in for installboot's random disk uuid (RFC 4122 version 4 layout). */
export function deterministicDiskUuid(seed: string): Buffer {
  const u = createHash('sha256').update(seed).digest().subarray(0, 16);
  u[6] = (u[6]! & 0x0f) | 0x40;
  u[8] = (u[8]! & 0x3f) | 0x80;
  return Buffer.from(u);
}

/** Write a system area into a finished ISO whose first 32 KiB xorriso left zero. */
export async function writeSystemArea(iso: string, area: Buffer): Promise<void> {
  if (area.length !== SYSTEM_AREA_BYTES) throw new Error(`system area is ${area.length} bytes, not ${SYSTEM_AREA_BYTES}`);
  const fh = await open(iso, 'r+');
  try {
    const current = Buffer.alloc(SYSTEM_AREA_BYTES);
    await fh.read(current, 0, SYSTEM_AREA_BYTES, 0);
    if (current.some((b) => b !== 0)) throw new Error(`${iso} already has a system area; refusing to overwrite it`);
    await fh.write(area, 0, SYSTEM_AREA_BYTES, 0);
  } finally {
    await fh.close();
  }
}
