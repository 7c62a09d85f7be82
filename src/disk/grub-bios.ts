import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { requireGrubPlatform } from '../iso/tools.js';
import { InputError } from '../util/errors.js';
import { SECTOR, type Partition } from './layout.js';

// BIOS boot from a GPT disk, the way GRUB installs itself: boot.img in the MBR's code area loads
// the first sector of core.img (diskboot) from the BIOS boot partition, and diskboot loads the
// rest from the block list at the end of its sector.
//
// grub-bios-setup does exactly this, but it insists on finding the block device that holds its
// own directory (util/setup.c, grub_guess_root_devices), which without root it cannot open: so
// the few fields it patches are patched here, as GRUB 2.06's util/setup.c does for an embedded
// core (no Reed-Solomon codes: grub-bios-setup --no-rs-codes), at the offsets of
// include/grub/i386/pc/boot.h. The disk boot tests (SeaBIOS, then GRUB itself) are the check.

/** boot.img (include/grub/i386/pc/boot.h): the BIOS parameter block it leaves to the disk, */
const BPB_START = 0x03;
const BPB_END = 0x5a;
/** the LBA of core.img's first sector (8 bytes), */
const KERNEL_SECTOR = 0x5c;
/** the boot drive (0xff: the one the BIOS booted from), */
const BOOT_DRIVE = 0x64;
/** the jump over the drive check, replaced by two NOPs for hard disks (buggy BIOSes pass 0 for 0x80), */
const DRIVE_CHECK = 0x66;
/** and the disk signature and partition table, which stay the disk's (0x1b8 to the 0x55aa signature). */
const NT_MAGIC = 0x1b8;
const PART_END = 0x1fe;
/** diskboot's first block list entry {u64 start, u16 sectors, u16 segment}, at the end of its sector. */
const BLOCKLIST = SECTOR - 12;
/** Where diskboot loads the rest of the core: segment 0x800 + one sector (GRUB_BOOT_I386_PC_KERNEL_SEG). */
const CORE_SEGMENT = 0x820;

/**
 * Install GRUB's BIOS stages into the disk image at `path`: boot.img (from the host's i386-pc
 * directory) into sector 0 around the protective MBR's partition table, and `coreImage` (an
 * i386-pc core built for the disk) into the BIOS boot partition.
 */
export async function installGrubBios(path: string, coreImage: string, biosBoot: Partition): Promise<void> {
  const bootImg = readFileSync(join(await requireGrubPlatform('i386-pc'), 'boot.img'));
  if (bootImg.length !== SECTOR || bootImg.readUInt16LE(PART_END) !== 0xaa55) throw new InputError(`GRUB's boot.img is not a 512-byte boot sector; reinstall grub-pc-bin`);
  const raw = readFileSync(coreImage);
  const sectors = Math.ceil(raw.length / SECTOR);
  if (sectors > biosBoot.sectors) throw new Error(`internal: GRUB's core image (${sectors} sectors) does not fit the BIOS boot partition (${biosBoot.sectors})`);
  const core = Buffer.alloc(sectors * SECTOR);
  raw.copy(core);
  // The rest of the core follows diskboot in the partition, in one run.
  core.writeBigUInt64LE(BigInt(biosBoot.startLba + 1), BLOCKLIST);
  core.writeUInt16LE(sectors - 1, BLOCKLIST + 8);
  core.writeUInt16LE(CORE_SEGMENT, BLOCKLIST + 10);
  if (core.readUInt16LE(BLOCKLIST - 12 + 8) !== 0) throw new InputError(`GRUB's core image has an unexpected block list (not GRUB 2's diskboot.img?); reinstall grub-pc-bin`);

  const fd = openSync(path, 'r+');
  try {
    const mbr = Buffer.alloc(SECTOR);
    readSync(fd, mbr, 0, SECTOR, 0);
    const boot = Buffer.from(bootImg);
    mbr.copy(boot, BPB_START, BPB_START, BPB_END);
    mbr.copy(boot, NT_MAGIC, NT_MAGIC, PART_END);
    boot[BOOT_DRIVE] = 0xff;
    boot[DRIVE_CHECK] = 0x90;
    boot[DRIVE_CHECK + 1] = 0x90;
    boot.writeBigUInt64LE(BigInt(biosBoot.startLba), KERNEL_SECTOR);
    writeSync(fd, boot, 0, SECTOR, 0);
    writeSync(fd, core, 0, core.length, biosBoot.startLba * SECTOR);
  } finally {
    closeSync(fd);
  }
}
