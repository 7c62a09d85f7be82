import { describe, expect, it } from 'vitest';
import { BOOT_MODULES, BOOT_SYSCALLS } from '../../src/bootpath/kernel-modules.js';
import { CheckContext, type ConsoleName } from '../../src/check/context.js';
import { checkConsole, parseIuAp } from '../../src/check/steps/console.js';
import { checkKernel } from '../../src/check/steps/kernel.js';
import { checkLoaderView, checkRoot, MOUNT_DIRS, MOUNT_FILES } from '../../src/check/steps/root.js';
import { disabledInSiteProfile } from '../../src/check/steps/smf-methods.js';
import { checkInit, checkShell, checkSmfEntry, ioctlSysconValid } from '../../src/check/steps/userland.js';
import { KERNEL_MODULE_NEEDS, syntheticObject } from '../../src/demo/synthetic-objects.js';
import { stagedTreeOf, type TreeSpec } from '../fixtures/elf/tree.js';

// The steps of `compose check` one at a time, on small trees: the exact findings each gives.

const ctxOf = (spec: TreeSpec, console: ConsoleName = 'ttya') => new CheckContext(stagedTreeOf(spec), { console });
const found = (ctx: CheckContext) => ctx.findings.findings.map((f) => [f.step, f.severity, f.message]);
const counts = (ctx: CheckContext) => Object.fromEntries(ctx.findings.report('t').steps.filter((s) => s.checked).map((s) => [s.step, s.checked]));

/** Kernel modules (krtld names) with their DT_NEEDED closure, as kernel/<dir>/amd64/<name>. */
function modules(names: string[]): TreeSpec {
  const out: TreeSpec = {};
  const add = (n: string) => {
    const path = n.includes('/') ? `kernel/${n.split('/')[0]}/amd64/${n.split('/')[1]}` : `kernel/amd64/${n}`;
    if (out[path]) return;
    out[path] = syntheticObject(path);
    for (const d of KERNEL_MODULE_NEEDS[n] ?? []) add(d);
  };
  names.forEach(add);
  return out;
}

const LIBC = { 'usr/lib/amd64/ld.so.1': syntheticObject('usr/lib/amd64/ld.so.1'), 'lib/amd64/libc.so.1': syntheticObject('lib/amd64/libc.so.1'), 'usr/lib/amd64/libc.so.1': syntheticObject('usr/lib/amd64/libc.so.1'), 'usr/lib/ld.so.1': syntheticObject('usr/lib/ld.so.1'), 'lib/libc.so.1': syntheticObject('lib/libc.so.1') };

describe('parseIuAp', () => {
  it('takes driver, minors and modules; skips comments, blank and short lines', () => {
    expect(parseIuAp('asy  -1\t 0   ldterm')).toEqual([{ driver: 'asy', minor: '-1', lastMinor: '0', modules: ['ldterm'] }]);
    expect(parseIuAp('# c\n\n  asy -1 0 ldterm ttcompat # x\nwc 0\nptsl 0 47\nzs\t0 1\tldterm\n')).toEqual([
      { driver: 'asy', minor: '-1', lastMinor: '0', modules: ['ldterm', 'ttcompat'] },
      { driver: 'zs', minor: '0', lastMinor: '1', modules: ['ldterm'] },
    ]);
  });
});

describe('checkConsole', () => {
  const SOURCE = 'usr/src/cmd/autopush/autopush.c; usr/src/cmd/netadm/iu.ap.sh; usr/src/uts/common/io/sad_conf.c sad_ap_verify';

  it('an empty tree: no /dev/console and no iu.ap (the screen console: wc)', async () => {
    const ctx = ctxOf({}, 'text');
    await checkConsole(ctx);
    expect(ctx.findings.findings).toEqual([
      { step: 'console', severity: 'unusable', message: "/dev/console: /dev/console is not in the image (the kernel's /dev makes no link by itself before devfsadm runs)", source: 'usr/src/cmd/init/init.c (CONSOLE); usr/src/uts/common/io/sysmsg.c', fix: 'keep the /dev links the build adds (src/devlinks) and the cn driver with its major' },
      { step: 'console', severity: 'unusable', message: '/etc/iu.ap is not in the image: autopush gives the console (wc) no ldterm or ttcompat: no echo, no CR-NL, no ^C', source: SOURCE, fix: 'keep etc/iu.ap from the proto area (SUNWcsd delivers it)' },
    ]);
    expect(counts(ctx)).toEqual({ console: 2 });
  });

  it('an iu.ap without a line for the serial console driver', async () => {
    const ctx = ctxOf({ 'etc/iu.ap': 'wc -1 0 ldterm ttcompat\n' });
    await checkConsole(ctx);
    expect(ctx.findings.findings.slice(1)).toEqual([{ step: 'console', severity: 'unusable', message: "/etc/iu.ap has no line for asy, the console's driver: its stream gets no ldterm or ttcompat", source: SOURCE, fix: 'add "asy -1 0 ldterm ttcompat" to etc/iu.ap (as the gate\'s iu.ap.sh does)' }]);
  });

  it('a line that misses a module, a module that cannot load, and a driver without a major', async () => {
    const ctx = ctxOf({ 'etc/iu.ap': 'asy -1 0 ldterm\n' });
    await checkConsole(ctx);
    expect(ctx.findings.findings.slice(1)).toEqual([
      { step: 'console', severity: 'unusable', message: "/etc/iu.ap's line for asy does not push ttcompat", source: SOURCE, fix: 'make the asy line "asy -1 0 ldterm ttcompat"' },
      { step: 'console', severity: 'unusable', message: '/etc/iu.ap pushes ldterm on asy, but strmod/ldterm is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64): autopush rejects the whole line, so the console gets no line discipline', source: SOURCE, fix: 'keep strmod/ldterm in the image' },
      { step: 'console', severity: 'unusable', message: 'autopush cannot resolve asy (no etc/name_to_major entry), so its etc/iu.ap line is rejected', source: SOURCE, fix: 'give the build the driver actions (--manifests) or --state-from' },
    ]);
  });

  it('a good console gives no findings', async () => {
    const ctx = ctxOf({ 'etc/iu.ap': 'asy -1 0 ttcompat ldterm\n', 'etc/name_to_major': 'cn 1\nasy 2\n', 'dev/console': { symlink: '../devices/pseudo/cn@0:console' }, ...modules(['strmod/ldterm', 'strmod/ttcompat']) });
    await checkConsole(ctx);
    expect(found(ctx)).toEqual([]);
  });
});

describe('checkLoaderView and checkRoot', () => {
  it('no kernel, and a bootenv.rc that moves root', async () => {
    const ctx = ctxOf({ 'boot/solaris/bootenv.rc': 'setprop fstype ufs\nsetprop bootpath /pci@0\nsetprop zfs-bootfs rpool/ROOT\n' });
    await checkLoaderView(ctx);
    expect(ctx.findings.findings).toEqual([
      { step: 'loader', severity: 'panic', message: '/platform/i86pc/kernel/amd64/unix is not in the image: there is no kernel to boot', source: 'usr/src/boot/forth/loader.conf (kernel="i86pc/kernel/${ISADIR}", bootfile="unix")', fix: 'keep platform/i86pc/kernel from the proto area' },
      { step: 'loader', severity: 'panic', message: '/boot/solaris/bootenv.rc sets bootpath /pci@0: the kernel mounts root from there instead of the ramdisk', source: 'usr/src/uts/common/os/autoconf.c setbootpath/setbootfstype; usr/src/uts/common/fs/vfs.c getrootfs', fix: 'remove "setprop bootpath" from boot/solaris/bootenv.rc (an overlay can replace the file)' },
      { step: 'loader', severity: 'panic', message: '/boot/solaris/bootenv.rc sets zfs-bootfs rpool/ROOT: the kernel mounts root from there instead of the ramdisk', source: 'usr/src/uts/common/os/autoconf.c setbootpath/setbootfstype; usr/src/uts/common/fs/vfs.c getrootfs', fix: 'remove "setprop zfs-bootfs" from boot/solaris/bootenv.rc (an overlay can replace the file)' },
    ]);
    expect(counts(ctx)).toEqual({ loader: 2 });
  });

  it('a kernel that is not a 64-bit ELF; fstype other than ufs', async () => {
    const ctx = ctxOf({ 'platform/i86pc/kernel/amd64/unix': 'not elf', 'boot/solaris/bootenv.rc': 'setprop fstype zfs\n' });
    await checkLoaderView(ctx);
    expect(found(ctx)).toEqual([
      ['loader', 'panic', '/platform/i86pc/kernel/amd64/unix is not a 64-bit ELF kernel'],
      ['loader', 'panic', '/boot/solaris/bootenv.rc sets fstype zfs: the kernel mounts root from there instead of the ramdisk'],
    ]);
    expect(ctx.findings.findings[0].fix).toBe('use the unix an amd64 gate build installs');
    expect(ctx.findings.findings[0].source).toBe('usr/src/uts/i86pc/dboot/dboot_startkern.c');
  });

  it('a 32-bit ELF kernel; bootpath ufs still moves root', async () => {
    const ctx = ctxOf({ 'platform/i86pc/kernel/amd64/unix': syntheticObject('usr/lib/ld.so.1'), 'boot/solaris/bootenv.rc': 'setprop bootpath ufs\n' });
    await checkLoaderView(ctx);
    expect(found(ctx)).toEqual([
      ['loader', 'panic', '/platform/i86pc/kernel/amd64/unix is not a 64-bit ELF kernel'],
      ['loader', 'panic', '/boot/solaris/bootenv.rc sets bootpath ufs: the kernel mounts root from there instead of the ramdisk'],
    ]);
  });

  it('a 64-bit kernel and no bootenv.rc give no findings', async () => {
    const ctx = ctxOf({ 'platform/i86pc/kernel/amd64/unix': syntheticObject('platform/i86pc/kernel/amd64/unix') });
    await checkLoaderView(ctx);
    expect(found(ctx)).toEqual([]);
  });

  it('an empty tree lacks every mount point and the state files', async () => {
    const ctx = ctxOf({});
    await checkRoot(ctx);
    expect(found(ctx)).toEqual([
      ['root', 'panic', '/devices is not a directory in the image: panic "Cannot find /devices"'],
      ['root', 'panic', '/dev is not a directory in the image: panic "Cannot find /dev"'],
      ['root', 'unusable', '/etc/svc/volatile is not a directory in the image: no tmpfs on /etc/svc/volatile: init cannot create init.state on the read-only root and runs neither the sysinit entries nor the smf entry'],
      ['root', 'degraded', '/proc is not a directory in the image: no /proc: ps, pgrep and truss fail'],
      ['root', 'degraded', '/system/contract is not a directory in the image: no contract file system: init cannot make svc.startd\'s contract template, runs the smf entry as a sysinit entry and waits for it in boot_init, then prints "Absent svc.startd entry or bad contract template" and enters maintenance'],
      ['root', 'note', '/system/object is not a directory in the image: no /system/object for mdb and DTrace'],
      ['root', 'note', '/system/boot is not a directory in the image: no /system/boot'],
      ['root', 'degraded', '/etc/mnttab is not a file in the image: no mntfs on /etc/mnttab: mount and df cannot list mounts'],
      ['root', 'note', '/etc/dfs/sharetab is not a file in the image: no sharefs on /etc/dfs/sharetab'],
      ['root', 'panic', '/etc/name_to_major is not in the image'],
      ['root', 'note', '/etc/path_to_inst is not in the image: the kernel rebuilds it ("empty or not found") and reconfigures'],
    ]);
    expect(ctx.findings.findings.slice(1, 7).map((f) => f.source)).toEqual([
      'usr/src/uts/common/fs/vfs.c vfs_mountdev1',
      'usr/src/uts/common/fs/vfs.c vfs_mountroot; usr/src/cmd/init/init.c st_init',
      'usr/src/uts/common/fs/vfs.c vfs_mountroot',
      'usr/src/uts/common/fs/vfs.c vfs_mountroot; usr/src/cmd/init/init.c',
      'usr/src/uts/common/fs/vfs.c vfs_mountroot',
      'usr/src/uts/common/fs/vfs.c vfs_mountroot',
    ]);
    expect(ctx.findings.findings[0]).toMatchObject({ source: 'usr/src/uts/common/fs/vfs.c vfs_mountdevices', fix: 'create /devices (the pureboot overlay and the build add it unless the profile removes it)' });
    expect(ctx.findings.findings[7]).toMatchObject({ source: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (the mount point must be a file)', fix: 'create /etc/mnttab as an empty file' });
    expect(ctx.findings.findings[9]).toMatchObject({ source: "usr/src/uts/common/os/modctl.c mod_setup; usr/src/uts/common/os/autoconf.c (\"Couldn't find major number for 'rootnex'\")", fix: 'build with --manifests, --state-from, or from a gate workspace' });
    expect(ctx.findings.findings[10]).toMatchObject({ source: 'usr/src/uts/common/os/instance.c', fix: "keep the proto's etc/path_to_inst (#path_to_inst_bootstrap_1)" });
    expect(MOUNT_DIRS.map((d) => [d.path, d.severity])).toEqual([
      ['devices', 'panic'],
      ['dev', 'panic'],
      ['etc/svc/volatile', 'unusable'],
      ['proc', 'degraded'],
      ['system/contract', 'degraded'],
      ['system/object', 'note'],
      ['system/boot', 'note'],
    ]);
    expect(counts(ctx)).toEqual({ root: 11 });
  });

  it('a tree with the mount points: files where directories belong are still wrong', async () => {
    const spec: TreeSpec = { 'etc/name_to_major': 'x 1\n', 'etc/path_to_inst': '' };
    for (const d of MOUNT_DIRS) spec[d.path] = { dir: true };
    for (const f of MOUNT_FILES) spec[f.path] = '';
    const ctx = ctxOf(spec);
    await checkRoot(ctx);
    expect(found(ctx)).toEqual([]);
    const swapped = ctxOf({ devices: '', 'etc/mnttab': { dir: true } });
    await checkRoot(swapped);
    expect(found(swapped).map((x) => x[2])).toContain('/devices is not a directory in the image: panic "Cannot find /devices"');
    expect(found(swapped).map((x) => x[2])).toContain('/etc/mnttab is not a file in the image: no mntfs on /etc/mnttab: mount and df cannot list mounts');
  });
});

describe('checkKernel', () => {
  const all = BOOT_MODULES.flatMap((m) => [m.module, ...(m.orModules ?? [])]);
  const majors = BOOT_MODULES.filter((m) => m.major).flatMap((m) => [m.module, ...(m.orModules ?? [])]).map((m, i) => `${m.slice(4)} ${i + 1}`);

  it('every module present, no name_to_major: the drivers without a major, one finding per severity', async () => {
    const ctx = ctxOf({ ...modules(all), 'etc/mach': 'pcplusmp\napix\n', ...modules(['mach/pcplusmp', 'mach/apix']) });
    await checkKernel(ctx);
    const drivers = ctx.findings.findings.filter((f) => f.step === 'drivers');
    expect(drivers.map((f) => [f.severity, f.message])).toEqual([
      ['panic', 'etc/name_to_major has no line for isa, rootnex, options, pseudo, clone, ramdisk, conskbd, consms, wc, iwscn: the kernel cannot bind these drivers (panic("failed to load drv/isa"); and more)'],
      ['unusable', `etc/name_to_major has no line for asy, npe, cn, sysmsg, sad: the kernel cannot bind these drivers (${BOOT_MODULES.find((m) => m.module === 'drv/asy')!.effect}; and more)`],
      ['degraded', 'etc/name_to_major has no line for mm, devinfo, tl, log, ptm, pts: the kernel cannot bind these drivers (every >/dev/null redirection fails; and more)'],
      ['note', 'etc/name_to_major has no line for sy, random, kstat, ksyms: the kernel cannot bind these drivers (no /dev/tty; and more)'],
    ]);
    expect(drivers[0].source).toBe('usr/src/uts/common/os/autoconf.c impl_create_root_class; usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major');
    expect(drivers[0].fix).toMatch(/^give the build the driver actions \(--manifests <usr\/src\/pkg\/manifests>/);
    expect(ctx.findings.findings.filter((f) => f.step !== 'drivers')).toEqual([]);
    const serialModules = BOOT_MODULES.filter((m) => m.when !== 'text');
    expect(counts(ctx)).toEqual({ krtld: serialModules.filter((m) => !m.when).length + 1, drivers: BOOT_MODULES.filter((m) => m.major && m.when !== 'text').length, console: serialModules.filter((m) => m.when).length });
  });

  it('one driver without a major is "this driver"', async () => {
    const ctx = ctxOf({ ...modules(all), 'etc/mach': 'apix\n', ...modules(['mach/apix']), 'etc/name_to_major': majors.filter((l) => !l.startsWith('ksyms ')).join('\n'), 'etc/driver_aliases': 'npe "pciex_root_complex"\n', ...confs() });
    await checkKernel(ctx);
    expect(found(ctx)).toEqual([['drivers', 'note', 'etc/name_to_major has no line for ksyms: the kernel cannot bind this driver (no kernel symbols for mdb)']]);
  });

  function confs(...except: string[]): TreeSpec {
    const out: TreeSpec = {};
    for (const m of BOOT_MODULES) if (m.conf && !except.includes(m.module)) out[`kernel/drv/${m.module.slice(4)}.conf`] = '';
    return out;
  }

  it('a missing .conf, a missing alias with a stand-in, and a module that cannot load', async () => {
    const withoutTs = { ...modules(all) };
    delete withoutTs['kernel/sched/amd64/TS_DPTBL'];
    const ctx = ctxOf({ ...withoutTs, 'etc/name_to_major': majors.join('\n'), ...confs('drv/cn', 'drv/sad'), 'platform/i86pc/kernel/drv/sad.conf': '', 'etc/driver_aliases': 'pci "pciex_root_complex"\n' });
    await checkKernel(ctx);
    const ts = BOOT_MODULES.find((m) => m.module === 'sched/TS_DPTBL')!;
    const npe = BOOT_MODULES.find((m) => m.module === 'drv/npe')!;
    const cn = BOOT_MODULES.find((m) => m.module === 'drv/cn')!;
    expect(ctx.findings.findings).toEqual([
      { step: 'krtld', severity: 'panic', message: `sched/TS_DPTBL: sched/TS_DPTBL is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64); ${ts.effect}`, source: ts.loadedBy, fix: "keep sched/TS_DPTBL in the image (the profile's keep list, or leave it out of exclude); a missing dependency comes from the gate package that delivers it" },
      { step: 'console', severity: 'degraded', message: `drv/npe cannot be used (driver npe is not bound to "pciex_root_complex" in etc/driver_aliases); only drv/pci stands in for it: ${npe.effect} on machines that need drv/npe`, source: npe.loadedBy, fix: "keep drv/npe in the image (the profile's keep list, or leave it out of exclude); a missing dependency comes from the gate package that delivers it" },
      { step: 'drivers', severity: 'unusable', message: `driver cn has no kernel/drv/cn.conf, so its pseudo node does not exist; ${cn.effect}`, source: `${cn.loadedBy}; usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major`, fix: expect.stringMatching(/^give the build the driver actions/) },
      { step: 'krtld', severity: 'note', message: 'etc/mach names no PSM module: the kernel runs on one CPU with mach/uppc', source: 'usr/src/uts/common/os/modsysfile.c open_mach_list; usr/src/uts/i86pc/os/mp_implfuncs.c psm_modload', fix: 'keep etc/mach from the proto (it names pcplusmp and apix)' },
    ]);
  });

  it('the stand-in alone cannot do: the first choice\'s problem is reported', async () => {
    const tree = { ...modules(all), 'etc/name_to_major': majors.join('\n'), ...confs(), 'etc/mach': 'pcplusmp\nuppc\n', ...modules(['mach/uppc']) };
    const ctx = ctxOf(tree);
    await checkKernel(ctx);
    const npe = BOOT_MODULES.find((m) => m.module === 'drv/npe')!;
    expect(found(ctx)).toEqual([
      ['drivers', 'unusable', `driver npe is not bound to "pciex_root_complex" in etc/driver_aliases; ${npe.effect}`],
      ['krtld', 'note', 'none of the PSM modules etc/mach names (pcplusmp, uppc) can be loaded: the kernel runs on one CPU with mach/uppc'],
    ]);
    expect(ctx.findings.findings[1]).toMatchObject({ source: 'usr/src/uts/i86pc/os/mp_implfuncs.c psm_modload ("!Skipping psm")', fix: 'keep platform/i86pc/kernel/mach/amd64/pcplusmp and apix' });
  });

  it('a load failure of the stand-in is named with both candidates', async () => {
    const tree = { ...modules(all.filter((m) => m !== 'drv/pci' && m !== 'drv/npe')), 'etc/name_to_major': majors.join('\n'), ...confs(), 'etc/mach': 'pcplusmp\n', ...modules(['mach/pcplusmp']), 'etc/driver_aliases': 'npe "pciex_root_complex"\n' };
    const ctx = ctxOf(tree);
    await checkKernel(ctx);
    const npe = BOOT_MODULES.find((m) => m.module === 'drv/npe')!;
    expect(found(ctx)).toEqual([['console', 'unusable', `drv/npe or drv/pci: drv/npe is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64); ${npe.effect}`]]);
  });

  it('a first choice that cannot load, with a stand-in that can', async () => {
    const tree = { ...modules(all.filter((m) => m !== 'drv/npe')), 'etc/name_to_major': majors.join('\n'), ...confs(), 'etc/mach': 'apix\n', ...modules(['mach/apix']), 'etc/driver_aliases': 'pci "pciex_root_complex"\n' };
    const ctx = ctxOf(tree);
    await checkKernel(ctx);
    const npe = BOOT_MODULES.find((m) => m.module === 'drv/npe')!;
    expect(found(ctx)).toEqual([['console', 'degraded', `drv/npe cannot be used (drv/npe is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64)); only drv/pci stands in for it: ${npe.effect} on machines that need drv/npe`]]);
  });

  it('one loadable multi-CPU PSM module among others is enough', async () => {
    const ctx = ctxOf({ ...modules(all), 'etc/name_to_major': majors.join('\n'), ...confs(), 'etc/driver_aliases': 'npe "pciex_root_complex"\n', 'etc/mach': '# psm\nuppc\napix\n', ...modules(['mach/apix']) });
    await checkKernel(ctx);
    expect(found(ctx)).toEqual([]);
  });

  it('the text console checks the screen drivers, not the serial ones', async () => {
    const ctx = ctxOf({ ...modules(all.filter((m) => m !== 'drv/asy' && m !== 'drv/npe' && m !== 'drv/pci')), 'etc/name_to_major': majors.join('\n'), ...confs(), 'etc/mach': 'apix\n', ...modules(['mach/apix']) }, 'text');
    await checkKernel(ctx);
    expect(found(ctx)).toEqual([]);
    expect(counts(ctx).drivers).toBe(BOOT_MODULES.filter((m) => m.major && m.when !== 'serial').length);
  });
});

describe('ioctlSysconValid', () => {
  const fields = (n: number) => Array.from({ length: n }, (_, i) => (i + 1).toString(16)).join(':');
  it('takes 22 (or more) or exactly 13 hex fields', () => {
    expect([12, 13, 14, 21, 22, 23].map((n) => ioctlSysconValid(`${fields(n)}\n`))).toEqual([false, true, false, false, true, true]);
    expect(ioctlSysconValid(`  ${fields(13)}  `)).toBe(true);
    expect(ioctlSysconValid(`${fields(5)}:zz:${fields(16)}`)).toBe(false);
    expect(ioctlSysconValid(`${fields(12)}: 7f`)).toBe(true);
    expect(ioctlSysconValid(`${fields(12)}:x7f`)).toBe(false);
    expect(ioctlSysconValid(`${fields(12)}:7fq`)).toBe(true);
  });
});

describe('disabledInSiteProfile', () => {
  it('names the instances a site profile disables', () => {
    const xml = `<service_bundle><service name='system/a' version='1'><instance name='default' enabled='false'/><instance name='x' enabled='true'/></service>\n<service name="site/b"><instance  name="i"  enabled="false"/></service></service_bundle>`;
    expect([...disabledInSiteProfile(xml)]).toEqual(['svc:/system/a:default', 'svc:/site/b:i']);
    expect([...disabledInSiteProfile(undefined)]).toEqual([]);
    expect([...disabledInSiteProfile('')]).toEqual([]);
  });
});

describe('checkInit, checkSmfEntry and checkShell on an empty tree', () => {
  it('checkInit names init, sh, inittab, ioctl.syscon, default/init and /dev/syscon', async () => {
    const ctx = ctxOf({});
    await checkInit(ctx);
    expect(found(ctx)).toEqual([
      ['init', 'panic', '/sbin/init is not in the image: the kernel cannot start init ("exec(/sbin/init) failed", then halt "unix: Could not start init")'],
      ['init', 'unusable', '/sbin/sh is not in the image: init runs every inittab entry through /sbin/sh -c: nothing runs'],
      ['init', 'unusable', '/etc/inittab is missing or shorter than 10 bytes: init finds no entries and enters maintenance'],
      ['init', 'unusable', '/etc/ioctl.syscon is missing: init warns on the console before autopush has run, then rewrites the file on the read-only root through a NULL FILE pointer (read from the code: init crashes)'],
      ['init', 'degraded', '/etc/default/init is missing: init prints "Cannot open /etc/default/init" on the console before autopush has run, so the console stream is made without ldterm (the launcher pushes it afterwards when strconf and strchg are in the image)'],
      ['init', 'degraded', "init (for its console messages) opens /dev/syscon: /dev/syscon is not in the image (the kernel's /dev makes no link by itself before devfsadm runs)"],
    ]);
    expect(ctx.findings.findings.map((f) => f.fix)).toEqual([
      "keep /sbin/init and what it needs (the closure's missing files come from the gate packages that deliver them)",
      "keep /sbin/sh and what it needs (the closure's missing files come from the gate packages that deliver them)",
      'keep the inittab the build writes',
      'keep etc/ioctl.syscon from the proto area (SUNWcs delivers it; usr/src/cmd/Adm/sun/ioctl.syscon)',
      'keep etc/default/init from the proto area',
      'keep the /dev links the build adds (src/devlinks/table.ts) and their drivers',
    ]);
    expect(ctx.findings.findings.map((f) => f.source).slice(2)).toEqual(['usr/src/cmd/init/init.c getcmd', 'usr/src/cmd/init/init.c get_ioctl_syscon, write_ioctl_syscon', 'usr/src/cmd/init/init.c init_env; usr/src/uts/common/os/streamio.c stropen', 'usr/src/cmd/init/init.c console()']);
    expect(counts(ctx)).toEqual({ init: 6 });
  });

  it('checkInit: a short inittab, a bad ioctl.syscon, a /dev/syscon whose driver has no major', async () => {
    const ctx = ctxOf({ 'etc/inittab': '123456789', 'etc/ioctl.syscon': 'zz', 'etc/default/init': '', 'dev/syscon': { symlink: '../devices/pseudo/cn@0:syscon' } });
    await checkInit(ctx);
    expect(found(ctx).slice(2)).toEqual([
      ['init', 'unusable', '/etc/inittab is missing or shorter than 10 bytes: init finds no entries and enters maintenance'],
      ['init', 'unusable', '/etc/ioctl.syscon is not in either format init reads (22 or 13 hex fields): init warns on the console before autopush has run, then rewrites the file on the read-only root through a NULL FILE pointer (read from the code: init crashes)'],
      ['init', 'degraded', 'init (for its console messages) opens /dev/syscon: /devices/pseudo/cn@0:syscon belongs to driver cn, which has no etc/name_to_major entry'],
    ]);
    expect(ctx.findings.findings[4].fix).toBe('give the build the driver actions (--manifests) or --state-from');
    const ok = ctxOf({ 'etc/inittab': '1234567890', 'etc/ioctl.syscon': Array(13).fill('1').join(':') });
    await checkInit(ok);
    expect(found(ok).map((x) => x[2]).filter((m) => /etc\/inittab|ioctl/.test(m))).toEqual([]);
  });

  it('checkSmfEntry: no entry, an entry it cannot follow, a missing svc.startd', async () => {
    const none = ctxOf({ 'etc/inittab': 'ap::sysinit:/sbin/autopush\n' });
    await checkSmfEntry(none);
    expect(none.findings.findings).toEqual([{ step: 'smf', severity: 'unusable', message: '/etc/inittab has no smf entry: init prints "Absent svc.startd entry or bad contract template" and enters maintenance', source: 'usr/src/cmd/init/init.c boot_init', fix: 'keep the inittab the build writes (its smf entry runs the launcher or svc.startd)' }]);
    const rel = ctxOf({ 'etc/inittab': 'smf::sysinit:svc.startd >/dev/msglog\n' });
    await checkSmfEntry(rel);
    expect(rel.findings.findings).toEqual([{ step: 'smf', severity: 'note', message: 'the smf entry runs "svc.startd >/dev/msglog", which this check cannot follow', source: 'usr/src/cmd/init/init.c', fix: 'make the smf entry an absolute program path' }]);
    const empty = ctxOf({ 'etc/inittab': 'smf::sysinit:>/dev/msglog\n' });
    await checkSmfEntry(empty);
    expect(found(empty)).toEqual([['smf', 'note', 'the smf entry runs ">/dev/msglog", which this check cannot follow']]);
    const gone = ctxOf({ 'etc/inittab': 'smf::sysinit:/lib/svc/bin/svc.startd >/dev/msglog 2<>/dev/msglog </dev/console\n' });
    await checkSmfEntry(gone);
    expect(found(gone)).toEqual([
      ['smf', 'unusable', '/lib/svc/bin/svc.startd is not in the image: the smf entry (/lib/svc/bin/svc.startd) cannot run, and init restarts it until it enters maintenance'],
      ['smf', 'unusable', "the smf entry (/lib/svc/bin/svc.startd) opens /dev/msglog: /dev/msglog is not in the image (the kernel's /dev makes no link by itself before devfsadm runs)"],
      ['smf', 'unusable', "the smf entry (/lib/svc/bin/svc.startd) opens /dev/console: /dev/console is not in the image (the kernel's /dev makes no link by itself before devfsadm runs)"],
    ]);
    expect(gone.findings.findings.map((f) => f.source)).toEqual(Array(3).fill('usr/src/cmd/init/init.c startd_run'));
    expect(counts(gone)).toEqual({ smf: 5 });
  });

  it('checkSmfEntry: svc.startd runs, svc.configd and the repository are missing', async () => {
    const ctx = ctxOf({ ...LIBC, 'lib/svc/bin/svc.startd': syntheticObject('lib/svc/bin/svc.startd'), 'etc/inittab': 'smf::sysinit:/lib/svc/bin/svc.startd\n' });
    await checkSmfEntry(ctx);
    const msgs = found(ctx);
    expect(msgs.slice(0, 2)).toEqual([
      ['smf', 'unusable', expect.stringMatching(/^\/lib\/svc\/bin\/svc\.configd is not in the image: /)],
      ['smf', 'unusable', '/etc/svc/repository.db is not in the image: svc.configd has no repository'],
    ]);
    expect(ctx.findings.findings[1]).toMatchObject({ source: 'usr/src/cmd/svc/configd', fix: 'use the smf profile, which seeds it from lib/svc/seed/global.db, or --repository' });
    expect(msgs.slice(2, 5).map((m) => m[2])).toEqual([
      'sys/portfs is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64): svc.startd creates its event port at start (port_create) and dies of SIGSYS',
      'sys/doorfs is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64): svc.configd serves the repository through a door (door_create) and dies of SIGSYS, so svc.startd has no repository',
      'fs/namefs is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64): svc.configd attaches its door to /etc/svc/volatile/repository_door (fattach mounts namefs) and exits (CONFIGD_EXIT_DOOR_INIT_FAILED)',
    ]);
  });

  it('checkSmfEntry: the smf modules load but the system calls have no name', async () => {
    const ctx = ctxOf({ ...LIBC, ...modules(['sys/portfs', 'sys/doorfs', 'fs/namefs']), 'etc/name_to_sysnum': 'doorfs 1\n', 'etc/svc/repository.db': '', 'lib/svc/bin/svc.configd': syntheticObject('lib/svc/bin/svc.configd'), 'lib/svc/bin/svc.startd': syntheticObject('lib/svc/bin/svc.startd'), 'etc/inittab': 'smf::sysinit:/lib/svc/bin/svc.startd\n' });
    await checkSmfEntry(ctx);
    expect(ctx.findings.findings.filter((f) => f.step === 'smf' && !f.rule)).toEqual([
      { step: 'smf', severity: 'unusable', message: 'portfs has no line in etc/name_to_sysnum, so its system calls raise SIGSYS: svc.startd creates its event port at start (port_create) and dies of SIGSYS', source: 'usr/src/cmd/svc/startd/wait.c wait_init (port_create); usr/src/uts/intel/os/name_to_sysnum (portfs)', fix: 'keep etc/name_to_sysnum from the proto area' },
    ]);
  });

  it('checkShell without the launcher: /sbin/sh and the system calls', async () => {
    const ctx = ctxOf({ 'etc/compose/launcher.conf': "COMPOSE_SHELL='/bin/bash'\n" });
    await checkShell(ctx, false);
    expect(found(ctx)).toEqual([
      ['shell', 'unusable', 'the console shell: /sbin/sh is not in the image'],
      ...BOOT_SYSCALLS.map((s) => ['shell', s.severity, `${s.name}(2) has no line in etc/name_to_sysnum (the file is missing): it raises SIGSYS. Used by ${s.usedBy}`]),
    ]);
    expect(ctx.findings.findings[0]).toMatchObject({ source: 'usr/src/cmd/init/init.c', fix: 'keep /sbin/sh and what it needs' });
    expect(ctx.findings.findings[1]).toMatchObject({ source: 'usr/src/uts/common/os/modctl.c mod_setup; usr/src/uts/intel/ia32/os/syscall.c loadable_syscall', fix: 'keep etc/name_to_sysnum from the proto area (usr/src/uts/intel/os/name_to_sysnum)' });
    expect(counts(ctx)).toEqual({ shell: 1 + BOOT_SYSCALLS.length });
  });

  it('checkShell with the launcher: the profile\'s shell falls back to /sbin/sh; a named call whose module is missing', async () => {
    const names = BOOT_SYSCALLS.map((s, i) => `  ${s.name}\t${i + 1}`).join('\n');
    const ctx = ctxOf({ 'etc/compose/launcher.conf': "X=1\nCOMPOSE_SHELL='/bin/bash'\n", 'etc/name_to_sysnum': `${names}\n\n`, ...modules(BOOT_SYSCALLS.slice(1).map((s) => s.module)) });
    await checkShell(ctx, true);
    const s = BOOT_SYSCALLS[0];
    expect(ctx.findings.findings).toEqual([
      { step: 'shell', severity: 'degraded', message: "the profile's shell /bin/bash cannot run (/bin/bash is not in the image); the launcher falls back to /sbin/sh", source: 'overlays/pureboot/etc/compose/launcher', fix: 'keep /bin/bash and what it needs, or set init.shell to /sbin/sh' },
      { step: 'shell', severity: s.severity, message: `${s.name}(2) cannot be loaded (${s.module} is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64)): it raises SIGSYS. Used by ${s.usedBy}`, source: 'usr/src/uts/common/os/modctl.c mod_setup; usr/src/uts/intel/ia32/os/syscall.c loadable_syscall', fix: `keep ${s.module} in the image` },
    ]);
    const other = ctxOf({ 'etc/compose/launcher.conf': "X_COMPOSE_SHELL=/bin/zsh\nCOMPOSE_SHELL='/bin/k' # c\n", 'etc/name_to_sysnum': 'pipe 1\n' });
    await checkShell(other, true);
    expect(found(other).slice(0, 2)).toEqual([
      ['shell', 'unusable', 'the console shell: /sbin/sh is not in the image'],
      ['shell', 'unusable', 'pipe(2) cannot be loaded (sys/pipe is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64)): it raises SIGSYS. Used by ' + BOOT_SYSCALLS[0].usedBy],
    ]);
    expect(found(other)[2][2]).toBe(`${BOOT_SYSCALLS[1].name}(2) has no line in etc/name_to_sysnum: it raises SIGSYS. Used by ${BOOT_SYSCALLS[1].usedBy}`);
    const plain = ctxOf({ 'etc/compose/launcher.conf': 'COMPOSE_SHELL=/bin/ksh\n' });
    await checkShell(plain, true);
    expect(found(plain)[0]).toEqual(['shell', 'degraded', "the profile's shell /bin/ksh cannot run (/bin/ksh is not in the image); the launcher falls back to /sbin/sh"]);
    const unset = ctxOf({ 'etc/compose/launcher.conf': '# no shell\n' });
    await checkShell(unset, true);
    expect(found(unset)[0]).toEqual(['shell', 'unusable', 'the console shell: /sbin/sh is not in the image']);
  });
});
