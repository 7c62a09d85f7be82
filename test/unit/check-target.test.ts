import { copyFile, link, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTarget, type CheckTargetOptions } from '../../src/check/check-target.js';
import type { CheckReport, Finding } from '../../src/check/findings.js';
import { ufsImageTree } from '../../src/check/image-tree.js';
import { runBootCheck, type RunCheckOptions } from '../../src/check/run-check.js';
import { makeBootArchive } from '../../src/archive/boot-archive.js';
import { buildManifest, hashTree, type Manifest, type ManifestEntry } from '../../src/emit/manifest.js';
import { composeTree } from '../../src/pipeline/compose-tree.js';
import { resolveProfile } from '../../src/profile/resolve.js';
import type { Profile } from '../../src/profile/schema.js';
import type { StagedTree } from '../../src/stage/tree.js';
import { readStagedText } from '../../src/state/read-staged.js';
import { writeUfsImage } from '../../src/ufs/index.js';
import { silentReporter } from '../../src/util/progress.js';
import { caught } from '../support/caught.js';
import { T0, TreeBuilder } from '../support/ufs-trees.js';

// What `compose check` can be pointed at, judged in-process on small inputs: the file sniffing
// (and its refusals), a UFS image read back as a staged tree, a boot_archive and its hash, ISOs
// whose loader runs the serial line at another speed than the kernel, a manifest beside its
// image, a proto area composed with a profile; and the check's step order (runBootCheck).

let work: string;
const pureboot = resolveProfile('pureboot');
const opts = (o: Partial<CheckTargetOptions> = {}): CheckTargetOptions => ({ profile: pureboot, reporter: silentReporter, ...o });

/** The error a check rejects with, as "Class: message". */
async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await caught(p);
  return `${e.constructor.name}: ${e.message}`;
}

const BOOTENV = "setprop ttya-mode '9600,8,n,1,-'\nsetprop ttyb-mode 'fast,8,n,1,-'\n";
const LAUNCHER_CONF = "COMPOSE_SHELL='/bin/zsh'\n";

/** The image every output test checks: one of each entry type, a launcher.conf and a bootenv.rc. */
function sample(): TreeBuilder {
  const b = new TreeBuilder(T0 + 100);
  b.tree.root.uid = 7;
  b.dir('etc', { mode: 0o750, uid: 1, gid: 2, mtime: T0 + 1 })
    .file('etc/motd', 'hello there\n', { mode: 0o4755, uid: 3, gid: 4, mtime: T0 + 2 })
    .file('etc/compose/launcher.conf', LAUNCHER_CONF)
    .file('boot/solaris/bootenv.rc', BOOTENV)
    .dir('z')
    .file('z/b', 'shared bytes')
    .hardlink('z.c', 'z/b')
    .symlink('bin', 'usr/bín')
    .device('dev/null', 'char', 13, 2)
    .device('dev/blk', 'block', 7, 1)
    .fifo('etc/fifo');
  return b;
}

let ufs: string;
let archive: string;
let sha1: string;
let manifest: Manifest;

/** The report of runBootCheck on the image's tree read back, as checkTarget should make it. */
async function expected(image: string, o: RunCheckOptions): Promise<CheckReport> {
  const img = await ufsImageTree(image);
  try {
    return await runBootCheck(img.tree, o);
  } finally {
    await img.close();
  }
}

const messages = (r: CheckReport, step: Finding['step']) => r.findings.filter((f) => f.step === step).map((f) => f.message);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'compose-check-target-'));
  const b = sample();
  ufs = join(work, 'sample.ufs');
  await writeUfsImage(b.tree, ufs, { size: 'auto', time: T0 });
  archive = join(work, 'sample.boot_archive');
  sha1 = (await makeBootArchive(ufs, archive, 1)).sha1;
  await hashTree(b.tree);
  manifest = buildManifest(b.tree, 'sample', '/proto');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('a UFS image read back as a staged tree', () => {
  it('has every entry with its type, mode, owner, time, target and device; the root keeps the tree default', async () => {
    const img = await ufsImageTree(ufs);
    try {
      const t = img.tree;
      const strip = ({ source: _s, ...rest }: ReturnType<StagedTree['entries']>[number]) => rest;
      const d = { uid: 0, gid: 0, mtime: T0 };
      expect(t.entries().map(strip).sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
        { path: '', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: T0 + 100 },
        { path: 'bin', type: 'symlink', mode: 0o777, ...d, size: 8, target: 'usr/bín' },
        { path: 'boot', type: 'dir', mode: 0o755, ...d, size: 0 },
        { path: 'boot/solaris', type: 'dir', mode: 0o755, ...d, size: 0 },
        { path: 'boot/solaris/bootenv.rc', type: 'file', mode: 0o644, ...d, size: BOOTENV.length },
        { path: 'dev', type: 'dir', mode: 0o755, ...d, size: 0 },
        { path: 'dev/blk', type: 'block', mode: 0o600, uid: 0, gid: 3, mtime: T0, size: 0, rdev: { major: 7, minor: 1 } },
        { path: 'dev/null', type: 'char', mode: 0o600, uid: 0, gid: 3, mtime: T0, size: 0, rdev: { major: 13, minor: 2 } },
        { path: 'etc', type: 'dir', mode: 0o750, uid: 1, gid: 2, mtime: T0 + 1, size: 0 },
        { path: 'etc/compose', type: 'dir', mode: 0o755, ...d, size: 0 },
        { path: 'etc/compose/launcher.conf', type: 'file', mode: 0o644, ...d, size: LAUNCHER_CONF.length },
        { path: 'etc/fifo', type: 'fifo', mode: 0o644, ...d, size: 0 },
        { path: 'etc/motd', type: 'file', mode: 0o4755, uid: 3, gid: 4, mtime: T0 + 2, size: 12 },
        { path: 'z', type: 'dir', mode: 0o755, ...d, size: 0 },
        // z.c sorts before z/b ('.' < '/'): it owns the content, z/b links to it.
        { path: 'z.c', type: 'file', mode: 0o644, ...d, size: 12 },
        { path: 'z/b', type: 'hardlink', mode: 0o644, ...d, size: 0, target: 'z.c' },
      ]);
    } finally {
      await img.close();
    }
  });

  it('reads file contents from the image on demand, by offset', async () => {
    const img = await ufsImageTree(ufs);
    try {
      expect(await readStagedText(img.tree, 'etc/motd')).toBe('hello there\n');
      expect(await readStagedText(img.tree, 'z/b')).toBe('shared bytes');
      const src = img.tree.get('etc/motd')!.source as { kind: string; label: string; read: (o: number, n: number) => Promise<Buffer> };
      expect([src.kind, src.label]).toEqual(['reader', `${ufs}:/etc/motd`]);
      expect((await src.read(6, 5)).toString()).toBe('there');
    } finally {
      await img.close();
    }
  });

  it('refuses what is not a UFS image', async () => {
    const junk = join(work, 'junk.img');
    await writeFile(junk, Buffer.alloc(100));
    expect(await refusal(ufsImageTree(junk))).toBe(`UfsFormatError: ${junk} is too short to be a UFS image (100 bytes; its superblock alone ends at byte 16384)`);
  });
});

describe('runBootCheck: the steps in boot order', () => {
  const steps = (r: CheckReport) => r.steps.map((s) => [s.step, s.checked, s.findings]);
  const bare = () => new TreeBuilder().file('etc/motd', 'hi\n').tree;
  const NO_EXEC = '/etc/compose/trampoline never reaches "exec chroot <root> <init>" on any path: the root on the disk is never started';
  const handover = (r: CheckReport) => messages(r, 'handover').map((m) => /^(label|pool) root: the chroot hand-over suits/.exec(m)?.[0] ?? m);

  it('an image with its own init: every step but the hand-over, each counting what it verified', async () => {
    const r = await runBootCheck(bare(), { target: 'the image', console: 'ttya' });
    expect(r.target).toBe('the image');
    expect(r.bootable).toBe(false);
    expect(steps(r)).toEqual([
      ['loader', 2, 1],
      ['krtld', 56, 56],
      ['drivers', 25, 0],
      ['root', 11, 11],
      ['console', 4, 4],
      ['init', 6, 6],
      ['sysinit', 0, 0],
      ['smf', 1, 1],
      ['shell', 3, 3],
    ]);
  });

  it('the media findings come first, before what the loader step finds', async () => {
    const media: Finding[] = [
      { step: 'loader', severity: 'panic', message: 'media one', source: 's1', fix: 'f1' },
      { step: 'console', severity: 'note', message: 'media two', source: 's2', fix: 'f2' },
    ];
    const r = await runBootCheck(bare(), { target: 't', console: 'ttya', mediaFindings: media });
    expect(r.findings.filter((f) => f.step === 'loader')).toEqual([
      media[0],
      { step: 'loader', severity: 'panic', message: '/platform/i86pc/kernel/amd64/unix is not in the image: there is no kernel to boot', source: 'usr/src/boot/forth/loader.conf (kernel="i86pc/kernel/${ISADIR}", bootfile="unix")', fix: 'keep platform/i86pc/kernel from the proto area' },
    ]);
    expect(r.findings.filter((f) => f.step === 'console').at(-1)).toEqual(media[1]);
  });

  it('the launcher: given, or found from etc/compose/launcher.conf (its COMPOSE_SHELL)', async () => {
    const withConf = () => new TreeBuilder().file('etc/compose/launcher.conf', LAUNCHER_CONF).tree;
    const found = await runBootCheck(withConf(), { target: 't', console: 'ttya' });
    const notLauncher = await runBootCheck(withConf(), { target: 't', console: 'ttya', launcher: false });
    const noConf = await runBootCheck(bare(), { target: 't', console: 'ttya', launcher: true });
    const sigsys = [
      'pipe(2) has no line in etc/name_to_sysnum (the file is missing): it raises SIGSYS. Used by ksh93 for every pipeline and $(...) (the syscall slot is loadable: usr/src/uts/common/os/sysent.c; its name comes from etc/name_to_sysnum, usr/src/uts/common/os/modctl.c mod_setup)',
      'inst_sync(2) has no line in etc/name_to_sysnum (the file is missing): it raises SIGSYS. Used by devfsadm, to write /etc/path_to_inst (cmd/devfsadm/devfsadm.c)',
    ];
    expect(messages(found, 'shell')).toEqual([sigsys[0], "the profile's shell /bin/zsh cannot run (/bin/zsh is not in the image); the launcher falls back to /sbin/sh", sigsys[1]]);
    expect(messages(notLauncher, 'shell')).toEqual(['the console shell: /sbin/sh is not in the image', ...sigsys]);
    expect(messages(noConf, 'shell')).toEqual(['the console shell: /sbin/sh is not in the image', ...sigsys]);
  });

  describe('a trampoline: found from etc/compose/trampoline.conf, or given', () => {
    const tramp = (conf: string) => new TreeBuilder().file('etc/compose/trampoline.conf', conf).tree;
    const TSTEPS = [
      ['loader', 2, 1],
      ['krtld', 56, 56],
      ['drivers', 25, 0],
      ['root', 11, 11],
      ['console', 4, 4],
      ['init', 3, 3],
      ['handover', 0, 2],
    ];

    it("TRAMPOLINE_ROOT='label:...': a label root, and the image's own init steps are not walked", async () => {
      const r = await runBootCheck(tramp("TRAMPOLINE_INIT=/sbin/init\nTRAMPOLINE_ROOT='label:data'\n"), { target: 't', console: 'ttya' });
      expect(steps(r)).toEqual(TSTEPS);
      expect(handover(r)).toEqual([NO_EXEC, 'label root: the chroot hand-over suits']);
    });

    it('TRAMPOLINE_ROOT=label:... unquoted is a label root too; a pool name is a pool root', async () => {
      expect(handover(await runBootCheck(tramp('TRAMPOLINE_ROOT=label:data\n'), { target: 't', console: 'ttya' }))).toEqual([NO_EXEC, 'label root: the chroot hand-over suits']);
      const pool = await runBootCheck(tramp("TRAMPOLINE_ROOT='pool:rpool'\n"), { target: 't', console: 'ttya' });
      expect(steps(pool)).toEqual(TSTEPS);
      expect(handover(pool)).toEqual([NO_EXEC, 'pool root: the chroot hand-over suits']);
    });

    it('the method given wins over the file; given without the file, it still makes a trampoline', async () => {
      expect(handover(await runBootCheck(tramp("TRAMPOLINE_ROOT='label:data'\n"), { target: 't', console: 'ttya', trampoline: { method: 'pool' } }))).toEqual([NO_EXEC, 'pool root: the chroot hand-over suits']);
      const r = await runBootCheck(bare(), { target: 't', console: 'ttya', trampoline: { method: 'label' } });
      expect(steps(r)).toEqual(TSTEPS);
      expect(handover(r)).toEqual([NO_EXEC, 'label root: the chroot hand-over suits']);
    });
  });
});

describe('what the target is: sniffed from its name, type and first bytes', () => {
  const file = async (name: string, data: string | Buffer) => {
    const p = join(work, 'sniff', name);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, data);
    return p;
  };
  const at = (size: number, offset: number, bytes: Buffer) => {
    const b = Buffer.alloc(size);
    bytes.copy(b, offset);
    return b;
  };
  const NOT = "is neither a proto area, a Solaris UFS image, a gzip'd boot_archive, an ISO 9660 image nor a manifest.json";

  it('refuses a path that does not exist', async () => {
    const p = join(work, 'sniff', 'nothing');
    expect(await refusal(checkTarget(p, opts()))).toBe(`InputError: ${p} does not exist; give a proto area, a .ufs image, a boot_archive, an .iso or a build's manifest.json`);
  });

  it('refuses a file with no known signature: too short to be an image below 9568 bytes', async () => {
    const short = await file('short.bin', 'not an image');
    expect(await refusal(checkTarget(short, opts()))).toBe(`InputError: ${short} ${NOT} (it is too short to be an image)`);
    const under = await file('under.bin', Buffer.alloc(9567));
    expect(await refusal(checkTarget(under, opts()))).toBe(`InputError: ${under} ${NOT} (it is too short to be an image)`);
    const zeros = await file('zeros.bin', Buffer.alloc(9568));
    expect(await refusal(checkTarget(zeros, opts()))).toBe(`InputError: ${zeros} ${NOT} (no known signature)`);
  });

  it('an ISO: CD001 at byte 32769 (the file may end right after it)', async () => {
    const iso = await file('bare.iso', at(32774, 32769, Buffer.from('CD001')));
    expect(await refusal(checkTarget(iso, opts()))).toBe(`InputError: ${iso} holds no boot loader configuration (boot/loader.conf, boot/grub/grub.cfg or boot/grub/menu.lst); is it an illumos boot ISO?`);
    const near = await file('near.iso', at(32774, 32768, Buffer.from('CD001')));
    expect(await refusal(checkTarget(near, opts()))).toBe(`InputError: ${near} ${NOT} (no known signature)`);
  });

  it("a UFS image: the superblock's magic at byte 8192 + 1372", async () => {
    const magic = Buffer.alloc(4);
    magic.writeUInt32LE(0x011954);
    const img = await file('magic.ufs', at(9568, 8192 + 1372, magic));
    expect(await refusal(checkTarget(img, opts()))).toBe(`UfsFormatError: ${img} is too short to be a UFS image (9568 bytes; its superblock alone ends at byte 16384)`);
    const off = await file('off.ufs', at(9568, 8192 + 1368, magic));
    expect(await refusal(checkTarget(off, opts()))).toBe(`InputError: ${off} ${NOT} (no known signature)`);
  });

  it("a gzip'd boot_archive: the gzip magic", async () => {
    const gz = await file('two.gz', Buffer.from([0x1f, 0x8b]));
    expect(await refusal(checkTarget(gz, opts()))).toBe(`InputError: ${gz} is not a readable boot archive (unexpected end of file); it should be a UFS image, gzip'd or not`);
    const half = await file('half.gz', Buffer.from([0x1f, 0x8c]));
    expect(await refusal(checkTarget(half, opts()))).toBe(`InputError: ${half} ${NOT} (it is too short to be an image)`);
  });

  it('a manifest: a JSON object, "{" after white space within the first 64 bytes', async () => {
    const m = await file('m.json', ' \n\t{"profile": 1}');
    expect(await refusal(checkTarget(m, opts()))).toBe(`InputError: ${m} is not a compose manifest: "profile": a string`);
    const late = await file('late.json', `${' '.repeat(64)}{}`);
    expect(await refusal(checkTarget(late, opts()))).toBe(`InputError: ${late} ${NOT} (it is too short to be an image)`);
    const text = await file('text.json', 'x{}');
    expect(await refusal(checkTarget(text, opts()))).toBe(`InputError: ${text} ${NOT} (it is too short to be an image)`);
  });

  it('a proto tarball by its name (.tar, .tar.gz, .tgz, any case), whatever it holds', async () => {
    for (const name of ['p.tar.gz', 'p.tgz', 'P.TGZ']) {
      const p = await file(name, 'junk');
      expect(await refusal(checkTarget(p, opts()))).toBe(`InputError: ${p} is not a readable gzip-compressed tarball (incorrect header check); check the file is complete`);
    }
    const tar = await file('p.tar', 'junk');
    expect(await refusal(checkTarget(tar, opts()))).toBe(`InputError: ${tar} is not a readable tarball (Unexpected end of data); check the file is complete`);
    for (const name of ['p.tar.bak', 'ptgz']) {
      const p = await file(name, 'junk');
      expect(await refusal(checkTarget(p, opts()))).toBe(`InputError: ${p} ${NOT} (it is too short to be an image)`);
    }
  });
});

describe('checking built outputs', () => {
  const out = async (name: string) => {
    const d = join(work, 'out', name);
    await mkdir(d, { recursive: true });
    return d;
  };

  it('a .ufs image: the report of its tree, on the profile\'s console or the one given; the launcher found from its launcher.conf', async () => {
    const r = await checkTarget(ufs, opts());
    expect(r).toEqual(await expected(ufs, { target: ufs, console: 'ttya', mediaFindings: [] }));
    expect(r.target).toBe(ufs);
    expect(messages(r, 'shell')[1]).toBe("the profile's shell /bin/zsh cannot run (/bin/zsh is not in the image); the launcher falls back to /sbin/sh");
    const text = await checkTarget(ufs, opts({ console: 'text' }));
    expect(text).toEqual(await expected(ufs, { target: ufs, console: 'text', mediaFindings: [] }));
    expect(messages(text, 'console')[0]).toBe('drv/vgatext: drv/vgatext is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64); no text console on the screen');
  });

  describe("a boot_archive and its hash", () => {
    it('unpacked and checked as its image; the hash agrees (after its newline)', async () => {
      const r = await checkTarget(archive, opts());
      expect(r).toEqual(await expected(ufs, { target: archive, console: 'ttya', mediaFindings: [] }));
      const ttyb = await checkTarget(archive, opts({ console: 'ttyb' }));
      expect(ttyb).toEqual(await expected(ufs, { target: archive, console: 'ttyb', mediaFindings: [] }));
    });

    it('a hash from another build: dboot panics; no hash file: nothing to compare', async () => {
      const d = await out('hash');
      const a = join(d, 'x.boot_archive');
      await copyFile(archive, a);
      await writeFile(`${a}.hash`, `${'0'.repeat(40)}\n`);
      const mismatch: Finding = {
        step: 'loader',
        severity: 'panic',
        message: `the archive's SHA-1 is ${sha1}, but x.boot_archive.hash says ${'0'.repeat(40)}: dboot panics with "hash mismatch!"`,
        source: 'usr/src/uts/i86pc/dboot/dboot_startkern.c check_images',
        fix: 'rebuild: the archive and its hash must come from the same build',
      };
      expect(await checkTarget(a, opts())).toEqual(await expected(ufs, { target: a, console: 'ttya', mediaFindings: [mismatch] }));
      await rm(`${a}.hash`);
      expect(await checkTarget(a, opts())).toEqual(await expected(ufs, { target: a, console: 'ttya', mediaFindings: [] }));
    });

    it('is unpacked in a temporary directory under COMPOSE_TMPDIR, removed afterwards', async () => {
      const before = process.env.COMPOSE_TMPDIR;
      try {
        const tmp = await out('tmp');
        process.env.COMPOSE_TMPDIR = tmp;
        await checkTarget(archive, opts());
        expect(await readdir(tmp)).toEqual([]);
        process.env.COMPOSE_TMPDIR = join(tmp, 'missing');
        expect((await refusal(checkTarget(archive, opts()))).replace(/-[A-Za-z0-9]{6}'$/, "-XXXXXX'")).toBe(`Error: ENOENT: no such file or directory, mkdtemp '${join(tmp, 'missing', 'illumos-compose-check-XXXXXX')}'`);
      } finally {
        if (before === undefined) delete process.env.COMPOSE_TMPDIR;
        else process.env.COMPOSE_TMPDIR = before;
      }
    });
  });

  describe('an ISO: its loader plan, the archive it loads, and the serial speed the loader runs', () => {
    const serial = (config: string, console: string, loader: number, kernel: number, from: string): Finding => ({
      step: 'console',
      severity: 'unusable',
      message: `${config} runs ${console} at ${loader} baud, but the kernel sets it to ${kernel} (${from}): on a real serial line everything after the loader is garbled (emulators ignore the speed)`,
      source: 'usr/src/uts/i86pc/os/fakebop.c read_bootenvrc; usr/src/uts/common/io/asy.c asy_parse_mode',
      fix: "rebuild with this version of compose (every loader runs at the kernel's speed), or set boot.serial_speed in the profile",
    });
    const grub = (serialLine: string, args: string) =>
      `${serialLine}\nmenuentry "x" {\n  multiboot2 /platform/i86pc/kernel/amd64/unix${args}\n  module2 /platform/i86pc/amd64/boot_archive.hash type=hash\n  module2 --nounzip /platform/i86pc/amd64/boot_archive type=rootfs\n}\n`;

    async function iso(name: string, config: Record<string, string>, kernel = true): Promise<string> {
      const root = join(work, 'iso', name);
      const files: Record<string, string | Buffer> = { ...config, 'platform/i86pc/amd64/boot_archive.hash': `${sha1}\n` };
      if (kernel) files['platform/i86pc/kernel/amd64/unix'] = 'unix';
      for (const [p, data] of Object.entries(files)) {
        await mkdir(dirname(join(root, p)), { recursive: true });
        await writeFile(join(root, p), data);
      }
      await copyFile(archive, join(root, 'platform/i86pc/amd64/boot_archive'));
      const path = join(work, 'iso', `${name}.iso`);
      await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', path, root]);
      return path;
    }

    async function judged(name: string, config: Record<string, string>, loader: string, console: 'ttya' | 'ttyb' | 'text', media: Finding[], kernel = true) {
      const path = await iso(name, config, kernel);
      const r = await checkTarget(path, opts({ console: 'ttyb' }));
      expect(r.target).toBe(`${path} (${loader}, console ${console})`);
      expect(r).toEqual(await expected(ufs, { target: `${path} (${loader}, console ${console})`, console, mediaFindings: media }));
    }

    it('GRUB runs ttya at 115200 and bootenv.rc sets 9600: unusable on a real serial line', async () => {
      await judged('fast', { 'boot/grub/grub.cfg': grub('serial --unit=0 --speed=115200', ' -B console=ttya') }, 'grub2', 'ttya', [serial('boot/grub/grub.cfg', 'ttya', 115200, 9600, 'ttya-mode in /boot/solaris/bootenv.rc')]);
    });

    it('GRUB legacy hands the kernel its own mode: that one counts, not bootenv.rc', async () => {
      const menu = 'serial --unit=0 --speed=115200\ntitle x\nkernel$ /platform/i86pc/kernel/$ISADIR/unix -B console=ttya,ttya-mode="19200,8,n,1,-"\nmodule$ /platform/i86pc/$ISADIR/boot_archive\n';
      await judged('legacy', { 'boot/grub/menu.lst': menu }, 'grub-legacy', 'ttya', [serial('boot/grub/menu.lst', 'ttya', 115200, 19200, 'ttya-mode from the loader')]);
    });

    it('no finding when the speeds agree; the loader\'s own findings (a missing kernel) are kept', async () => {
      const missing: Finding = {
        step: 'loader',
        severity: 'panic',
        message: 'boot/grub/grub.cfg boots /platform/i86pc/kernel/amd64/unix, which is not on the ISO',
        source: 'usr/src/boot/forth/loader.conf; usr/src/uts/i86pc/dboot/dboot_startkern.c (boot/grub/grub.cfg)',
        fix: 'rebuild the ISO (compose puts unix at platform/i86pc/kernel/amd64/unix)',
      };
      await judged('same', { 'boot/grub/grub.cfg': grub('serial --unit=0 --speed=9600', ' -B console=ttya') }, 'grub2', 'ttya', [missing], false);
    });

    it('no finding on the text console, without a serial speed, or when the kernel\'s mode has no speed', async () => {
      await judged('text', { 'boot/grub/grub.cfg': grub('serial --unit=0 --speed=115200', '') }, 'grub2', 'text', []);
      await judged('nospeed', { 'boot/grub/grub.cfg': grub('', ' -B console=ttya') }, 'grub2', 'ttya', []);
      await judged('ttyb', { 'boot/grub/grub.cfg': grub('serial --unit=0 --speed=115200', ' -B console=ttyb') }, 'grub2', 'ttyb', []);
    });
  });

  describe("a build's manifest: the image beside it must hold what it lists", () => {
    const differs = (n: number, examples: string[]): Finding => ({
      step: 'root',
      severity: 'degraded',
      message: `the image does not hold what the manifest lists (${n} difference${n > 1 ? 's' : ''}, e.g. ${examples.join('; ')}): the outputs are not from one build`,
      source: 'illumos-compose outputs',
      fix: 'rebuild into a fresh output directory',
    });
    const D = (p: string) => `/${p} differs (type, mode, owner or size)`;

    /** name.ufs (the sample image) and name.manifest.json (the sample's manifest, changed). */
    async function pair(name: string, change: (e: ManifestEntry[]) => ManifestEntry[] = (e) => e, image: 'ufs' | 'boot_archive' = 'ufs'): Promise<{ m: string; img: string }> {
      const d = await out('manifest');
      const img = join(d, `${name}.${image}`);
      await link(image === 'ufs' ? ufs : archive, img);
      const m = join(d, `${name}.manifest.json`);
      await writeFile(m, JSON.stringify({ ...manifest, entries: change(structuredClone(manifest.entries)) }));
      return { m, img };
    }
    const edit = (path: string, f: Partial<ManifestEntry>) => (entries: ManifestEntry[]) => entries.map((e) => (e.path === path ? { ...e, ...f } : e));

    it('the manifest of the same build: the image is checked, labelled with both', async () => {
      const { m, img } = await pair('same');
      const r = await checkTarget(m, opts({ console: 'ttyb' }));
      expect(r.target).toBe(`${img} (with same.manifest.json)`);
      expect(r).toEqual(await expected(ufs, { target: `${img} (with same.manifest.json)`, console: 'ttyb', mediaFindings: [] }));
    });

    it('one difference in mode, owner, group, file size or type is named', async () => {
      const cases: Array<[string, (e: ManifestEntry[]) => ManifestEntry[], string]> = [
        ['mode', edit('etc/motd', { mode: '0755' }), 'etc/motd'],
        ['uid', edit('etc/motd', { uid: 4 }), 'etc/motd'],
        ['gid', edit('etc/motd', { gid: 5 }), 'etc/motd'],
        ['size', edit('etc/motd', { size: 13 }), 'etc/motd'],
        ['type', edit('etc/fifo', { type: 'char' }), 'etc/fifo'],
      ];
      for (const [name, change, path] of cases) {
        const { m } = await pair(name, change);
        expect((await checkTarget(m, opts())).findings.filter((f) => f.source === 'illumos-compose outputs'), name).toEqual([differs(1, [D(path)])]);
      }
    });

    it('sizes count for files only; a hard link matches a file either way round', async () => {
      const { m } = await pair('dirsize', edit('etc', { size: 99 }));
      expect((await checkTarget(m, opts())).findings.filter((f) => f.source === 'illumos-compose outputs')).toEqual([]);
      expect(manifest.entries.filter((e) => e.path.startsWith('z')).map((e) => [e.path, e.type, e.size])).toEqual([
        ['z', 'dir', 0],
        ['z.c', 'hardlink', 12],
        ['z/b', 'file', 12],
      ]);
    });

    it('many differences: counted, the first three named (listed, then in the image only)', async () => {
      const change = (e: ManifestEntry[]) => [...edit('dev/null', { uid: 9 })(edit('etc', { mode: '0700' })(e)).filter((x) => x.path !== 'bin'), { path: 'ghost', type: 'file' as const, mode: '0644', uid: 0, gid: 0, size: 1 }];
      const want = differs(4, [D('dev/null'), D('etc'), '/ghost is listed but not in the image']);
      const { m } = await pair('many', change);
      expect((await checkTarget(m, opts())).findings.filter((f) => f.source === 'illumos-compose outputs')).toEqual([want]);
      const two = await pair('two', (e) => e.filter((x) => x.path !== 'bin' && x.path !== 'etc/fifo'));
      expect((await checkTarget(two.m, opts())).findings.filter((f) => f.source === 'illumos-compose outputs')).toEqual([differs(2, ['/bin is in the image but not listed', '/etc/fifo is in the image but not listed'])]);
    });

    it('with a boot_archive beside it instead (a .ufs beside it wins)', async () => {
      const { m, img } = await pair('arch', edit('etc/motd', { uid: 4 }), 'boot_archive');
      const r = await checkTarget(m, opts());
      expect(r).toEqual(await expected(ufs, { target: `${img} (with arch.manifest.json)`, console: 'ttya', mediaFindings: [differs(1, [D('etc/motd')])] }));
      await link(ufs, join(dirname(m), 'arch.ufs'));
      expect((await checkTarget(m, opts())).target).toBe(`${join(dirname(m), 'arch.ufs')} (with arch.manifest.json)`);
    });

    it('refuses a manifest with no image beside it', async () => {
      const d = await out('alone');
      const m = join(d, 'alone.manifest.json');
      await writeFile(m, JSON.stringify(manifest));
      expect(await refusal(checkTarget(m, opts()))).toBe(`InputError: ${m}: there is no alone.ufs or alone.boot_archive beside it to check; build with --format ufs or iso`);
      const plain = join(d, 'plain.json');
      await writeFile(plain, JSON.stringify(manifest));
      expect(await refusal(checkTarget(plain, opts()))).toBe(`InputError: ${plain}: there is no plain.json.ufs or plain.json.boot_archive beside it to check; build with --format ufs or iso`);
    });
  });
});

describe('a proto area: composed with the profile, then checked', () => {
  let proto: string;
  beforeAll(async () => {
    proto = join(work, 'proto');
    for (const d of ['kernel', 'platform/i86pc/kernel', 'usr', 'etc']) await mkdir(join(proto, d), { recursive: true });
  });
  const composed = async (profile: Profile) => (await composeTree({ proto, profile, reporter: silentReporter })).tree;

  it("labelled with the profile; the profile's console (not --console), its launcher", async () => {
    const r = await checkTarget(proto, opts({ console: 'text' }));
    expect(r.target).toBe(`${proto} with profile pureboot`);
    expect(r).toEqual(await runBootCheck(await composed(pureboot), { target: `${proto} with profile pureboot`, console: 'ttya', launcher: true }));
    const ttyb = resolveProfile('pureboot');
    ttyb.boot.console = 'ttyb';
    expect(await checkTarget(proto, opts({ profile: ttyb }))).toEqual(await runBootCheck(await composed(ttyb), { target: `${proto} with profile pureboot`, console: 'ttyb', launcher: true }));
  });

  it('a trampoline profile: its root method', async () => {
    for (const root of ['pool:rpool', 'label:data']) {
      const p = resolveProfile('trampoline');
      p.keep = [];
      p.prune = 'globs';
      p.trampoline.root = root;
      const r = await checkTarget(proto, opts({ profile: p }));
      expect(r).toEqual(await runBootCheck(await composed(p), { target: `${proto} with profile trampoline`, console: 'ttya', trampoline: { method: root.startsWith('label') ? 'label' : 'pool' } }));
      expect(r.steps.map((s) => s.step)).toEqual(['loader', 'krtld', 'drivers', 'root', 'console', 'init', 'handover']);
    }
  });
});
