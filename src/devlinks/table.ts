// What devfsadm would put in /dev for the devices init, the inittab entries, the launcher and a
// shell open before devfsadm itself has run, and SUNWcsd's /dev skeleton. On a lookup miss the
// kernel's /dev (sdev) makes no link by itself (uts/common/fs/dev/sdev_subr.c: without syseventd
// a miss returns ENOENT), so these must be in the image.
//
// Link text is what devfsadm writes, so its later run finds them already right: the misc_link.c
// rules (usr/src/cmd/devfsadm/misc_link.c) link a pseudo driver's minor node as /dev/<minor>, or
// /dev/<node>/<minor> for sad, pointing at ../devices/pseudo/<driver>@0:<minor> with one more
// "../" per directory level (devfsadm.c). Minor names are those the drivers create in attach:
// cons.c console/syscon/systty, mem.c mem/kmem/allkmem/null/zero/full, gentty.c tty, log.c
// conslog/log, sysmsg.c sysmsg/msglog, random.c random/urandom, kstat.c, ksyms.c, sad.c admin/user,
// tl.c ticots/ticotsord/ticlts. ptm.c creates "ptmx" with CLONE_DEV: devfs shows such a node only
// as clone@0:<driver>, so /dev/ptmx -> clone@0:ptm (devfsadm.c writes the same for alias minors;
// the minor_perm key `clone:ptmx` is a different name space).

export interface DevLink {
  path: string;
  target: string;
  /** The driver whose minor node the link points at (undefined for the fd links). */
  driver?: string;
  /** Who opens it before devfsadm runs, and what breaks without it (for `compose check`). */
  usedBy?: string;
}

const pseudo = (driver: string, minors: string[], usedBy?: string, dir = ''): DevLink[] =>
  minors.map((m) => ({ path: `dev/${dir ? `${dir}/` : ''}${m}`, target: `${dir ? '../' : ''}../devices/pseudo/${driver}@0:${m}`, driver, usedBy }));

export const DEV_LINKS: readonly DevLink[] = [
  ...pseudo('cn', ['console'], 'the inittab smf entry and the launcher redirect to it (usr/src/cmd/init/init.c; usr/src/uts/common/io/sysmsg.c opens it for /dev/msglog)'),
  ...pseudo('cn', ['syscon', 'systty'], 'init writes its messages to /dev/syscon (usr/src/cmd/init/init.c console())'),
  ...pseudo('mm', ['null'], 'every ">/dev/null" in scripts (the launcher\'s soconfig and devfsadm runs)'),
  ...pseudo('mm', ['zero', 'full', 'mem', 'kmem', 'allkmem']),
  ...pseudo('sy', ['tty']),
  ...pseudo('sysmsg', ['msglog'], 'the inittab smf entry redirects the launcher to /dev/msglog'),
  ...pseudo('sysmsg', ['sysmsg']),
  ...pseudo('log', ['conslog', 'log']),
  ...pseudo('random', ['random', 'urandom']),
  ...pseudo('kstat', ['kstat']),
  ...pseudo('ksyms', ['ksyms']),
  ...pseudo('sad', ['admin'], '/sbin/autopush (inittab ap entry) opens /dev/sad/admin to push ldterm and ttcompat on the console (usr/src/cmd/autopush/autopush.c)', 'sad'),
  ...pseudo('sad', ['user'], undefined, 'sad'),
  ...pseudo('tl', ['ticotsord', 'ticlts'], '/sbin/soconfig (inittab sp entry) configures AF_UNIX sockets only if these exist (usr/src/cmd/cmd-inet/usr.sbin/soconfig.c; etc/sock2path.d/system%2Fkernel)'),
  ...pseudo('tl', ['ticots']),
  { path: 'dev/ptmx', target: '../devices/pseudo/clone@0:ptm', driver: 'ptm' },
  // SUNWcsd's links; /dev/fd itself is a mount point for the fd file system.
  { path: 'dev/stdin', target: './fd/0' },
  { path: 'dev/stdout', target: './fd/1' },
  { path: 'dev/stderr', target: './fd/2' },
];

export interface SkeletonDir {
  path: string;
  mode: number;
  /** The group SUNWcsd gives it (resolved later through the image's etc/group). */
  group: string;
}

/** The directories SUNWcsd delivers under /dev and /devices (usr/src/pkg/manifests/SUNWcsd.p5m). */
export const SUNWCSD_DIRS: readonly SkeletonDir[] = [
  { path: 'dev', mode: 0o755, group: 'sys' },
  ...['dsk', 'ipnet', 'net', 'pts', 'rdsk', 'rmt', 'sad', 'swap', 'vt', 'zcons'].map((d) => ({ path: `dev/${d}`, mode: 0o755, group: 'sys' })),
  { path: 'dev/fd', mode: 0o555, group: 'root' },
  { path: 'dev/term', mode: 0o755, group: 'root' },
  { path: 'devices', mode: 0o755, group: 'sys' },
  { path: 'devices/pseudo', mode: 0o755, group: 'sys' },
].sort((a, b) => (a.path < b.path ? -1 : 1));
