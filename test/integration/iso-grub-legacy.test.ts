// The GRUB legacy backend, from a GRUB-era fixture proto boot/. No GRUB legacy binary runs on the
// test machines, so this checks the layout only: El Torito entry, menu.lst, files, reproducibility.
import { readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIso } from '../../src/iso/build-iso.js';
import { menuLst } from '../../src/iso/configs.js';
import type { BuildIsoResult } from '../../src/iso/types.js';
import { EPOCH, ISO_FIXTURES, extractIso, isoProfile, isoTempDir, listIso, makeTestArchive, sha256File, stageIsoTree } from '../support/iso.js';

const FIX = join(ISO_FIXTURES, 'grub-legacy/boot');
const KERNEL = Buffer.from('UNIX-KERNEL-STANDIN\n'.repeat(100));
const KERNEL32 = Buffer.from('UNIX32-KERNEL-STANDIN\n'.repeat(50));
const profile = isoProfile({ console: 'ttya', kernelArgs: ['-m milestone=none'], autobootDelay: 7, serialMode: '9600,8,n,1,-' }, 'legacy');
let work: string;
let archive: Awaited<ReturnType<typeof makeTestArchive>>;
let iso: string;
let built: BuildIsoResult;
let out: string;

async function legacyTree() {
  const tree = await stageIsoTree('grub-legacy', KERNEL);
  tree.put({ path: 'platform/i86pc/kernel/unix', type: 'file', mode: 0o755, uid: 0, gid: 0, mtime: EPOCH, size: KERNEL32.length, source: { kind: 'generated', data: KERNEL32, generator: 'test' } });
  return tree;
}

beforeAll(async () => {
  work = await isoTempDir();
  archive = await makeTestArchive(work, 256 * 1024);
  iso = join(work, 'legacy.iso');
  built = await buildIso({ tree: await legacyTree(), archive, profile, bootloader: 'auto', outPath: iso, epoch: EPOCH, workDir: work });
  out = join(work, 'extract');
  await extractIso(iso, out);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('grub-legacy ISO', () => {
  it('auto picks GRUB legacy for a GRUB-era proto and says why', () => {
    expect(built.bootloader).toBe('grub-legacy');
    expect(built.picked).toContain('boot/grub/stage2_eltorito and no boot/cdboot');
    expect(built.bootsAs).toEqual({ biosCdrom: true, biosDisk: false, uefiCdrom: false, uefiDisk: false });
  });

  it('has one BIOS El Torito entry: stage2_eltorito, no emulation, 4 sectors, boot info table', () => {
    expect(built.bootCatalog.entries).toEqual([
      { platform: 'bios', path: '/boot/grub/stage2_eltorito', bootable: true, emulation: 'none', loadSize: 4, lba: expect.any(Number), options: ['boot-info-table'] },
    ]);
    expect(built.bootCatalog.systemArea).toBe('none');
  });

  it('holds boot/, both kernels and the archive at the GRUB-era place', async () => {
    const expected = [
      'boot/grub/menu.lst',
      'boot/grub/stage2_eltorito',
      'boot/solaris/bootenv.rc',
      'platform/i86pc/boot_archive',
      'platform/i86pc/boot_archive.hash',
      'platform/i86pc/kernel/amd64/unix',
      'platform/i86pc/kernel/unix',
    ];
    expect(built.files).toEqual(expected);
    expect(await listIso(iso)).toEqual(expected);
    expect(await sha256File(join(out, 'platform/i86pc/boot_archive'))).toBe(await sha256File(archive.path));
    expect(await readFile(join(out, 'platform/i86pc/kernel/unix'))).toEqual(KERNEL32);
    expect(await readFile(join(out, 'boot/solaris/bootenv.rc'))).toEqual(await readFile(join(FIX, 'solaris/bootenv.rc')));
    const stage2 = await readFile(join(out, 'boot/grub/stage2_eltorito'));
    const original = await readFile(join(FIX, 'grub/stage2_eltorito'));
    expect(stage2.subarray(64)).toEqual(original.subarray(64));
    expect(stage2.readUInt32LE(8)).toBe(16);
  });

  it("replaces the proto's menu.lst with the profile's", async () => {
    const lst = await readFile(join(out, 'boot/grub/menu.lst'), 'utf8');
    expect(lst).toBe(menuLst({ profileName: 'legacy', console: 'ttya', kernelArgs: ['-m milestone=none'], autobootDelay: 7, serialMode: '9600,8,n,1,-' }, { path: '/platform/i86pc/boot_archive', hashPath: null, format: 'ufs' }));
    expect(lst).toContain('\ndefault 1\ntimeout 7\nserial --unit=0 --speed=9600\nterminal --timeout=7 serial console\n');
    expect(lst).toContain('\nkernel$ /platform/i86pc/kernel/$ISADIR/unix -B console=ttya,input-device=ttya,output-device=ttya,ttya-mode="9600,8,n,1,-" -m milestone=none\nmodule$ /platform/i86pc/boot_archive\n');
    expect(lst).toContain('\nkernel$ /platform/i86pc/kernel/$ISADIR/unix -kv -d -B console=ttya,');
  });

  it('is byte-identical when built again, also from relative paths', async () => {
    const again = join(work, 'legacy-again.iso');
    await new Promise((r) => setTimeout(r, 1100));
    const rel = (p: string) => relative(process.cwd(), p);
    const r = await buildIso({
      tree: await legacyTree(),
      archive: { ...archive, path: rel(archive.path), hashPath: rel(archive.hashPath) },
      profile,
      bootloader: 'grub-legacy',
      outPath: rel(again),
      epoch: EPOCH,
      workDir: rel(work),
    });
    expect(r.path).toBe(again);
    expect(await sha256File(again)).toBe(await sha256File(iso));
  });
});
