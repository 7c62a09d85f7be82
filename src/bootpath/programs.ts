import type { Severity } from '../check/findings.js';

// The programs init, the inittab entries and the launcher run on the way to a shell, what each
// opens by name that no ELF dependency records, and how bad it is when one fails. Paths are
// image paths as the gate installs them (usr/src/pkg/manifests/SUNWcs.mf); a program reached
// through a link is found by its real path too.

export interface BootProgram {
  path: string;
  severity: Severity;
  /** What goes wrong when it cannot run. */
  effect: string;
  source: string;
  /** Files and devices it opens by name. */
  opens?: ReadonlyArray<{ path: string; severity: Severity; effect: string }>;
}

export const BOOT_PROGRAMS: readonly BootProgram[] = [
  {
    path: 'sbin/init',
    severity: 'panic',
    effect: 'the kernel cannot start init ("exec(/sbin/init) failed", then halt "unix: Could not start init")',
    source: 'usr/src/uts/common/os/main.c exec_init; usr/src/cmd/init/init.c',
  },
  {
    path: 'sbin/sh',
    severity: 'unusable',
    effect: 'init runs every inittab entry through /sbin/sh -c: nothing runs',
    source: 'usr/src/cmd/init/init.c (SH, execle("/sbin/sh", "INITSH", "-c", ...))',
  },
  {
    path: 'sbin/autopush',
    severity: 'unusable',
    effect: 'the console gets no ldterm or ttcompat: no echo, no CR-NL, no ^C',
    source: 'usr/src/cmd/autopush/autopush.c',
    opens: [{ path: 'dev/sad/admin', severity: 'unusable', effect: 'autopush exits without configuring anything, so the console gets no ldterm or ttcompat (no echo, no CR-NL, no ^C)' }],
  },
  {
    path: 'sbin/soconfig',
    severity: 'degraded',
    effect: 'no socket configuration: socket(3SOCKET) calls fail',
    source: 'usr/src/cmd/cmd-inet/usr.sbin/soconfig.c',
  },
  {
    path: 'usr/sbin/devfsadm',
    severity: 'degraded',
    effect: '/dev holds only the links the image ships',
    source: 'usr/src/cmd/devfsadm/devfsadm.c',
    opens: [{ path: 'usr/lib/devfsadm/linkmod/SUNW_misc_link.so', severity: 'degraded', effect: 'devfsadm finds no link modules ("NO_MODULES") and makes no /dev links' }],
  },
  { path: 'etc/fs/ufs/mount', severity: 'degraded', effect: 'root stays read-only', source: 'usr/src/cmd/fs.d/ufs/mount/mount.c' },
  { path: 'sbin/mount', severity: 'degraded', effect: 'the launcher cannot mount /tmp, /var/run or /dev/fd', source: 'usr/src/cmd/fs.d/mount.c' },
  { path: 'usr/bin/setpgrp', severity: 'degraded', effect: 'the console shell has no controlling terminal: no ^C, no job control', source: 'usr/src/cmd/setpgrp/setpgrp.c; usr/src/cmd/init/init.c startd_run (no new session)' },
  { path: 'sbin/uadmin', severity: 'note', effect: 'a --test-mode image cannot power itself off', source: 'usr/src/cmd/uadmin/uadmin.c' },
  { path: 'lib/svc/bin/svc.startd', severity: 'unusable', effect: 'no SMF: nothing starts, no console login', source: 'usr/src/cmd/svc/startd' },
  { path: 'lib/svc/bin/svc.configd', severity: 'unusable', effect: 'svc.startd has no repository: no services start', source: 'usr/src/cmd/svc/configd' },
];

/** The fs-specific mount program mount(8) execs for `-F type`: /usr/lib/fs/<type>/mount, else /etc/fs/<type>/mount. */
export function fsMountPrograms(fstype: string): string[] {
  return [`usr/lib/fs/${fstype}/mount`, `etc/fs/${fstype}/mount`];
}

/** The kernel module a file system type loads (usr/src/uts/common/fs/vfs.c vfs_to_modname). */
export function fsModule(fstype: string): string {
  if (fstype === 'proc') return 'fs/procfs';
  if (fstype === 'fd') return 'fs/fdfs';
  if (fstype.startsWith('nfs')) return 'fs/nfs';
  return `fs/${fstype}`;
}
