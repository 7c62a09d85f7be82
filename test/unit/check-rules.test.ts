import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckContext } from '../../src/check/context.js';
import { parseIuAp } from '../../src/check/steps/console.js';
import { parseInittab } from '../../src/check/inittab.js';
import { simpleCommands } from '../../src/check/shell-words.js';
import { ioctlSysconValid } from '../../src/check/steps/userland.js';
import { runBootCheck } from '../../src/check/run-check.js';
import { bootenvProperty, serialModeOf, withSerialSpeed } from '../../src/overlay/bootenv.js';
import { BOOT_MODULES, bootModuleNames } from '../../src/bootpath/kernel-modules.js';
import { alwaysNeededModules } from '../../src/closure/always-needed.js';
import { closureRoots } from '../../src/closure/roots.js';
import { syntheticObject } from '../../src/demo/synthetic-objects.js';
import { stagedTreeOf, type TreeSpec } from '../fixtures/elf/tree.js';

// The boot check's rules, one by one, on the gate's own files (test/fixtures/gate: inittab,
// iu.ap, name_to_sysnum, name_to_major, bootenv.rc, sock2path.d, verbatim from illumos-gate).

const GATE = join(import.meta.dirname, '../fixtures/gate');
const gate = (name: string) => readFileSync(join(GATE, name), 'utf8');

describe('the gate files the check reads', () => {
  it('inittab: the sysinit entries, the smf entry and the powerfail line', () => {
    const entries = parseInittab(gate('inittab'));
    expect(entries.map((e) => [e.id, e.action])).toEqual([
      ['ap', 'sysinit'],
      ['sp', 'sysinit'],
      ['smf', 'sysinit'],
      ['p3', 'powerfail'],
    ]);
    const smf = simpleCommands(entries[2].process)[0];
    expect(smf).toMatchObject({ command: '/lib/svc/bin/svc.startd', redirects: ['/dev/msglog', '/dev/msglog', '/dev/console'] });
    expect(simpleCommands(entries[0].process)[0]).toMatchObject({ command: '/sbin/autopush', args: ['-f', '/etc/iu.ap'] });
  });

  it('iu.ap: ldterm and ttcompat for the serial (asy) and screen (wc) consoles', () => {
    const lines = parseIuAp(gate('iu.ap'));
    expect(lines.find((l) => l.driver === 'asy')).toEqual({ driver: 'asy', minor: '-1', lastMinor: '0', modules: ['ldterm', 'ttcompat'] });
    expect(lines.find((l) => l.driver === 'wc')?.modules).toEqual(['ldterm', 'ttcompat']);
  });

  it('ioctl.syscon: the gate line (22 fields and one more) and the old 13-field form are valid; others are rewritten by init', () => {
    expect(ioctlSysconValid('2502:1805:bd:8a3b:0:3:1c:7f:15:4:0:0:0:11:13:1a:19:12:f:17:16:14:8\n')).toBe(true);
    expect(ioctlSysconValid('2502:1805:bd:8a3b:0:3:1c:7f:15:4:0:0:0\n')).toBe(true);
    expect(ioctlSysconValid('2502:1805:bd:8a3b:0:3:1c:7f:15:4:0:0:0:11:13\n')).toBe(false);
    expect(ioctlSysconValid('')).toBe(false);
  });

  it('bootenv.rc: the kernel takes 9600 baud from it; a serial speed rewrites every port', () => {
    const text = gate('bootenv.rc');
    expect(serialModeOf(text, 'ttya')).toBe('9600,8,n,1,-');
    expect(serialModeOf(undefined, 'ttyb')).toBe('9600,8,n,1,-');
    const fast = withSerialSpeed(text, 115200);
    for (const p of ['ttya', 'ttyb', 'ttyc', 'ttyd']) expect(bootenvProperty(fast, `${p}-mode`)).toBe('115200,8,n,1,-');
    expect(bootenvProperty(fast, 'ata-dma-enabled')).toBe('1');
    expect(bootenvProperty(withSerialSpeed(undefined, 38400), 'ttya-mode')).toBe('38400,8,n,1,-');
  });
});

describe('shell words', () => {
  it('finds commands after keywords and operators, and redirections', () => {
    const text = 'if [ -x /usr/sbin/devfsadm ]; then\n\t/usr/sbin/devfsadm -I -P > /dev/null 2>&1 || say "x"\nfi\nX=1 /sbin/sh -c \'exec "$1"\' </dev/console\n';
    const cmds = simpleCommands(text);
    expect(cmds.map((c) => c.command)).toEqual(['[', '/usr/sbin/devfsadm', 'say', '/sbin/sh']);
    expect(cmds[1]).toMatchObject({ args: ['-I', '-P'], redirects: ['/dev/null'] });
    expect(cmds[3].redirects).toEqual(['/dev/console']);
  });
});

describe('the one module table', () => {
  it('gives every entry a gate source and a severity, and closure pruning keeps every module in it', async () => {
    for (const m of BOOT_MODULES) {
      expect(m.loadedBy, m.module).toMatch(/usr\/src\/(uts|cmd|lib)\/\S+\.(c|s)\b/);
      expect(['panic', 'unusable', 'degraded', 'note']).toContain(m.severity);
    }
    // The closure's roots, for a profile that keeps nothing of its own, hold every module of the
    // table and its stand-ins (npe or pci).
    const roots = await closureRoots(stagedTreeOf({}), { keep: [], hardware: [], protect: new Set() });
    const rooted = new Set(roots.modules.map((m) => m.name));
    for (const m of BOOT_MODULES) for (const name of [m.module, ...(m.orModules ?? [])]) expect(rooted.has(name), name).toBe(true);
    expect(alwaysNeededModules()).toEqual(bootModuleNames());
    // What the issue names and the audit found: the console's iwscn, pipe(2), strplumb, the USB chain below consconfig.
    for (const m of ['drv/iwscn', 'sys/pipe', 'misc/strplumb', 'misc/consconfig', 'drv/sad', 'strmod/ldterm', 'exec/elfexec']) expect(bootModuleNames()).toContain(m);
  });
});

/** A tree with the /dev links, drivers and state files the device lookups need. */
function deviceTree(extra: TreeSpec = {}) {
  return stagedTreeOf({
    'etc/name_to_major': 'clone 11\nptm 12\nsad 13\ncn 14\n',
    'etc/driver_aliases': 'npe "pciex_root_complex"\n',
    'dev/ptmx': { symlink: '../devices/pseudo/clone@0:ptm' },
    'dev/sad/admin': { symlink: '../../devices/pseudo/sad@0:admin' },
    'dev/console': { symlink: '../devices/pseudo/cn@0:console' },
    'dev/msglog': { symlink: '../devices/pseudo/sysmsg@0:msglog' },
    'dev/old-ptmx': { symlink: '../devices/pseudo/clone@0:ptmx' },
    ...extra,
  });
}

describe('device lookups', () => {
  it('follows /dev links to the driver behind each node, clone minors to the driver they clone', async () => {
    const ctx = new CheckContext(deviceTree(), { console: 'ttya' });
    expect(await ctx.device('dev/ptmx')).toEqual({ node: 'devices/pseudo/clone@0:ptm', driver: 'ptm' });
    expect(await ctx.device('/dev/sad/admin')).toEqual({ node: 'devices/pseudo/sad@0:admin', driver: 'sad' });
    expect((await ctx.device('dev/msglog')).problem).toMatch(/driver sysmsg, which has no etc\/name_to_major entry/);
    // The old, wrong /dev/ptmx target names a driver called ptmx, which does not exist.
    expect((await ctx.device('dev/old-ptmx')).problem).toMatch(/driver ptmx/);
    expect((await ctx.device('dev/null')).problem).toMatch(/not in the image/);
  });
});

describe('the boot check on a small tree', () => {
  const obj = (p: string) => syntheticObject(p);
  it('names the loadable system call the shell dies on, and the module missing for it', async () => {
    const sysnum = gate('name_to_sysnum');
    expect(sysnum).toMatch(/^pipe\s+42$/m);
    const withPipe = stagedTreeOf({ 'etc/name_to_sysnum': sysnum, 'kernel/sys/amd64/pipe': obj('kernel/sys/amd64/pipe'), 'kernel/fs/amd64/fifofs': obj('kernel/fs/amd64/fifofs') });
    const r1 = await runBootCheck(withPipe, { target: 't', console: 'ttya', launcher: false });
    expect(r1.findings.filter((f) => f.step === 'shell' && /pipe\(2\)/.test(f.message))).toEqual([]);

    const noLine = stagedTreeOf({ 'etc/name_to_sysnum': sysnum.replace(/^pipe\s+42\n/m, ''), 'kernel/sys/amd64/pipe': obj('kernel/sys/amd64/pipe'), 'kernel/fs/amd64/fifofs': obj('kernel/fs/amd64/fifofs') });
    const r2 = await runBootCheck(noLine, { target: 't', console: 'ttya', launcher: false });
    expect(r2.findings.find((f) => /pipe\(2\) has no line in etc\/name_to_sysnum/.test(f.message))?.severity).toBe('unusable');

    // sys/pipe needs fs/fifofs (DT_NEEDED): without it the module cannot load.
    const noFifo = stagedTreeOf({ 'etc/name_to_sysnum': sysnum, 'kernel/sys/amd64/pipe': obj('kernel/sys/amd64/pipe') });
    const r3 = await runBootCheck(noFifo, { target: 't', console: 'ttya', launcher: false });
    expect(r3.findings.find((f) => /pipe\(2\) cannot be loaded/.test(f.message))?.message).toMatch(/sys\/pipe needs fs\/fifofs/);
  });

  it('an empty tree would panic at the first step it reaches, and says so for each', async () => {
    const r = await runBootCheck(stagedTreeOf({}), { target: 'empty', console: 'ttya' });
    expect(r.bootable).toBe(false);
    expect(r.findings[0]).toMatchObject({ step: 'loader', severity: 'panic' });
    for (const step of ['loader', 'krtld', 'root', 'console', 'init', 'smf', 'shell']) expect(r.findings.some((f) => f.step === step), step).toBe(true);
    expect(r.findings.find((f) => /\/devices is not a directory/.test(f.message))?.source).toMatch(/vfs_mountdevices/);
  });
});
