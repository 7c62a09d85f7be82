import { describe, expect, it } from 'vitest';
import { odcHeader } from '../../src/iso/cpio.js';
import { efiImageKiB } from '../../src/iso/efi-image.js';
import {
  MAX_ISOBOOT_BYTES,
  STAGE1,
  X86BOOT,
  deterministicDiskUuid,
  espOnlySystemArea,
  findMultibootHeader,
  hybridProblem,
  illumosSystemArea,
} from '../../src/iso/illumos-hybrid.js';
import { pickBootloader, resolveBootloader } from '../../src/iso/pick.js';
import { grubIsoUuid, isoModificationDate, parseBootReport } from '../../src/iso/xorriso.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { InputError } from '../../src/util/errors.js';

const file = (path: string, data = 'x'): StagedEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 1, source: { kind: 'generated', data: Buffer.from(data), generator: 't' } });
const treeWith = (...paths: string[]): StagedTree => {
  const t = new StagedTree();
  for (const p of paths) t.put(file(p));
  return t;
};
const UNIX = 'platform/i86pc/kernel/amd64/unix';

describe('pickBootloader', () => {
  it('prefers the illumos loader, then GRUB legacy, else GRUB 2', () => {
    expect(pickBootloader(treeWith('boot/cdboot', 'boot/loader64.efi', 'boot/grub/stage2_eltorito')).bootloader).toBe('loader');
    expect(pickBootloader(treeWith('boot/grub/stage2_eltorito')).bootloader).toBe('grub-legacy');
    expect(pickBootloader(treeWith(UNIX)).bootloader).toBe('grub2');
    const cdbootOnly = pickBootloader(treeWith('boot/cdboot', 'boot/grub/stage2_eltorito'));
    expect(cdbootOnly.bootloader).toBe('grub2');
    expect(cdbootOnly.picked).toContain('no boot/loader64.efi');
  });

  it('follows symlinks inside the image', () => {
    const t = treeWith('boot/cdboot', 'boot/real64.efi');
    t.put({ path: 'boot/loader64.efi', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 10, mtime: 1, target: 'real64.efi' });
    expect(pickBootloader(t).bootloader).toBe('loader');
  });

  it('an explicit backend whose files are missing is an error naming them', () => {
    const t = treeWith('boot/cdboot', UNIX);
    expect(() => resolveBootloader(t, 'loader')).toThrow(InputError);
    expect(() => resolveBootloader(t, 'loader')).toThrow(/boot\/loader, boot\/loader64\.efi, boot\/defaults\/loader\.conf/);
    expect(() => resolveBootloader(treeWith(UNIX), 'grub-legacy')).toThrow(/boot\/grub\/stage2_eltorito/);
    expect(() => resolveBootloader(treeWith('boot/x'), 'grub2')).toThrow(/platform\/i86pc\/kernel\/amd64\/unix/);
    expect(resolveBootloader(treeWith(UNIX), 'auto')).toMatchObject({ bootloader: 'grub2' });
  });
});

describe('ISO dates and GRUB UUIDs', () => {
  it('formats the modification date in GMT', () => {
    expect(isoModificationDate(1767225600)).toBe('2026010100000000');
    expect(isoModificationDate(1767225600 + 3661, 42)).toBe('2026010101010142');
    expect(grubIsoUuid('2026010101010142')).toBe('2026-01-01-01-01-01-42');
  });
});

describe('xorriso boot report parsing', () => {
  it('reads El Torito entries and the system area summary', () => {
    const report = [
      'El Torito catalog  : 33  1',
      'El Torito images   :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz         LBA',
      'El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          34',
      'El Torito boot img :   2  UEFI  y   none  0x0000  0x00   2048         118',
      'El Torito img path :   1  /boot/cdboot',
      'El Torito img opts :   1  boot-info-table',
      'El Torito img path :   2  /boot/efiboot.img',
      'System area options: 0x00004201',
      'System area summary: MBR protective-msdos-label grub2-mbr cyl-align-off GPT',
    ].join('\n');
    expect(parseBootReport(report)).toEqual({
      entries: [
        { platform: 'bios', path: '/boot/cdboot', bootable: true, emulation: 'none', loadSize: 4, lba: 34, options: ['boot-info-table'] },
        { platform: 'uefi', path: '/boot/efiboot.img', bootable: true, emulation: 'none', loadSize: 2048, lba: 118, options: [] },
      ],
      systemArea: 'MBR protective-msdos-label grub2-mbr cyl-align-off GPT',
    });
  });
});

describe('illumos hybrid system area', () => {
  const pmbr = Buffer.alloc(512, 0x90);
  pmbr.writeUInt16LE(0xaa55, 510);
  const isoboot = Buffer.alloc(5000, 0x11);
  const MB = 0x200;
  isoboot.writeUInt32LE(0x1badb002, MB);
  isoboot.writeUInt32LE(0x10000, MB + 4);
  isoboot.writeUInt32LE((-(0x1badb002 + 0x10000)) >>> 0, MB + 8);
  const esp = { start: 472, sectors: 2048 };
  const uuid = deterministicDiskUuid('seed');

  it('lays out MBR, boot record and isoboot as installboot does', () => {
    const area = illumosSystemArea({ pmbr, isoboot, esp, diskUuid: uuid });
    expect(area.length).toBe(32768);
    const mbr = area.subarray(0, 512);
    const vbr = area.subarray(X86BOOT.start * 512, X86BOOT.start * 512 + 512);
    // pmbr code kept up to the BPB, BPB cleared from the (zero) device MBR.
    expect(mbr.subarray(0, 3)).toEqual(pmbr.subarray(0, 3));
    expect(mbr.subarray(STAGE1.BPB_OFFSET, STAGE1.BPB_OFFSET + STAGE1.BPB_SIZE).every((b) => b === 0)).toBe(true);
    // MBR loads one sector (the boot record at 3); the boot record loads isoboot from 4.
    expect(mbr.readUInt16LE(STAGE1.STAGE2_SIZE)).toBe(1);
    expect(mbr.readBigUInt64LE(STAGE1.STAGE2_LBA)).toBe(3n);
    expect(vbr.readUInt16LE(STAGE1.STAGE2_SIZE)).toBe(Math.ceil(5000 / 512));
    expect(vbr.readBigUInt64LE(STAGE1.STAGE2_LBA)).toBe(4n);
    expect(mbr.subarray(STAGE1.STAGE2_UUID, STAGE1.STAGE2_UUID + 16)).toEqual(uuid);
    // Partition table (in both): X86BOOT 3..62 and the ESP over efiboot.img, as fdisk -A writes them.
    for (const sector of [mbr, vbr]) {
      const p1 = sector.subarray(0x1be, 0x1ce);
      const p2 = sector.subarray(0x1ce, 0x1de);
      expect([p1[0], p1[4], p1.readUInt32LE(8), p1.readUInt32LE(12)]).toEqual([0, 190, 3, 60]);
      expect([p2[0], p2[4], p2.readUInt32LE(8), p2.readUInt32LE(12)]).toEqual([0, 0xef, 472, 2048]);
      expect(sector.subarray(0x1de, 0x1fe).every((b) => b === 0)).toBe(true);
      expect(sector.readUInt16LE(0x1fe)).toBe(0xaa55);
    }
    // isoboot at sector 4 with the ESP start in its multiboot header's bss_end_addr.
    const placed = area.subarray(4 * 512, 4 * 512 + isoboot.length);
    expect(placed.readBigUInt64LE(MB + 24)).toBe(472n);
    expect(placed.subarray(0, MB + 24)).toEqual(isoboot.subarray(0, MB + 24));
    expect(placed.subarray(MB + 32)).toEqual(isoboot.subarray(MB + 32));
    expect(area.subarray(4 * 512 + isoboot.length).every((b) => b === 0)).toBe(true);
  });

  it('rejects what installboot would reject', () => {
    expect(hybridProblem(Buffer.alloc(512), isoboot)).toMatch(/55 AA/);
    expect(hybridProblem(pmbr, Buffer.alloc(MAX_ISOBOOT_BYTES + 1))).toMatch(/X86BOOT/);
    expect(hybridProblem(pmbr, Buffer.alloc(4096))).toMatch(/multiboot header/);
    expect(findMultibootHeader(isoboot)).toBe(MB);
  });

  it('without pmbr/isoboot only the ESP entry is written', () => {
    const area = espOnlySystemArea(esp);
    expect(area.subarray(0, 0x1be).every((b) => b === 0)).toBe(true);
    expect(area[0x1be + 4]).toBe(0xef);
    expect(area.readUInt32LE(0x1be + 8)).toBe(472);
    expect(area.readUInt16LE(0x1fe)).toBe(0xaa55);
  });

  it('disk uuids are fixed per seed and look like version 4 uuids', () => {
    expect(deterministicDiskUuid('a')).toEqual(deterministicDiskUuid('a'));
    expect(deterministicDiskUuid('a')).not.toEqual(deterministicDiskUuid('b'));
    expect(deterministicDiskUuid('a')[6]! >> 4).toBe(4);
  });
});

describe('cpio odc header', () => {
  it('is 76 bytes of octal fields then the NUL-terminated name', () => {
    const h = odcHeader({ dev: 0, ino: 7, mode: 0o100644, uid: 0, gid: 3, nlink: 1, rdev: 0, mtime: 1767225600, name: 'etc/system', fileSize: 12 });
    expect(h.toString('latin1')).toBe('070707' + '000000' + '000007' + '100644' + '000000' + '000003' + '000001' + '000000' + '15125334400' + '000013' + '00000000014' + 'etc/system\0');
  });

  it('refuses values the format cannot hold', () => {
    expect(() => odcHeader({ dev: 0, ino: 1, mode: 0o100644, uid: 262144, gid: 0, nlink: 1, rdev: 0, mtime: 0, name: 'big', fileSize: 0 })).toThrow(/uid 262144/);
    expect(() => odcHeader({ dev: 0, ino: 1, mode: 0o100644, uid: 0, gid: 0, nlink: 1, rdev: 0, mtime: 0, name: 'huge', fileSize: 8 * 1024 ** 3 })).toThrow(/file size/);
  });
});

describe('EFI image size', () => {
  it('leaves room for the files and FAT metadata, in 64 KiB steps, at least 1 MiB', () => {
    expect(efiImageKiB([24576, 20480])).toBe(1024);
    const kib = efiImageKiB([3_000_000]);
    expect(kib % 64).toBe(0);
    expect(kib * 1024).toBeGreaterThan(3_000_000 + 192 * 1024);
  });
});
