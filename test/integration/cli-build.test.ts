import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, statSync, lstatSync, readlinkSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, dirname } from 'node:path';
import tarStream from 'tar-stream';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { makeDemoProto, runCli, tempDir } from '../support/cli.js';
import { readTar } from '../support/tar-read.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

let proto: string;
let out: string;
let first: { stdout: string; exitCode: number; stderr: string };

beforeAll(async () => {
  proto = await makeDemoProto();
  out = await tempDir();
  first = await runCli(['-p', 'pureboot', '--format', 'dir,tar', '-o', out, '--json', proto]);
});

describe('compose build on the demo proto', () => {
  it('succeeds and reports its outputs as JSON', () => {
    expect(first.exitCode, first.stderr).toBe(0);
    const r = JSON.parse(first.stdout);
    expect(r.profile).toBe('pureboot');
    expect(r.outputs.map((o: { format: string }) => o.format)).toEqual(['dir', 'tar', 'manifest']);
    expect(r.summary.setuid).toBe(2);
  });

  it('writes a tar with owners and modes from the workspace manifests (read back with tar-stream and GNU tar)', async () => {
    const members = await readTar(join(out, 'pureboot.tar'));
    expect(members.length).toBeGreaterThan(200);
    const byName = new Map(members.map((m) => [m.name, m]));
    // demo-SUNWcs.p5m: usr/bin/passwd mode=6555 group=sys; the image's etc/group says sys is 3.
    expect(byName.get('usr/bin/passwd')).toMatchObject({ mode: 0o6555, uid: 0, gid: 3 });
    expect(byName.get('etc/shadow')).toMatchObject({ mode: 0o400, uid: 0, gid: 3 });
    // Entries no manifest mentions stay root:root.
    expect(byName.get('usr/bin/ls')).toMatchObject({ uid: 0, gid: 0 });
    expect(byName.get('usr/bin/su')?.mode).toBe(0o4555);
    expect(byName.get('tmp/')?.mode).toBe(0o1777);
    expect(byName.get('etc/compose/launcher')?.mode).toBe(0o555);
    expect(byName.get('sbin/sh')).toMatchObject({ type: 'symlink', linkname: '../usr/bin/i86/ksh93' });
    const links = members.filter((m) => m.type === 'link').map((m) => m.name).sort();
    expect(links).toEqual(['kernel/fs/amd64/zfs', 'usr/bin/ksh93', 'usr/bin/rksh', 'usr/bin/sh', 'usr/lib/isaexec']);
    // The owner of the group holds the bytes: the same as the proto's isaexec.
    expect(byName.get('usr/bin/ksh')?.sha256).toBe(sha(join(proto, 'usr/lib/isaexec')));
    // GNU tar agrees on numeric ownership and modes.
    const gnu = await execa('tar', ['--numeric-owner', '-tvf', join(out, 'pureboot.tar'), 'usr/bin/passwd']);
    expect(gnu.stdout).toMatch(/^-r-sr-sr-x 0\/3 +30000 /);
  });

  it('has a tar that GNU tar lists entry for entry as the manifest says (type, mode, owner, size, target)', async () => {
    const m = JSON.parse(readFileSync(join(out, 'pureboot.manifest.json'), 'utf8'));
    const gnu = await execa('tar', ['--numeric-owner', '--quoting-style=literal', '-tvf', join(out, 'pureboot.tar')]);
    const listed = new Map<string, string>();
    for (const line of gnu.stdout.split('\n')) {
      // -r-sr-sr-x 0/3   30000 2026-01-01 00:00 usr/bin/passwd   (links: "name -> t" / "name link to t")
      const f = /^(\S+) (\d+)\/(\d+) +(\d+) \S+ \S+ (.*)$/.exec(line);
      expect(f, line).not.toBeNull();
      listed.set(f![5].replace(/\/$/, '').replace(/ (->|link to) .*$/, ''), line);
    }
    const typeChar: Record<string, string> = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' };
    const perms = (mode: number): string => {
      const bit = (b: number, c: string) => (mode & b ? c : '-');
      const x = (b: number, s: number, on: string, off: string) => (mode & s ? (mode & b ? on : off) : bit(b, 'x'));
      return `${bit(0o400, 'r')}${bit(0o200, 'w')}${x(0o100, 0o4000, 's', 'S')}${bit(0o40, 'r')}${bit(0o20, 'w')}${x(0o10, 0o2000, 's', 'S')}${bit(0o4, 'r')}${bit(0o2, 'w')}${x(0o1, 0o1000, 't', 'T')}`;
    };
    expect(listed.size).toBe(m.entries.length + 1); // plus ./
    for (const e of m.entries) {
      const line = listed.get(e.path);
      expect(line, e.path).toBeDefined();
      const [, modeStr, uid, gid, size] = /^(\S+) (\d+)\/(\d+) +(\d+)/.exec(line!)!;
      expect(modeStr, e.path).toBe(`${typeChar[e.type]}${perms(parseInt(e.mode, 8))}`);
      expect([Number(uid), Number(gid)], e.path).toEqual([e.uid, e.gid]);
      if (e.type === 'file') expect(Number(size), e.path).toBe(e.size);
      if (e.type === 'symlink') expect(line, e.path).toContain(` -> ${e.target}`);
      if (e.type === 'hardlink') expect(line, e.path).toContain(` link to ${e.target}`);
    }
  });

  it('without manifests the proto\'s nearly empty name_to_major cannot boot: exit 3 naming the drivers and the fix, nothing written', async () => {
    const o = join(await tempDir(), 'out');
    const r = await runCli(['--no-manifests', '--format', 'tar', '-o', o, '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/panic: etc\/name_to_major has no line for [^:]*\brootnex\b/);
    expect(r.stderr).toMatch(/--manifests .*--state-from/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(o)).toBe(false);
  });

  it('with --no-manifests and --no-check, every entry is root:root with the proto modes', async () => {
    const o = await tempDir();
    const r = await runCli(['--no-manifests', '--no-check', '--format', 'tar', '-o', o, '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    const members = await readTar(join(o, 'pureboot.tar'));
    for (const m of members) expect([m.name, m.uid, m.gid]).toEqual([m.name, 0, 0]);
    expect(members.find((m) => m.name === 'usr/bin/passwd')?.mode).toBe(0o6555);
    expect(members.find((m) => m.name === 'usr/bin/su')?.mode).toBe(0o4555);
  });

  it('stages inittab, the launcher and the mount points', () => {
    const root = join(out, 'pureboot.root');
    const inittab = readFileSync(join(root, 'etc/inittab'), 'utf8');
    expect(inittab.split('\n').filter((l) => !l.startsWith('#')).join('\n')).not.toMatch(/svc\.startd/);
    expect(inittab).toMatch(/^ap::sysinit:\/sbin\/autopush -f \/etc\/iu\.ap$/m);
    expect(inittab).toMatch(/^sp::sysinit:\/sbin\/soconfig -d \/etc\/sock2path\.d$/m);
    expect(inittab).toMatch(/^smf::sysinit:\/etc\/compose\/launcher /m);
    const launcher = readFileSync(join(root, 'etc/compose/launcher'), 'utf8');
    expect(launcher).toMatch(/remount,rw,nologging \/devices\/ramdisk:a \//);
    expect(launcher).toMatch(/mount -F tmpfs swap \/tmp/);
    expect(launcher).toMatch(/mount -F tmpfs swap \/var\/run/);
    expect(launcher).toMatch(/mount -F fd fd \/dev\/fd/);
    expect(launcher).toMatch(/COMPOSE-BOOT-OK \$COMPOSE_PROFILE/);
    expect(readFileSync(join(root, 'etc/compose/launcher.conf'), 'utf8')).toMatch(/^COMPOSE_PROFILE='pureboot'$/m);
    for (const d of ['dev', 'devices', 'proc', 'system/contract', 'system/object', 'system/boot', 'etc/svc/volatile', 'tmp', 'var/run', 'mnt']) {
      expect(statSync(join(root, d)).isDirectory(), d).toBe(true);
    }
    for (const f of ['etc/mnttab', 'etc/dfs/sharetab', 'reconfigure']) expect(statSync(join(root, f)).isFile(), f).toBe(true);
    expect(readFileSync(join(root, 'etc/path_to_inst'), 'utf8')).toBe('#path_to_inst_bootstrap_1\n');
    expect(statSync(join(root, 'usr/bin/passwd')).mode & 0o7777).toBe(0o6555);
    expect(lstatSync(join(root, 'bin')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'bin'))).toBe('./usr/bin');
    expect(statSync(join(root, 'usr/bin/ksh')).ino).toBe(statSync(join(root, 'usr/lib/isaexec')).ino);
  });

  it('writes a manifest sorted by path, with sha256 of every file', () => {
    const m = JSON.parse(readFileSync(join(out, 'pureboot.manifest.json'), 'utf8'));
    expect(m.profile).toBe('pureboot');
    const paths = m.entries.map((e: { path: string }) => e.path);
    expect(paths).toEqual([...paths].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
    const passwd = m.entries.find((e: { path: string }) => e.path === 'usr/bin/passwd');
    expect(passwd).toEqual({ path: 'usr/bin/passwd', type: 'file', mode: '6555', uid: 0, gid: 3, size: 30000, sha256: sha(join(proto, 'usr/bin/passwd')) });
    expect(m.entries.find((e: { path: string }) => e.path === 'usr/bin/sh')).toMatchObject({ type: 'hardlink', target: 'usr/bin/ksh' });
  });

  it('gives byte-identical tar and manifest on a second run with the same SOURCE_DATE_EPOCH', async () => {
    const out2 = await tempDir();
    const r = await runCli(['-p', 'pureboot', '--format', 'tar', '-o', out2, '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(sha(join(out2, 'pureboot.tar'))).toBe(sha(join(out, 'pureboot.tar')));
    expect(sha(join(out2, 'pureboot.manifest.json'))).toBe(sha(join(out, 'pureboot.manifest.json')));
  });
});

describe('tarball input', () => {
  it('gives the same manifest as the directory, for .tar.gz of the root and .tar with a root_i386/ prefix', async () => {
    const work = await tempDir();
    // GNU tar, in directory order (not sorted), like a user would make it.
    await execa('tar', ['-C', proto, '-czf', join(work, 'proto.tgz'), '.']);
    await execa('tar', ['-C', dirname(proto), '-cf', join(work, 'proto.tar'), 'root_i386']);
    for (const t of ['proto.tgz', 'proto.tar']) {
      const o = join(work, `out-${t}`);
      // A tarball has no workspace around it: name the manifests.
      const r = await runCli(['-p', 'pureboot', '--format', 'tar', '-o', o, '--quiet', '--manifests', join(proto, '../../usr/src/pkg/manifests'), join(work, t)]);
      expect(r.exitCode, r.stderr).toBe(0);
      const a = JSON.parse(readFileSync(join(o, 'pureboot.manifest.json'), 'utf8'));
      const b = JSON.parse(readFileSync(join(out, 'pureboot.manifest.json'), 'utf8'));
      expect(a.entries).toEqual(b.entries);
    }
  });

  it('picks root_i386 inside a workspace proto/ directory', async () => {
    const r = await runCli(['plan', '--json', dirname(proto)]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).proto).toBe(proto);
  });
});

async function tarWith(path: string, entries: Array<Record<string, unknown>>): Promise<void> {
  const pack = tarStream.pack();
  const done = pipeline(pack, createWriteStream(path));
  for (const e of entries) pack.entry(e as tarStream.Header & { name: string }, (e.body as string) ?? undefined);
  pack.finalize();
  await done;
}

describe('bad input fails cleanly', () => {
  const shape = [{ name: 'kernel/', type: 'directory' }, { name: 'platform/i86pc/kernel/', type: 'directory' }, { name: 'usr/', type: 'directory' }, { name: 'etc/', type: 'directory' }];

  it.each([
    ['a ../ entry', [...shape, { name: '../evil', type: 'file', body: 'x' }], /tarball|"\.\.\/evil" has a "\.\." component/],
    ['an absolute entry', [...shape, { name: '/etc/evil', type: 'file', body: 'x' }], /"\/etc\/evil" has an absolute path/],
    ['a symlink escaping the root', [...shape, { name: 'usr/evil', type: 'symlink', linkname: '../../etc/shadow' }], /symlink usr\/evil -> \.\.\/\.\.\/etc\/shadow escapes the proto root/],
  ])('rejects a tarball with %s (exit 3, one line, no output)', async (_what, entries, message) => {
    const work = await tempDir();
    await tarWith(join(work, 'bad.tar'), entries);
    const o = join(work, 'out');
    const r = await runCli(['-o', o, join(work, 'bad.tar')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(o)).toBe(false);
  });

  it('rejects a truncated tarball', async () => {
    const work = await tempDir();
    await execa('tar', ['-C', proto, '-czf', join(work, 'full.tgz'), '.']);
    const full = readFileSync(join(work, 'full.tgz'));
    await writeFile(join(work, 'cut.tgz'), full.subarray(0, Math.floor(full.length / 2)));
    const r = await runCli(['-o', join(work, 'out'), join(work, 'cut.tgz')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/cut\.tgz is not a readable gzip-compressed tarball/);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('rejects a profile with an unknown key (exit 2, names file and key, no output)', async () => {
    const work = await tempDir();
    await writeFile(join(work, 'p.yaml'), 'extends: pureboot\nramdisk:\n  sise: 64M\n');
    const r = await runCli(['-p', join(work, 'p.yaml'), '-o', join(work, 'out'), proto]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`compose: ${join(work, 'p.yaml')}: unknown key "ramdisk.sise"; see the profile format in README.md`);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('rejects a missing proto and a directory that is not a proto area (exit 3)', async () => {
    const work = await tempDir();
    const missing = await runCli(['-o', join(work, 'out'), join(work, 'nope')]);
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toMatch(/proto area .*nope does not exist/);
    await mkdir(join(work, 'notproto/usr'), { recursive: true });
    const wrong = await runCli(['-o', join(work, 'out'), join(work, 'notproto')]);
    expect(wrong.exitCode).toBe(3);
    expect(wrong.stderr).toMatch(/is not an illumos proto area: it has no kernel\/, platform\/i86pc\/kernel\/, etc\//);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('rejects an unknown format and an unknown option (exit 2)', async () => {
    const r = await runCli(['--format', 'floppy', proto]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--format "floppy" is not a known format/);
    const u = await runCli(['--frobnicate', proto]);
    expect(u.exitCode).toBe(2);
    // Checked before any work, also for --dry-run.
    expect((await runCli(['--dry-run', '--format', 'floppy', proto])).exitCode).toBe(2);
    const work = await tempDir();
    await writeFile(join(work, 'file'), 'x');
    const notDir = await runCli(['-o', join(work, 'file'), '--format', 'tar', proto]);
    expect(notDir.exitCode).toBe(2);
    expect(notDir.stderr).toMatch(/exists and is not a directory/);
    await writeFile(join(work, 'cpio.yaml'), 'extends: pureboot\narchive:\n  format: cpio\n');
    const cpioUfs = await runCli(['-p', join(work, 'cpio.yaml'), '--format', 'ufs', '-o', join(work, 'o'), proto]);
    expect(cpioUfs.exitCode).toBe(2);
    expect(cpioUfs.stderr).toMatch(/archive.format cpio/);
  });
});

describe('plan, profiles and --state-from', () => {
  it('plan --json shows the resolved profile and counts without writing', async () => {
    const work = await tempDir();
    const r = await runCli(['plan', '-p', 'pureboot', '--json', proto], {}, work);
    expect(r.exitCode, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.profile.name).toBe('pureboot');
    expect(p.image.entries).toBeGreaterThan(200);
    expect(p.stateFiles.find((s: { path: string }) => s.path === 'etc/name_to_major').source).toBe('manifests');
    expect(p.manifests.entriesWithMetadata).toBeGreaterThan(20);
    expect(p.manifests.unmentioned).toContain('usr/bin/ls');
    expect(readdirSync(work)).toEqual([]);
  });

  it('--dry-run writes nothing', async () => {
    const work = await tempDir();
    const r = await runCli(['--dry-run', '-o', join(work, 'out'), proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^profile +pureboot/m);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('profiles --json lists pureboot and smf', async () => {
    const r = await runCli(['profiles', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['pureboot', 'smf']));
  });

  it('--state-from copies the kernel state files from a host root, over the manifests', async () => {
    const host = await tempDir();
    await mkdir(join(host, 'etc/security'), { recursive: true });
    // A plausible host: the files a manifest build generates, plus a line only the host has.
    const built = join(out, 'pureboot.root/etc');
    for (const f of ['name_to_major', 'driver_aliases', 'driver_classes', 'minor_perm']) await writeFile(join(host, 'etc', f), `${readFileSync(join(built, f), 'utf8')}${f === 'name_to_major' ? 'hostonly 999\n' : ''}`);
    await writeFile(join(host, 'etc/security/device_policy'), 'host policy\n');
    const o = await tempDir();
    const r = await runCli(['-o', o, '--format', 'dir', '--state-from', host, '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(o, 'pureboot.root/etc/name_to_major'), 'utf8')).toBe(readFileSync(join(host, 'etc/name_to_major'), 'utf8'));
    expect(readFileSync(join(o, 'pureboot.root/etc/security/device_policy'), 'utf8')).toBe('host policy\n');
    // extra_privs is optional: the host had none, so the manifests' (here: the proto's) stays; path_to_inst is never copied.
    expect(readFileSync(join(o, 'pureboot.root/etc/path_to_inst'), 'utf8')).toBe('#path_to_inst_bootstrap_1\n');
    const plan = JSON.parse((await runCli(['plan', '--json', '--state-from', host, proto])).stdout);
    expect(plan.stateFiles.find((s: { path: string }) => s.path === 'etc/name_to_major')).toMatchObject({ source: 'state-from' });
    expect(plan.stateFiles.find((s: { path: string }) => s.path === 'etc/driver_aliases')).toMatchObject({ source: 'state-from' });
    const missing = await runCli(['-o', o, '--state-from', join(host, 'etc'), proto]);
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toMatch(/has no etc\/name_to_major/);
  });
});

describe('kernel state files from the workspace manifests', () => {
  it('writes driver lines for drivers in the image, and none for pruned ones', async () => {
    const work = await tempDir();
    await writeFile(join(work, 'p.yaml'), 'extends: pureboot\nexclude: [kernel/drv/amd64/e1000g, kernel/drv/e1000g.conf]\n');
    const o = join(work, 'out');
    const r = await runCli(['-p', join(work, 'p.yaml'), '--format', 'dir', '-o', o, '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    const etc = join(o, 'p.root/etc');
    const n2m = readFileSync(join(etc, 'name_to_major'), 'utf8');
    expect(n2m).toMatch(/^ramdisk \d+$/m);
    expect(n2m).not.toMatch(/^e1000g /m);
    const majors = n2m.trim().split('\n').map((l) => l.split(' ')[1]);
    expect(new Set(majors).size).toBe(majors.length);
    expect(readFileSync(join(etc, 'driver_aliases'), 'utf8')).toMatch(/^vioif "pci1af4,1"$/m);
    expect(readFileSync(join(etc, 'driver_aliases'), 'utf8')).not.toMatch(/e1000g/);
    expect(readFileSync(join(etc, 'minor_perm'), 'utf8')).toMatch(/^clone:vioblk 0666 root sys$/m);
    expect(readFileSync(join(etc, 'security/device_policy'), 'utf8')).toMatch(/^mm:allkmem\tread_priv_set=all\twrite_priv_set=all$/m);
    expect(readlinkSync(join(o, 'p.root/dev/console'))).toBe('../devices/pseudo/cn@0:console');
  });

  it('refuses an image without a driver a ramdisk boot needs (exit 3, no output)', async () => {
    const work = await tempDir();
    await writeFile(join(work, 'p.yaml'), 'extends: pureboot\nexclude: [kernel/drv/amd64/ramdisk]\n');
    const o = join(work, 'out');
    const r = await runCli(['-p', join(work, 'p.yaml'), '-o', o, proto]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/ramdisk/);
    expect(existsSync(o)).toBe(false);
  });
});
