import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeDemoProto, runCli, tempDir } from '../support/cli.js';
import { PROJECT } from '../support/paths.js';
import { SYSTEM_RULES } from '../support/stand-ins.js';

// The storage key: a ramdisk root with its data directories on a ZFS pool. The profile is checked,
// the build writes the script's settings and the directories, the launcher (pureboot) or an SMF
// service (smf) runs it, and the script itself is run by a POSIX shell against stand-ins for
// devfsadm, zpool, zfs and mount that enforce what the booted system would.

const SCRIPT = join(PROJECT, 'overlays/storage/etc/compose/storage');

let proto: string;
beforeAll(async () => {
  proto = await makeDemoProto();
}, 120_000);

describe('the storage key', () => {
  it('is refused, naming the key, for a dataset outside the pool, a system directory, or a trampoline', async () => {
    const dir = await tempDir();
    const cases: Array<[string, RegExp]> = [
      ['extends: pureboot\nstorage:\n  pool: zones\n  mounts: { /var: tank/var }\n', /key "storage\.mounts\.\/var": tank\/var is not a dataset of the pool zones/],
      ['extends: pureboot\nstorage:\n  pool: zones\n  mounts: { /usr/local: zones/local }\n', /key "storage\.mounts\.\/usr\/local": the system needs \/usr\/local from the ramdisk at boot/],
      ['extends: pureboot\nstorage:\n  pool: zones\n  mounts: { var: zones/var }\n', /key "storage\.mounts\.var": not an absolute directory; name one such as \/var/],
      ['extends: trampoline\nstorage:\n  pool: zones\n  mounts: { /var: zones/var }\n', /key "storage": a trampoline hands its root over to a disk/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      writeFileSync(join(dir, `p${i}.yaml`), text);
      const r = await runCli(['plan', '-p', join(dir, `p${i}.yaml`), proto]);
      expect(r.exitCode, text).toBe(2);
      expect(r.stderr, text).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('pureboot: the image carries the script, its settings and the directories, and the launcher runs it before /var/run is mounted', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'data.yaml'), 'extends: minimal\nstorage:\n  pool: zones\n  mounts: { /opt/data: zones/data, /var: zones/var }\n');
    const out = await tempDir();
    const r = await runCli(['-p', join(dir, 'data.yaml'), '--format', 'tar', '-o', out, '--json', '--quiet', proto]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).check.findings.filter((f: { severity: string }) => f.severity !== 'note')).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(out, 'data.manifest.json'), 'utf8'));
    const byPath = new Map<string, { type: string; mode: string }>(manifest.entries.map((e: { path: string; type: string; mode: string }) => [e.path, e]));
    expect(byPath.get('etc/compose/storage')?.mode).toBe('0555');
    for (const d of ['opt', 'opt/data', 'var']) expect(byPath.get(d)?.type, d).toBe('dir');
    // Closure pruning kept what the script runs.
    for (const p of ['usr/sbin/zpool', 'usr/sbin/zfs', 'usr/lib/devfsadm/linkmod/SUNW_zfs_link.so']) expect(byPath.has(p), p).toBe(true);
    const conf = (await execa('tar', ['-xOf', join(out, 'data.tar'), 'etc/compose/storage.conf'])).stdout;
    // Parents first.
    expect(conf).toContain("STORAGE_POOL='zones'\nSTORAGE_MOUNTS='/var=zones/var /opt/data=zones/data'");
    const launcher = readFileSync(join(PROJECT, 'overlays/pureboot/etc/compose/launcher'), 'utf8');
    expect(launcher.indexOf('/etc/compose/storage\n')).toBeLessThan(launcher.indexOf('mount -F tmpfs swap /var/run'));
    expect(launcher.indexOf('remount,rw')).toBeLessThan(launcher.indexOf('/etc/compose/storage\n'));
  });
});

/** The storage script in a sandbox: stand-ins on PATH log each call and enforce the system's rules. */
function sandbox(dir: string, conf: string, commands: Record<string, string>, opts: { writableRoot?: boolean } = {}) {
  const bin = join(dir, 'bin');
  const sys = join(dir, 'sys');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(sys, 'etc-dev'), { recursive: true });
  writeFileSync(join(sys, 'root-dir'), '/a');
  // The launcher remounts the root before it runs the script.
  if (opts.writableRoot !== false) writeFileSync(join(sys, 'rw'), '');
  const log = join(dir, 'log');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'console'), '');
  const rules = SYSTEM_RULES(sys);
  for (const [name, body] of Object.entries({ devfsadm: '', mount: '', zpool: '', zfs: '', ...commands })) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${rules[name] ?? ''}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(dir, 'storage.conf'), conf);
  const text = readFileSync(SCRIPT, 'utf8')
    .replace(/^PATH=.*$/m, `PATH=${bin}:/usr/bin:/bin`)
    .replace(/^CONF=.*$/m, `CONF=${join(dir, 'storage.conf')}`)
    .replace(/^CONSOLE=.*$/m, `CONSOLE=${join(dir, 'console')}`);
  writeFileSync(join(dir, 'storage'), text);
  return async () => {
    const r = await execa('sh', [join(dir, 'storage')], { reject: false, timeout: 20_000 });
    return { code: r.exitCode, log: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean), console: readFileSync(join(dir, 'console'), 'utf8') };
  };
}

const CONF = "STORAGE_POOL='zones'\nSTORAGE_MOUNTS='/var=zones/var /opt=zones/opt /export=zones/export'\n";
// A pool whose var is legacy, opt mounts at /opt by itself, and export would mount elsewhere.
const POOL = {
  zpool: 'case "$1" in list) exit 1;; import) exit 0;; esac',
  zfs: 'case "$1 $6" in "get zones/var") echo legacy;; "get zones/opt") echo /opt;; "get zones/export") echo /zones/export;; esac',
};

describe('the storage script, run by a POSIX shell against stand-ins', () => {
  it('makes /dev/zfs and the disk links, imports the pool without mounting, then mounts each dataset the way its mountpoint says', async () => {
    const dir = await tempDir();
    const { code, log, console } = await sandbox(dir, CONF, POOL)();
    expect(code).toBe(0);
    expect(log).toEqual([
      'devfsadm -i zfs',
      'devfsadm -c disk',
      'zpool list -H -o name zones',
      'zpool import -N -f -o cachefile=none zones',
      'zfs get -H -o value mountpoint zones/var',
      'mount -F zfs zones/var /var',
      'zfs get -H -o value mountpoint zones/opt',
      'zfs mount zones/opt',
      'zfs get -H -o value mountpoint zones/export',
    ]);
    expect(console).toBe('storage: zones/export would mount on /zones/export, not /export; run "zfs set mountpoint=/export zones/export" (or legacy); /export stays on the ramdisk\n');
  });

  it('a missing pool: one console line, nothing mounted, and the boot goes on (exit 0)', async () => {
    const dir = await tempDir();
    const { code, log, console } = await sandbox(dir, CONF, { zpool: 'exit 1' })();
    expect(code).toBe(0);
    expect(log.filter((l) => l.startsWith('mount') || l.startsWith('zfs'))).toEqual([]);
    expect(console).toBe('storage: pool zones not found; the data directories stay on the ramdisk\n');
  });

  it('run on the read-only root (before the remount): devfsadm fails, so there is no /dev/zfs and no pool, and the console says why', async () => {
    const dir = await tempDir();
    const { code, console } = await sandbox(dir, CONF, POOL, { writableRoot: false })();
    expect(code).toBe(0);
    expect(console).toBe('storage: devfsadm -i zfs failed: no /dev/zfs\nstorage: devfsadm -c disk failed: no disk links\nstorage: pool zones not found; the data directories stay on the ramdisk\n');
  });

  it('a pool imported already (the launcher run again) is not imported twice', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'imported'), '');
    const { log } = await sandbox(dir, "STORAGE_POOL='zones'\nSTORAGE_MOUNTS='/var=zones/var'\n", { ...POOL, zpool: `case "$1" in list) [ -e ${dir}/imported ];; esac` })();
    expect(log.some((l) => l.startsWith('zpool import'))).toBe(false);
    expect(log).toContain('mount -F zfs zones/var /var');
  });
});

describe('storage in an smf image', () => {
  it('is a service that runs the script after filesystem/usr and before filesystem/minimal', async () => {
    const xml = readFileSync(join(PROJECT, 'overlays/storage-smf/lib/svc/manifest/site/compose-storage.xml'), 'utf8');
    expect(xml).toMatch(/<service name='site\/compose-storage' type='service' version='1'>/);
    expect(xml).toMatch(/<dependency name='usr' grouping='require_all'[^>]*>\s*<service_fmri value='svc:\/system\/filesystem\/usr:default' \/>/);
    expect(xml).toMatch(/<dependent name='compose-storage-minimal' grouping='require_all'[^>]*>\s*<service_fmri value='svc:\/system\/filesystem\/minimal:default' \/>/);
    expect(xml).toMatch(/exec='\/etc\/compose\/storage'/);
    const lint = await execa('xmllint', ['--noout', '--nonet', join(PROJECT, 'overlays/storage-smf/lib/svc/manifest/site/compose-storage.xml')], { reject: false });
    expect(lint.exitCode, lint.stderr).toBe(0);
  });
});
