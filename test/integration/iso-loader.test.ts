// The illumos loader backend, from a fixture proto boot/ of stand-in files: El Torito entries,
// every configuration file, the EFI image, the hybrid MBR, reproducibility; then, with GRUB images
// standing in for cdboot and loader64.efi, real boots through both El Torito entries and the ESP.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIso } from '../../src/iso/build-iso.js';
import { loaderConf } from '../../src/iso/configs.js';
import type { BuildIsoResult } from '../../src/iso/types.js';
import { InputError } from '../../src/util/errors.js';
import {
  EPOCH,
  ISO_FIXTURES,
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
  makeLoaderStandins,
  makeTestArchive,
  sha256File,
  stageIsoTree,
} from '../support/iso.js';
import { TESTKERNEL } from '../support/paths.js';

const FIX = join(ISO_FIXTURES, 'loader/boot');
const KERNEL = Buffer.from('UNIX-KERNEL-STANDIN\n'.repeat(100));
let work: string;
let archive: Awaited<ReturnType<typeof makeTestArchive>>;
const profile = isoProfile({ console: 'ttya', kernelArgs: ['-v', '-B foo=bar'], autobootDelay: 3, serialMode: '9600,8,n,1,-' }, 'pureboot');

beforeAll(async () => {
  work = await isoTempDir();
  archive = await makeTestArchive(work, 256 * 1024);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const FIXTURE_BOOT_FILES = ['cdboot', 'defaults/loader.conf', 'forth/loader.4th', 'forth/menu.rc', 'isoboot', 'loader', 'loader.rc', 'loader32.efi', 'loader64.efi', 'pmbr'];

describe('loader ISO from a proto boot/', () => {
  let iso: string;
  let built: BuildIsoResult;
  let out: string;

  beforeAll(async () => {
    iso = join(work, 'loader.iso');
    built = await buildIso({ tree: await stageIsoTree('loader', KERNEL), archive, profile, bootloader: 'auto', outPath: iso, epoch: EPOCH, workDir: work });
    out = join(work, 'extract');
    await extractIso(iso, out);
  });

  it('auto picks the illumos loader and says why', () => {
    expect(built.bootloader).toBe('loader');
    expect(built.picked).toContain('boot/cdboot and boot/loader64.efi');
    expect(built.bootsAs).toEqual({ biosCdrom: true, biosDisk: true, uefiCdrom: true, uefiDisk: true });
  });

  it('holds boot/ and the platform files, nothing else', async () => {
    const expected = [
      ...['config', 'efiboot.img', 'loader.conf', ...FIXTURE_BOOT_FILES].map((f) => `boot/${f}`),
      'platform/i86pc/amd64/boot_archive',
      'platform/i86pc/amd64/boot_archive.hash',
      'platform/i86pc/kernel/amd64/unix',
    ].sort();
    expect(built.files).toEqual(expected);
    expect(await listIso(iso)).toEqual(expected);
  });

  it('has exactly the El Torito entries illumos media have', async () => {
    expect(built.bootCatalog.entries).toEqual([
      { platform: 'bios', path: '/boot/cdboot', bootable: true, emulation: 'none', loadSize: 4, lba: expect.any(Number), options: ['boot-info-table'] },
      { platform: 'uefi', path: '/boot/efiboot.img', bootable: true, emulation: 'none', loadSize: 2048, lba: expect.any(Number), options: [] },
    ]);
    const asMkisofs = await elToritoReport(iso, 'as_mkisofs');
    expect(asMkisofs).toMatch(/-b '\/boot\/cdboot'\s+-no-emul-boot\s+-boot-load-size 4\s+-boot-info-table/);
    expect(asMkisofs).toMatch(/-eltorito-alt-boot\s+-e '\/boot\/efiboot.img'\s+-no-emul-boot/);
  });

  it('writes the configuration files exactly', async () => {
    expect(await readFile(join(out, 'boot/loader.conf'), 'utf8')).toBe(
      loaderConf(
        { profileName: 'pureboot', console: 'ttya', kernelArgs: ['-v', '-B foo=bar'], autobootDelay: 3, serialMode: '9600,8,n,1,-' },
        { path: '/platform/i86pc/amd64/boot_archive', hashPath: '/platform/i86pc/amd64/boot_archive.hash', format: 'ufs' },
      ),
    );
    const conf = await readFile(join(out, 'boot/loader.conf'), 'utf8');
    expect(conf).toContain('\nconsole="ttya"\nos_console="ttya"\nttya-mode="9600,8,n,1,-"\nautoboot_delay="3"\n');
    expect(conf).toContain('\nboot-args="-v -B foo=bar"\n');
    expect(await readFile(join(out, 'boot/config'), 'utf8')).toBe('-h\n');
  });

  it('copies the proto boot files unchanged (cdboot carries the boot info table)', async () => {
    for (const f of FIXTURE_BOOT_FILES.filter((f) => f !== 'cdboot')) {
      expect(await readFile(join(out, 'boot', f)), f).toEqual(await readFile(join(FIX, f)));
    }
    const cdboot = await readFile(join(out, 'boot/cdboot'));
    const original = await readFile(join(FIX, 'cdboot'));
    expect(cdboot.subarray(0, 8)).toEqual(original.subarray(0, 8));
    expect(cdboot.subarray(64)).toEqual(original.subarray(64));
    // Boot info table: PVD at block 16, cdboot's own block, its length.
    expect(cdboot.readUInt32LE(8)).toBe(16);
    expect(cdboot.readUInt32LE(12)).toBe(built.bootCatalog.entries[0]!.lba);
    expect(cdboot.readUInt32LE(16)).toBe(2048);
    expect(await readFile(join(out, 'platform/i86pc/kernel/amd64/unix'))).toEqual(KERNEL);
    expect(await sha256File(join(out, 'platform/i86pc/amd64/boot_archive'))).toBe(await sha256File(archive.path));
    expect(await readFile(join(out, 'platform/i86pc/amd64/boot_archive.hash'), 'utf8')).toBe(`${archive.sha1}\n`);
  });

  it('puts loader64.efi and loader32.efi in the FAT image', async () => {
    const img = join(out, 'boot/efiboot.img');
    expect(await fatListing(img)).toEqual(['::/EFI/', '::/EFI/BOOT/', '::/EFI/BOOT/BOOTIA32.EFI', '::/EFI/BOOT/BOOTX64.EFI']);
    expect(await fatRead(img, 'EFI/BOOT/BOOTX64.EFI')).toEqual(await readFile(join(FIX, 'loader64.efi')));
    expect(await fatRead(img, 'EFI/BOOT/BOOTIA32.EFI')).toEqual(await readFile(join(FIX, 'loader32.efi')));
  });

  it('writes the hybrid MBR illumos writes: pmbr, X86BOOT with isoboot, ESP over efiboot.img', async () => {
    const head = (await readFile(iso)).subarray(0, 32768);
    const pmbr = await readFile(join(FIX, 'pmbr'));
    const isoboot = await readFile(join(FIX, 'isoboot'));
    const espStart = built.bootCatalog.entries[1]!.lba * 4;
    const mbr = head.subarray(0, 512);
    expect(mbr.subarray(0, 3)).toEqual(pmbr.subarray(0, 3));
    expect(mbr.subarray(0x3e, 0xfa)).toEqual(pmbr.subarray(0x3e, 0xfa));
    expect([mbr.readUInt16LE(0xfc), Number(mbr.readBigUInt64LE(0xfe))]).toEqual([1, 3]);
    expect([head.readUInt16LE(3 * 512 + 0xfc), Number(head.readBigUInt64LE(3 * 512 + 0xfe))]).toEqual([isoboot.length / 512, 4]);
    const part = (n: number) => {
      const p = mbr.subarray(0x1be + 16 * n, 0x1be + 16 * n + 16);
      return { type: p[4], start: p.readUInt32LE(8), sectors: p.readUInt32LE(12) };
    };
    expect(part(0)).toEqual({ type: 190, start: 3, sectors: 60 });
    expect(part(1)).toEqual({ type: 0xef, start: espStart, sectors: 2048 });
    const placed = head.subarray(4 * 512, 4 * 512 + isoboot.length);
    expect(placed.readBigUInt64LE(0x400 + 24)).toBe(BigInt(espStart));
    expect(placed.subarray(0, 0x400 + 24)).toEqual(isoboot.subarray(0, 0x400 + 24));
    // The partition really is the FAT image: mtools reads it at the partition's byte offset.
    expect(await fatListing(`${iso}@@${espStart * 512}`)).toContain('::/EFI/BOOT/BOOTX64.EFI');
    expect(built.bootCatalog.systemArea).toMatch(/MBR/);
  });

  it('is byte-identical when built again', async () => {
    const again = join(work, 'loader-again.iso');
    await new Promise((r) => setTimeout(r, 1100));
    await buildIso({ tree: await stageIsoTree('loader', KERNEL), archive, profile, bootloader: 'loader', outPath: again, epoch: EPOCH, workDir: work });
    expect(await sha256File(again)).toBe(await sha256File(iso));
  });
});

describe('loader ISO variants', () => {
  it('text console: no boot/config, no serial settings', async () => {
    const iso = join(work, 'loader-text.iso');
    const built = await buildIso({
      tree: await stageIsoTree('loader', KERNEL),
      archive,
      profile: isoProfile({ console: 'text', kernelArgs: [], autobootDelay: 10 }),
      bootloader: 'loader',
      outPath: iso,
      epoch: EPOCH,
      workDir: work,
    });
    expect(built.files).not.toContain('boot/config');
    const out = join(work, 'extract-text');
    await extractIso(iso, out);
    const conf = await readFile(join(out, 'boot/loader.conf'), 'utf8');
    expect(conf).toContain('\nconsole="text"\nautoboot_delay="10"\n');
    expect(conf).not.toMatch(/os_console|ttya-mode|boot-args/);
  });

  it('without pmbr/isoboot/loader32.efi: UEFI-only disk boot, BOOTX64.EFI only', async () => {
    const tree = await stageIsoTree('loader', KERNEL);
    for (const p of ['boot/pmbr', 'boot/isoboot', 'boot/loader32.efi']) tree.remove(p);
    const iso = join(work, 'loader-noisoboot.iso');
    const built = await buildIso({ tree, archive, profile, bootloader: 'auto', outPath: iso, epoch: EPOCH, workDir: work });
    expect(built.bootsAs).toEqual({ biosCdrom: true, biosDisk: false, uefiCdrom: true, uefiDisk: true });
    const head = (await readFile(iso)).subarray(0, 512);
    expect(head.subarray(0, 0x1be).every((b) => b === 0)).toBe(true);
    expect(head[0x1be + 4]).toBe(0xef);
    expect(await fatListing(`${iso}@@${built.bootCatalog.entries[1]!.lba * 2048}`)).toEqual(['::/EFI/', '::/EFI/BOOT/', '::/EFI/BOOT/BOOTX64.EFI']);
  });

  it('refuses a hash file that does not hold the archive sha1', async () => {
    const p = buildIso({ tree: await stageIsoTree('loader', KERNEL), archive: { ...archive, sha1: 'f'.repeat(40) }, profile, bootloader: 'auto', outPath: join(work, 'never.iso'), epoch: EPOCH, workDir: work });
    await expect(p).rejects.toBeInstanceOf(InputError);
    await expect(p).rejects.toThrow(/should hold the archive's SHA-1/);
  });

  it('--bootloader loader on a tree without the loader names the missing files', async () => {
    const p = buildIso({ tree: await stageIsoTree('grub-legacy', KERNEL), archive, profile, bootloader: 'loader', outPath: join(work, 'never.iso'), epoch: EPOCH, workDir: work });
    await expect(p).rejects.toBeInstanceOf(InputError);
    await expect(p).rejects.toThrow(/boot\/cdboot, boot\/loader, boot\/loader64\.efi, boot\/defaults\/loader\.conf/);
  });
});

describe('loader ISO boots through its El Torito entries and ESP (GRUB stand-ins for cdboot and loader64.efi)', () => {
  let iso: string;

  beforeAll(async () => {
    const standins = await makeLoaderStandins(work);
    const tree = await stageIsoTree('loader', TESTKERNEL.unix);
    tree.put({ ...tree.get('boot/cdboot')!, size: (await readFile(standins.cdboot)).length, source: { kind: 'host', path: standins.cdboot, origin: 'proto' } });
    tree.put({ ...tree.get('boot/loader64.efi')!, size: (await readFile(standins.loader64)).length, source: { kind: 'host', path: standins.loader64, origin: 'proto' } });
    tree.remove('boot/loader32.efi');
    iso = join(work, 'loader-standins.iso');
    await buildIso({ tree, archive, profile, bootloader: 'loader', outPath: iso, epoch: EPOCH, workDir: work });
  });

  for (const [firmware, media] of [
    ['bios', 'cdrom'],
    ['uefi', 'cdrom'],
    ['uefi', 'disk'],
  ] as const) {
    it(`${firmware} ${media}`, async () => {
      const r = await bootIsoImage({ iso, firmware, media, workDir: work });
      expect(r.exitCode, describeIsoBoot(r)).toBe(TESTKERNEL_EXIT_OK);
      expect(r.log).toContain(`STANDIN-LOADER ${firmware === 'bios' ? 'pc' : 'efi'}`);
      expect(r.report.cmdline).toBe('/platform/i86pc/kernel/amd64/unix -B standin=loader');
      expect(r.report.modules[0]).toMatchObject({ string: '/platform/i86pc/amd64/boot_archive type=rootfs', fs: 'gzip' });
    });
  }
});
