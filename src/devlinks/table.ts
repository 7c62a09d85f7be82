// What devfsadm would put in /dev for the core pseudo drivers, and SUNWcsd's /dev skeleton.
//
// devfsadm's misc_link.c links every minor node of these pseudo drivers as /dev/<minor name>
// (its `minor_name` rule for cn, mm, sy, log, sysmsg, random, kstat, ksyms, clone...), pointing
// at the node devfs shows under /devices: ../devices/pseudo/<driver>@0:<minor>. Minor names are
// those the drivers create in attach (cn.c: console, syscon, systty; mm.c: mem, kmem, allkmem,
// null, zero, full; sy.c: tty; log.c: conslog, log; sysmsg.c: sysmsg, msglog; random.c: random,
// urandom). ptm creates "ptmx" with CLONE_DEV, which devfs shows as a minor of the clone driver,
// so /dev/ptmx points at clone@0:ptmx (minor_perm's `clone:ptmx` names the same node).

export interface DevLink {
  path: string;
  target: string;
  /** The driver whose minor node the link points at (undefined for the fd links). */
  driver?: string;
}

const pseudo = (driver: string, minors: string[]): DevLink[] => minors.map((m) => ({ path: `dev/${m}`, target: `../devices/pseudo/${driver}@0:${m}`, driver }));

export const DEV_LINKS: readonly DevLink[] = [
  ...pseudo('cn', ['console', 'syscon', 'systty']),
  ...pseudo('mm', ['null', 'zero', 'full', 'mem', 'kmem', 'allkmem']),
  ...pseudo('sy', ['tty']),
  ...pseudo('sysmsg', ['sysmsg', 'msglog']),
  ...pseudo('log', ['conslog', 'log']),
  ...pseudo('random', ['random', 'urandom']),
  ...pseudo('kstat', ['kstat']),
  ...pseudo('ksyms', ['ksyms']),
  { path: 'dev/ptmx', target: '../devices/pseudo/clone@0:ptmx', driver: 'ptm' },
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
