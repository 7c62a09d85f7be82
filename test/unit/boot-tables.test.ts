import { describe, expect, it } from 'vitest';
import { BOOT_MODULES, BOOT_SYSCALLS } from '../../src/bootpath/kernel-modules.js';
import { BOOT_PROGRAMS } from '../../src/bootpath/programs.js';
import { SMF_MODULES } from '../../src/check/steps/smf-methods.js';
import { MOUNT_DIRS, MOUNT_FILES } from '../../src/check/steps/root.js';
import { COMMAND_RULES } from '../../src/bootpath/commands.js';
import { trampolineConfig } from '../../src/overlay/trampoline.js';
import { resolveProfile } from '../../src/profile/resolve.js';
import { runBootCheck } from '../../src/check/run-check.js';
import { forthIncludes, loaderFileFindings } from '../../src/check/loader-files.js';
import { passreq, withPassreqNo } from '../../src/smf/accounts.js';
import { stagedTreeOf } from '../fixtures/elf/tree.js';

// Every boot-path table entry pinned to its severity and the step (or console kind) it belongs
// to: a changed severity or a dropped entry fails here, not silently in a report.

describe('the boot-path tables', () => {
  it('kernel modules loaded by name: severity, and the console they apply to (krtld: always)', () => {
    expect(Object.fromEntries(BOOT_MODULES.map((m) => [m.module, `${m.severity} ${m.when ? `console ${m.when}` : 'krtld'}`]))).toEqual({
      'genunix': 'panic krtld',
      'fs/specfs': 'panic krtld',
      'fs/devfs': 'panic krtld',
      'fs/dev': 'panic krtld',
      'fs/procfs': 'panic krtld',
      'sched/TS': 'panic krtld',
      'sched/TS_DPTBL': 'panic krtld',
      'mach/uppc': 'panic krtld',
      'misc/pci_autoconfig': 'panic krtld',
      'drv/isa': 'panic krtld',
      'drv/rootnex': 'panic krtld',
      'drv/options': 'panic krtld',
      'drv/pseudo': 'panic krtld',
      'drv/clone': 'panic krtld',
      'drv/ramdisk': 'panic krtld',
      'fs/ufs': 'panic krtld',
      'fs/tmpfs': 'unusable krtld',
      'fs/ctfs': 'degraded krtld',
      'fs/mntfs': 'degraded krtld',
      'fs/objfs': 'note krtld',
      'fs/bootfs': 'note krtld',
      'fs/sharefs': 'note krtld',
      'misc/strplumb': 'panic krtld',
      'misc/consconfig': 'panic krtld',
      'drv/conskbd': 'panic krtld',
      'drv/consms': 'panic krtld',
      'drv/wc': 'panic krtld',
      'drv/iwscn': 'panic krtld',
      'drv/asy': 'unusable console serial',
      'drv/npe': 'unusable console serial',
      'drv/vgatext': 'unusable console text',
      'drv/i8042': 'unusable console text',
      'drv/kb8042': 'unusable console text',
      'exec/elfexec': 'panic krtld',
      'exec/intpexec': 'degraded krtld',
      'drv/cn': 'unusable krtld',
      'drv/sysmsg': 'unusable krtld',
      'drv/sad': 'unusable krtld',
      'strmod/ldterm': 'unusable krtld',
      'strmod/ttcompat': 'unusable krtld',
      'sys/pipe': 'unusable krtld',
      'drv/mm': 'degraded krtld',
      'fs/fdfs': 'degraded krtld',
      'sys/inst_sync': 'degraded krtld',
      'drv/devinfo': 'degraded krtld',
      'drv/tl': 'degraded krtld',
      'drv/log': 'degraded krtld',
      'drv/ptm': 'degraded krtld',
      'drv/pts': 'degraded krtld',
      'strmod/ptem': 'note krtld',
      'drv/sy': 'note krtld',
      'drv/random': 'note krtld',
      'drv/kstat': 'note krtld',
      'drv/ksyms': 'note krtld',
      'misc/acpidev': 'note krtld',
      'cpu/cpu.generic': 'note krtld',
      'misc/kcf': 'note krtld',
      'crypto/swrand': 'note krtld',
      'sys/doorfs': 'note krtld',
      'fs/sockfs': 'note krtld',
    });
  });

  it('programs on the way to a shell', () => {
    expect(Object.fromEntries(BOOT_PROGRAMS.map((p) => [p.path, p.severity]))).toEqual({
      'sbin/init': 'panic',
      'sbin/sh': 'unusable',
      'sbin/autopush': 'unusable',
      'sbin/soconfig': 'degraded',
      'usr/sbin/devfsadm': 'degraded',
      'etc/fs/ufs/mount': 'degraded',
      'sbin/mount': 'degraded',
      'usr/bin/setpgrp': 'degraded',
      'sbin/uadmin': 'note',
      'lib/svc/bin/svc.startd': 'unusable',
      'lib/svc/bin/svc.configd': 'unusable',
    });
  });

  it('loadable system calls the shell and devfsadm make', () => {
    expect(Object.fromEntries(BOOT_SYSCALLS.map((s) => [s.name, `${s.module} ${s.severity}`]))).toEqual({
      pipe: 'sys/pipe unusable',
      inst_sync: 'sys/inst_sync degraded',
    });
  });

  it('the mount points vfs_mountroot needs', () => {
    expect(Object.fromEntries([...MOUNT_DIRS, ...MOUNT_FILES].map((m) => [m.path, m.severity]))).toEqual({
      devices: 'panic',
      dev: 'panic',
      'etc/svc/volatile': 'unusable',
      proc: 'degraded',
      'system/contract': 'degraded',
      'system/object': 'note',
      'system/boot': 'note',
      'etc/mnttab': 'degraded',
      'etc/dfs/sharetab': 'note',
    });
  });

  it('the commands boot scripts run: how bad each is when the program itself cannot run', () => {
    expect(Object.fromEntries(COMMAND_RULES.map((r) => [r.name, r.severity]))).toEqual({
      devfsadm: 'degraded',
      zpool: 'unusable',
      zfs: 'unusable',
      mount: 'degraded',
      umount: 'degraded',
      chroot: 'unusable',
      fsck: 'degraded',
      fstyp: 'unusable',
      labelit: 'unusable',
      mkdir: 'degraded',
      touch: 'degraded',
      autopush: 'unusable',
      bootadm: 'degraded',
      reboot: 'degraded',
    });
  });

  it('what svc.startd and svc.configd need at once', () => {
    expect(SMF_MODULES.map((m) => [m.module, m.syscall])).toEqual([
      ['sys/portfs', 'portfs'],
      ['sys/doorfs', 'doorfs'],
      ['fs/namefs', undefined],
    ]);
    for (const m of SMF_MODULES) expect(m.source).toMatch(/usr\/src\/cmd\/svc\/(startd|configd)\/\w+\.c/);
  });
});

describe('the files the illumos loader fetches after pxeboot', () => {
  const RC = 'include /boot/forth/loader.4th\ntry-include /boot/loader.rc.local\ninitialize drop\ninclude /boot/forth/beastie.4th\nbeastie-start\n';
  const L4TH = '\\ loader.4th\ninclude /boot/forth/support.4th\ninclude /boot/forth/color.4th\n';
  const full = {
    'boot/loader.rc': RC,
    'boot/forth/loader.4th': L4TH,
    'boot/forth/support.4th': '\\ support\n',
    'boot/forth/color.4th': '\\ color\n',
    'boot/forth/beastie.4th': '\\ beastie\n',
    'boot/defaults/loader.conf': 'kernel="i86pc/kernel/${ISADIR}"\n',
  };

  it('reads the include lines (try-include is optional)', () => {
    expect(forthIncludes(RC)).toEqual(['/boot/forth/loader.4th', '/boot/forth/beastie.4th']);
  });

  it('all there: nothing to say; one missing: the loader stops at its prompt (panic), naming the file and who includes it', async () => {
    expect(await loaderFileFindings(stagedTreeOf(full))).toEqual([]);
    const { ['boot/forth/color.4th']: _c, ...noColor } = full;
    const f = await loaderFileFindings(stagedTreeOf(noColor));
    expect(f.map((x) => [x.severity, x.step, x.rule])).toEqual([['panic', 'loader', 'loader.tftp-file']]);
    expect(f[0].message).toMatch(/^\/boot\/forth\/color\.4th, which \/boot\/forth\/loader\.4th includes, is not in the image's boot\//);
    const { ['boot/defaults/loader.conf']: _d, ['boot/loader.rc']: _r, ...bare } = full;
    expect((await loaderFileFindings(stagedTreeOf(bare))).map((x) => x.message.split(',')[0])).toEqual(['/boot/loader.rc', '/boot/defaults/loader.conf']);
  });
});

describe('login defaults for an empty root password', () => {
  it('PASSREQ=YES becomes NO, with a comment; a file without the line gets one', () => {
    expect(passreq('CONSOLE=/dev/console\nPASSREQ=YES\n')).toBe('YES');
    expect(passreq('#PASSREQ=NO\n')).toBeUndefined();
    expect(withPassreqNo('A=1\nPASSREQ=YES\nB=2\n')).toBe('A=1\n# illumos-compose --allow-empty-root-password: root has no password, and login must let it in.\nPASSREQ=NO\nB=2\n');
    expect(passreq(withPassreqNo('A=1'))).toBe('NO');
  });
});

describe('the trampoline\'s settings', () => {
  it('name the root, the init and the number of tries', () => {
    const p = resolveProfile('trampoline');
    expect(trampolineConfig({ ...p, trampoline: { root: 'label:ROOT1', init: '/sbin/init', tries: 3 } })).toBe("# Written by illumos-compose from the profile; read by /etc/compose/trampoline.\nTRAMPOLINE_ROOT='label:ROOT1'\nTRAMPOLINE_INIT='/sbin/init'\nTRAMPOLINE_TRIES=3\n");
  });
});

describe('the console kind decides which console drivers are needed', () => {
  // A tree with none of the console drivers: a serial console misses asy and npe, a text one vgatext and the keyboard.
  const drivers = (severities: Array<{ message: string }>) => ['drv/asy', 'drv/npe', 'drv/vgatext', 'drv/i8042', 'drv/kb8042'].filter((d) => severities.some((f) => f.message.startsWith(`${d}:`) || f.message.startsWith(`${d} or`)));
  it('serial: asy and the PCI root nexus; text: vgatext and the PS/2 keyboard', async () => {
    const tree = stagedTreeOf({ 'etc/name_to_major': 'asy 1\n' });
    const serial = await runBootCheck(tree, { target: 't', console: 'ttya' });
    const text = await runBootCheck(tree, { target: 't', console: 'text' });
    expect(drivers(serial.findings)).toEqual(['drv/asy', 'drv/npe']);
    expect(drivers(text.findings)).toEqual(['drv/vgatext', 'drv/i8042', 'drv/kb8042']);
  });
});
