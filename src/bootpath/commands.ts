import type { Severity } from '../check/findings.js';
import type { PathFact, ScriptState, Tri, Value } from '../check/script/state.js';
import { normalPath } from '../check/script/state.js';
import { fsModule, type BootProgram } from './programs.js';

// THE table of what the commands boot scripts run need from the booted system, beside the kernel
// module table (kernel-modules.ts): each precondition names the illumos-gate file that makes it
// so. `compose check` runs the image's scripts (the launcher, the trampoline, inittab entries,
// SMF methods) through a model of the booted system (src/check/script) and asks these rules at
// each command; a precondition that fails is a finding at the script's line. Each rule also says
// what the command does to the system when it succeeds (a mount, links in /dev, an imported
// pool), so the commands after it are judged on the system as it then is.

/** What the check knows of the image, for the rules. Paths are absolute unless noted. */
export interface ScriptHost {
  imageStat(path: string): PathFact;
  /** Why a program (image path, no leading "/") cannot run, with its libraries; empty when it can. */
  programProblems(path: string): Promise<string[]>;
  moduleProblem(module: string): Promise<string | undefined>;
  hasMajor(driver: string): Promise<boolean>;
  /** Why a /dev link shipped in the image does not lead to a bound driver (image path, no "/"). */
  deviceProblem(path: string): Promise<string | undefined>;
  readText(path: string): Promise<string | undefined>;
  /** The boot-program table's entry for a program (programs.ts): how bad it is when it cannot run. */
  programInfo?(path: string): BootProgram | undefined;
  /** A regular file's size and, for an ELF object, its class (32 or 64). */
  fileInfo?(path: string): Promise<{ size: number; elfClass?: number } | undefined>;
}

export interface CommandEnv {
  args: Value[];
  /** The arguments end in an unknown number of words. */
  openEnded: boolean;
  state: ScriptState;
  rule: CommandRule;
  host: ScriptHost;
  /** The program run, as the shell found it (/usr/lib/fs/ufs/mount). */
  path?: string;
  stat(path: string): Promise<PathFact>;
  writable(path: string): Tri;
  devLink(path: string): Promise<Tri>;
}

export interface Verdict {
  /** no: it fails on every path here; maybe: on some. */
  tri: 'no' | 'maybe';
  why: string;
}

/** A rule of the booted system: its stable id (tests pin each one's severity), the gate file that makes it so, the fix. */
export interface BootRule {
  id: string;
  severity: Severity;
  /** The gate file (and function) that makes it so. */
  source: string;
  fix: string;
}

export interface Precondition extends BootRule {
  check(env: CommandEnv): Promise<Verdict | undefined>;
}

export interface CommandBranch {
  status: Tri;
  apply?(s: ScriptState): void;
}

export interface CommandRule {
  name: string;
  /** Image paths the program is installed at. */
  programs: string[];
  /** When the program itself is missing or cannot run. */
  severity: Severity;
  effect: string;
  source: string;
  preconditions: Precondition[];
  /** What it does when its preconditions hold: one branch per way it can end. */
  effects?(env: CommandEnv): Promise<CommandBranch[]> | CommandBranch[];
}

// --- helpers -----------------------------------------------------------------------------------

/** getopt(3C) over the arguments: options with a value, flags, operands. Unknown words stay operands. */
export function getopt(args: Value[], withValue: string): { opts: Map<string, Value[]>; operands: Value[] } {
  const opts = new Map<string, Value[]>();
  const operands: Value[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      i++;
      break;
    }
    if (a === null || !a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (withValue.includes(c)) {
        const v = j + 1 < a.length ? a.slice(j + 1) : (args[++i] ?? null);
        opts.set(c, [...(opts.get(c) ?? []), v]);
        break;
      }
      opts.set(c, [...(opts.get(c) ?? []), '']);
    }
  }
  operands.push(...args.slice(i));
  return { opts, operands };
}

const verdict = (tri: Tri, why: string): Verdict | undefined => (tri === 'yes' ? undefined : { tri, why });

/** An absolute path argument, or undefined when unknown or relative. */
const absolute = (v: Value | undefined): string | undefined => (v && v.startsWith('/') ? normalPath(v) : undefined);

const ZFS_LINK = 'usr/lib/devfsadm/linkmod/SUNW_zfs_link.so';
const DISK_LINK = 'usr/lib/devfsadm/linkmod/SUNW_disk_link.so';
const MISC_LINK = 'usr/lib/devfsadm/linkmod/SUNW_misc_link.so';

/** devfsadm's link modules the boot scripts depend on: which class and driver select them, which links they make. */
export const LINK_MODULES: ReadonlyArray<{ module: string; class: string; driver?: string; links: string[]; source: string }> = [
  { module: DISK_LINK, class: 'disk', links: ['dev/dsk/', 'dev/rdsk/'], source: 'usr/src/cmd/devfsadm/disk_link.c (disk_cbt: class "disk", dsk or rdsk by the ",raw" minor)' },
  { module: ZFS_LINK, class: 'pseudo', driver: 'zfs', links: ['dev/zfs'], source: 'usr/src/cmd/devfsadm/zfs_link.c (zfs_create_cbt: class "pseudo", driver "zfs", devfsadm_mklink("zfs"))' },
  { module: MISC_LINK, class: 'pseudo', links: ['dev/null', 'dev/zero', 'dev/console', 'dev/ptmx', 'dev/tty'], source: 'usr/src/cmd/devfsadm/misc_link.c' },
];

const DEVFSADM_C = 'usr/src/cmd/devfsadm/devfsadm.c';

/** devfsadm -I, -P and -S do their one job and exit in parse_args, before any lock or link. */
const devfsadmNoLinks = (env: CommandEnv): boolean => {
  const { opts } = getopt(env.args, 'cipr');
  return opts.has('I') || opts.has('P') || opts.has('S') || opts.has('s');
};

const ZFS_DEV = '/dev/zfs';
const zfsNeeds = (who: string): Precondition[] => [
  {
    id: `${who}.dev-zfs`,
    severity: 'unusable',
    source: 'usr/src/uts/common/sys/fs/zfs.h (ZFS_DEV "/dev/zfs"); usr/src/lib/libzfs/common/libzfs_util.c libzfs_init; usr/src/cmd/devfsadm/zfs_link.c',
    fix: `run devfsadm for the zfs driver first ("devfsadm -i zfs", or plain devfsadm; -c disk does not make it) with ${ZFS_LINK} kept, on a writable root`,
    async check(env) {
      const t = await env.devLink(ZFS_DEV);
      return verdict(t, `libzfs opens ${ZFS_DEV}, which does not exist at this point of the boot (devfsadm's SUNW_zfs_link.so makes it, for class "pseudo" or -i zfs), so every ${who} command fails`);
    },
  },
  {
    id: `${who}.zfs-driver`,
    severity: 'unusable',
    source: 'usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major; usr/src/uts/common/fs/zfs/zfs_ioctl.c',
    fix: 'keep drv/zfs (kernel/drv/amd64/zfs) and give the build the driver actions (--manifests) so etc/name_to_major names zfs',
    async check(env) {
      if (!(await env.host.hasMajor('zfs'))) return { tri: 'no', why: `etc/name_to_major has no line for zfs: ${ZFS_DEV} has no driver behind it` };
      const p = await env.host.moduleProblem('drv/zfs');
      return p ? { tri: 'no', why: `the zfs driver cannot load (${p})` } : undefined;
    },
  },
];

const mountType = (env: CommandEnv): Value | undefined => {
  // Stryker disable next-line StringLiteral: any stand-in for a missing path fails the anchored pattern just as '' does
  const m = /^\/(?:usr\/lib|etc)\/fs\/([^/]+)\/mount$/.exec(env.path ?? '');
  if (m) return m[1];
  return getopt(env.args, 'Fo').opts.get('F')?.[0];
};
// Stryker disable next-line ArrayDeclaration,StringLiteral: a stand-in option word is neither "remount" nor "ro", the only ones asked for
const mountOptions = (env: CommandEnv): string[] => (getopt(env.args, 'Fo').opts.get('o') ?? []).flatMap((o) => (o ?? '').split(','));
const mountOperands = (env: CommandEnv): Value[] => getopt(env.args, 'Fo').operands;
const isRemount = (env: CommandEnv): boolean => mountOptions(env).includes('remount');
/** Mounts whose success depends on what is on a disk, not only on the image. */
const DISK_FS = new Set(['ufs', 'zfs', 'pcfs', 'hsfs', 'udfs', 'nfs']);

// --- the table ---------------------------------------------------------------------------------

export const COMMAND_RULES: readonly CommandRule[] = [
  {
    name: 'devfsadm',
    programs: ['usr/sbin/devfsadm'],
    severity: 'degraded',
    effect: '/dev holds only the links the image ships',
    source: DEVFSADM_C,
    preconditions: [
      {
        id: 'devfsadm.writable-root',
        severity: 'unusable',
        source: `${DEVFSADM_C} enter_dev_lock (open /etc/dev/.devfsadm_dev.lock O_CREAT|O_RDWR, exits 1 on failure); usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot (ROOT_INIT: VFS_RDONLY); usr/src/uts/common/fs/dev/sdev_subr.c`,
        fix: 'remount the root read-write before devfsadm runs (/etc/fs/ufs/mount -o remount,rw /devices/ramdisk:a /), as the launcher does',
        async check(env) {
          if (devfsadmNoLinks(env)) return undefined;
          const w = env.writable('/etc/dev/.devfsadm_dev.lock');
          return verdict(w, 'the root file system is read-only here (the kernel mounts the ramdisk read-only), so devfsadm cannot open /etc/dev/.devfsadm_dev.lock ("open failed") and exits 1 without making any /dev link');
        },
      },
      {
        id: 'devfsadm.etc-dev',
        severity: 'unusable',
        source: `${DEVFSADM_C} set_lock_root (s_mkdirp of /etc/dev), enter_dev_lock; usr/src/pkg/manifests/SUNWcs.p5m (dir etc/dev)`,
        fix: 'keep etc/dev in the image (SUNWcs delivers it; closure pruning keeps it)',
        async check(env) {
          if (devfsadmNoLinks(env)) return undefined;
          const d = await env.stat('/etc/dev');
          if (d.exists === 'yes') return undefined;
          // set_lock_root makes it when it can: only a missing /etc/dev on a read-only root is fatal.
          const w = env.writable('/etc/dev');
          if (w === 'yes') return undefined;
          return { tri: d.exists === 'no' && w === 'no' ? 'no' : 'maybe', why: '/etc/dev is not in the image and cannot be made on the read-only root, so devfsadm has nowhere to take its lock' };
        },
      },
    ],
    async effects(env) {
      if (devfsadmNoLinks(env)) return [{ status: 'yes' }];
      const { opts } = getopt(env.args, 'cipr');
      const classes = (opts.get('c') ?? []).filter((c): c is string => c !== null);
      const drivers = (opts.get('i') ?? []).filter((c): c is string => c !== null);
      // Stryker disable next-line ArrayDeclaration: a stand-in list of strings holds no null either
      const unknownFilter = (opts.get('c') ?? []).includes(null) || (opts.get('i') ?? []).includes(null);
      const made: Array<[string, Tri]> = [];
      for (const lm of LINK_MODULES) {
        if ((await env.stat(`/${lm.module}`)).exists === 'no') continue;
        const classOk = classes.length === 0 || classes.includes(lm.class);
        // -i limits the walk to one driver's nodes: the disk links come from the disk drivers, not zfs.
        const driverOk = drivers.length === 0 || (lm.driver !== undefined ? drivers.includes(lm.driver) : lm.class === 'disk' && drivers.some((d) => !['zfs'].includes(d)));
        if (!classOk || !driverOk) continue;
        let t: Tri = unknownFilter ? 'maybe' : 'yes';
        if (lm.driver && (!(await env.host.hasMajor(lm.driver)) || (await env.host.moduleProblem(`drv/${lm.driver}`)))) t = 'no';
        for (const l of lm.links) made.push([l, t]);
      }
      return [{ status: 'yes', apply: (s) => made.forEach(([l, t]) => s.devLinks.set(l, t === 'no' ? (s.devLinks.get(l) ?? 'no') : s.devLinks.get(l) === 'yes' ? 'yes' : t)) }];
    },
  },
  {
    name: 'zpool',
    programs: ['usr/sbin/zpool', 'sbin/zpool'],
    severity: 'unusable',
    effect: 'no pool can be imported',
    source: 'usr/src/cmd/zpool/zpool_main.c',
    preconditions: [
      ...zfsNeeds('zpool'),
      {
        id: 'zpool.import-disks',
        severity: 'unusable',
        source: 'usr/src/lib/libzutil/common/zutil_import.c (zpool_find_import searches /dev/dsk); usr/src/cmd/devfsadm/disk_link.c',
        fix: 'run devfsadm (plain, or -c disk) with SUNW_disk_link.so kept, on a writable root, before zpool import',
        async check(env) {
          if (env.args[0] !== 'import') return undefined;
          return verdict(await env.devLink('/dev/dsk/'), 'zpool import looks for pools on /dev/dsk, which devfsadm has not filled at this point: no pool is found');
        },
      },
    ],
    effects(env) {
      const [sub, ...rest] = env.args;
      if (sub === 'import') {
        const { opts, operands } = getopt(rest, 'Rodc');
        const name = operands.at(-1);
        if (name === null || name === undefined) return [{ status: 'maybe' }];
        const altroot = absolute(opts.get('R')?.[0] ?? undefined);
        // Stryker disable next-line StringLiteral: only "yes" is asked for; any other stand-in for an unknown pool is the same
        const before = env.state.pools.get(name)?.imported ?? 'no';
        if (before === 'yes') return [{ status: 'no' }];
        return [
          { status: 'yes', apply: (s) => s.pools.set(name, { imported: 'yes', altroot }) },
          { status: 'no', apply: (s) => s.pools.set(name, { imported: 'no' }) },
        ];
      }
      if (sub === 'list' || sub === 'get' || sub === 'status') {
        const name = getopt(rest, 'oT').operands.at(-1);
        // Stryker disable next-line StringLiteral: only "yes" and "no" are asked for; any other stand-in for "maybe" is the same
        const t = name ? (env.state.pools.get(name)?.imported ?? 'no') : 'maybe';
        if (t === 'no' && sub === 'list') return [{ status: 'no' }];
        if (t === 'yes' && sub === 'list') return [{ status: 'yes' }];
        return [
          { status: 'yes', apply: (s) => name && s.pools.set(name, { ...(s.pools.get(name) ?? {}), imported: 'yes' }) },
          { status: 'no' },
        ];
      }
      if (sub === 'export') {
        // -f (force) is a flag: it takes no value (zpool_main.c zpool_do_export).
        const name = getopt(rest, '').operands.at(-1);
        if (!name) return [{ status: 'maybe' }];
        // Export unmounts the pool's datasets: one with file systems mounted on top of it (the
        // lofs views a hand-over made) is busy, and the export fails.
        const altroot = env.state.pools.get(name)?.altroot;
        // Stryker disable next-line ConditionalExpression: without an altroot the prefix is "undefined/", which no absolute mount point starts with
        const covered = altroot !== undefined && [...env.state.mounts].some(([mp, m]) => mp.startsWith(`${altroot}/`) && m.present === 'yes');
        if (covered) return [{ status: 'no' }];
        const unmount = (s: ScriptState) => {
          s.pools.set(name, { imported: 'no' });
          for (const k of [...s.datasets.keys()]) if (k === name || k.startsWith(`${name}/`)) s.datasets.set(k, 'no');
          // Stryker disable next-line ConditionalExpression: deleting the key undefined from a map of paths changes nothing
          if (altroot !== undefined) s.mounts.delete(altroot);
        };
        return [{ status: 'yes', apply: unmount }, { status: 'no' }];
      }
      return [{ status: 'maybe' }];
    },
  },
  {
    name: 'zfs',
    programs: ['usr/sbin/zfs', 'sbin/zfs'],
    severity: 'unusable',
    effect: 'no dataset can be mounted',
    source: 'usr/src/cmd/zfs/zfs_main.c',
    preconditions: [
      ...zfsNeeds('zfs'),
      {
        id: 'zfs.mount-busy',
        severity: 'degraded',
        source: 'usr/src/cmd/zfs/zfs_main.c share_mount_one ("filesystem already mounted"); usr/src/uts/common/os/exit.c restart_init',
        fix: 'test whether the dataset is mounted already (a restarted script finds it so) and go on with it',
        async check(env) {
          if (env.args[0] !== 'mount') return undefined;
          const ds = getopt(env.args.slice(1), 'o').operands.at(-1);
          if (ds === undefined) return undefined;
          const key = ds ?? [...env.state.datasets.keys()].find((k) => k.endsWith('/(its boot dataset)'));
          const t = key ? (env.state.datasets.get(key) ?? 'no') : 'no';
          return t === 'no' ? undefined : { tri: t === 'yes' ? 'no' : 'maybe', why: `${key} is mounted already at this point, so "zfs mount" fails` };
        },
      },
      {
        id: 'zfs.mount-point',
        severity: 'unusable',
        source: 'usr/src/lib/libzfs/common/libzfs_mount.c zfs_mount (mkdirp of the mount point)',
        fix: 'ship the mount point directory in the image (the ramdisk root is read-only until remounted)',
        async check(env) {
          if (env.args[0] !== 'mount') return undefined;
          const ds = getopt(env.args.slice(1), 'o').operands.at(-1);
          const pool = ds?.split('/')[0];
          const altroot = pool ? env.state.pools.get(pool)?.altroot : undefined;
          if (!altroot) return undefined;
          const st = await env.stat(altroot);
          if (st.exists !== 'no') return undefined;
          return verdict(env.writable(altroot), `the pool's alternate root ${altroot} does not exist and cannot be made on a read-only root`);
        },
      },
    ],
    effects(env) {
      const [sub, ...rest] = env.args;
      if (sub === 'mount') {
        const ds = getopt(rest, 'o').operands.at(-1);
        if (ds === undefined) return [{ status: 'maybe' }];
        // A dataset named at boot (the pool's bootfs): when one pool is imported, it is that pool's.
        const imported = [...env.state.pools].filter(([, p]) => p.imported !== 'no');
        const pool = ds !== null ? ds.split('/')[0] : imported.length === 1 ? imported[0][0] : undefined;
        // Stryker disable next-line ConditionalExpression: pools are keyed by name, so get(undefined) is undefined too
        const p = pool !== undefined ? env.state.pools.get(pool) : undefined;
        if (pool !== undefined && (!p || p.imported === 'no')) return [{ status: 'no' }];
        return [
          {
            status: 'yes',
            apply: (s) => {
              s.datasets.set(ds ?? `${pool ?? '?'}/(its boot dataset)`, 'yes');
              if (p?.altroot) s.mounts.set(p.altroot, { fstype: 'zfs', present: 'yes', writable: 'yes', contents: 'unknown' });
            },
          },
          { status: 'no' },
        ];
      }
      if (sub === 'unmount' || sub === 'umount') {
        const ds = getopt(rest, '').operands.at(-1);
        return [{ status: 'yes', apply: (s) => ds && s.datasets.set(ds, 'no') }, { status: 'no' }];
      }
      return [{ status: 'maybe' }];
    },
  },
  {
    name: 'mount',
    programs: ['sbin/mount', 'usr/sbin/mount'],
    severity: 'degraded',
    effect: 'nothing can be mounted',
    source: 'usr/src/cmd/fs.d/mount.c',
    preconditions: [
      {
        id: 'mount.fs-module',
        severity: 'unusable',
        source: 'usr/src/uts/common/fs/vfs.c domount, vfs_getvfssw (modload("fs", vfs_to_modname(type)))',
        fix: 'keep the file system\'s kernel module (the profile\'s keep list: fs/<type>)',
        async check(env) {
          const t = mountType(env);
          if (!t) return undefined;
          const p = await env.host.moduleProblem(fsModule(t));
          return p ? { tri: 'no', why: `the ${t} file system cannot load (${p})` } : undefined;
        },
      },
      {
        id: 'mount.fs-program',
        severity: 'unusable',
        source: 'usr/src/cmd/fs.d/mount.c doexec (execs /usr/lib/fs/<type>/mount, else /etc/fs/<type>/mount)',
        fix: 'keep /usr/lib/fs/<type>/mount (or /etc/fs/<type>/mount) for the type mounted',
        async check(env) {
          // Stryker disable next-line StringLiteral: any stand-in for a missing path fails the pattern just as '' does
          if (/\/fs\/[^/]+\/mount$/.test(env.path ?? '')) return undefined;
          const t = getopt(env.args, 'Fo').opts.get('F')?.[0];
          if (!t) return undefined;
          for (const p of [`/usr/lib/fs/${t}/mount`, `/etc/fs/${t}/mount`]) if ((await env.stat(p)).exists !== 'no') return undefined;
          return { tri: 'no', why: `neither /usr/lib/fs/${t}/mount nor /etc/fs/${t}/mount is in the image` };
        },
      },
      {
        id: 'mount.point-missing',
        severity: 'unusable',
        source: 'usr/src/uts/common/fs/vfs.c domount (lookupname of the mount point: ENOENT)',
        fix: 'ship the mount point as a directory in the image (the ramdisk root is read-only, so it cannot be made at boot until remounted)',
        async check(env) {
          const ops = mountOperands(env);
          if (ops.length < 2) return undefined;
          const mp = absolute(ops.at(-1) ?? undefined);
          if (!mp) return undefined;
          const st = await env.stat(mp);
          return st.exists === 'yes' ? undefined : { tri: st.exists === 'no' ? 'no' : 'maybe', why: `the mount point ${mp} does not exist` };
        },
      },
      {
        id: 'mount.point-busy',
        severity: 'degraded',
        source: 'usr/src/uts/common/fs/vfs.c domount (EBUSY: "vn_vfswlock" on a covered vnode without MS_OVERLAY)',
        fix: 'test whether it is mounted already (a restarted script finds it so), or unmount it first',
        async check(env) {
          if (isRemount(env)) return undefined;
          const { opts, operands } = getopt(env.args, 'Fo');
          if (opts.has('O') || operands.length < 2) return undefined;
          const mp = absolute(operands.at(-1) ?? undefined);
          const m = mp ? env.state.mounts.get(mp) : undefined;
          if (!m || m.present === 'no' || mp === '/') return undefined;
          return { tri: m.present === 'yes' ? 'no' : 'maybe', why: `${mp} is a mount point already (${m.fstype}), so the mount fails with EBUSY` };
        },
      },
      {
        id: 'mount.remount-not-mounted',
        severity: 'degraded',
        source: 'usr/src/uts/common/fs/vfs.c domount (MS_REMOUNT needs a mounted file system)',
        fix: 'remount only what is mounted',
        async check(env) {
          if (!isRemount(env)) return undefined;
          const mp = absolute(mountOperands(env).at(-1) ?? undefined);
          if (!mp) return undefined;
          const m = env.state.mounts.get(mp);
          return m && m.present !== 'no' ? undefined : { tri: 'no', why: `nothing is mounted on ${mp} to remount` };
        },
      },
    ],
    effects(env) {
      const operands = mountOperands(env);
      const opts = mountOptions(env);
      if (operands.length === 0) return [{ status: 'yes' }];
      const mp = absolute(operands.at(-1) ?? undefined);
      if (operands.length < 2 || !mp) return [{ status: 'maybe' }];
      const ro = opts.includes('ro') || getopt(env.args, 'Fo').opts.has('r');
      if (isRemount(env)) {
        return [{ status: 'yes', apply: (s) => s.mounts.set(mp, { ...s.mounts.get(mp)!, writable: ro ? 'no' : 'yes' }) }];
      }
      const type = mountType(env) ?? 'unknown';
      const special = absolute(operands[0] ?? undefined);
      const contents = type === 'tmpfs' ? 'empty' : 'unknown';
      const writable: Tri = ro ? 'no' : type === 'lofs' && special ? env.writable(special) : 'yes';
      const mounted: CommandBranch = {
        status: 'yes',
        apply: (s) => {
          s.mounts.set(mp, { fstype: type, present: 'yes', writable, contents, source: type === 'lofs' ? special : undefined });
          if (type === 'zfs' && operands[0]) s.datasets.set(operands[0], 'yes');
        },
      };
      // A disk's file system may not be there, or may not mount: the script sees both.
      return DISK_FS.has(type) ? [mounted, { status: 'no' }] : [mounted];
    },
  },
  {
    name: 'umount',
    programs: ['sbin/umount', 'usr/sbin/umount'],
    severity: 'degraded',
    effect: 'nothing can be unmounted',
    source: 'usr/src/cmd/fs.d/umount.c',
    preconditions: [],
    effects(env) {
      const mp = absolute(env.args.at(-1) ?? undefined);
      return [{ status: 'yes', apply: (s) => mp && s.mounts.delete(mp) }, { status: 'no' }];
    },
  },
  {
    name: 'chroot',
    programs: ['usr/sbin/chroot'],
    severity: 'unusable',
    effect: 'the hand-over "exec chroot /a <init>" fails',
    source: 'usr/src/cmd/chroot/chroot.c',
    preconditions: [
      {
        id: 'chroot.target-program',
        severity: 'unusable',
        source: 'usr/src/cmd/chroot/chroot.c (chroot(2), then execv of the command: "not found" exits 127); usr/src/uts/common/os/exit.c restart_init',
        fix: 'test that the new root has the program ([ -x "$ROOT$INIT" ]) before handing over to it',
        async check(env) {
          const dir = absolute(env.args[0] ?? undefined);
          const prog = env.args[1];
          if (!dir || prog === undefined || prog === null) return undefined;
          const st = await env.stat(normalPath(`${dir}/${prog}`));
          if (st.exists === 'yes') return undefined;
          return { tri: st.exists === 'no' ? 'no' : 'maybe', why: `${normalPath(`${dir}/${prog}`)} is not known to be there (nothing before this tested for it): if it is not, chroot exits and so does the process` };
        },
      },
      {
        id: 'chroot.root-mounted',
        severity: 'unusable',
        source: 'usr/src/cmd/chroot/chroot.c',
        fix: 'mount the root on the directory before chroot runs into it',
        async check(env) {
          const dir = absolute(env.args[0] ?? undefined);
          if (!dir || dir === '/') return undefined;
          const m = env.state.mounts.get(dir);
          return !m || m.present === 'no' ? { tri: 'no', why: `nothing is mounted on ${dir}: it is the ramdisk's own empty directory` } : m.present === 'maybe' ? { tri: 'maybe', why: `something may not be mounted on ${dir}` } : undefined;
        },
      },
    ],
    effects: () => [{ status: 'yes' }],
  },
  {
    name: 'fsck',
    programs: ['usr/sbin/fsck', 'usr/lib/fs/ufs/fsck'],
    severity: 'degraded',
    effect: 'a root that was not unmounted cleanly is not checked',
    source: 'usr/src/cmd/fs.d/fsck.c',
    preconditions: [
      {
        id: 'fsck.raw-device',
        severity: 'degraded',
        source: 'usr/src/cmd/fs.d/ufs/fsck/setup.c (fsck_ufs opens the character device; a block device in /dev/dsk is refused when mounted, "not a character device")',
        fix: 'give fsck the raw device (/dev/rdsk/...)',
        async check(env) {
          const dev = getopt(env.args, 'Fo').operands.at(-1);
          if (!dev || !dev.startsWith('/dev/dsk/')) return undefined;
          return { tri: 'no', why: `${dev} is a block device; fsck checks the raw device (/dev/rdsk/${dev.slice('/dev/dsk/'.length)})` };
        },
      },
      {
        id: 'fsck.fs-program',
        severity: 'degraded',
        source: 'usr/src/cmd/fs.d/fsck.c (execs /usr/lib/fs/<type>/fsck)',
        fix: 'keep /usr/lib/fs/<type>/fsck',
        async check(env) {
          const t = getopt(env.args, 'Fo').opts.get('F')?.[0];
          if (!t) return undefined;
          return (await env.stat(`/usr/lib/fs/${t}/fsck`)).exists === 'no' ? { tri: 'no', why: `/usr/lib/fs/${t}/fsck is not in the image` } : undefined;
        },
      },
    ],
    effects: () => [{ status: 'maybe' }],
  },
  {
    name: 'fstyp',
    programs: ['usr/sbin/fstyp'],
    severity: 'unusable',
    effect: 'no file system type can be told',
    source: 'usr/src/cmd/fstyp/fstyp.c',
    preconditions: [
      {
        id: 'fstyp.ufs-module',
        severity: 'unusable',
        source: 'usr/src/cmd/fstyp/fstyp.c (dlopen of /usr/lib/fs/<type>/fstyp.so.1 for each type)',
        fix: 'keep /usr/lib/fs/ufs/fstyp.so.1',
        async check(env) {
          return (await env.stat('/usr/lib/fs/ufs/fstyp.so.1')).exists === 'no' ? { tri: 'no', why: '/usr/lib/fs/ufs/fstyp.so.1 is not in the image: fstyp never answers ufs' } : undefined;
        },
      },
    ],
    effects: () => [{ status: 'maybe' }],
  },
  {
    name: 'labelit',
    programs: ['usr/sbin/labelit'],
    severity: 'unusable',
    effect: 'no UFS label can be read',
    source: 'usr/src/cmd/fs.d/labelit.c',
    preconditions: [
      {
        id: 'labelit.fs-program',
        severity: 'unusable',
        source: 'usr/src/cmd/fs.d/labelit.c (execs /usr/lib/fs/<type>/labelit)',
        fix: 'keep /usr/lib/fs/ufs/labelit',
        async check(env) {
          const t = getopt(env.args, 'F').opts.get('F')?.[0];
          if (!t) return undefined;
          return (await env.stat(`/usr/lib/fs/${t}/labelit`)).exists === 'no' ? { tri: 'no', why: `/usr/lib/fs/${t}/labelit is not in the image` } : undefined;
        },
      },
    ],
    effects: () => [{ status: 'maybe' }],
  },
  {
    name: 'mkdir',
    programs: ['usr/bin/mkdir'],
    severity: 'degraded',
    effect: 'no directory can be made',
    source: 'usr/src/cmd/mkdir/mkdir.c',
    preconditions: [
      {
        id: 'mkdir.read-only',
        severity: 'degraded',
        source: 'usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot (the ramdisk root is read-only until remounted)',
        fix: 'remount the root read-write first, or ship the directory in the image',
        async check(env) {
          const { operands } = getopt(env.args, 'm');
          const bad: string[] = [];
          for (const o of operands) {
            const p = absolute(o ?? undefined);
            if (!p || (await env.stat(p)).exists === 'yes') continue;
            if (env.writable(p) === 'no') bad.push(p);
          }
          return bad.length ? { tri: 'no', why: `${bad.join(', ')} cannot be made: the file system is read-only here` } : undefined;
        },
      },
    ],
    effects(env) {
      const dirs = getopt(env.args, 'm').operands.map((o) => absolute(o ?? undefined)).filter((p): p is string => !!p);
      return [{ status: 'yes', apply: (s) => dirs.forEach((d) => s.paths.set(d, { exists: 'yes', kind: 'dir' })) }];
    },
  },
  {
    name: 'touch',
    programs: ['usr/bin/touch'],
    severity: 'degraded',
    effect: 'no file can be made',
    source: 'usr/src/cmd/touch/touch.c',
    preconditions: [
      {
        id: 'touch.read-only',
        severity: 'degraded',
        source: 'usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot (the ramdisk root is read-only until remounted)',
        fix: 'write it to a tmpfs (/etc/svc/volatile, /tmp once mounted), or remount the root read-write first',
        async check(env) {
          for (const o of getopt(env.args, 'dr').operands) {
            const p = absolute(o ?? undefined);
            if (p && env.writable(p) === 'no') return { tri: 'no', why: `${p} is on a read-only file system here` };
          }
          return undefined;
        },
      },
    ],
    effects(env) {
      const files = getopt(env.args, 'dr').operands.map((o) => absolute(o ?? undefined)).filter((p): p is string => !!p);
      return [{ status: 'yes', apply: (s) => files.forEach((f) => s.paths.set(f, { exists: 'yes', kind: 'file' })) }];
    },
  },
  {
    name: 'autopush',
    programs: ['sbin/autopush'],
    severity: 'unusable',
    effect: 'the console gets no ldterm or ttcompat: no echo, no CR-NL, no ^C',
    source: 'usr/src/cmd/autopush/autopush.c',
    preconditions: [
      {
        id: 'autopush.sad-admin',
        severity: 'unusable',
        source: 'usr/src/cmd/autopush/autopush.c (open ADMINDEV "/dev/sad/admin"); usr/src/uts/common/io/sad.c',
        fix: 'keep the /dev/sad/admin link the build adds (src/devlinks) and drv/sad with its major',
        async check(env) {
          return verdict(await env.devLink('/dev/sad/admin'), '/dev/sad/admin does not exist or leads to no bound driver, so autopush configures nothing');
        },
      },
    ],
    effects: () => [{ status: 'yes' }],
  },
  {
    name: 'bootadm',
    programs: ['usr/sbin/bootadm', 'sbin/bootadm'],
    severity: 'degraded',
    effect: 'the boot archive cannot be checked or updated',
    source: 'usr/src/cmd/boot/bootadm/bootadm.c',
    preconditions: [
      {
        id: 'bootadm.create-ramdisk',
        severity: 'degraded',
        source: 'usr/src/cmd/boot/bootadm/bootadm.c is_boot_archive (stat of boot/solaris/bin/create_ramdisk: "not a boot archive based Solaris instance")',
        fix: 'keep boot/solaris/bin/create_ramdisk, or turn svc:/system/boot-archive off (the smf profile does)',
        async check(env) {
          if (env.args[0] !== 'update-archive') return undefined;
          return (await env.stat('/boot/solaris/bin/create_ramdisk')).exists === 'no' ? { tri: 'no', why: '/boot/solaris/bin/create_ramdisk is not in the image: bootadm update-archive fails' } : undefined;
        },
      },
      {
        id: 'bootadm.unix',
        severity: 'degraded',
        source: 'usr/src/cmd/boot/bootadm/bootadm_upgrade.c get_boot_cap (unix must be an ELF object of at least 8192 bytes of the class bootadm expects, with the multiboot header)',
        fix: 'keep platform/i86pc/kernel/amd64/unix as the gate builds it',
        async check(env) {
          if (env.args[0] !== 'update-archive') return undefined;
          const unix = '/platform/i86pc/kernel/amd64/unix';
          if ((await env.stat(unix)).exists === 'no') return { tri: 'no', why: `the image has no ${unix} for bootadm to read` };
          const info = await env.host.fileInfo?.(unix);
          if (info && (info.size < 8192 || info.elfClass !== 64)) return { tri: 'no', why: `${unix} is ${info.elfClass ? `a ${info.elfClass}-bit ELF object` : 'not an ELF object'} of ${info.size} bytes; bootadm wants a 64-bit ELF kernel of at least 8192 bytes ("invalid or corrupted binary")` };
          return undefined;
        },
      },
    ],
    effects(env) {
      const [sub, ...rest] = env.args;
      if (sub !== 'update-archive') return [{ status: 'maybe' }];
      // Stryker disable next-line ConditionalExpression: null tested as a string is "null", which the pattern does not match either
      const check = rest.some((a) => a !== null && /^-[a-zA-Z]*C/.test(a));
      if (!check) return [{ status: 'maybe' }];
      return bootadmCheck(env);
    },
  },
  {
    name: 'reboot',
    programs: ['usr/sbin/reboot', 'sbin/reboot'],
    severity: 'degraded',
    effect: 'the system cannot be rebooted',
    source: 'usr/src/cmd/halt/halt.c',
    preconditions: [
      {
        id: 'reboot.during-boot',
        severity: 'unusable',
        source: 'usr/src/cmd/svc/milestone/fs-usr (bootadm update-archive, then reboot, when /etc/svc/volatile/boot_archive_needs_update exists); usr/src/cmd/halt/halt.c',
        fix: 'find what asks for the reboot (for the boot archive: svc:/system/boot-archive, which the smf overlay makes succeed at once on a ramdisk)',
        async check(env) {
          if (env.args.some((a) => a === 'dryrun')) return undefined;
          return { tri: 'no', why: 'the machine reboots here, while it boots: a ramdisk comes back the same, so it reboots on every boot and never reaches multi-user' };
        },
      },
    ],
    effects: () => [{ status: 'yes' }],
  },
];

const NEEDS_UPDATE = '/etc/svc/volatile/boot_archive_needs_update';

/**
 * bootadm update-archive -C, as the boot-archive service runs it (usr/src/cmd/boot/bootadm/
 * bootadm.c update_archive): with a writable root (its lock, /var/run/bootadm.lock, can be
 * made: bam_lock) on UFS it returns at once. Otherwise it checks the archive; a root mounted
 * from /devices/ramdisk:a is not "/dev/ramdisk/" to is_ramdisk(), and without
 * boot/solaris/filestat.ramdisk update_required() creates boot_archive_needs_update, which makes
 * filesystem/usr update the archive and reboot.
 */
async function bootadmCheck(env: CommandEnv): Promise<CommandBranch[]> {
  const lockWritable = env.writable('/var/run/bootadm.lock') === 'yes' && (await env.stat('/var/run')).exists === 'yes';
  if (lockWritable) return [{ status: 'yes' }];
  if ((await env.stat('/boot/solaris/filestat.ramdisk')).exists === 'no') {
    return [{ status: 'yes', apply: (s) => s.paths.set(NEEDS_UPDATE, { exists: 'yes', kind: 'file' }) }];
  }
  return [{ status: 'maybe' }];
}

/** Failures of the shell's own redirections and "." (not of any one command): the interpreter applies them. */
export const REDIRECT_RULES = {
  deviceMissing: {
    id: 'redirect.device',
    severity: 'degraded',
    source: 'usr/src/uts/common/fs/dev/sdev_subr.c (a /dev lookup miss makes no link before devfsadm runs); usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major',
    fix: 'keep the /dev links the build adds (src/devlinks/table.ts) and their drivers, or make the link (devfsadm) before this line'
  },
  readMissing: { id: 'redirect.read', severity: 'degraded', source: 'usr/src/cmd/ksh (redirection "<": open fails, the command does not run)', fix: 'keep the file in the image' },
  writeNoDir: { id: 'redirect.no-directory', severity: 'degraded', source: 'usr/src/cmd/ksh (redirection ">": open fails, the command does not run)', fix: 'ship the directory in the image, or write somewhere that exists' },
  writeReadOnly: {
    id: 'redirect.read-only',
    severity: 'degraded',
    source: 'usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot (ROOT_INIT: the ramdisk root is read-only until remounted)',
    fix: 'write to a tmpfs (/etc/svc/volatile, or /tmp and /var/run once mounted), or remount the root read-write before this line'
  },
  sourceMissing: { id: 'source.missing', severity: 'unusable', source: 'usr/src/cmd/ksh (the "." special built-in: a missing file ends a non-interactive shell)', fix: 'keep the sourced file in the image (compose writes the launcher\'s and trampoline\'s settings files)' },
} satisfies Record<string, BootRule>;

/** Every precondition and shell rule, by id (for tests and documentation). */
export function allPreconditions(): BootRule[] {
  return [...COMMAND_RULES.flatMap((r) => r.preconditions), ...Object.values(REDIRECT_RULES)];
}

/** The rule for a command, by the program the shell found (or its name). */
export function ruleFor(name: string, path: string | undefined): CommandRule | undefined {
  const p = path?.replace(/^\/+/, '');
  // Stryker disable next-line ConditionalExpression: no program list holds undefined or '', and neither matches the fs patterns
  if (p) {
    const byPath = COMMAND_RULES.find((r) => r.programs.includes(p));
    if (byPath) return byPath;
    if (/^(usr\/lib|etc)\/fs\/[^/]+\/mount$/.test(p)) return COMMAND_RULES.find((r) => r.name === 'mount');
    if (/^usr\/lib\/fs\/[^/]+\/fsck$/.test(p)) return COMMAND_RULES.find((r) => r.name === 'fsck');
  }
  const base = name.split('/').pop()!;
  return COMMAND_RULES.find((r) => r.name === base);
}

