// The GRUB 2 backend, booted for real: the stand-in test kernel reports on COM1 what GRUB handed
// it, under BIOS and UEFI, from the ISO as a CD-ROM and as a disk (a USB stick written with dd).
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumBuffer, checksumFile } from '../../src/boot/kernel-report.js';
import { buildIso } from '../../src/iso/build-iso.js';
import { requireGrubPlatform, requireTool } from '../../src/iso/tools.js';
import type { BuildIsoResult } from '../../src/iso/types.js';
import { InputError, ToolMissingError } from '../../src/util/errors.js';
import {
  EPOCH,
  ESP_TYPE_GUID,
  TESTKERNEL_EXIT_OK,
  bootIsoImage,
  describeIsoBoot,
  elToritoReport,
  extractIso,
  fatListing,
  fatRead,
  isoProfile,
  isoTempDir,
  listIso,
  makeTestArchive,
  readGpt,
  sha256File,
  stageIsoTree,
} from '../support/iso.js';
import { TESTKERNEL } from '../support/paths.js';

let work: string;
let archive: Awaited<ReturnType<typeof makeTestArchive>>;
let iso: string;
let built: BuildIsoResult;
const profile = isoProfile({ console: 'ttya', kernelArgs: ['-v', '-B compose.profile=grubtest'], autobootDelay: 0 }, 'grubtest');

beforeAll(async () => {
  work = await isoTempDir();
  archive = await makeTestArchive(work, 3 * 1024 * 1024);
  iso = join(work, 'grub2.iso');
  const tree = await stageIsoTree(null, TESTKERNEL.unix);
  built = await buildIso({ tree, archive, profile, bootloader: 'auto', outPath: iso, epoch: EPOCH, workDir: work });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('grub2 ISO layout', () => {
  it('auto picks GRUB 2 for a tree without a boot loader and says why', () => {
    expect(built.bootloader).toBe('grub2');
    expect(built.picked).toMatch(/neither the illumos loader .* nor GRUB legacy/);
    expect(built.bootsAs).toEqual({ biosCdrom: true, biosDisk: true, uefiCdrom: true, uefiDisk: true });
  });

  it('holds only GRUB, the kernel and the archive', async () => {
    const expected = [
      'boot/efiboot.img',
      'boot/grub/eltorito.img',
      'boot/grub/grub.cfg',
      'platform/i86pc/amd64/boot_archive',
      'platform/i86pc/amd64/boot_archive.hash',
      'platform/i86pc/kernel/amd64/unix',
    ];
    expect(built.files).toEqual(expected);
    expect(await listIso(iso)).toEqual(expected);
  });

  it('has BIOS and UEFI El Torito entries and a hybrid MBR + GPT', async () => {
    const [bios, uefi] = built.bootCatalog.entries;
    expect(built.bootCatalog.entries).toHaveLength(2);
    expect(bios).toMatchObject({ platform: 'bios', path: '/boot/grub/eltorito.img', emulation: 'none', loadSize: 4, options: ['boot-info-table', 'grub2-boot-info'] });
    expect(uefi).toMatchObject({ platform: 'uefi', path: '/boot/efiboot.img', emulation: 'none' });
    expect(built.bootCatalog.systemArea).toMatch(/grub2-mbr/);
    expect(built.bootCatalog.systemArea).toMatch(/GPT/);
    expect(await elToritoReport(iso)).toContain('El Torito img opts :   1  boot-info-table grub2-boot-info');
  });

  it('boots as a disk: GRUB MBR pointing at the core image, GPT ESP holding the FAT image', async () => {
    const head = (await readFile(iso)).subarray(0, 512);
    const boot = await readFile('/usr/lib/grub/i386-pc/boot_hybrid.img');
    expect(head.subarray(0, 0x1b0)).toEqual(boot.subarray(0, 0x1b0));
    // --grub2-mbr: the core image's 512-byte address + 4 (past cdboot.img) at 0x1b0.
    const [bios, uefi] = built.bootCatalog.entries;
    expect(Number(head.readBigUInt64LE(0x1b0))).toBe(bios!.lba * 4 + 4);
    expect(head.readUInt16LE(0x1fe)).toBe(0xaa55);
    const esp = (await readGpt(iso)).filter((p) => p.type === ESP_TYPE_GUID);
    expect(esp).toHaveLength(1);
    expect(esp[0]!.firstLba).toBe(uefi!.lba * 4);
    expect(await fatListing(`${iso}@@${esp[0]!.firstLba * 512}`)).toContain('::/EFI/BOOT/BOOTX64.EFI');
  });

  it('puts GRUB for UEFI in the FAT image and the files byte for byte on the ISO', async () => {
    const out = join(work, 'extract');
    await extractIso(iso, out);
    expect(await fatListing(join(out, 'boot/efiboot.img'))).toEqual(['::/EFI/', '::/EFI/BOOT/', '::/EFI/BOOT/BOOTX64.EFI']);
    expect((await fatRead(join(out, 'boot/efiboot.img'), 'EFI/BOOT/BOOTX64.EFI')).subarray(0, 2).toString()).toBe('MZ');
    expect(await sha256File(join(out, 'platform/i86pc/amd64/boot_archive'))).toBe(await sha256File(archive.path));
    expect(await readFile(join(out, 'platform/i86pc/amd64/boot_archive.hash'), 'utf8')).toBe(`${archive.sha1}\n`);
    expect(await readFile(join(out, 'platform/i86pc/kernel/amd64/unix'))).toEqual(await readFile(TESTKERNEL.unix));
    const cfg = await readFile(join(out, 'boot/grub/grub.cfg'), 'utf8');
    expect(cfg).toContain('\ninsmod gzio\n');
    expect(cfg).toContain('\nset timeout=0\nset default=1\n');
  });

  it('is byte-identical when built again', async () => {
    const again = join(work, 'grub2-again.iso');
    const tree = await stageIsoTree(null, TESTKERNEL.unix);
    await new Promise((r) => setTimeout(r, 1100)); // a different wall-clock second
    await buildIso({ tree, archive, profile, bootloader: 'grub2', outPath: again, epoch: EPOCH, workDir: work });
    expect(await sha256File(again)).toBe(await sha256File(iso));
  });
});

describe('grub2 ISO boots the kernel with the archive GRUB decompressed', () => {
  const cases = [
    ['bios', 'cdrom'],
    ['bios', 'disk'],
    ['uefi', 'cdrom'],
    ['uefi', 'disk'],
  ] as const;
  for (const [firmware, media] of cases) {
    it(`${firmware} ${media}`, async () => {
      const r = await bootIsoImage({ iso, firmware, media, workDir: work });
      expect(r.exitCode, describeIsoBoot(r)).toBe(TESTKERNEL_EXIT_OK);
      const k = r.report;
      expect(k.done).toBe(true);
      expect(k.loader).toMatch(/^GRUB 2/);
      // multiboot under BIOS; multiboot2 under UEFI, with the EFI system table dboot needs.
      expect(k.proto).toBe(firmware === 'bios' ? 'mb1' : 'mb2');
      if (firmware === 'uefi') expect(k.efi64SystemTable).toMatch(/^0x[0-9a-f]{16}$/);
      // Default entry = the profile's console (ttya), file name repeated, profile arguments kept.
      expect(k.cmdline).toBe('/platform/i86pc/kernel/amd64/unix -B console=ttya -v -B compose.profile=grubtest');
      expect(k.bootOk).toBe('grubtest');
      expect(k.modules).toHaveLength(2);
      const [rootfs, hash] = k.modules;
      expect(rootfs!.string).toBe('/platform/i86pc/amd64/boot_archive type=rootfs');
      // GRUB gunzipped the archive: the kernel got the image whose SHA-1 is in the hash file.
      const image = await checksumFile(archive.image);
      expect({ size: rootfs!.size, fnv: rootfs!.fnv, crc32: rootfs!.crc32 }).toEqual(image);
      expect(await checksumFile(archive.path, { gunzip: true })).toEqual(image);
      expect(hash!.string).toBe('/platform/i86pc/amd64/boot_archive.hash type=hash');
      expect({ size: hash!.size, fnv: hash!.fnv, crc32: hash!.crc32 }).toEqual(checksumBuffer(Buffer.from(`${archive.sha1}\n`)));
    });
  }
});

describe('grub2 prerequisites', () => {
  it('names the Debian package of a missing GRUB module directory', async () => {
    await expect(requireGrubPlatform('i386-pc', '/nonexistent')).rejects.toThrow(InputError);
    await expect(requireGrubPlatform('i386-pc', '/nonexistent')).rejects.toThrow(/grub-pc-bin/);
    await expect(requireGrubPlatform('x86_64-efi', '/nonexistent')).rejects.toThrow(/grub-efi-amd64-bin/);
  });

  it('names the Debian package of a missing tool', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const tree = await stageIsoTree(null, TESTKERNEL.unix);
      const p = buildIso({ tree, archive, profile, bootloader: 'grub2', outPath: join(work, 'never.iso'), epoch: EPOCH, workDir: work });
      await expect(p).rejects.toBeInstanceOf(ToolMissingError);
      await expect(p).rejects.toThrow(/apt-get install xorriso/);
      await expect(requireTool('grub-mkimage', 'x')).rejects.toThrow(/apt-get install grub-common/);
      await expect(requireTool('mcopy', 'x')).rejects.toThrow(/apt-get install mtools/);
    } finally {
      process.env.PATH = path;
    }
  });
});
