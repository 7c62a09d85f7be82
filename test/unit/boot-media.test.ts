import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { readLoaderPlan, unpackArchive, unpackArchiveFile, unpackIso } from '../../src/check/boot-media.js';
import { listIsoFiles } from '../../src/iso/iso-files.js';
import { InputError } from '../../src/util/errors.js';
import { caught } from '../support/caught.js';

// What `compose check` reads off boot media: the loader's plan (kernel, archive, hash, console,
// serial speed) from each loader's configuration, and the archive unpacked and compared with its
// hash as dboot does. The ISOs are made by xorriso, the reader we trust for their directory.

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'compose-boot-media-'));
});

/** An ISO holding these files (path -> content). */
async function iso(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const root = join(work, `${name}.d`);
  for (const [p, data] of Object.entries(files)) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), data);
  }
  await mkdir(root, { recursive: true });
  const out = join(work, `${name}.iso`);
  await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', out, root]);
  return out;
}

async function plan(name: string, files: Record<string, string | Buffer>) {
  const path = await iso(name, files);
  return readLoaderPlan(path, await listIsoFiles(path));
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

describe('the loader plan read from an ISO', () => {
  it('grub.cfg: the default entry\'s multiboot line, its rootfs and hash modules, console and serial speed', async () => {
    const cfg = [
      'set default=1',
      'serial --unit=0 --speed=38400 --word=8',
      'menuentry "first" {',
      '  multiboot /a/unix -B console=ttya',
      '  module /a/archive type=rootfs',
      '}',
      'menuentry "second" {',
      '  multiboot2 /platform/i86pc/kernel/amd64/unix -B console=ttyb,ttya',
      '  module2 /platform/i86pc/amd64/boot_archive.hash type=hash name=ramdisk',
      '  module2 --nounzip /platform/i86pc/amd64/boot_archive type=rootfs name=ramdisk',
      '}',
    ].join('\n');
    expect(await plan('grub2', { 'boot/grub/grub.cfg': cfg })).toEqual({
      loader: 'grub2',
      kernel: 'platform/i86pc/kernel/amd64/unix',
      archive: 'platform/i86pc/amd64/boot_archive',
      hash: 'platform/i86pc/amd64/boot_archive.hash',
      console: 'ttyb',
      serialSpeed: 38400,
      config: 'boot/grub/grub.cfg',
    });
  });

  it('grub.cfg without default, serial or hash: the first entry, its first module, the text console', async () => {
    const cfg = 'menuentry "only" {\n multiboot /k/unix\n module /k/archive\n module /k/other\n}\nmenuentry "next" {\n multiboot /n/unix\n}\n';
    expect(await plan('grub2-plain', { 'boot/grub/grub.cfg': cfg })).toEqual({
      loader: 'grub2',
      kernel: 'k/unix',
      archive: 'k/archive',
      hash: undefined,
      console: 'text',
      serialSpeed: undefined,
      config: 'boot/grub/grub.cfg',
    });
  });

  it('grub.cfg whose default entry does not exist falls back to the first', async () => {
    const cfg = 'set default=7\nmenuentry "only" {\n multiboot /k/unix console=ttya\n module /k/archive type=rootfs\n}\n';
    const p = await plan('grub2-default', { 'boot/grub/grub.cfg': cfg });
    expect([p?.kernel, p?.archive, p?.console]).toEqual(['k/unix', 'k/archive', 'ttya']);
  });

  it('loader.conf over defaults/loader.conf and conf.d: ISADIR expanded, the console\'s mode read', async () => {
    const p = await plan('loader', {
      'boot/defaults/loader.conf': 'kernel="i86pc/kernel/${ISADIR}"\nbootfile="unix"\nconsole="text"\nttyb-mode="9600,8,n,1,-"\n',
      'boot/loader.conf': '# ours\nos_console="ttyb"  # the serial line\n',
      'boot/conf.d/serial': 'ttyb-mode="115200,8,n,1,-"\n',
    });
    expect(p).toEqual({
      loader: 'loader',
      kernel: 'platform/i86pc/kernel/amd64/unix',
      archive: 'platform/i86pc/amd64/boot_archive',
      hash: 'platform/i86pc/amd64/boot_archive.hash',
      console: 'ttyb',
      serialSpeed: 115200,
      kernelSerialMode: '115200,8,n,1,-',
      config: 'boot/loader.conf',
    });
  });

  it('loader.conf naming its own kernel, archive and hash, and a console list that starts with ttya', async () => {
    const p = await plan('loader-named', {
      'boot/loader.conf': 'kernel=/my//kernel\nbootfile=unix2\nboot_archive_name=/my/${ISADIR}/archive\nboot_archive.hash_name=/my/${ISADIR}/archive.sha1\nconsole="junk,ttya,text"\n',
    });
    expect(p).toEqual({
      loader: 'loader',
      kernel: 'platform/my/kernel/unix2',
      archive: 'my/amd64/archive',
      hash: 'my/amd64/archive.sha1',
      console: 'ttya',
      serialSpeed: undefined,
      kernelSerialMode: undefined,
      config: 'boot/loader.conf',
    });
  });

  it('loader.conf with the hash not loaded: no hash; a loader binary alone is enough to know the loader', async () => {
    const noHash = await plan('loader-nohash', { 'boot/loader.conf': 'boot_archive.hash_load="NO"\n' });
    expect([noHash?.loader, noHash?.hash, noHash?.console]).toEqual(['loader', undefined, 'text']);
    const bare = await plan('loader-bare', { 'boot/cdboot': 'x' });
    expect([bare?.loader, bare?.kernel, bare?.archive]).toEqual(['loader', 'platform/i86pc/kernel/amd64/unix', 'platform/i86pc/amd64/boot_archive']);
    const efi = await plan('loader-efi', { 'boot/loader64.efi': 'x' });
    expect(efi?.loader).toBe('loader');
  });

  it('menu.lst: the default entry\'s kernel$ with $ISADIR, its module, console and mode', async () => {
    const menu = [
      'default 1',
      'serial --unit=1 --speed=57600',
      'title one',
      'kernel$ /x/unix',
      'module$ /x/archive',
      'title two',
      'kernel$ /platform/i86pc/kernel/$ISADIR/unix -B console=ttyb,ttyb-mode="57600,8,n,1,-"',
      'module$ /platform/i86pc/$ISADIR/boot_archive',
    ].join('\n');
    expect(await plan('menulst', { 'boot/grub/menu.lst': menu })).toEqual({
      loader: 'grub-legacy',
      kernel: 'platform/i86pc/kernel/amd64/unix',
      archive: 'platform/i86pc/amd64/boot_archive',
      console: 'ttyb',
      serialSpeed: 57600,
      kernelSerialMode: '57600,8,n,1,-',
      config: 'boot/grub/menu.lst',
    });
  });

  it('menu.lst without default: the first entry, the text console; grub.cfg wins over the others', async () => {
    const p = await plan('menulst-plain', { 'boot/grub/menu.lst': 'title a\nkernel /a/unix\nmodule /a/archive\n' });
    expect(p).toEqual({ loader: 'grub-legacy', kernel: 'a/unix', archive: 'a/archive', console: 'text', serialSpeed: undefined, kernelSerialMode: undefined, config: 'boot/grub/menu.lst' });
    const both = await plan('both', { 'boot/grub/menu.lst': 'title a\nkernel /a/unix\n', 'boot/grub/grub.cfg': 'menuentry "x" {\n multiboot /g/unix\n}\n', 'boot/loader.conf': '' });
    expect(both?.loader).toBe('grub2');
    const loaderOverLegacy = await plan('loader-legacy', { 'boot/grub/menu.lst': 'title a\nkernel /a/unix\n', 'boot/loader.conf': '' });
    expect(loaderOverLegacy?.loader).toBe('loader');
  });

  it('grub.cfg read as GRUB reads it: indented commands, runs of blanks, comments and text that only looks like a command', async () => {
    const entries = Array.from({ length: 12 }, (_, i) => `menuentry "e${i}" {\n  multiboot /e${i}/unix\n  module /e${i}/archive\n}`);
    entries[11] = [
      'menuentry "eleven" {',
      '  echo "not a menuentry, nor a set default=3"',
      '  multiboot2   //platform/k/unix   -B console=ttya',
      '  module2  --nounzip   //platform/a/archive   type=rootfs',
      '  module2 platform/a/archive.hash type=hash',
      '}',
    ].join('\n');
    const cfg = ['# set default=2', '# serial --speed=1200', '  set   default=11', '  serial --unit=0   --speed=19200', ...entries].join('\n');
    expect(await plan('grub2-forms', { 'boot/grub/grub.cfg': cfg })).toEqual({
      loader: 'grub2',
      kernel: 'platform/k/unix',
      archive: 'platform/a/archive',
      hash: 'platform/a/archive.hash',
      console: 'ttya',
      serialSpeed: 19200,
      config: 'boot/grub/grub.cfg',
    });
  });

  it('grub.cfg and menu.lst without entries name no kernel and no archive', async () => {
    expect(await plan('grub2-empty', { 'boot/grub/grub.cfg': 'set timeout=5\n' })).toEqual({ loader: 'grub2', kernel: '', archive: '', hash: undefined, console: 'text', serialSpeed: undefined, config: 'boot/grub/grub.cfg' });
    expect(await plan('menulst-empty', { 'boot/grub/menu.lst': 'timeout 5\n' })).toEqual({ loader: 'grub-legacy', kernel: '', archive: '', console: 'text', serialSpeed: undefined, kernelSerialMode: undefined, config: 'boot/grub/menu.lst' });
    expect(await plan('menulst-nokernel', { 'boot/grub/menu.lst': 'title a\nmodule /a/archive\n' })).toEqual({ loader: 'grub-legacy', kernel: '', archive: 'a/archive', console: 'text', serialSpeed: undefined, kernelSerialMode: undefined, config: 'boot/grub/menu.lst' });
  });

  it('menu.lst read as GRUB legacy reads it: indented commands, runs of blanks, comments', async () => {
    const titles = Array.from({ length: 12 }, (_, i) => `title t${i}\nkernel /t${i}/unix\nmodule /t${i}/archive`);
    titles[10] = 'title ten\n  kernel$   //platform/$ISADIR/unix   -B console=ttya\n  module$   //platform/$ISADIR/archive';
    const menu = ['# default 3', '# serial --speed=1200', '  default   10', '  serial --unit=0 --speed=9600', ...titles].join('\n');
    expect(await plan('menulst-forms', { 'boot/grub/menu.lst': menu })).toEqual({
      loader: 'grub-legacy',
      kernel: 'platform/amd64/unix',
      archive: 'platform/amd64/archive',
      console: 'ttya',
      serialSpeed: 9600,
      kernelSerialMode: undefined,
      config: 'boot/grub/menu.lst',
    });
  });

  it('loader.conf read as the loader reads it: blanks around "=", trailing blanks and comments, commented settings, a defaults file without a last newline', async () => {
    const p = await plan('loader-forms', {
      'boot/defaults/loader.conf': 'bootfile="unix9"',
      'boot/loader.conf': '#kernel="/bad"\nkernel = my/k   # where\nboot_archive_name=my/${ISADIR}/archive\nboot_archive.hash_name=//my/${ISADIR}/archive.hash\nconsole="junk, ttyb"\nttyb-mode="x9600,8,n,1,-"\ntext-mode="4800"\n',
    });
    expect(p).toEqual({
      loader: 'loader',
      kernel: 'platform/my/k/unix9',
      archive: 'my/amd64/archive',
      hash: 'my/amd64/archive.hash',
      console: 'ttyb',
      serialSpeed: undefined,
      kernelSerialMode: 'x9600,8,n,1,-',
      config: 'boot/loader.conf',
    });
    const text = await plan('loader-text', { 'boot/loader.conf': 'console=text\ntext-mode="4800"\nboot_archive_name=//a//b\n' });
    expect([text?.console, text?.serialSpeed, text?.kernelSerialMode, text?.archive]).toEqual(['text', undefined, undefined, 'a//b']);
    const conf = await plan('loader-confd', { 'boot/loader.conf': '', 'boot/conf.d/x': 'bootfile=fromconfd\n', 'boot/confxd': 'kernel=nope\n' });
    expect(conf?.kernel).toBe('platform/i86pc/kernel/amd64/fromconfd');
  });

  it('an ISO with no loader configuration has no plan, and unpackIso says so', async () => {
    const path = await iso('none', { 'readme.txt': 'hello' });
    expect(await readLoaderPlan(path, await listIsoFiles(path))).toBeUndefined();
    const e = await caught(unpackIso(path, join(work, 'none.ufs')));
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(`${path} holds no boot loader configuration (boot/loader.conf, boot/grub/grub.cfg or boot/grub/menu.lst); is it an illumos boot ISO?`);
  });
});

describe('the boot archive unpacked as the loader hands it to the kernel', () => {
  const image = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));

  it('gunzips a gzip\'d archive and hashes what comes out; copies a plain one as it is', async () => {
    const gz = join(work, 'a.gz');
    await writeFile(gz, gzipSync(image));
    expect(await unpackArchiveFile(gz, join(work, 'a.out'))).toEqual({ sha1: sha1(image), bytes: image.length });
    expect((await readFile(join(work, 'a.out'))).equals(image)).toBe(true);
    const plain = join(work, 'p.ufs');
    await writeFile(plain, image);
    expect(await unpackArchiveFile(plain, join(work, 'p.out'))).toEqual({ sha1: sha1(image), bytes: image.length });
    // Only both magic bytes make it gzip: 1f alone is data.
    const almost = Buffer.from([0x1f, 0x00, 0x01]);
    expect(await unpackArchive(almost, async function* () { yield almost; }, join(work, 'x.out'))).toEqual({ sha1: sha1(almost), bytes: 3 });
    const notGzip = Buffer.from([0x00, 0x8b, 0x01]);
    expect(await unpackArchive(notGzip, async function* () { yield notGzip; }, join(work, 'z.out'))).toEqual({ sha1: sha1(notGzip), bytes: 3 });
    const one = Buffer.from([0x1f]);
    expect(await unpackArchive(one, async function* () { yield one; }, join(work, 'y.out'))).toEqual({ sha1: sha1(one), bytes: 1 });
  });

  it('an unreadable or corrupt archive is an input error naming the file', async () => {
    const missing = join(work, 'missing.gz');
    const e = await caught(unpackArchiveFile(missing, join(work, 'm.out')));
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(new RegExp(`^${missing} is not a readable boot archive \\(.*ENOENT.*\\); it should be a UFS image, gzip'd or not$`));
    const bad = join(work, 'bad.gz');
    await writeFile(bad, Buffer.concat([gzipSync(image).subarray(0, 100), Buffer.alloc(50, 0xaa)]));
    const b = await caught(unpackArchiveFile(bad, join(work, 'b.out')));
    expect(b).toBeInstanceOf(InputError);
    expect((b as Error).message).toMatch(/bad\.gz is not a readable boot archive \(/);
  });

  const loaderFiles = (archive: Buffer, hash: string | undefined) => ({
    'boot/loader.conf': 'console="ttya"\n',
    'platform/i86pc/kernel/amd64/unix': 'kernel',
    'platform/i86pc/amd64/boot_archive': archive,
    ...(hash === undefined ? {} : { 'platform/i86pc/amd64/boot_archive.hash': `${hash}\n` }),
  });

  it('unpackIso: the archive out of the ISO, matching its hash, nothing to say', async () => {
    const path = await iso('good', loaderFiles(gzipSync(image), sha1(image)));
    const dest = join(work, 'good.ufs');
    const u = await unpackIso(path, dest);
    expect(u.findings).toEqual([]);
    expect(u.archiveBytes).toBe(image.length);
    expect(u.plan.console).toBe('ttya');
    expect((await readFile(dest)).equals(image)).toBe(true);
  });

  it('unpackIso: a hash that does not match, a missing hash file and a missing kernel are panics', async () => {
    const path = await iso('mismatch', loaderFiles(gzipSync(image), 'f'.repeat(40)));
    const m = await unpackIso(path, join(work, 'mm.ufs'));
    expect(m.findings).toEqual([
      { step: 'loader', severity: 'panic', message: `the boot archive's SHA-1 is ${sha1(image)}, but /platform/i86pc/amd64/boot_archive.hash says ${'f'.repeat(40)}: dboot panics with "hash mismatch!"`, source: 'usr/src/uts/i86pc/dboot/dboot_startkern.c check_images', fix: 'rebuild: the archive and its hash must come from the same build' },
    ]);
    const files: Record<string, string | Buffer> = loaderFiles(image, undefined);
    delete files['platform/i86pc/kernel/amd64/unix'];
    const noHash = await iso('nohash', files);
    const source = 'usr/src/boot/forth/loader.conf; usr/src/uts/i86pc/dboot/dboot_startkern.c (boot/loader.conf)';
    expect((await unpackIso(noHash, join(work, 'nh.ufs'))).findings).toEqual([
      { step: 'loader', severity: 'panic', message: 'boot/loader.conf boots /platform/i86pc/kernel/amd64/unix, which is not on the ISO', source, fix: 'rebuild the ISO (compose puts unix at platform/i86pc/kernel/amd64/unix)' },
      { step: 'loader', severity: 'panic', message: 'boot/loader.conf loads the hash /platform/i86pc/amd64/boot_archive.hash, which is not on the ISO', source, fix: 'rebuild the ISO so the hash travels with its archive' },
    ]);
  });

  it('unpackIso: no archive, or one that cannot be unpacked, is an input error', async () => {
    const files: Record<string, string | Buffer> = loaderFiles(image, undefined);
    delete files['platform/i86pc/amd64/boot_archive'];
    const noArchive = await iso('noarchive', files);
    const e = await caught(unpackIso(noArchive, join(work, 'na.ufs')));
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(`${noArchive}: boot/loader.conf loads the boot archive /platform/i86pc/amd64/boot_archive, which is not on the ISO`);
    const broken = await iso('broken', loaderFiles(Buffer.concat([gzipSync(image).subarray(0, 64), Buffer.alloc(64, 0x55)]), sha1(image)));
    const b = await caught(unpackIso(broken, join(work, 'br.ufs')));
    expect(b).toBeInstanceOf(InputError);
    expect((b as Error).message).toMatch(new RegExp(`^${broken}: the boot archive /platform/i86pc/amd64/boot_archive cannot be unpacked \\(.+\\)$`));
  });

  it('unpackIso with the hash not loaded compares nothing', async () => {
    const files: Record<string, string | Buffer> = { ...loaderFiles(image, undefined), 'boot/loader.conf': 'boot_archive.hash_load="NO"\n' };
    const u = await unpackIso(await iso('nohashload', files), join(work, 'nhl.ufs'));
    expect([u.plan.hash, u.findings, u.archiveBytes]).toEqual([undefined, [], image.length]);
  });

  it('unpackIso of a truncated ISO unpacks what is there, and stops', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x41);
    const path = await iso('truncated', { ...loaderFiles(big, undefined), 'boot/loader.conf': 'boot_archive.hash_load="NO"\n' });
    const archive = (await listIsoFiles(path)).find((f) => f.path === 'platform/i86pc/amd64/boot_archive')!;
    const cut = archive.offset + 1024 * 1024 + 4096;
    await writeFile(path, (await readFile(path)).subarray(0, cut));
    const u = await unpackIso(path, join(work, 'trunc.ufs'));
    expect([u.archiveBytes, u.findings]).toEqual([cut - archive.offset, []]);
    expect(sha1(await readFile(join(work, 'trunc.ufs')))).toBe(sha1(big.subarray(0, cut - archive.offset)));
  });

  it('unpackIso reads an archive larger than its 1 MiB read buffer whole', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
    const path = await iso('big', loaderFiles(big, sha1(big)));
    const u = await unpackIso(path, join(work, 'big.ufs'));
    expect([u.archiveBytes, u.findings]).toEqual([big.length, []]);
    expect(sha1(await readFile(join(work, 'big.ufs')))).toBe(sha1(big));
  });
});
