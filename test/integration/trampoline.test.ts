import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeDemoProto, runCli, tempDir } from '../support/cli.js';
import { CLI, PROJECT } from '../support/paths.js';
import { SYSTEM_RULES } from '../support/stand-ins.js';

// The trampoline profile: its image passes the boot check, carries the script and its settings,
// and every boot loader tells the kernel to run it as init. The script itself cannot run here (no
// illumos): its logic is run by a POSIX shell against stand-ins for the illumos commands, which
// record how they were called and act out disks, pools and labels.

const SCRIPT = join(PROJECT, 'overlays/trampoline/etc/compose/trampoline');

let proto: string;
beforeAll(async () => {
  proto = await makeDemoProto();
}, 120_000);

describe('the trampoline image', () => {
  it('builds and passes the boot check; its grub.cfg starts the kernel with -i /etc/compose/trampoline; no /sbin/init of its own', async () => {
    const out = await tempDir();
    const r = await runCli(['-p', 'trampoline', '--format', 'pxe', '-o', out, '--json', '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.check.bootable).toBe(true);
    expect(j.check.findings.filter((f: { severity: string }) => f.severity !== 'note')).toEqual([]);
    // It goes through the kernel's steps and then the hand-over; its own inittab never runs.
    const steps = j.check.steps as Array<{ step: string; checked: number }>;
    expect(steps.map((s) => s.step)).toEqual(['loader', 'krtld', 'drivers', 'root', 'console', 'handover']);
    for (const s of steps) expect(s.checked, s.step).toBeGreaterThan(0);
    const cfg = readFileSync(join(out, 'trampoline.pxe/boot/grub/grub.cfg'), 'utf8');
    expect(cfg).toMatch(/multiboot2 \/platform\/i86pc\/kernel\/amd64\/unix \/platform\/i86pc\/kernel\/amd64\/unix -B console=ttya -i \/etc\/compose\/trampoline/);
    const manifest = JSON.parse(readFileSync(join(out, 'trampoline.manifest.json'), 'utf8'));
    const paths = new Map<string, { mode: string }>(manifest.entries.map((e: { path: string; mode: string }) => [e.path, e]));
    expect(paths.get('etc/compose/trampoline')?.mode).toBe('0555');
    expect(paths.has('etc/compose/trampoline.conf')).toBe(true);
    for (const p of ['usr/sbin/zpool', 'usr/sbin/chroot', 'usr/lib/fs/lofs/mount', 'kernel/fs/amd64/lofs', 'kernel/exec/amd64/intpexec', 'usr/sbin/labelit']) expect(paths.has(p), p).toBe(true);
    expect(paths.has('sbin/init')).toBe(false);
    expect(paths.has('etc/inittab')).toBe(false);
  });

  it('the stand-in kernel is started with the trampoline as its init (BIOS, from the ISO)', async () => {
    const out = await tempDir();
    expect((await runCli(['-p', 'trampoline', '--format', 'iso', '-o', out, '--quiet', proto])).exitCode).toBe(0);
    const r = await runCli(['boot-test', join(out, 'trampoline.iso'), '--json', '-q', '--timeout', '150', '--expect', '^CMDLINE .* -i /etc/compose/trampoline( |$)', '--expect', 'TESTKERNEL DONE']);
    const j = JSON.parse(r.stdout);
    expect(j.verdict, j.reason).toBe('pass');
  }, 200_000);

  it('the boot check names what the trampoline would miss', async () => {
    const dir = await tempDir();
    // Globs, not the closure (whose keep list would refuse the missing zpool first).
    writeFileSync(join(dir, 'no-zpool.yaml'), 'overlays: [trampoline]\ninit:\n  mode: trampoline\nboot:\n  console: ttya\nexclude:\n  - sbin/zpool\n  - usr/sbin/zpool\n');
    const r = await runCli(['check', '-p', join(dir, 'no-zpool.yaml'), '--json', proto]);
    expect(r.exitCode).toBe(1);
    const findings = JSON.parse(r.stdout).findings as Array<{ step: string; severity: string; message: string }>;
    expect(findings.some((f) => f.step === 'handover' && f.severity === 'unusable' && /^\/etc\/compose\/trampoline line \d+: runs zpool, which is not in the image: no pool can be imported/.test(f.message))).toBe(true);
  });

  it('a label root is configured for a UFS label, and a label longer than labelit allows is refused', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'ufs.yaml'), 'extends: trampoline\ntrampoline:\n  root: label:ROOT1\n');
    const out = await tempDir();
    expect((await runCli(['-p', join(dir, 'ufs.yaml'), '--format', 'tar', '-o', out, '--quiet', proto])).exitCode).toBe(0);
    const tar = await execa('tar', ['-xOf', join(out, 'ufs.tar'), 'etc/compose/trampoline.conf']);
    expect(tar.stdout).toMatch(/^TRAMPOLINE_ROOT='?label:ROOT1'?$/m);
    writeFileSync(join(dir, 'long.yaml'), 'extends: trampoline\ntrampoline:\n  root: label:TOOLONGNAME\n');
    const bad = await runCli(['-p', join(dir, 'long.yaml'), '-o', out, proto]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/trampoline\.root.*label:<UFS label of at most 6 characters/);
  });
});

/** A sandbox for the script: stand-in commands on PATH that log their arguments and enforce the system's rules. */
function sandbox(dir: string, conf: string, commands: Record<string, string>, script = SCRIPT): { run: (...args: string[]) => Promise<{ log: string[]; console: string; code: number | undefined }> } {
  const bin = join(dir, 'bin');
  const sys = join(dir, 'sys');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(dir, 'a'), { recursive: true });
  mkdirSync(join(dir, 'rdsk'), { recursive: true });
  mkdirSync(join(dir, 'dsk'), { recursive: true });
  mkdirSync(join(dir, 'volatile'), { recursive: true });
  // The image's /etc/dev (SUNWcs).
  mkdirSync(join(sys, 'etc-dev'), { recursive: true });
  writeFileSync(join(sys, 'root-dir'), join(dir, 'a'));
  const log = join(dir, 'log');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'console'), '');
  const rules = SYSTEM_RULES(sys);
  const all: Record<string, string> = { devfsadm: '', mount: '', autopush: '', sleep: '', fsck: '', chroot: 'exit 0', ...commands };
  for (const [name, body] of Object.entries(all)) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${rules[name] ?? ''}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(dir, 'trampoline.conf'), conf);
  // The script as shipped, with its paths pointed into the sandbox.
  const text = readFileSync(script, 'utf8')
    .replace(/^PATH=.*$/m, `PATH=${bin}:/usr/bin:/bin`)
    .replace(/^CONF=.*$/m, `CONF=${join(dir, 'trampoline.conf')}`)
    .replace(/^ROOT=.*$/m, `ROOT=${join(dir, 'a')}`)
    .replace(/^CONSOLE=.*$/m, `CONSOLE=${join(dir, 'console')}`)
    .replace(/^DSK=.*$/m, `DSK=${join(dir, 'dsk')}`)
    .replace(/^RDSK=.*$/m, `RDSK=${join(dir, 'rdsk')}`)
    .replace(/^RESCUE_SHELL=.*$/m, `RESCUE_SHELL=${join(bin, 'rescue-shell')}`)
    .replace(/^IU_AP=.*$/m, `IU_AP=${join(dir, 'iu.ap')}`)
    .replace(/^HANDED_OVER=.*$/m, `HANDED_OVER=${join(dir, 'volatile', 'compose-trampoline.root')}`)
    .replace(/^SET_UP=.*$/m, `SET_UP=${join(dir, 'volatile', 'compose-trampoline.setup')}`);
  writeFileSync(join(dir, 'trampoline'), text);
  return {
    async run(...args: string[]) {
      const r = await execa('sh', [join(dir, 'trampoline'), ...args], { reject: false, timeout: 20_000 });
      return { log: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean), console: readFileSync(join(dir, 'console'), 'utf8'), code: r.exitCode };
    },
  };
}

/** A stand-in mount that makes the mounted root look like a system (its /sbin/init) when a root is mounted on ROOT. */
const makeRoot = (dir: string) => `mkdir -p ${dir}/a/sbin ${dir}/a/devices ${dir}/a/dev ${dir}/a/proc ${dir}/a/kernel; printf '#!/bin/sh\\n' > ${dir}/a/sbin/init; chmod 755 ${dir}/a/sbin/init; touch ${dir}/sys/root-mounted`;

describe('the trampoline script, run by a POSIX shell against stand-in commands', () => {
  const POOL_CONF = "TRAMPOLINE_ROOT='pool:rpool'\nTRAMPOLINE_INIT=/sbin/init\nTRAMPOLINE_TRIES=2\n";
  const poolCommands = (dir: string): Record<string, string> => ({
    zpool: `case "$1" in list) [ -e ${dir}/sys/imported ];; import) touch ${dir}/sys/imported;; get) echo rpool/ROOT/be;; esac`,
    zfs: `case "$1" in get) echo /;; mount) ${makeRoot(dir)};; esac`,
    'rescue-shell': 'kill -TERM $PPID',
  });

  it('passes the kernel\'s boot flags to the root\'s init', async () => {
    const dir = await tempDir();
    const { log } = await sandbox(dir, POOL_CONF, poolCommands(dir)).run('-s', '-m', 'verbose');
    expect(log.at(-1)).toBe(`chroot ${dir}/a /sbin/init -s -m verbose`);
  });

  it('restarted by the kernel after the root\'s init exits: hands over again to the root still mounted, without importing or mounting again', async () => {
    const dir = await tempDir();
    const box = sandbox(dir, POOL_CONF, poolCommands(dir));
    const first = await box.run();
    expect(first.log.at(-1)).toBe(`chroot ${dir}/a /sbin/init`);
    const before = first.log.length;
    const second = await box.run();
    const again = second.log.slice(before);
    expect(again).toEqual([`chroot ${dir}/a /sbin/init`]);
    expect(second.console).toMatch(/started again after \/sbin\/init exited; the root is still mounted/);
  });

  it('an image without /etc/dev: devfsadm cannot take its lock, which the console is told', async () => {
    const dir = await tempDir();
    const box = sandbox(dir, POOL_CONF, poolCommands(dir));
    rmSync(join(dir, 'sys', 'etc-dev'), { recursive: true });
    const { log, console } = await box.run();
    expect(console).toMatch(/devfsadm -i zfs failed: no \/dev\/zfs/);
    expect(log.some((l) => l.startsWith('chroot'))).toBe(false);
  });

  it('the script from before issue 18 fails against the same stand-ins (so these tests can fail)', async () => {
    const dir = await tempDir();
    const { log, console } = await sandbox(dir, POOL_CONF, poolCommands(dir), join(PROJECT, 'test/fixtures/scripts/trampoline-before-issue-18')).run('-s');
    // devfsadm on the read-only root, no /dev/zfs: no pool, no hand-over; the rescue shell instead.
    expect(log.some((l) => l.startsWith('chroot'))).toBe(false);
    expect(console).toMatch(/no root file system matching pool:rpool/);
  });

  it('pool: makes the root writable and /dev/zfs, imports the pool under /a, mounts its bootfs, binds the kernel mounts (not the module directories), and hands over with chroot', async () => {
    const dir = await tempDir();
    const box = sandbox(dir, "TRAMPOLINE_ROOT='pool:rpool'\nTRAMPOLINE_INIT=/sbin/init\nTRAMPOLINE_TRIES=3\n", {
      zpool: `case "$1" in list) exit 1;; import) exit 0;; get) echo rpool/ROOT/be;; esac`,
      zfs: `case "$1" in get) echo /;; mount) ${makeRoot(dir)};; esac`,
    });
    const { log, console } = await box.run();
    const a = join(dir, 'a');
    expect(log).toContain(`zpool import -N -f -R ${a} rpool`);
    expect(log).toContain('zfs mount rpool/ROOT/be');
    expect(log).toContain(`mount -F lofs /devices ${a}/devices`);
    expect(log).toContain(`mount -F lofs /proc ${a}/proc`);
    // The root's own module directories are left as they are.
    expect(log.filter((l) => / -F lofs .*(kernel)/.test(l))).toEqual([]);
    // The order the booted system needs: root writable, then /dev/zfs, then the disks, then the pool.
    const at = (prefix: string) => log.findIndex((l) => l.startsWith(prefix));
    expect(at('mount -F ufs -o remount,rw,nologging /devices/ramdisk:a /')).toBeGreaterThanOrEqual(0);
    expect(at('mount -F ufs -o remount')).toBeLessThan(at('devfsadm -i zfs'));
    expect(at('devfsadm -i zfs')).toBeLessThan(at('devfsadm -c disk'));
    expect(at('devfsadm -c disk')).toBeLessThan(at('zpool import'));
    expect(log.at(-1)).toBe(`chroot ${a} /sbin/init`);
    expect(console).toMatch(/trampoline: root file system: pool rpool, dataset rpool\/ROOT\/be; starting \/sbin\/init/);
    // A missing mount point in the new root is said, not fatal.
    expect(console).toMatch(new RegExp(`${a}/system/contract does not exist`));
  });

  it('label: finds the UFS labelled ROOT1 among other disks and mounts it', async () => {
    const dir = await tempDir();
    mkdirSync(join(dir, 'rdsk'));
    for (const d of ['c0t0d0s0', 'c1t0d0s0', 'c2t0d0s0']) writeFileSync(join(dir, 'rdsk', d), '');
    const box = sandbox(dir, "TRAMPOLINE_ROOT='label:ROOT1'\nTRAMPOLINE_TRIES=2\n", {
      fstyp: `case "$1" in *c0t0d0s0) echo zfs;; *) echo ufs;; esac`,
      labelit: `case "$3" in *c1t0d0s0) echo "fsname: OTHER" >&2;; *c2t0d0s0) echo "fsname: ROOT1" >&2; echo "volume: v" >&2;; esac`,
      mount: `case "$*" in "-F ufs ${dir}/dsk/c2t0d0s0 ${dir}/a") ${makeRoot(dir)};; "-F ufs "*) exit 1;; esac`,
    });
    const { log, console } = await box.run();
    expect(log).toContain(`mount -F ufs ${dir}/dsk/c2t0d0s0 ${dir}/a`);
    expect(log.filter((l) => l.startsWith('labelit'))).toEqual([`labelit -F ufs ${dir}/rdsk/c1t0d0s0`, `labelit -F ufs ${dir}/rdsk/c2t0d0s0`]);
    expect(log.at(-1)).toBe(`chroot ${dir}/a /sbin/init`);
    expect(console).toMatch(/root file system: UFS .*c2t0d0s0/);
  });

  it('nothing found: says so on the console, starts the rescue shell, and searches again when it exits', async () => {
    const dir = await tempDir();
    const box = sandbox(dir, "TRAMPOLINE_ROOT='pool:tank'\nTRAMPOLINE_TRIES=2\n", {
      // The pool appears while the rescue shell runs (someone plugged the disk in).
      zpool: `case "$1" in list) exit 1;; import) [ -e ${dir}/plugged ] || exit 1;; get) echo -;; esac`,
      zfs: `case "$1" in get) echo legacy;; esac`,
      mount: `case "$*" in "-F zfs tank ${dir}/a") ${makeRoot(dir)};; esac`,
      'rescue-shell': `touch ${dir}/plugged`,
    });
    const { log, console } = await box.run();
    expect(console).toMatch(/trampoline: no root file system matching pool:tank on any disk after 2 tries/);
    expect(console).toMatch(/starting a shell on the console; when it exits, the search starts again/);
    const shell = log.findIndex((l) => l.startsWith('rescue-shell'));
    expect(log[shell - 1]).toMatch(/^autopush -f /);
    expect(log.filter((l) => l.startsWith('zpool import'))).toHaveLength(3);
    expect(log).toContain(`mount -F zfs tank ${dir}/a`);
    expect(log.at(-1)).toBe(`chroot ${dir}/a /sbin/init`);
  });

  it('a stand-in root disk made by our writer: found among other disks by its file system and label, "mounted", checked and handed over to', async () => {
    // The root is a real UFS image: the minimal profile written by compose. fstyp is played by
    // file(1) (libmagic reads the disk's superblock), mount by a listing of the image made with
    // compose inspect (every directory, file and link, created under the mount point), so the
    // script's checks (the init, the kernel mount points) run against a real root's layout.
    const dir = await tempDir();
    const built = await tempDir();
    const r = await runCli(['-p', 'minimal', '--format', 'ufs', '-o', built, '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const sub of ['rdsk', 'dsk']) mkdirSync(join(dir, sub), { recursive: true });
    // c0: a blank disk; c1: a UFS labelled OTHER (a copy of the root); c2: the root, labelled ROOT1.
    writeFileSync(join(dir, 'rdsk', 'c0t0d0s0'), Buffer.alloc(64 * 1024));
    copyFileSync(join(built, 'minimal.ufs'), join(dir, 'rdsk', 'c1t0d0s0'));
    copyFileSync(join(built, 'minimal.ufs'), join(dir, 'rdsk', 'c2t0d0s0'));
    for (const d of ['c0t0d0s0', 'c1t0d0s0', 'c2t0d0s0']) symlinkSync(join(dir, 'rdsk', d), join(dir, 'dsk', d));
    writeFileSync(join(dir, 'materialize.mjs'), MATERIALIZE);
    const box = sandbox(dir, "TRAMPOLINE_ROOT='label:ROOT1'\nTRAMPOLINE_TRIES=1\n", {
      fstyp: 'case "`file -b -s -L "$1"`" in "Unix Fast File system"*) echo ufs;; *) echo "unknown_fstyp (no matches)" >&2; exit 1;; esac',
      // Solaris labelit keeps the name in the rotational tables, which compose's images (like
      // mkfs's for ntrak 1) do not have: the stand-in names the disks.
      labelit: 'case "$3" in *c1t0d0s0) echo "fsname: OTHER" >&2;; *c2t0d0s0) echo "fsname: ROOT1" >&2;; esac',
      mount: `case "$1 $2" in "-F ufs") node ${join(dir, 'materialize.mjs')} ${CLI} "$3" "$4" || exit 33;; esac`,
    });
    const { log, console, code } = await box.run();
    expect(code).toBe(0);
    const a = join(dir, 'a');
    // The blank disk is passed over by its file system, the other UFS by its label.
    expect(log.filter((l) => l.startsWith('labelit'))).toEqual([`labelit -F ufs ${dir}/rdsk/c1t0d0s0`, `labelit -F ufs ${dir}/rdsk/c2t0d0s0`]);
    expect(log).toContain(`mount -F ufs ${dir}/dsk/c2t0d0s0 ${a}`);
    expect(existsSync(join(a, 'sbin/init'))).toBe(true);
    // A root made by compose has every mount point the kernel's file systems are bound to.
    expect(console).not.toMatch(/does not exist/);
    for (const m of ['/devices', '/dev', '/system/contract', '/proc', '/etc/mnttab', '/etc/svc/volatile', '/system/object', '/system/boot', '/etc/dfs/sharetab']) {
      expect(log, m).toContain(`mount -F lofs ${m} ${a}${m}`);
    }
    expect(log.at(-1)).toBe(`chroot ${a} /sbin/init`);
    expect(console).toMatch(new RegExp(`trampoline: root file system: UFS ${dir}/dsk/c2t0d0s0; starting /sbin/init`));
  }, 120_000);

  it('a root without the init it should start is not handed over to', async () => {
    const dir = await tempDir();
    const box = sandbox(dir, "TRAMPOLINE_ROOT='pool:rpool'\nTRAMPOLINE_INIT=/sbin/init\nTRAMPOLINE_TRIES=1\n", {
      zpool: `case "$1" in list) exit 0;; get) echo -;; esac`,
      zfs: `case "$1" in get) echo /;; esac`,
      'rescue-shell': 'kill -TERM $PPID',
    });
    const { log, console } = await box.run();
    expect(console).toMatch(/the root file system on pool rpool, dataset rpool has no \/sbin\/init/);
    expect(log.some((l) => l.startsWith('chroot'))).toBe(false);
    expect(log.some((l) => l.startsWith('zpool import'))).toBe(false);
  });
});

/** The stand-in mount's body: lays out a UFS image's entries (from compose inspect) under a directory. */
const MATERIALIZE = `
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
const [cli, image, root] = process.argv.slice(2);
const listing = JSON.parse(execFileSync('node', [cli, 'inspect', '--json', '--no-hash', image], { maxBuffer: 1 << 28 }));
if (!listing.check || listing.check.ok === false) process.exit(1);
for (const e of listing.entries) {
  const p = join(root, e.path);
  if (e.type === 'dir') mkdirSync(p, { recursive: true });
  else if (e.type === 'symlink') symlinkSync(e.target, p);
  else if (e.type === 'file') { writeFileSync(p, ''); chmodSync(p, e.mode & 0o777); }
}
`;
