import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { runBootCheck } from '../../src/check/run-check.js';
import type { CheckReport } from '../../src/check/findings.js';
import { composeTree } from '../../src/pipeline/compose-tree.js';
import { resolveProfile } from '../../src/profile/resolve.js';
import { putGeneratedFile } from '../../src/overlay/generated.js';
import { planBootTest } from '../../src/boot/boot-test.js';
import type { StagedTree } from '../../src/stage/tree.js';
import { silentReporter } from '../../src/util/progress.js';
import { makeDemoProto, runCli, tempDir } from '../support/cli.js';
import { BUILD_DEFINES, writeGateWorkspace, type GateWorkspace } from '../support/gate-proto.js';

// `compose check` and the build's boot check, on a proto area made from the gate's own package
// manifests (test/support/gate-proto.ts): pureboot and minimal pass; each critical piece taken
// away is named with its severity and gate source. Then the built outputs (.ufs, boot_archive,
// .iso, manifest) are checked, tampered with, and checked again.

let gate: GateWorkspace;

beforeAll(async () => {
  gate = await writeGateWorkspace(join(await tempDir(), 'ws'));
}, 120_000);

const report = (stdout: string): CheckReport => JSON.parse(stdout) as CheckReport;

describe('the boot check of images made from the gate manifests', () => {
  for (const profile of ['pureboot', 'minimal', 'trampoline']) {
    it(`${profile}: boots to a shell, step by step`, async () => {
      const r = await runCli(['check', '-p', profile, '--json', '--quiet', gate.proto]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      const rep = report(r.stdout);
      expect(rep.bootable).toBe(true);
      expect(rep.findings.filter((f) => f.severity !== 'note')).toEqual([]);
      for (const s of rep.steps) expect(s.checked, s.step).toBeGreaterThan(0);
    });
  }

  it('infers the build machine\'s macros from the proto, as the "build" set them', async () => {
    const r = await runCli(['plan', '--json', '--quiet', gate.proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    const inferred = Object.fromEntries((JSON.parse(r.stdout).manifests.macros.inferred as Array<{ name: string; value: string }>).map((i) => [i.name, i.value]));
    for (const name of ['PYTHON_VERSION', 'PYTHON3_VERSION', 'PERL_VERSION', 'python2_ONLY', 'python3_ONLY', 'python2tools_ONLY', 'python3tools_ONLY']) {
      expect(inferred[name], name).toBe(BUILD_DEFINES[name]);
    }
    // --define wins over inference.
    const d = await runCli(['plan', '--json', '--quiet', '--define', 'PYTHON_VERSION=2.6', gate.proto]);
    const m = JSON.parse(d.stdout).manifests.macros;
    expect(m.defined).toEqual({ PYTHON_VERSION: '2.6' });
    expect(m.inferred.some((i: { name: string }) => i.name === 'PYTHON_VERSION')).toBe(false);
  });

  it('the minimal image keeps etc/dev and the trampoline image /a; taken away, with the root left read-only, the check names devfsadm at its line', async () => {
    const dir = await tempDir();
    const out = await tempDir();
    for (const profile of ['minimal', 'trampoline']) {
      expect((await runCli(['-p', profile, '--format', 'tar', '-o', out, '--quiet', gate.proto])).exitCode).toBe(0);
      const list = (await execa('tar', ['-tf', join(out, `${profile}.tar`)])).stdout.split('\n');
      expect(list, profile).toContain(profile === 'minimal' ? 'etc/dev/' : 'a/');
    }
    // The launcher's remount program and etc/dev gone: devfsadm runs on the read-only root.
    writeFileSync(join(dir, 'no-dev.yaml'), 'extends: pureboot\nexclude:\n  - etc/dev\n  - etc/fs/ufs/mount\n');
    const r = await runCli(['check', '-p', join(dir, 'no-dev.yaml'), '--json', '--quiet', gate.proto]);
    const rep = report(r.stdout);
    const launcher = readFileSync(join(import.meta.dirname, '../../overlays/pureboot/etc/compose/launcher'), 'utf8').split('\n');
    const line = launcher.findIndex((l) => l.includes('/usr/sbin/devfsadm > /dev/null')) + 1;
    const named = rep.findings.filter((f) => f.at?.file === 'etc/compose/launcher' && f.at.line === line).map((f) => [f.rule, f.severity]);
    expect(named).toEqual([
      ['devfsadm.writable-root', 'degraded'],
      ['devfsadm.etc-dev', 'degraded'],
    ]);
    expect(rep.findings.find((f) => f.rule === 'devfsadm.etc-dev')?.source).toMatch(/usr\/src\/cmd\/devfsadm\/devfsadm\.c/);
  });

  it('storage on a pool: clean for pureboot and minimal; without the zfs link module the check names /dev/zfs at the storage script\'s zpool line', async () => {
    const dir = await tempDir();
    for (const base of ['pureboot', 'minimal']) {
      writeFileSync(join(dir, `${base}-data.yaml`), `extends: ${base}\nstorage:\n  pool: zones\n  mounts: { /var: zones/var, /opt: zones/opt }\n`);
      const r = await runCli(['check', '-p', join(dir, `${base}-data.yaml`), '--json', '--quiet', gate.proto]);
      expect(r.exitCode, r.stdout).toBe(0);
      expect(report(r.stdout).findings.filter((f) => f.severity !== 'note'), base).toEqual([]);
    }
    writeFileSync(join(dir, 'no-link.yaml'), 'extends: pureboot\nstorage:\n  pool: zones\n  mounts: { /var: zones/var }\nexclude:\n  - usr/lib/devfsadm/linkmod/SUNW_zfs_link.so\n');
    const bad = report((await runCli(['check', '-p', join(dir, 'no-link.yaml'), '--json', '--quiet', gate.proto])).stdout);
    expect(bad.findings.filter((f) => f.rule === 'zpool.dev-zfs').map((f) => [f.severity, f.at?.file])).toEqual([
      ['degraded', 'etc/compose/storage'],
      ['degraded', 'etc/compose/storage'],
    ]);
  });

  describe('names each critical piece taken away', () => {
    let tree: StagedTree;
    beforeAll(async () => {
      tree = (await composeTree({ proto: gate.proto, profile: resolveProfile('pureboot'), reporter: silentReporter })).tree;
      expect((await check(tree)).bootable).toBe(true);
    }, 60_000);

    const check = (t: StagedTree) => runBootCheck(t, { target: 't', console: 'ttya', launcher: true });
    async function without(change: (t: StagedTree) => void) {
      const t = tree.clone();
      change(t);
      return check(t);
    }
    const find = (r: CheckReport, re: RegExp) => r.findings.find((f) => re.test(f.message));

    it('a boot module: drv/iwscn (consconfig panics without it)', async () => {
      const r = await without((t) => t.remove('kernel/drv/amd64/iwscn'));
      expect(find(r, /drv\/iwscn/)).toMatchObject({ severity: 'panic', step: 'krtld', source: expect.stringMatching(/consconfig_dacf\.c/) });
    });

    it('a module deep in a dependency chain: misc/usba, below misc/consconfig', async () => {
      const r = await without((t) => t.remove('kernel/misc/amd64/usba'));
      expect(find(r, /misc\/consconfig: .*needs dacf\/consconfig_dacf: .*needs misc\/usbser: .*needs misc\/usba/)?.severity).toBe('panic');
    });

    it('a loadable system call: sys/pipe', async () => {
      const r = await without((t) => t.remove('kernel/sys/amd64/pipe'));
      expect(find(r, /pipe\(2\) cannot be loaded/)).toMatchObject({ severity: 'unusable', step: 'shell' });
    });

    it('a major: sad, whose /dev/sad/admin autopush opens', async () => {
      const r = await without((t) => {
        const n2m = t.get('etc/name_to_major')!;
        const text = (n2m.source as { data: Buffer }).data.toString().replace(/^sad \d+\n/m, '');
        putGeneratedFile(t, 'etc/name_to_major', text, 'test', 0);
      });
      expect(find(r, /etc\/name_to_major has no line for sad\b/)?.severity).toBe('unusable');
      expect(find(r, /\/sbin\/autopush\) opens \/dev\/sad\/admin: .*driver sad/)?.severity).toBe('unusable');
    });

    it('the /dev/sad/admin link', async () => {
      const r = await without((t) => t.remove('dev/sad/admin'));
      expect(find(r, /opens \/dev\/sad\/admin: \/dev\/sad\/admin is not in the image/)).toMatchObject({ severity: 'unusable', step: 'sysinit', source: expect.stringMatching(/autopush\.c/) });
    });

    it("sbin/init's libc", async () => {
      const r = await without((t) => t.remove('lib/libc.so.1'));
      expect(find(r, /\/sbin\/init needs libc\.so\.1/)).toMatchObject({ severity: 'panic', step: 'init' });
    });

    it("the launcher's setpgrp (the shell's controlling terminal)", async () => {
      const r = await without((t) => t.remove('usr/bin/setpgrp'));
      expect(find(r, /setpgrp/)).toMatchObject({ severity: 'degraded', step: 'smf', message: expect.stringMatching(/no controlling terminal/) });
      expect(r.bootable).toBe(true);
    });

    it('the etc/iu.ap line of the serial console', async () => {
      const r = await without((t) => putGeneratedFile(t, 'etc/iu.ap', '\twc\t-1\t0\tldterm ttcompat\n', 'test', 0));
      expect(find(r, /has no line for asy/)?.severity).toBe('unusable');
    });
  });
});

describe('workspace tarballs and state files', () => {
  it('recognises a tarball of a whole workspace (proto and manifests) and builds a bootable image from it', async () => {
    const dir = await tempDir();
    const tgz = join(dir, 'ws.tgz');
    await execa('tar', ['-czf', tgz, '-C', gate.ws, 'proto', 'usr']);
    const out = join(dir, 'out');
    const r = await runCli(['-p', 'minimal', '--format', 'tar', '-o', out, tgz]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/using package manifests from the workspace tarball/);
    // GNU tar reads the state file the workspace's driver actions filled.
    const n2m = (await execa('tar', ['-xOf', join(out, 'minimal.tar'), 'etc/name_to_major'])).stdout;
    expect(n2m).toMatch(/^rootnex \d+$/m);
    expect(n2m).toMatch(/^iwscn \d+$/m);
  });

  it('a proto tarball alone cannot boot; --manifests makes it bootable', async () => {
    const dir = await tempDir();
    const tgz = join(dir, 'proto.tgz');
    await execa('tar', ['-czf', tgz, '-C', join(gate.ws, 'proto'), 'root_i386']);
    const bare = await runCli(['check', '--quiet', tgz]);
    expect(bare.exitCode).toBe(1);
    expect(bare.stdout).toMatch(/panic: \[drivers\] etc\/name_to_major has no line for [^:]*\brootnex\b/);
    expect(bare.stdout).toMatch(/--manifests/);
    const build = await runCli(['--quiet', '-o', join(dir, 'out'), tgz]);
    expect(build.exitCode).toBe(3);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const withManifests = await runCli(['check', '--quiet', '--manifests', gate.manifests, tgz]);
    expect(withManifests.exitCode, withManifests.stdout).toBe(0);
  });
});

describe('checking built outputs', () => {
  let out: string;
  beforeAll(async () => {
    const proto = await makeDemoProto();
    out = await tempDir();
    const r = await runCli(['-p', join(proto, '../../demo.yaml'), '--format', 'iso,ufs', '-o', out, '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
  }, 120_000);

  for (const name of ['demo.ufs', 'demo.boot_archive', 'demo.iso', 'demo.manifest.json']) {
    it(`${name}: boots to a shell`, async () => {
      const r = await runCli(['check', '--json', join(out, name)]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(report(r.stdout).bootable).toBe(true);
    });
  }

  it('a boot_archive whose hash is from another build: dboot would panic', async () => {
    const dir = await tempDir();
    await copyFile(join(out, 'demo.boot_archive'), join(dir, 'demo.boot_archive'));
    await writeFile(join(dir, 'demo.boot_archive.hash'), `${'0'.repeat(40)}\n`);
    const r = await runCli(['check', '--json', join(dir, 'demo.boot_archive')]);
    expect(r.exitCode).toBe(1);
    expect(report(r.stdout).findings[0]).toMatchObject({ step: 'loader', severity: 'panic', message: expect.stringMatching(/hash mismatch!/) });
  });

  it('an ISO whose GRUB runs the serial line at another speed than the kernel: unusable on real hardware', async () => {
    const dir = await tempDir();
    await execa('xorriso', ['-osirrox', 'on', '-indev', join(out, 'demo.iso'), '-extract', '/boot/grub/grub.cfg', join(dir, 'orig.cfg')]);
    const cfg = readFileSync(join(dir, 'orig.cfg'), 'utf8');
    expect(cfg).toMatch(/serial --unit=0 --speed=9600/);
    writeFileSync(join(dir, 'grub.cfg'), cfg.replace('--speed=9600', '--speed=115200'));
    await execa('xorriso', ['-indev', join(out, 'demo.iso'), '-outdev', join(dir, 'fast.iso'), '-boot_image', 'any', 'replay', '-map', join(dir, 'grub.cfg'), '/boot/grub/grub.cfg', '-commit']);
    const r = await runCli(['check', '--json', join(dir, 'fast.iso')]);
    expect(r.exitCode).toBe(1);
    expect(report(r.stdout).findings.find((f) => f.step === 'console')?.message).toMatch(/runs ttya at 115200 baud, but the kernel sets it to 9600/);
  });

  it('a manifest and an image from different builds', async () => {
    const dir = await tempDir();
    await copyFile(join(out, 'demo.ufs'), join(dir, 'demo.ufs'));
    const m = JSON.parse(await readFile(join(out, 'demo.manifest.json'), 'utf8'));
    m.entries = m.entries.filter((e: { path: string }) => e.path !== 'usr/bin/vi');
    await writeFile(join(dir, 'demo.manifest.json'), JSON.stringify(m));
    const r = await runCli(['check', '--json', join(dir, 'demo.manifest.json')]);
    expect(report(r.stdout).findings.find((f) => f.step === 'root')?.message).toMatch(/usr\/bin\/vi is in the image but not listed/);
  });

  it('refuses what is not an image, in one line', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'junk.bin'), 'not an image');
    const r = await runCli(['check', join(dir, 'junk.bin')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/too short to be an image/);
  });
});

describe('boot-test memory', () => {
  it('takes its memory from the boot archive in the ISO: a 570 MB ramdisk gets 1536 MB', async () => {
    const dir = await tempDir();
    const root = join(dir, 'root');
    await mkdir(join(root, 'platform/i86pc/amd64'), { recursive: true });
    const zero = Buffer.alloc(1 << 20);
    await pipeline(
      Readable.from((function* () {
        for (let i = 0; i < 570; i++) yield zero;
      })()),
      createGzip({ level: 1 }),
      createWriteStream(join(root, 'platform/i86pc/amd64/boot_archive')),
    );
    const iso = join(dir, 'big.iso');
    await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', iso, root]);
    const plan = await planBootTest({ iso });
    expect(plan.memory).toMatchObject({ source: 'image', archive: { path: 'platform/i86pc/amd64/boot_archive', uncompressed: 570 * 1048576 } });
    expect(plan.settings.memoryMiB).toBe(1536);
    // --memory wins (and the CLI warns when it is too little).
    expect((await planBootTest({ iso, memory: '1024' })).settings.memoryMiB).toBe(1024);
  }, 60_000);
});
