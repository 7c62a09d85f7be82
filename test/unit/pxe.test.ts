import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../../src/profile/schema.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { grubCfg, loaderConf, type ArchivePlacement, type BootSettings } from '../../src/iso/configs.js';
import { dhcpReadme, PXE_INFO_FILE, type PxeInfo } from '../../src/pxe/pxe-info.js';
import { buildPxeTree, pickPxeLoader } from '../../src/pxe/pxe-tree.js';
import { InputError, UsageError } from '../../src/util/errors.js';
import type { Reporter } from '../../src/util/progress.js';

// The PXE tree (src/pxe) without QEMU or GRUB: the GRUB core images are stand-ins written by a
// mocked makeGrubImage, and hard links can be made to fail to exercise the copy fallback.

const linkControl = vi.hoisted(() => ({ fail: false, calls: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const link = async (from: string, to: string): Promise<void> => {
    linkControl.calls++;
    if (linkControl.fail) throw Object.assign(new Error(`EXDEV: cross-device link not permitted, link '${from}' -> '${to}'`), { code: 'EXDEV' });
    return real.link(from, to);
  };
  return { ...real, default: { ...real, link }, link };
});

const grubControl = vi.hoisted(() => ({ fail: false, calls: [] as unknown[][] }));

vi.mock('../../src/iso/grub-image.js', async () => {
  const { writeFileSync: write } = await import('node:fs');
  return {
    makeGrubImage: async (platform: string, out: string, earlyCfgPath?: string, medium?: string): Promise<void> => {
      grubControl.calls.push([platform, out, earlyCfgPath, medium]);
      if (grubControl.fail) throw new Error('grub-mkimage failed');
      // No mkdir: the directory must have been made by the caller.
      write(out, `core ${platform} ${medium}`);
    },
  };
});

const file = (path: string, data = 'x'): StagedEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 1, source: { kind: 'generated', data: Buffer.from(data), generator: 't' } });
const treeWith = (...entries: Array<string | StagedEntry>): StagedTree => {
  const t = new StagedTree();
  for (const e of entries) t.put(typeof e === 'string' ? file(e, `<${e}>`) : e);
  return t;
};
const UNIX = 'platform/i86pc/kernel/amd64/unix';
const LOADER_FILES = ['boot/pxeboot', 'boot/loader64.efi', 'boot/defaults/loader.conf'];

const profileOf = (name: string, console: 'text' | 'ttya' | 'ttyb', kernelArgs: string[] = []): Profile =>
  ({ name, boot: { console, kernelArgs, autobootDelay: 3 }, init: { mode: 'launcher' } }) as unknown as Profile;

const recorder = (): Reporter & { notes: string[]; warns: string[] } => {
  const notes: string[] = [];
  const warns: string[] = [];
  return { notes, warns, note: (m) => notes.push(m), warn: (m) => warns.push(m), progress: () => {}, done: () => {} };
};

async function fixture(): Promise<{ dir: string; archive: { path: string; hashPath: string; sha1: string; format: 'ufs' | 'hsfs' | 'cpio' } }> {
  const dir = await mkdtemp(join(tmpdir(), 'pxe-'));
  mkdirSync(join(dir, 'host'));
  writeFileSync(join(dir, 'host', 'p.boot_archive'), 'ARCHIVE BYTES');
  writeFileSync(join(dir, 'host', 'p.boot_archive.hash'), 'HASH BYTES');
  return { dir, archive: { path: join(dir, 'host', 'p.boot_archive'), hashPath: join(dir, 'host', 'p.boot_archive.hash'), sha1: 'ab'.repeat(20), format: 'ufs' } };
}

const placement: ArchivePlacement = { path: '/platform/i86pc/amd64/boot_archive', hashPath: '/platform/i86pc/amd64/boot_archive.hash', format: 'ufs' };
const settings = (name: string, console: 'text' | 'ttya' | 'ttyb', kernelArgs: string[] = []): BootSettings => ({ profileName: name, console, kernelArgs, autobootDelay: 3, serialMode: '9600,8,n,1,-' });

describe('dhcpReadme', () => {
  const info = (loader: 'loader' | 'grub2'): PxeInfo => ({ profile: 'tiny', loader, bootFiles: { bios: 'B/bios.nbp', uefi: 'U/uefi.efi' }, archive: 'a', sha1: 's' });
  const expected = (fetched: string): string =>
    [
      'Network boot tree of the "tiny" image, written by illumos-compose.',
      '',
      'Serve this directory as the root of a TFTP server, and have DHCP name the boot file for',
      "the machine's firmware (DHCP option 93, client architecture):",
      '  BIOS (architecture 0):                B/bios.nbp',
      '  UEFI x86-64 (architecture 7 or 9):    U/uefi.efi',
      `Everything else (${fetched}, the kernel, the boot archive) is fetched by TFTP`,
      'from the same server.',
      '',
      'dnsmasq, DHCP and TFTP in one (replace the path):',
      '  enable-tftp',
      '  tftp-root=/srv/tftp/tiny.pxe',
      '  dhcp-match=set:efi64,option:client-arch,7',
      '  dhcp-match=set:efi64,option:client-arch,9',
      '  dhcp-boot=tag:efi64,U/uefi.efi',
      '  dhcp-boot=tag:!efi64,B/bios.nbp',
      '',
      'ISC dhcpd, with a TFTP server (tftpd-hpa) serving this directory at 192.0.2.10:',
      '  option arch code 93 = unsigned integer 16;',
      '  next-server 192.0.2.10;',
      '  if option arch = 00:07 or option arch = 00:09 { filename "U/uefi.efi"; }',
      '  else { filename "B/bios.nbp"; }',
      '',
      'The machine needs memory for the whole uncompressed archive, as with the ISO.',
      'To try it in QEMU: compose boot-test --pxe <this directory> [--firmware uefi]',
      '',
    ].join('\n');

  it('names the boot files and the DHCP lines, byte for byte, for the illumos loader', () => {
    expect(dhcpReadme(info('loader'))).toBe(expected('boot/, loader.conf'));
  });

  it('says grub.cfg is fetched for a GRUB 2 tree', () => {
    expect(dhcpReadme(info('grub2'))).toBe(expected('grub.cfg'));
  });

  it('the machine-readable description is pxe.json', () => {
    expect(PXE_INFO_FILE).toBe('pxe.json');
  });
});

describe('pickPxeLoader', () => {
  const both = treeWith(UNIX, 'boot/pxeboot', 'boot/loader64.efi');
  const biosOnly = treeWith(UNIX, 'boot/pxeboot');
  const uefiOnly = treeWith(UNIX, 'boot/loader64.efi');
  const neither = treeWith(UNIX);
  const LOADER_WHY = 'the staged tree has boot/pxeboot and boot/loader64.efi: the illumos loader';
  const GRUB_WHY = "the staged tree has no boot/pxeboot and boot/loader64.efi: the build host's GRUB 2";

  it('auto (the default) takes the illumos loader only when both of its network boot programs are there', () => {
    expect(pickPxeLoader(both)).toEqual({ loader: 'loader', why: LOADER_WHY });
    expect(pickPxeLoader(both, 'auto')).toEqual({ loader: 'loader', why: LOADER_WHY });
    expect(pickPxeLoader(biosOnly, 'auto')).toEqual({ loader: 'grub2', why: GRUB_WHY });
    expect(pickPxeLoader(uefiOnly, 'auto')).toEqual({ loader: 'grub2', why: GRUB_WHY });
    expect(pickPxeLoader(neither)).toEqual({ loader: 'grub2', why: GRUB_WHY });
  });

  it('a directory where a network boot program should be does not count', () => {
    const t = treeWith(UNIX, 'boot/loader64.efi', { path: 'boot/pxeboot', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1 });
    expect(pickPxeLoader(t).loader).toBe('grub2');
  });

  it('--bootloader grub2 is taken as given', () => {
    expect(pickPxeLoader(both, 'grub2')).toEqual({ loader: 'grub2', why: '--bootloader grub2' });
    expect(pickPxeLoader(neither, 'grub2')).toEqual({ loader: 'grub2', why: '--bootloader grub2' });
  });

  it('--bootloader loader needs both network boot programs', () => {
    expect(pickPxeLoader(both, 'loader')).toEqual({ loader: 'loader', why: LOADER_WHY });
    const message =
      '--bootloader loader needs boot/pxeboot and boot/loader64.efi in the staged tree for a network boot, and they are missing; keep them (the illumos loader package) or use --bootloader grub2';
    for (const t of [biosOnly, uefiOnly, neither]) {
      expect(() => pickPxeLoader(t, 'loader')).toThrow(InputError);
      expect(() => pickPxeLoader(t, 'loader')).toThrow(message);
    }
  });

  it('--bootloader grub-legacy is refused, whatever the tree has', () => {
    const message = '--format pxe boots with the illumos loader or GRUB 2, not GRUB legacy; use --bootloader auto, loader or grub2';
    for (const t of [both, neither]) {
      let err: unknown;
      try {
        pickPxeLoader(t, 'grub-legacy');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(message);
    }
  });
});

describe('buildPxeTree', () => {
  it('writes an illumos loader tree: boot/, loader.conf, boot/config for ttya, the kernel, the archive linked, pxe.json and README', async () => {
    linkControl.fail = false;
    const { dir, archive } = await fixture();
    const out = join(dir, 'p.pxe');
    const reporter = recorder();
    const tree = treeWith(UNIX, ...LOADER_FILES, 'etc/motd');
    const result = await buildPxeTree({ tree, profile: profileOf('p', 'ttya', ['-v']), archive, outPath: out, epoch: 1_700_000_000, reporter });
    const files = [
      'README',
      'boot/config',
      'boot/defaults/loader.conf',
      'boot/loader.conf',
      'boot/loader64.efi',
      'boot/pxeboot',
      'platform/i86pc/amd64/boot_archive',
      'platform/i86pc/amd64/boot_archive.hash',
      'platform/i86pc/kernel/amd64/unix',
      'pxe.json',
    ];
    expect(result).toEqual({ path: out, loader: 'loader', bootFiles: { bios: 'boot/pxeboot', uefi: 'boot/loader64.efi' }, files });
    expect(reporter.notes).toEqual(['PXE: the staged tree has boot/pxeboot and boot/loader64.efi: the illumos loader']);
    expect(reporter.warns).toEqual([]);
    expect(readFileSync(join(out, UNIX), 'utf8')).toBe(`<${UNIX}>`);
    expect(readFileSync(join(out, 'boot/pxeboot'), 'utf8')).toBe('<boot/pxeboot>');
    expect(readFileSync(join(out, 'boot/loader.conf'), 'utf8')).toBe(loaderConf(settings('p', 'ttya', ['-v']), placement));
    expect(readFileSync(join(out, 'boot/config'), 'utf8')).toBe('-h\n');
    expect(readFileSync(join(out, 'platform/i86pc/amd64/boot_archive'), 'utf8')).toBe('ARCHIVE BYTES');
    expect(readFileSync(join(out, 'platform/i86pc/amd64/boot_archive.hash'), 'utf8')).toBe('HASH BYTES');
    // Hard links, not copies.
    expect(statSync(join(out, 'platform/i86pc/amd64/boot_archive')).ino).toBe(statSync(archive.path).ino);
    expect(statSync(join(out, 'platform/i86pc/amd64/boot_archive.hash')).ino).toBe(statSync(archive.hashPath).ino);
    const info = { profile: 'p', loader: 'loader', bootFiles: { bios: 'boot/pxeboot', uefi: 'boot/loader64.efi' }, archive: 'platform/i86pc/amd64/boot_archive', sha1: 'ab'.repeat(20) };
    expect(readFileSync(join(out, 'pxe.json'), 'utf8')).toBe(`${JSON.stringify(info, null, 2)}\n`);
    expect(readFileSync(join(out, 'README'), 'utf8')).toBe(dhcpReadme(info as PxeInfo));
    expect(statSync(join(out, 'boot/loader.conf')).mtimeMs).toBe(1_700_000_000_000);
    expect(statSync(out).mtimeMs).toBe(1_700_000_000_000);
  });

  it('writes no boot/config for a text console, and warns about a cpio archive', async () => {
    linkControl.fail = false;
    const { dir, archive } = await fixture();
    const out = join(dir, 'p.pxe');
    const reporter = recorder();
    const tree = treeWith(UNIX, ...LOADER_FILES);
    const result = await buildPxeTree({ tree, profile: profileOf('p', 'text'), archive: { ...archive, format: 'cpio' }, outPath: out, epoch: 0, reporter });
    expect(result.files).not.toContain('boot/config');
    expect(existsSync(join(out, 'boot/config'))).toBe(false);
    expect(reporter.warns).toEqual(['a cpio boot archive cannot be mounted as the root file system; this tree boots only if the kernel arguments point root elsewhere']);
    expect(readFileSync(join(out, 'boot/loader.conf'), 'utf8')).toBe(loaderConf(settings('p', 'text'), { ...placement, format: 'cpio' }));
  });

  it('copies the archive when it cannot be hard-linked (another file system)', async () => {
    linkControl.fail = true;
    linkControl.calls = 0;
    try {
      const { dir, archive } = await fixture();
      const out = join(dir, 'p.pxe');
      await buildPxeTree({ tree: treeWith(UNIX, ...LOADER_FILES), profile: profileOf('p', 'text'), archive, outPath: out, epoch: 0, reporter: recorder() });
      expect(linkControl.calls).toBe(2);
      expect(readFileSync(join(out, 'platform/i86pc/amd64/boot_archive'), 'utf8')).toBe('ARCHIVE BYTES');
      expect(readFileSync(join(out, 'platform/i86pc/amd64/boot_archive.hash'), 'utf8')).toBe('HASH BYTES');
      expect(statSync(join(out, 'platform/i86pc/amd64/boot_archive')).ino).not.toBe(statSync(archive.path).ino);
    } finally {
      linkControl.fail = false;
    }
  });

  it('writes a GRUB 2 tree: grub.cfg and the two PXE core images, no boot/ of the proto', async () => {
    linkControl.fail = false;
    grubControl.calls = [];
    const { dir, archive } = await fixture();
    const out = join(dir, 'p.pxe');
    const reporter = recorder();
    const tree = treeWith(UNIX, ...LOADER_FILES);
    const result = await buildPxeTree({ tree, profile: profileOf('q', 'ttyb'), archive: { ...archive, format: 'hsfs' }, outPath: out, bootloader: 'grub2', epoch: 0, reporter });
    const bootFiles = { bios: 'boot/grub/i386-pc/core.0', uefi: 'boot/grub/x86_64-efi/core.efi' };
    expect(result).toEqual({
      path: out,
      loader: 'grub2',
      bootFiles,
      files: [
        'README',
        'boot/grub/grub.cfg',
        'boot/grub/i386-pc/core.0',
        'boot/grub/x86_64-efi/core.efi',
        'platform/i86pc/amd64/boot_archive',
        'platform/i86pc/amd64/boot_archive.hash',
        'platform/i86pc/kernel/amd64/unix',
        'pxe.json',
      ],
    });
    expect(reporter.notes).toEqual(['PXE: --bootloader grub2']);
    expect(reporter.warns).toEqual([]);
    expect(grubControl.calls).toEqual([
      ['i386-pc', join(out, 'boot/grub/i386-pc/core.0'), undefined, 'pxe'],
      ['x86_64-efi', join(out, 'boot/grub/x86_64-efi/core.efi'), undefined, 'pxe'],
    ]);
    expect(readFileSync(join(out, 'boot/grub/i386-pc/core.0'), 'utf8')).toBe('core i386-pc pxe');
    expect(readFileSync(join(out, 'boot/grub/x86_64-efi/core.efi'), 'utf8')).toBe('core x86_64-efi pxe');
    expect(readFileSync(join(out, 'boot/grub/grub.cfg'), 'utf8')).toBe(grubCfg(settings('q', 'ttyb'), { ...placement, format: 'hsfs' }));
    const info = { profile: 'q', loader: 'grub2', bootFiles, archive: 'platform/i86pc/amd64/boot_archive', sha1: 'ab'.repeat(20) };
    expect(JSON.parse(readFileSync(join(out, 'pxe.json'), 'utf8'))).toEqual(info);
    expect(readFileSync(join(out, 'README'), 'utf8')).toBe(dhcpReadme(info as PxeInfo));
  });

  it('a tree without a kernel is an error, and leaves no directory behind', async () => {
    const { dir, archive } = await fixture();
    const out = join(dir, 'p.pxe');
    const run = buildPxeTree({ tree: treeWith(...LOADER_FILES), profile: profileOf('p', 'text'), archive, outPath: out, epoch: 0, reporter: recorder() });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(/^a PXE tree needs platform\/i86pc\/kernel\/amd64\/unix in the staged tree, but it is missing; check the proto area$/);
    expect(existsSync(out)).toBe(false);
  });

  it('a failure half-way removes the half-written tree and passes the error on', async () => {
    const { dir, archive } = await fixture();
    const out = join(dir, 'p.pxe');
    grubControl.fail = true;
    try {
      const run = buildPxeTree({ tree: treeWith(UNIX), profile: profileOf('p', 'text'), archive, outPath: out, epoch: 0, reporter: recorder() });
      await expect(run).rejects.toThrow(/^grub-mkimage failed$/);
      expect(existsSync(out)).toBe(false);
    } finally {
      grubControl.fail = false;
    }
  });

  it('refuses an output directory that exists already', async () => {
    const { dir, archive } = await fixture();
    const out = join(dir, 'p.pxe');
    mkdirSync(out);
    writeFileSync(join(out, 'keep'), 'k');
    await expect(buildPxeTree({ tree: treeWith(UNIX), profile: profileOf('p', 'text'), archive, outPath: out, epoch: 0, reporter: recorder() })).rejects.toThrow(/EEXIST/);
    expect(readFileSync(join(out, 'keep'), 'utf8')).toBe('k');
  });
});
