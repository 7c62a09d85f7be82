import { describe, expect, it } from 'vitest';
import {
  bootConfig,
  grubCfg,
  grubEarlyCfg,
  grubWord,
  kernelArgWords,
  loaderConf,
  menuEntries,
  menuLst,
  type ArchivePlacement,
  type BootSettings,
} from '../../src/iso/configs.js';
import { UsageError } from '../../src/util/errors.js';

const LOADER_ARCHIVE: ArchivePlacement = { path: '/platform/i86pc/amd64/boot_archive', hashPath: '/platform/i86pc/amd64/boot_archive.hash', format: 'ufs' };
const GRUB_ARCHIVE: ArchivePlacement = { path: '/platform/i86pc/boot_archive', hashPath: null, format: 'ufs' };
const ttya: BootSettings = { profileName: 'pureboot', console: 'ttya', kernelArgs: ['-v', '-B foo=bar'], autobootDelay: 3, serialMode: '115200,8,n,1,-' };
const text: BootSettings = { profileName: 'demo', console: 'text', kernelArgs: [], autobootDelay: 5, serialMode: '115200,8,n,1,-' };
const HEADER_LOADER = (name: string, format = 'ufs') =>
  [
    `# Written by illumos-compose for profile "${name}": the boot archive (${format}) is`,
    '# the root file system, loaded into memory as a ramdisk. The loader reads this file after',
    '# /boot/defaults/loader.conf; /boot/loader.conf.local and /boot/conf.d/* can still override it.',
  ].join('\n');

describe('loader.conf', () => {
  it('serial console ttya with kernel arguments', () => {
    expect(loaderConf(ttya, LOADER_ARCHIVE)).toBe(
      [
        HEADER_LOADER('pureboot'),
        'console="ttya"',
        'os_console="ttya"',
        'ttya-mode="115200,8,n,1,-"',
        'autoboot_delay="3"',
        'boot_archive_load="YES"',
        'boot_archive_type="rootfs"',
        'boot_archive_name="/platform/i86pc/amd64/boot_archive"',
        'boot_archive.hash_load="YES"',
        'boot_archive.hash_type="hash"',
        'boot_archive.hash_name="/platform/i86pc/amd64/boot_archive.hash"',
        'boot-args="-v -B foo=bar"',
        '',
      ].join('\n'),
    );
  });

  it('text console, no kernel arguments: no os_console, mode or boot-args', () => {
    expect(loaderConf(text, LOADER_ARCHIVE)).toBe(
      [
        HEADER_LOADER('demo'),
        'console="text"',
        'autoboot_delay="5"',
        'boot_archive_load="YES"',
        'boot_archive_type="rootfs"',
        'boot_archive_name="/platform/i86pc/amd64/boot_archive"',
        'boot_archive.hash_load="YES"',
        'boot_archive.hash_type="hash"',
        'boot_archive.hash_name="/platform/i86pc/amd64/boot_archive.hash"',
        '',
      ].join('\n'),
    );
  });

  it('ttyb, no hash, immediate boot, and quotes escaped for the loader', () => {
    const conf = loaderConf({ profileName: 'x', console: 'ttyb', kernelArgs: ['-B', 'banner="hi there"'], autobootDelay: -1, serialMode: '115200,8,n,1,-' }, { ...LOADER_ARCHIVE, hashPath: null });
    expect(conf).toContain('\nconsole="ttyb"\nos_console="ttyb"\nttyb-mode="115200,8,n,1,-"\nautoboot_delay="-1"\n');
    expect(conf).toContain('\nboot_archive.hash_load="NO"\n');
    expect(conf).not.toContain('hash_name');
    expect(conf).toContain('\nboot-args="-B banner=\\"hi there\\""\n');
  });

  it('the archive format is a parameter: every format is type=rootfs, HSFS also needs fstype', () => {
    for (const format of ['ufs', 'hsfs', 'cpio'] as const) {
      const conf = loaderConf(text, { ...LOADER_ARCHIVE, format });
      expect(conf).toContain('\nboot_archive_type="rootfs"\n');
      expect(conf.startsWith(HEADER_LOADER('demo', format))).toBe(true);
    }
    expect(loaderConf(text, { ...LOADER_ARCHIVE, format: 'hsfs' })).toContain('\nboot-args="-B fstype=hsfs"\n');
    expect(loaderConf(text, { ...LOADER_ARCHIVE, format: 'cpio' })).not.toContain('boot-args');
  });

  it('refuses characters loader.conf cannot carry', () => {
    expect(() => loaderConf({ ...text, kernelArgs: ['-B', 'x=\u00e9'] }, LOADER_ARCHIVE)).toThrow(UsageError);
  });
});

describe('boot/config', () => {
  it('is -h for ttya only (isoboot and gptzfsboot use COM1)', () => {
    expect(bootConfig('ttya')).toBe('-h\n');
    expect(bootConfig('text')).toBeNull();
    expect(bootConfig('ttyb')).toBeNull();
  });
});

describe('menu entries', () => {
  it('one per console plus a debug entry; the profile console is the default', () => {
    expect(menuEntries(text)).toMatchObject({ defaultIndex: 0, entries: [{ console: 'text' }, { console: 'ttya' }, { console: 'text', flags: ['-kv', '-d'] }] });
    expect(menuEntries(ttya)).toMatchObject({ defaultIndex: 1, entries: [{ console: 'text' }, { console: 'ttya' }, { console: 'ttya', flags: ['-kv', '-d'] }] });
    const ttyb = menuEntries({ ...text, console: 'ttyb' });
    expect(ttyb.defaultIndex).toBe(2);
    expect(ttyb.entries.map((e) => e.console)).toEqual(['text', 'ttya', 'ttyb', 'ttyb']);
  });

  it('kernel arguments split into words', () => {
    expect(kernelArgWords([' -v ', '-B  a=b,c=d', '', '-m milestone=none'])).toEqual(['-v', '-B', 'a=b,c=d', '-m', 'milestone=none']);
  });
});

describe('GRUB legacy menu.lst', () => {
  it('serial console ttya with kernel arguments', () => {
    const mode = 'ttya-mode="115200,8,n,1,-"';
    expect(menuLst(ttya, GRUB_ARCHIVE)).toBe(
      [
        '# Written by illumos-compose for profile "pureboot": the boot archive (ufs) is',
        '# the root file system, loaded into memory as a ramdisk.',
        'default 1',
        'timeout 3',
        'serial --unit=0 --speed=115200',
        'terminal --timeout=3 serial console',
        '',
        'title illumos pureboot (text console)',
        'kernel$ /platform/i86pc/kernel/$ISADIR/unix -B console=text -v -B foo=bar',
        'module$ /platform/i86pc/boot_archive',
        '',
        'title illumos pureboot (serial console ttya)',
        `kernel$ /platform/i86pc/kernel/$ISADIR/unix -B console=ttya,input-device=ttya,output-device=ttya,${mode} -v -B foo=bar`,
        'module$ /platform/i86pc/boot_archive',
        '',
        'title illumos pureboot (kmdb, verbose: -kv -d, console ttya)',
        `kernel$ /platform/i86pc/kernel/$ISADIR/unix -kv -d -B console=ttya,input-device=ttya,output-device=ttya,${mode} -v -B foo=bar`,
        'module$ /platform/i86pc/boot_archive',
        '',
      ].join('\n'),
    );
  });

  it('text console: no serial lines, text entry first and default, timeout from the delay', () => {
    const lst = menuLst({ ...text, autobootDelay: 12 }, GRUB_ARCHIVE);
    expect(lst).not.toMatch(/^serial|^terminal/m);
    expect(lst).toContain('\ndefault 0\ntimeout 12\n');
    expect(lst).toContain('\ntitle illumos demo (kmdb, verbose: -kv -d, console text)\nkernel$ /platform/i86pc/kernel/$ISADIR/unix -kv -d -B console=text\nmodule$ /platform/i86pc/boot_archive\n');
  });

  it('ttyb uses serial unit 1 and -1 means no wait', () => {
    const lst = menuLst({ ...text, console: 'ttyb', autobootDelay: -1 }, GRUB_ARCHIVE);
    expect(lst).toContain('\ndefault 2\ntimeout 0\nserial --unit=1 --speed=115200\nterminal --timeout=0 serial console\n');
  });
});

describe('GRUB 2 grub.cfg', () => {
  const entry = (title: string, args: string) =>
    [
      `menuentry '${title}' {`,
      '\tif [ "$grub_platform" = "efi" ]; then',
      `\t\tmultiboot2 /platform/i86pc/kernel/amd64/unix /platform/i86pc/kernel/amd64/unix ${args}`,
      '\t\tmodule2 /platform/i86pc/amd64/boot_archive /platform/i86pc/amd64/boot_archive type=rootfs',
      '\t\tmodule2 /platform/i86pc/amd64/boot_archive.hash /platform/i86pc/amd64/boot_archive.hash type=hash',
      '\telse',
      `\t\tmultiboot /platform/i86pc/kernel/amd64/unix /platform/i86pc/kernel/amd64/unix ${args}`,
      '\t\tmodule /platform/i86pc/amd64/boot_archive /platform/i86pc/amd64/boot_archive type=rootfs',
      '\t\tmodule /platform/i86pc/amd64/boot_archive.hash /platform/i86pc/amd64/boot_archive.hash type=hash',
      '\tfi',
      '}',
    ].join('\n');

  it('serial console ttya with kernel arguments', () => {
    expect(grubCfg(ttya, LOADER_ARCHIVE)).toBe(
      [
        '# Written by illumos-compose for profile "pureboot": the boot archive (ufs) is',
        '# the root file system, loaded into memory as a ramdisk. Paths are repeated on purpose:',
        '# GRUB 2 drops the first word of multiboot command lines and module strings.',
        'serial --unit=0 --speed=115200',
        'terminal_input serial console',
        'terminal_output serial console',
        'set timeout=3',
        'set default=1',
        '# GRUB gunzips the archive as it loads it: dboot receives, and hashes, the uncompressed image.',
        'insmod gzio',
        '',
        entry('illumos pureboot (text console)', '-B console=text -v -B foo=bar'),
        '',
        entry('illumos pureboot (serial console ttya)', '-B console=ttya -v -B foo=bar'),
        '',
        entry('illumos pureboot (kmdb, verbose: -kv -d, console ttya)', '-kv -d -B console=ttya -v -B foo=bar'),
        '',
      ].join('\n'),
    );
  });

  it('text console default, delay, no hash module when there is no hash', () => {
    const cfg = grubCfg({ ...text, autobootDelay: -1 }, { ...LOADER_ARCHIVE, hashPath: null });
    expect(cfg).toContain('\nset timeout=0\nset default=0\n');
    expect(cfg).not.toContain('type=hash');
    expect(cfg).toContain('\nserial --unit=0 --speed=115200\n');
  });

  it('ttyb: serial unit 1', () => {
    expect(grubCfg({ ...text, console: 'ttyb' }, LOADER_ARCHIVE)).toContain('\nserial --unit=1 --speed=115200\n');
  });

  it("runs the serial port at the kernel's speed, whatever it is (the kernel reads bootenv.rc, GRUB 2 cannot pass ttya-mode)", () => {
    const cfg = grubCfg({ ...ttya, serialMode: '9600,8,n,1,-' }, LOADER_ARCHIVE);
    expect(cfg).toContain('\nserial --unit=0 --speed=9600\n');
    expect(cfg).not.toContain('115200');
    expect(menuLst({ ...ttya, serialMode: '38400,8,n,1,-' }, GRUB_ARCHIVE)).toContain('\nserial --unit=0 --speed=38400\n');
    expect(loaderConf({ ...ttya, serialMode: '57600,8,n,1,-' }, LOADER_ARCHIVE)).toContain('\nttya-mode="57600,8,n,1,-"\n');
    expect(() => grubCfg({ ...ttya, serialMode: 'fast' }, LOADER_ARCHIVE)).toThrow(/does not start with a line speed/);
  });

  it('quotes words GRUB would otherwise interpret', () => {
    expect(grubWord('console=ttya')).toBe('console=ttya');
    expect(grubWord('a b')).toBe("'a b'");
    expect(grubWord("it's;$x")).toBe("'it'\\''s;$x'");
    expect(grubCfg({ ...text, kernelArgs: ['-B', 'x=$y'] }, LOADER_ARCHIVE)).toContain(" -B console=text -B 'x=$y'\n");
  });

  it('the early config finds the ISO by file-system UUID', () => {
    expect(grubEarlyCfg('2026-01-01-00-00-00-42')).toBe('search --no-floppy --set=root --fs-uuid 2026-01-01-00-00-00-42\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n');
  });
});
