import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CLI } from '../support/paths.js';
import { makeDemoProto, runCli, tempDir } from '../support/cli.js';

// What a user's environment does to a build: full disks, read-only or busy output directories,
// kills, failing tools, odd inputs. Each case ends with one line and its documented exit code, and
// never leaves a half-old, half-new set of outputs (docs/reliability.md is the catalogue).

let proto: string;
let profile: string;

beforeAll(async () => {
  proto = await makeDemoProto();
  profile = join(proto, '../../demo.yaml');
}, 120_000);

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** sha256 of every output in a directory (hidden files included, so leftovers show; the build cache aside). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(dir).sort()) if (n !== '.compose-cache') out[n] = n.endsWith('.root') ? 'dir' : sha(join(dir, n));
  return out;
}

/** What a build leaves in -o besides its outputs: only the build cache. */
const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.') && n !== '.compose-cache');

/** Run a shell script in a private mount namespace (unprivileged: unshare -Urm), for tmpfs mounts. */
function inNamespace(script: string, env: Record<string, string> = {}) {
  return execa('unshare', ['-Urm', 'sh', '-ec', script], { reject: false, env: { SOURCE_DATE_EPOCH: '1767225600', CLI, ...env } });
}

const realXorriso = execa('sh', ['-c', 'command -v xorriso']).then((r) => r.stdout.trim());

/** A directory on PATH holding a fake `xorriso` (the ISO step: the one external tool of a build). */
async function fakeXorriso(dir: string, body: string): Promise<string> {
  const bin = join(dir, 'fakebin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'xorriso'), `#!/bin/sh\nREAL=${await realXorriso}\n${body}\n`);
  chmodSync(join(bin, 'xorriso'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

describe('a failed build leaves the previous outputs as they were', () => {
  it('a failing tool (xorriso on PATH): one line naming it, old outputs intact, no temporaries, no lock', async () => {
    const out = await tempDir();
    expect((await runCli(['-p', profile, '--format', 'iso,ufs', '-o', out, '--quiet', proto])).exitCode).toBe(0);
    const before = snapshot(out);
    const dir = await tempDir();
    const r = await runCli(['-p', profile, '--format', 'iso,ufs,tar', '-o', out, '--quiet', proto], { PATH: await fakeXorriso(dir, 'echo "xorriso : FAILURE : Cannot write to output (Input/output error)" >&2; exit 5') });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/xorriso failed \(exit 5\).*Input\/output error/);
    expect(snapshot(out)).toEqual(before);
  });

  it('a full disk (a tmpfs with a megabyte left): exit 5 naming the output directory, old outputs intact', async () => {
    const dir = await tempDir();
    mkdirSync(join(dir, 'mnt'));
    const r = await inNamespace(
      [
        `mount -t tmpfs -o size=64m none ${dir}/mnt`,
        `node "$CLI" -p ${profile} --format iso,ufs -o ${dir}/mnt/out --quiet ${proto}`,
        `ls -a ${dir}/mnt/out | sort | xargs > ${dir}/before`,
        `sha256sum ${dir}/mnt/out/demo.* > ${dir}/before.sha`,
        // Leave about a megabyte free.
        `dd if=/dev/zero of=${dir}/mnt/fill bs=1M count=100 2>/dev/null || true`,
        `rm -f ${dir}/mnt/fill; avail=$(df -k --output=avail ${dir}/mnt | tail -1); dd if=/dev/zero of=${dir}/mnt/fill bs=1k count=$((avail - 1024)) 2>/dev/null || true`,
        `set +e; node "$CLI" -p ${profile} --format iso,ufs,tar -o ${dir}/mnt/out ${proto} 2> ${dir}/err; echo $? > ${dir}/code; set -e`,
        `ls -a ${dir}/mnt/out | sort | xargs > ${dir}/after`,
        `sha256sum ${dir}/mnt/out/demo.* > ${dir}/after.sha`,
      ].join('\n'),
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'code'), 'utf8').trim()).toBe('5');
    const err = readFileSync(join(dir, 'err'), 'utf8');
    expect(err).toMatch(/no space left on the device \(ENOSPC\)/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(dir, 'after'), 'utf8')).toBe(readFileSync(join(dir, 'before'), 'utf8'));
    expect(readFileSync(join(dir, 'after.sha'), 'utf8')).toBe(readFileSync(join(dir, 'before.sha'), 'utf8'));
  });

  it('a read-only output directory: exit 5, nothing changed', async () => {
    const dir = await tempDir();
    mkdirSync(join(dir, 'out'));
    const r = await inNamespace(
      [
        `node "$CLI" -p ${profile} --format ufs -o ${dir}/out --quiet ${proto}`,
        `sha256sum ${dir}/out/* > ${dir}/before.sha`,
        `mount --bind ${dir}/out ${dir}/out && mount -o remount,bind,ro ${dir}/out`,
        `set +e; node "$CLI" -p ${profile} --format ufs -o ${dir}/out ${proto} 2> ${dir}/err; echo $? > ${dir}/code; set -e`,
        `sha256sum ${dir}/out/* > ${dir}/after.sha`,
      ].join('\n'),
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'code'), 'utf8').trim()).toBe('5');
    expect(readFileSync(join(dir, 'err'), 'utf8')).toMatch(/^compose: cannot lock the output directory .*read-only file system|^compose: cannot .* \(EROFS\)/m);
    expect(readFileSync(join(dir, 'after.sha'), 'utf8')).toBe(readFileSync(join(dir, 'before.sha'), 'utf8'));
  });

  it('a full temporary directory while spooling a tarball blames the temporary directory, not the tarball', async () => {
    const dir = await tempDir();
    mkdirSync(join(dir, 'tmp'));
    await execa('tar', ['-czf', join(dir, 'proto.tgz'), '-C', proto, '.']);
    const r = await inNamespace(
      [`mount -t tmpfs -o size=1m none ${dir}/tmp`, `set +e; node "$CLI" -p ${profile} --no-check -o ${dir}/out ${dir}/proto.tgz 2> ${dir}/err; echo $? > ${dir}/code`].join('\n'),
      { COMPOSE_TMPDIR: join(dir, 'tmp') },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'code'), 'utf8').trim()).toBe('5');
    const err = readFileSync(join(dir, 'err'), 'utf8');
    expect(err).toMatch(/spool .*no space left.*COMPOSE_TMPDIR/);
    expect(err).not.toMatch(/not a readable .*tarball/);
  });
});

describe('one build at a time per output directory, and kills', () => {
  it('a second build into the same -o is refused while the first runs; the first finishes', async () => {
    const out = await tempDir();
    const dir = await tempDir();
    const PATH = await fakeXorriso(dir, 'sleep 3; exec "$REAL" "$@"');
    const first = execa('node', [CLI, '-p', profile, '--format', 'iso', '-o', out, '--quiet', proto], { reject: false, env: { PATH, SOURCE_DATE_EPOCH: '1767225600' } });
    await waitFor(() => existsSync(join(out, '.compose.lock')));
    const second = await runCli(['-p', profile, '--format', 'ufs', '-o', out, '--quiet', proto]);
    expect(second.exitCode).toBe(5);
    expect(second.stderr).toMatch(/another compose \(pid \d+\) is building into/);
    expect((await first).exitCode).toBe(0);
    expect(leftovers(out)).toEqual([]);
  });

  it('SIGTERM stops the build and the tool it runs, and removes its temporaries and lock', async () => {
    const out = await tempDir();
    expect((await runCli(['-p', profile, '--format', 'iso', '-o', out, '--quiet', proto])).exitCode).toBe(0);
    const before = snapshot(out);
    const dir = await tempDir();
    const marker = `sleep 61.${process.pid}`;
    const PATH = await fakeXorriso(dir, `exec ${marker}`);
    const build = execa('node', [CLI, '-p', profile, '--format', 'iso,tar', '-o', out, '--quiet', proto], { reject: false, env: { PATH, SOURCE_DATE_EPOCH: '1767225600' } });
    await waitFor(async () => (await execa('pgrep', ['-f', marker], { reject: false })).exitCode === 0);
    build.kill('SIGTERM');
    const r = await build;
    expect(r.exitCode).toBe(143);
    await waitFor(async () => (await execa('pgrep', ['-f', marker], { reject: false })).exitCode === 1, 3000);
    expect(snapshot(out)).toEqual(before);
  });

  it('after a kill -9 the next build takes over the stale lock and removes the staging directory', async () => {
    const out = await tempDir();
    const dir = await tempDir();
    const PATH = await fakeXorriso(dir, 'sleep 60');
    const build = execa('node', [CLI, '-p', profile, '--format', 'iso', '-o', out, '--quiet', proto], { reject: false, env: { PATH, SOURCE_DATE_EPOCH: '1767225600' } });
    await waitFor(() => readdirSync(out).some((n) => n.startsWith('.compose-staging-')));
    build.kill('SIGKILL');
    await build;
    expect(readdirSync(out).some((n) => n.startsWith('.compose-staging-'))).toBe(true);
    const r = await runCli(['-p', profile, '--format', 'ufs', '-o', out, '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.compose-cache', 'demo.manifest.json', 'demo.ufs']);
  });

  it('a rebuild with fewer formats removes the outputs it no longer writes, and says so', async () => {
    const out = await tempDir();
    expect((await runCli(['-p', profile, '--format', 'iso,ufs,tar', '-o', out, '--quiet', proto])).exitCode).toBe(0);
    const r = await runCli(['-p', profile, '--format', 'tar', '-o', out, proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/removed what an earlier build wrote and this one does not: demo\.boot_archive, demo\.boot_archive\.hash, demo\.iso, demo\.ufs/);
    expect(readdirSync(out).sort()).toEqual(['.compose-cache', 'demo.manifest.json', 'demo.tar']);
  });
});

describe('inputs compose cannot carry faithfully are refused by name', () => {
  it('an output directory inside the proto area is left out of the image', async () => {
    const copy = join(await tempDir(), 'root_i386');
    cpSync(proto, copy, { recursive: true, verbatimSymlinks: true });
    const out = join(copy, 'out');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['-p', profile, '--format', 'tar', '-o', out, '--no-manifests', '--no-check', copy]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/is inside the proto area; it is left out of the image/);
    }
    const m = JSON.parse(readFileSync(join(out, 'demo.manifest.json'), 'utf8'));
    expect(m.entries.filter((e: { path: string }) => e.path === 'out' || e.path.startsWith('out/'))).toEqual([]);
  });

  it('a file name that is not UTF-8, in a directory and in a tarball', async () => {
    const copy = join(await tempDir(), 'root_i386');
    cpSync(proto, copy, { recursive: true, verbatimSymlinks: true });
    await execa('sh', ['-c', `printf x > "${copy}/etc/$(printf 'bad\\377name')"`]);
    const r = await runCli(['-p', profile, '--no-check', '-o', await tempDir(), copy]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/etc\/bad\\xffname: the file name is not valid UTF-8/);
    const tgz = join(await tempDir(), 'p.tar');
    await execa('tar', ['-cf', tgz, '-C', copy, '.']);
    const t = await runCli(['-p', profile, '--no-check', '-o', await tempDir(), tgz]);
    expect(t.exitCode).toBe(3);
    expect(t.stderr).toMatch(/member ".*bad.*name" has a name that is not valid UTF-8/);
  });

  it('sparse members (GNU and PAX) and unknown member types', async () => {
    const dir = await tempDir();
    const root = join(dir, 'root_i386');
    cpSync(proto, root, { recursive: true, verbatimSymlinks: true });
    await execa('truncate', ['-s', '64M', join(root, 'var/sparse')]);
    writeFileSync(join(root, 'var/sparse.head'), 'x');
    await execa('sh', ['-c', `printf data | dd of=${root}/var/sparse bs=1 seek=1000 conv=notrunc 2>/dev/null`]);
    for (const format of ['gnu', 'posix']) {
      const tar = join(dir, `${format}.tar`);
      await execa('tar', [`--format=${format}`, '--sparse', '-cf', tar, '-C', dir, 'root_i386']);
      const r = await runCli(['-p', profile, '--no-check', '-o', join(dir, 'out'), tar]);
      expect(r.exitCode, format).toBe(3);
      expect(r.stderr, format).toMatch(/var\/sparse".* (is a sparse file|tar type compose does not read)/);
    }
    const labelled = join(dir, 'label.tar');
    await execa('tar', ['--format=gnu', '-V', 'VOLUME', '-cf', labelled, '-C', dir, 'root_i386/etc']);
    const r = await runCli(['-o', join(dir, 'out'), labelled]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/label\.tar is not a readable tarball|member "VOLUME" has a tar type compose does not read/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a proto file that cannot be read: exit 3 naming it', async () => {
    const base = await tempDir();
    // nobody must reach it: open the run's temporary directory above it too.
    chmodSync(base, 0o755);
    chmodSync(join(base, '..'), 0o755);
    const copy = join(base, 'root_i386');
    cpSync(proto, copy, { recursive: true, verbatimSymlinks: true });
    cpSync(profile, join(base, 'demo.yaml'));
    chmodSync(join(copy, 'etc/motd'), 0o000);
    const out = join(base, 'out');
    // As root the mode would be ignored: run as nobody.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
    mkdirSync(out);
    chmodSync(out, 0o777);
    const r = await execa(asUser[0] ?? 'node', [...asUser.slice(1), ...(asUser.length ? ['node'] : []), CLI, '-p', join(base, 'demo.yaml'), '--no-check', '--format', 'tar', '-o', out, copy], { reject: false, env: { SOURCE_DATE_EPOCH: '1767225600', HOME: base } });
    expect(r.exitCode, String(r.stderr)).toBe(3);
    expect(String(r.stderr)).toMatch(/cannot read the proto area .*etc\/motd: permission denied \(EACCES\)/);
  });
});

describe('messages', () => {
  it('an include glob that matches nothing says so', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'p.yaml'), `extends: ${profile}\ninclude: [kernel, platform, etc, sbin, lib, usr, dev, boot, nosuchdir/*]\n`);
    const r = await runCli(['plan', '-p', join(dir, 'p.yaml'), proto]);
    expect(r.stderr).toMatch(/the include glob "nosuchdir\/\*" matches nothing in the proto area/);
  });

  it('an image too short to be UFS says so', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'short.ufs'), Buffer.alloc(100));
    const r = await runCli(['inspect', join(dir, 'short.ufs')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/too short to be a UFS image \(100 bytes/);
  });

  it('closing the pipe early is normal: no EPIPE stack', async () => {
    const out = await tempDir();
    expect((await runCli(['-p', profile, '--format', 'ufs', '-o', out, '--quiet', proto])).exitCode).toBe(0);
    for (const cmd of [`node ${CLI} inspect --json ${out}/demo.ufs | head -1`, `node ${CLI} diff --json ${out}/demo.manifest.json ${out}/demo.manifest.json | head -1`]) {
      const r = await execa('bash', ['-o', 'pipefail', '-c', cmd], { reject: false });
      expect(r.exitCode, cmd).toBe(0);
      expect(String(r.stderr), cmd).toBe('');
    }
  });
});

describe('reproducibility and settings that must reach the output', () => {
  it('every time is SOURCE_DATE_EPOCH: touching the proto between two builds changes no byte', async () => {
    const copy = join(await tempDir(), 'ws');
    cpSync(join(proto, '../..'), copy, { recursive: true, verbatimSymlinks: true });
    const p = join(copy, 'proto/root_i386');
    const a = await tempDir();
    const b = await tempDir();
    expect((await runCli(['-p', join(copy, 'demo.yaml'), '--format', 'iso,ufs,tar', '-o', a, '--quiet', p])).exitCode).toBe(0);
    await execa('find', [p, '-exec', 'touch', '-h', '-d', '2030-06-01 12:00', '{}', '+']);
    utimesSync(p, 1_900_000_000, 1_900_000_000);
    expect((await runCli(['-p', join(copy, 'demo.yaml'), '--format', 'iso,ufs,tar', '-o', b, '--quiet', p])).exitCode).toBe(0);
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  it('the gzip level reaches the archive (the gzip header\'s XFL byte: 4 fastest, 2 best): the profile\'s, or --gzip-level over it', async () => {
    const dir = await tempDir();
    for (const [level, xfl, option] of [
      [1, 4, []],
      [9, 2, []],
      [9, 4, ['--gzip-level', '1']],
    ] as Array<[number, number, string[]]>) {
      writeFileSync(join(dir, `l${level}.yaml`), `extends: ${profile}\narchive:\n  gzip_level: ${level}\n`);
      const out = join(dir, `out${level}-${option.length}`);
      const r = await runCli(['-p', join(dir, `l${level}.yaml`), '--format', 'archive', '-o', out, '--json', '--quiet', ...option, proto]);
      expect(r.exitCode, r.stderr).toBe(0);
      const gz = readFileSync(join(out, `l${level}.boot_archive`)).subarray(0, 10);
      expect([gz[0], gz[1], gz[8]]).toEqual([0x1f, 0x8b, xfl]);
      expect(JSON.parse(r.stdout).boot.gzip).toMatch(new RegExp(`^zlib \\S+ level ${xfl === 4 ? 1 : 9}$`));
    }
    const bad = await runCli(['-p', profile, '--gzip-level', '0', '-o', join(dir, 'bad'), proto]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--gzip-level 0 is not a gzip level; give a whole number from 1/);
  });
});

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
