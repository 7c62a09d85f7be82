import { describe, expect, it } from 'vitest';
import { allPreconditions, COMMAND_RULES, getopt, REDIRECT_RULES, ruleFor, type CommandBranch, type CommandEnv, type ScriptHost, type Verdict } from '../../src/bootpath/commands.js';
import { BOOT_MODULES, bootModuleNames, driverName } from '../../src/bootpath/kernel-modules.js';
import { fsModule, fsMountPrograms } from '../../src/bootpath/programs.js';
import { ScriptState, type Mount, type Tri, type Value } from '../../src/check/script/state.js';

// The command rules one by one, each precondition and each effect asked directly with a small,
// fully controlled view of the booted system: which paths exist, which are writable, which /dev
// links lead to a driver, which modules load and which drivers have a major. The verdicts'
// texts are what compose check prints at the script's line, so they are pinned whole.

interface Spec {
  args: Value[];
  path?: string;
  state?: ScriptState;
  /** stat(): a path not named does not exist. */
  exists?: Record<string, Tri>;
  /** writable(): a path not named is on a read-only file system. */
  writable?: Record<string, Tri>;
  /** devLink(): a link not named is not there. */
  links?: Record<string, Tri>;
  modules?: string[];
  majors?: string[];
  fileInfo?: Record<string, { size: number; elfClass?: number }>;
}

const rule = (name: string) => COMMAND_RULES.find((r) => r.name === name)!;

function envOf(name: string, spec: Spec): CommandEnv {
  const host: ScriptHost = {
    imageStat: () => ({ exists: 'no' }),
    programProblems: async () => [],
    moduleProblem: async (m) => (spec.modules?.includes(m) ? undefined : `${m} is not in the image`),
    hasMajor: async (d) => spec.majors?.includes(d) ?? false,
    deviceProblem: async () => undefined,
    readText: async () => undefined,
  };
  if (spec.fileInfo) host.fileInfo = async (p) => spec.fileInfo![p];
  return {
    args: spec.args,
    openEnded: false,
    state: spec.state ?? new ScriptState(),
    rule: rule(name),
    host,
    path: spec.path,
    stat: async (p) => ({ exists: spec.exists?.[p] ?? 'no' }),
    writable: (p) => spec.writable?.[p] ?? 'no',
    devLink: async (p) => spec.links?.[p] ?? 'no',
  };
}

/** One precondition, by id ("zpool.dev-zfs" is the zpool rule's). */
async function check(id: string, spec: Spec): Promise<Verdict | undefined> {
  const name = id.split('.')[0];
  const p = rule(name).preconditions.find((x) => x.id === id);
  expect(p, id).toBeDefined();
  return p!.check(envOf(name, spec));
}

/** The state as a plain object, only the parts that hold something. */
function view(s: ScriptState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, m] of [['mounts', s.mounts], ['paths', s.paths], ['devLinks', s.devLinks], ['pools', s.pools], ['datasets', s.datasets]] as const) {
    if (m.size) out[k] = Object.fromEntries(m);
  }
  return out;
}

/** A rule's branches: each one's status, whether it changes anything, and the state it leaves. */
async function effects(name: string, spec: Spec): Promise<Array<{ status: Tri; apply?: boolean; after?: Record<string, unknown> }>> {
  const env = envOf(name, spec);
  const branches: CommandBranch[] = await rule(name).effects!(env);
  return branches.map((b) => {
    if (!b.apply) return { status: b.status };
    const s = env.state.clone();
    b.apply(s);
    return { status: b.status, apply: true, after: view(s) };
  });
}

const stateWith = (f: (s: ScriptState) => void): ScriptState => {
  const s = new ScriptState();
  f(s);
  return s;
};
const mount = (fstype: string, present: Tri = 'yes', writable: Tri = 'yes'): Mount => ({ fstype, present, writable, contents: 'unknown' });

describe('getopt', () => {
  it('options with a value (attached or the next word), flags, repeats; operands after the first non-option', () => {
    const r = getopt(['-c', 'disk', '-vI', '-cpseudo', '-vidisk', 'x', '-y'], 'ci');
    expect(r.opts).toEqual(new Map([['c', ['disk', 'pseudo']], ['v', ['', '']], ['I', ['']], ['i', ['disk']]]));
    expect(r.operands).toEqual(['x', '-y']);
  });

  it('"--" ends the options and is dropped; "-", an unknown word and a missing value stop them', () => {
    expect(getopt(['-a', '--', '-b'], '')).toEqual({ opts: new Map([['a', ['']]]), operands: ['-b'] });
    expect(getopt(['-', '-a'], '')).toEqual({ opts: new Map(), operands: ['-', '-a'] });
    expect(getopt(['-a', null, '-b'], '')).toEqual({ opts: new Map([['a', ['']]]), operands: [null, '-b'] });
    expect(getopt(['-c'], 'c')).toEqual({ opts: new Map([['c', [null]]]), operands: [] });
    expect(getopt(['-c', null, 'x'], 'c')).toEqual({ opts: new Map([['c', [null]]]), operands: ['x'] });
    expect(getopt([], 'c')).toEqual({ opts: new Map(), operands: [] });
  });
});

describe('ruleFor', () => {
  it('by the program the shell found, by an fs-specific mount or fsck, else by the name', () => {
    expect(ruleFor('x', '/usr/sbin/devfsadm')?.name).toBe('devfsadm');
    expect(ruleFor('x', '//usr/sbin/zfs')?.name).toBe('zfs');
    expect(ruleFor('x', 'sbin/zpool')?.name).toBe('zpool');
    expect(ruleFor('x', '/usr/lib/fs/tmpfs/mount')?.name).toBe('mount');
    expect(ruleFor('x', '/etc/fs/ufs/mount')?.name).toBe('mount');
    expect(ruleFor('x', '/usr/lib/fs/hsfs/fsck')?.name).toBe('fsck');
    expect(ruleFor('x', '/usr/lib/fs/ufs/fsck')?.name).toBe('fsck');
    expect(ruleFor('mount', '/opt/bin/mount')?.name).toBe('mount');
    expect(ruleFor('/usr/sbin/chroot', undefined)?.name).toBe('chroot');
    expect(ruleFor('touch', '')?.name).toBe('touch');
  });

  it('nothing for other programs, or paths that only look like an fs-specific one', () => {
    expect(ruleFor('ls', '/usr/bin/ls')).toBeUndefined();
    expect(ruleFor('x', undefined)).toBeUndefined();
    for (const p of ['/opt/usr/lib/fs/ufs/mount', '/usr/lib/fs/ufs/mount.old', '/usr/lib/fs/a/b/mount', '/usr/lib/fs//mount', '/etc/fs/ufs/fsck', '/opt/usr/lib/fs/ufs/fsck', '/usr/lib/fs/ufs/fsck.old', '/usr/lib/fs/a/b/fsck']) {
      expect(ruleFor('x', p), p).toBeUndefined();
    }
  });

  it('allPreconditions: the commands\' in table order, then the shell\'s own', () => {
    const all = allPreconditions();
    expect(all.slice(0, 3).map((p) => p.id)).toEqual(['devfsadm.writable-root', 'devfsadm.etc-dev', 'zpool.dev-zfs']);
    expect(all.slice(-5)).toEqual(Object.values(REDIRECT_RULES));
    expect(all.length).toBe(COMMAND_RULES.reduce((n, r) => n + r.preconditions.length, 0) + 5);
  });
});

describe('the module and program tables\' helpers', () => {
  it('bootModuleNames: every module in table order, a stand-in after its module', () => {
    const names = bootModuleNames();
    expect(names.slice(0, 3)).toEqual(['genunix', 'fs/specfs', 'fs/devfs']);
    expect(names.slice(names.indexOf('drv/npe'), names.indexOf('drv/npe') + 3)).toEqual(['drv/npe', 'drv/pci', 'drv/vgatext']);
    expect(names.length).toBe(BOOT_MODULES.length + 1);
    expect(names.at(-1)).toBe('fs/sockfs');
  });

  it('driverName: a drv/ module\'s driver, nothing for others', () => {
    expect(driverName('drv/asy')).toBe('asy');
    expect(driverName('drv/')).toBe('');
    expect(driverName('fs/ufs')).toBeUndefined();
    expect(driverName('xdrv/asy')).toBeUndefined();
  });

  it('fsMountPrograms and fsModule', () => {
    expect(fsMountPrograms('ufs')).toEqual(['usr/lib/fs/ufs/mount', 'etc/fs/ufs/mount']);
    expect(fsModule('proc')).toBe('fs/procfs');
    expect(fsModule('fd')).toBe('fs/fdfs');
    expect(fsModule('nfs')).toBe('fs/nfs');
    expect(fsModule('nfs4')).toBe('fs/nfs');
    expect(fsModule('xnfs')).toBe('fs/xnfs');
    expect(fsModule('ufs')).toBe('fs/ufs');
    expect(fsModule('procfs')).toBe('fs/procfs');
  });
});

const LOCK = '/etc/dev/.devfsadm_dev.lock';
const DISK_LINK = '/usr/lib/devfsadm/linkmod/SUNW_disk_link.so';
const ZFS_LINK = '/usr/lib/devfsadm/linkmod/SUNW_zfs_link.so';
const MISC_LINK = '/usr/lib/devfsadm/linkmod/SUNW_misc_link.so';
const ALL_LINKS = { [DISK_LINK]: 'yes', [ZFS_LINK]: 'yes', [MISC_LINK]: 'yes' } as const;
const ZFS = { modules: ['drv/zfs'], majors: ['zfs'] };

describe('devfsadm', () => {
  const RO = 'the root file system is read-only here (the kernel mounts the ramdisk read-only), so devfsadm cannot open /etc/dev/.devfsadm_dev.lock ("open failed") and exits 1 without making any /dev link';
  it('writable-root: its lock on a read-only root', async () => {
    expect(await check('devfsadm.writable-root', { args: [] })).toEqual({ tri: 'no', why: RO });
    expect(await check('devfsadm.writable-root', { args: [], writable: { [LOCK]: 'maybe' } })).toEqual({ tri: 'maybe', why: RO });
    expect(await check('devfsadm.writable-root', { args: [], writable: { [LOCK]: 'yes' } })).toBeUndefined();
  });

  it('-I, -P, -S and -s take no lock; a class, driver, path or root value named like them does', async () => {
    for (const f of ['-I', '-P', '-S', '-s', '-vI']) expect(await check('devfsadm.writable-root', { args: [f] }), f).toBeUndefined();
    for (const args of [['-c', 'I'], ['-i', 'P'], ['-p', 'S'], ['-r', 's'], ['-c', 'disk'], ['-c', '-I'], ['-i', '-P'], ['-p', '-S'], ['-r', '-s']]) {
      expect(await check('devfsadm.writable-root', { args }), args.join(' ')).toEqual({ tri: 'no', why: RO });
    }
  });

  it('etc-dev: fatal only when /etc/dev is missing and cannot be made', async () => {
    const why = '/etc/dev is not in the image and cannot be made on the read-only root, so devfsadm has nowhere to take its lock';
    expect(await check('devfsadm.etc-dev', { args: [] })).toEqual({ tri: 'no', why });
    expect(await check('devfsadm.etc-dev', { args: [], exists: { '/etc/dev': 'maybe' } })).toEqual({ tri: 'maybe', why });
    expect(await check('devfsadm.etc-dev', { args: [], writable: { '/etc/dev': 'maybe' } })).toEqual({ tri: 'maybe', why });
    expect(await check('devfsadm.etc-dev', { args: [], writable: { '/etc/dev': 'yes' } })).toBeUndefined();
    expect(await check('devfsadm.etc-dev', { args: [], exists: { '/etc/dev': 'yes' } })).toBeUndefined();
    expect(await check('devfsadm.etc-dev', { args: ['-I'] })).toBeUndefined();
  });

  it('effects: plain devfsadm makes every link module\'s links; -I and the like make none', async () => {
    expect(await effects('devfsadm', { args: ['-P'], exists: ALL_LINKS, ...ZFS })).toEqual([{ status: 'yes' }]);
    expect(await effects('devfsadm', { args: [], exists: ALL_LINKS, ...ZFS })).toEqual([
      { status: 'yes', apply: true, after: { devLinks: { 'dev/dsk/': 'yes', 'dev/rdsk/': 'yes', 'dev/zfs': 'yes', 'dev/null': 'yes', 'dev/zero': 'yes', 'dev/console': 'yes', 'dev/ptmx': 'yes', 'dev/tty': 'yes' } } },
    ]);
  });

  const linksMade = async (args: Value[], extra: Partial<Spec> = {}) => {
    const [b] = await effects('devfsadm', { args, exists: ALL_LINKS, ...ZFS, ...extra });
    return (b.after?.devLinks ?? {}) as Record<string, Tri>;
  };

  it('effects: a missing link module makes nothing; one that may be there still counts', async () => {
    expect(await linksMade([], { exists: { [DISK_LINK]: 'maybe', [ZFS_LINK]: 'no', [MISC_LINK]: 'no' } })).toEqual({ 'dev/dsk/': 'yes', 'dev/rdsk/': 'yes' });
    expect(await linksMade([], { exists: {} })).toEqual({});
  });

  it('effects: -c and -i choose the link modules', async () => {
    expect(Object.keys(await linksMade(['-c', 'disk']))).toEqual(['dev/dsk/', 'dev/rdsk/']);
    expect(Object.keys(await linksMade(['-c', 'pseudo']))).toEqual(['dev/zfs', 'dev/null', 'dev/zero', 'dev/console', 'dev/ptmx', 'dev/tty']);
    expect(Object.keys(await linksMade(['-c', 'disk', '-c', 'pseudo']))).toHaveLength(8);
    expect(Object.keys(await linksMade(['-i', 'zfs']))).toEqual(['dev/zfs']);
    expect(Object.keys(await linksMade(['-i', 'sd']))).toEqual(['dev/dsk/', 'dev/rdsk/']);
    expect(Object.keys(await linksMade(['-i', 'zfs', '-i', 'sd']))).toEqual(['dev/dsk/', 'dev/rdsk/', 'dev/zfs']);
    expect(Object.keys(await linksMade(['-c', 'disk', '-i', 'zfs']))).toEqual([]);
  });

  it('effects: a class or driver not known before boot makes the links "maybe"', async () => {
    expect(await linksMade(['-c', null])).toEqual({ 'dev/dsk/': 'maybe', 'dev/rdsk/': 'maybe', 'dev/zfs': 'maybe', 'dev/null': 'maybe', 'dev/zero': 'maybe', 'dev/console': 'maybe', 'dev/ptmx': 'maybe', 'dev/tty': 'maybe' });
    expect(Object.values(await linksMade(['-i', null]))).toEqual(Array(8).fill('maybe'));
  });

  it('effects: /dev/zfs needs the zfs driver\'s major and module', async () => {
    expect(await linksMade(['-i', 'zfs'], { majors: [] })).toEqual({ 'dev/zfs': 'no' });
    expect(await linksMade(['-i', 'zfs'], { modules: [] })).toEqual({ 'dev/zfs': 'no' });
    expect(await linksMade(['-i', 'zfs'])).toEqual({ 'dev/zfs': 'yes' });
  });

  it('effects: a link made before stays; a failed one keeps what was', async () => {
    const state = stateWith((s) => {
      s.devLinks.set('dev/zfs', 'yes');
      s.devLinks.set('dev/null', 'maybe');
      s.devLinks.set('dev/tty', 'yes');
      s.devLinks.set('dev/zero', 'no');
    });
    expect(await linksMade(['-i', 'zfs'], { state, majors: [] })).toMatchObject({ 'dev/zfs': 'yes' });
    const failed = stateWith((s) => s.devLinks.set('dev/zfs', 'maybe'));
    expect((await linksMade(['-i', 'zfs'], { state: failed, majors: [] }))['dev/zfs']).toBe('maybe');
    expect(await linksMade(['-c', 'pseudo', '-c', null], { state })).toEqual({ 'dev/zfs': 'yes', 'dev/null': 'maybe', 'dev/zero': 'maybe', 'dev/console': 'maybe', 'dev/ptmx': 'maybe', 'dev/tty': 'yes' });
  });
});

describe('zpool and zfs need /dev/zfs and the zfs driver', () => {
  it('dev-zfs: names the command that fails', async () => {
    for (const who of ['zpool', 'zfs']) {
      const why = `libzfs opens /dev/zfs, which does not exist at this point of the boot (devfsadm's SUNW_zfs_link.so makes it, for class "pseudo" or -i zfs), so every ${who} command fails`;
      expect(await check(`${who}.dev-zfs`, { args: ['list'] })).toEqual({ tri: 'no', why });
      expect(await check(`${who}.dev-zfs`, { args: ['list'], links: { '/dev/zfs': 'maybe' } })).toEqual({ tri: 'maybe', why });
      expect(await check(`${who}.dev-zfs`, { args: ['list'], links: { '/dev/zfs': 'yes' } })).toBeUndefined();
    }
  });

  it('zfs-driver: the major first, then the module', async () => {
    for (const who of ['zpool', 'zfs']) {
      expect(await check(`${who}.zfs-driver`, { args: [], modules: ['drv/zfs'] })).toEqual({ tri: 'no', why: 'etc/name_to_major has no line for zfs: /dev/zfs has no driver behind it' });
      expect(await check(`${who}.zfs-driver`, { args: [], majors: ['zfs'] })).toEqual({ tri: 'no', why: 'the zfs driver cannot load (drv/zfs is not in the image)' });
      expect(await check(`${who}.zfs-driver`, { args: [], ...ZFS })).toBeUndefined();
    }
  });
});

describe('zpool', () => {
  it('import-disks: zpool import needs /dev/dsk filled', async () => {
    const why = 'zpool import looks for pools on /dev/dsk, which devfsadm has not filled at this point: no pool is found';
    expect(await check('zpool.import-disks', { args: ['import', 'rpool'] })).toEqual({ tri: 'no', why });
    expect(await check('zpool.import-disks', { args: ['import', 'rpool'], links: { '/dev/dsk/': 'maybe' } })).toEqual({ tri: 'maybe', why });
    expect(await check('zpool.import-disks', { args: ['import', 'rpool'], links: { '/dev/dsk/': 'yes' } })).toBeUndefined();
    expect(await check('zpool.import-disks', { args: ['list', 'rpool'] })).toBeUndefined();
  });

  it('import: imports the pool with its alternate root, or not', async () => {
    expect(await effects('zpool', { args: ['import', '-N', '-f', '-R', '/a/../b/', 'rpool'] })).toEqual([
      { status: 'yes', apply: true, after: { pools: { rpool: { imported: 'yes', altroot: '/b' } } } },
      { status: 'no', apply: true, after: { pools: { rpool: { imported: 'no' } } } },
    ]);
    expect((await effects('zpool', { args: ['import', '-R', 'a', 'rpool'] }))[0].after).toEqual({ pools: { rpool: { imported: 'yes', altroot: undefined } } });
    expect((await effects('zpool', { args: ['import', 'rpool'] }))[0].after).toEqual({ pools: { rpool: { imported: 'yes', altroot: undefined } } });
    const maybe = stateWith((s) => s.pools.set('rpool', { imported: 'maybe' }));
    expect(await effects('zpool', { args: ['import', 'rpool'], state: maybe })).toHaveLength(2);
  });

  it('import: a pool imported already fails; without a known name, maybe', async () => {
    const imported = stateWith((s) => s.pools.set('rpool', { imported: 'yes' }));
    expect(await effects('zpool', { args: ['import', 'rpool'], state: imported })).toEqual([{ status: 'no' }]);
    expect(await effects('zpool', { args: ['import'] })).toEqual([{ status: 'maybe' }]);
    expect(await effects('zpool', { args: ['import', null] })).toEqual([{ status: 'maybe' }]);
    // -R, -o, -d and -c take a value: it is not the pool's name.
    for (const o of ['-R', '-o', '-d', '-c']) expect(await effects('zpool', { args: ['import', o, '/x'] }), o).toEqual([{ status: 'maybe' }]);
  });

  it('list: the pool is imported or not; get and status, and an unknown pool, may go either way', async () => {
    const state = stateWith((s) => {
      s.pools.set('rpool', { imported: 'yes', altroot: '/a' });
      s.pools.set('tank', { imported: 'maybe', altroot: '/t' });
      s.pools.set('gone', { imported: 'no' });
    });
    expect(await effects('zpool', { args: ['list', '-H', '-o', 'name', 'rpool'], state })).toEqual([{ status: 'yes' }]);
    expect(await effects('zpool', { args: ['list', 'gone'], state })).toEqual([{ status: 'no' }]);
    expect(await effects('zpool', { args: ['list', 'other'], state })).toEqual([{ status: 'no' }]);
    expect(await effects('zpool', { args: ['list', '-T', 'd'], state })).toEqual([{ status: 'yes', apply: true, after: view(state) }, { status: 'no' }]);
    expect(await effects('zpool', { args: ['list', '-o', 'name'], state })).toEqual([{ status: 'yes', apply: true, after: view(state) }, { status: 'no' }]);
    const tank = await effects('zpool', { args: ['list', 'tank'], state });
    expect(tank).toEqual([{ status: 'yes', apply: true, after: { pools: { rpool: { imported: 'yes', altroot: '/a' }, tank: { imported: 'yes', altroot: '/t' }, gone: { imported: 'no' } } } }, { status: 'no' }]);
    expect(await effects('zpool', { args: ['status', 'rpool'], state })).toEqual([{ status: 'yes', apply: true, after: view(state) }, { status: 'no' }]);
    expect(await effects('zpool', { args: ['get', '-o', 'value', 'bootfs', 'gone'], state })).toEqual([
      { status: 'yes', apply: true, after: { pools: { rpool: { imported: 'yes', altroot: '/a' }, tank: { imported: 'maybe', altroot: '/t' }, gone: { imported: 'yes' } } } },
      { status: 'no' },
    ]);
    expect(await effects('zpool', { args: ['status', 'new'] })).toEqual([{ status: 'yes', apply: true, after: { pools: { new: { imported: 'yes' } } } }, { status: 'no' }]);
  });

  it('export: unmounts the pool\'s datasets and its alternate root; busy while something is mounted below it', async () => {
    const state = stateWith((s) => {
      s.pools.set('rpool', { imported: 'yes', altroot: '/a' });
      s.datasets.set('rpool', 'yes');
      s.datasets.set('rpool/ROOT/be', 'yes');
      s.datasets.set('rpoolx', 'yes');
      s.mounts.set('/a', mount('zfs'));
      s.mounts.set('/ab', mount('lofs'));
      s.mounts.set('/a/usr', mount('lofs', 'maybe'));
    });
    expect(await effects('zpool', { args: ['export', '-f', 'rpool'], state })).toEqual([
      {
        status: 'yes',
        apply: true,
        after: { mounts: { '/ab': mount('lofs'), '/a/usr': mount('lofs', 'maybe') }, pools: { rpool: { imported: 'no' } }, datasets: { rpool: 'no', 'rpool/ROOT/be': 'no', rpoolx: 'yes' } },
      },
      { status: 'no' },
    ]);
    state.mounts.set('/a/usr', mount('lofs'));
    expect(await effects('zpool', { args: ['export', 'rpool'], state })).toEqual([{ status: 'no' }]);
    expect(await effects('zpool', { args: ['export'] })).toEqual([{ status: 'maybe' }]);
    // A pool the script never imported: its export may still be tried.
    expect(await effects('zpool', { args: ['export', 'tank'] })).toEqual([{ status: 'yes', apply: true, after: { pools: { tank: { imported: 'no' } } } }, { status: 'no' }]);
    // Flags take no value: the pool is the last word.
    expect((await effects('zpool', { args: ['export', '-a', 'tank'] }))[0].after).toEqual({ pools: { tank: { imported: 'no' } } });
    expect(await effects('zpool', { args: ['export', null] })).toEqual([{ status: 'maybe' }]);
  });

  it('export: a pool without an alternate root leaves the mounts alone', async () => {
    const state = stateWith((s) => {
      s.pools.set('tank', { imported: 'yes' });
      s.mounts.set('/tank', mount('zfs'));
    });
    expect((await effects('zpool', { args: ['export', 'tank'], state }))[0].after).toEqual({ mounts: { '/tank': mount('zfs') }, pools: { tank: { imported: 'no' } } });
  });

  it('other subcommands: maybe', async () => {
    expect(await effects('zpool', { args: ['create', 'tank', 'c0d0'] })).toEqual([{ status: 'maybe' }]);
  });
});

describe('zfs', () => {
  it('mount-busy: a dataset mounted already', async () => {
    const state = stateWith((s) => {
      s.datasets.set('rpool/ROOT', 'yes');
      s.datasets.set('rpool/var', 'maybe');
      s.datasets.set('rpool/opt', 'no');
      s.datasets.set('ro', 'yes');
    });
    expect(await check('zfs.mount-busy', { args: ['mount', '-o', 'ro', 'rpool/ROOT'], state })).toEqual({ tri: 'no', why: 'rpool/ROOT is mounted already at this point, so "zfs mount" fails' });
    expect(await check('zfs.mount-busy', { args: ['mount', 'rpool/var'], state })).toEqual({ tri: 'maybe', why: 'rpool/var is mounted already at this point, so "zfs mount" fails' });
    expect(await check('zfs.mount-busy', { args: ['mount', 'rpool/opt'], state })).toBeUndefined();
    expect(await check('zfs.mount-busy', { args: ['mount', 'rpool/new'], state })).toBeUndefined();
    expect(await check('zfs.mount-busy', { args: ['mount', '-o', 'ro'], state })).toBeUndefined();
    expect(await check('zfs.mount-busy', { args: ['mount'], state })).toBeUndefined();
    const boot = stateWith((s) => s.datasets.set('rpool/(its boot dataset)', 'yes'));
    expect(await check('zfs.mount-busy', { args: ['mount'], state: boot })).toBeUndefined();
    expect(await check('zfs.mount-busy', { args: ['unmount', 'rpool/ROOT'], state })).toBeUndefined();
  });

  it('mount-busy: a dataset named at boot is the boot dataset the state knows', async () => {
    const state = stateWith((s) => s.datasets.set('rpool/(its boot dataset)', 'yes'));
    expect(await check('zfs.mount-busy', { args: ['mount', null], state })).toEqual({ tri: 'no', why: 'rpool/(its boot dataset) is mounted already at this point, so "zfs mount" fails' });
    expect(await check('zfs.mount-busy', { args: ['mount', null] })).toBeUndefined();
    const other = stateWith((s) => s.datasets.set('rpool/(its boot dataset)x', 'yes'));
    expect(await check('zfs.mount-busy', { args: ['mount', null], state: other })).toBeUndefined();
  });

  it('mount-point: the pool\'s alternate root must exist or be made', async () => {
    const state = stateWith((s) => {
      s.pools.set('rpool', { imported: 'yes', altroot: '/a' });
      s.pools.set('tank', { imported: 'yes' });
    });
    const why = 'the pool\'s alternate root /a does not exist and cannot be made on a read-only root';
    expect(await check('zfs.mount-point', { args: ['mount', 'rpool/ROOT'], state })).toEqual({ tri: 'no', why });
    expect(await check('zfs.mount-point', { args: ['mount', '-o', 'ro', 'rpool'], state, writable: { '/a': 'maybe' } })).toEqual({ tri: 'maybe', why });
    expect(await check('zfs.mount-point', { args: ['mount', 'rpool/ROOT'], state, writable: { '/a': 'yes' } })).toBeUndefined();
    expect(await check('zfs.mount-point', { args: ['mount', 'rpool/ROOT'], state, exists: { '/a': 'maybe' } })).toBeUndefined();
    expect(await check('zfs.mount-point', { args: ['mount', 'rpool/ROOT'], state, exists: { '/a': 'yes' } })).toBeUndefined();
    expect(await check('zfs.mount-point', { args: ['mount', 'tank/x'], state })).toBeUndefined();
    expect(await check('zfs.mount-point', { args: ['mount', 'other/x'], state })).toBeUndefined();
    expect(await check('zfs.mount-point', { args: ['mount', null], state })).toBeUndefined();
    expect(await check('zfs.mount-point', { args: ['mount', '-o', 'rpool'], state })).toBeUndefined();
    expect(await check('zfs.mount-point', { args: ['list', 'rpool/ROOT'], state })).toBeUndefined();
  });

  it('mount: the dataset, and the alternate root it covers', async () => {
    const state = stateWith((s) => s.pools.set('rpool', { imported: 'yes', altroot: '/a' }));
    expect(await effects('zfs', { args: ['mount', '-o', 'ro', 'rpool/ROOT/be'], state })).toEqual([
      { status: 'yes', apply: true, after: { pools: { rpool: { imported: 'yes', altroot: '/a' } }, datasets: { 'rpool/ROOT/be': 'yes' }, mounts: { '/a': { fstype: 'zfs', present: 'yes', writable: 'yes', contents: 'unknown' } } } },
      { status: 'no' },
    ]);
    const noAlt = stateWith((s) => s.pools.set('rpool', { imported: 'maybe' }));
    expect(await effects('zfs', { args: ['mount', 'rpool/var'], state: noAlt })).toEqual([
      { status: 'yes', apply: true, after: { pools: { rpool: { imported: 'maybe' } }, datasets: { 'rpool/var': 'yes' } } },
      { status: 'no' },
    ]);
  });

  it('mount: a pool not imported fails; no dataset named, maybe', async () => {
    const state = stateWith((s) => s.pools.set('gone', { imported: 'no' }));
    expect(await effects('zfs', { args: ['mount', 'gone/x'], state })).toEqual([{ status: 'no' }]);
    expect(await effects('zfs', { args: ['mount', 'other/x'], state })).toEqual([{ status: 'no' }]);
    expect(await effects('zfs', { args: ['mount'] })).toEqual([{ status: 'maybe' }]);
    expect(await effects('zfs', { args: ['mount', '-o', 'ro'] })).toEqual([{ status: 'maybe' }]);
  });

  it('mount of a dataset named at boot: the one imported pool\'s boot dataset', async () => {
    const one = stateWith((s) => {
      s.pools.set('rpool', { imported: 'maybe', altroot: '/a' });
      s.pools.set('gone', { imported: 'no', altroot: '/g' });
    });
    expect((await effects('zfs', { args: ['mount', null], state: one }))[0].after).toMatchObject({ datasets: { 'rpool/(its boot dataset)': 'yes' }, mounts: { '/a': { fstype: 'zfs' } } });
    const two = stateWith((s) => {
      s.pools.set('rpool', { imported: 'yes', altroot: '/a' });
      s.pools.set('tank', { imported: 'yes', altroot: '/t' });
    });
    const r = await effects('zfs', { args: ['mount', null], state: two });
    expect(r).toEqual([{ status: 'yes', apply: true, after: { ...view(two), datasets: { '?/(its boot dataset)': 'yes' } } }, { status: 'no' }]);
    expect(await effects('zfs', { args: ['mount', null] })).toEqual([{ status: 'yes', apply: true, after: { datasets: { '?/(its boot dataset)': 'yes' } } }, { status: 'no' }]);
  });

  it('unmount and umount: the dataset is no longer mounted, or the command fails', async () => {
    const state = stateWith((s) => s.datasets.set('rpool/x', 'yes'));
    for (const sub of ['unmount', 'umount']) {
      expect(await effects('zfs', { args: [sub, '-f', 'rpool/x'], state }), sub).toEqual([{ status: 'yes', apply: true, after: { datasets: { 'rpool/x': 'no' } } }, { status: 'no' }]);
    }
    expect(await effects('zfs', { args: ['unmount', '-a', 'rpool/x'], state })).toEqual([{ status: 'yes', apply: true, after: { datasets: { 'rpool/x': 'no' } } }, { status: 'no' }]);
    expect(await effects('zfs', { args: ['unmount'], state })).toEqual([{ status: 'yes', apply: true, after: { datasets: { 'rpool/x': 'yes' } } }, { status: 'no' }]);
    expect(await effects('zfs', { args: ['list'], state })).toEqual([{ status: 'maybe' }]);
  });
});

describe('mount', () => {
  it('fs-module: the type from the fs-specific program, else from -F', async () => {
    expect(await check('mount.fs-module', { args: ['swap', '/tmp'], path: '/usr/lib/fs/tmpfs/mount' })).toEqual({ tri: 'no', why: 'the tmpfs file system cannot load (fs/tmpfs is not in the image)' });
    expect(await check('mount.fs-module', { args: ['-F', 'zfs', 'x', '/a'], path: '/etc/fs/ufs/mount' })).toEqual({ tri: 'no', why: 'the ufs file system cannot load (fs/ufs is not in the image)' });
    expect(await check('mount.fs-module', { args: ['-o', 'ro', '-F', 'proc', 'proc', '/proc'], path: '/sbin/mount' })).toEqual({ tri: 'no', why: 'the proc file system cannot load (fs/procfs is not in the image)' });
    expect(await check('mount.fs-module', { args: ['-F', 'fd', 'fd', '/dev/fd'], modules: ['fs/fdfs'] })).toBeUndefined();
    expect(await check('mount.fs-module', { args: ['swap', '/tmp'], path: '/usr/lib/fs/tmpfs/mount', modules: ['fs/tmpfs'] })).toBeUndefined();
    expect(await check('mount.fs-module', { args: ['/dev/dsk/x', '/a'] })).toBeUndefined();
    expect(await check('mount.fs-module', { args: ['-o', 'F', '/dev/dsk/x', '/a'] })).toBeUndefined();
    // Only a whole /usr/lib/fs/<type>/mount or /etc/fs/<type>/mount names the type.
    for (const path of ['/opt/usr/lib/fs/tmpfs/mount', '/usr/lib/fs/tmpfs/mount2', '/usr/lib/fs/a/b/mount', '/usr/fs/tmpfs/mount']) {
      expect(await check('mount.fs-module', { args: ['swap', '/tmp'], path }), path).toBeUndefined();
    }
  });

  it('fs-program: mount -F execs /usr/lib/fs/<type>/mount, else /etc/fs/<type>/mount', async () => {
    const args = ['-F', 'tmpfs', '-o', 'size=1m', 'swap', '/tmp'];
    expect(await check('mount.fs-program', { args, path: '/sbin/mount' })).toEqual({ tri: 'no', why: 'neither /usr/lib/fs/tmpfs/mount nor /etc/fs/tmpfs/mount is in the image' });
    expect(await check('mount.fs-program', { args })).toEqual({ tri: 'no', why: 'neither /usr/lib/fs/tmpfs/mount nor /etc/fs/tmpfs/mount is in the image' });
    expect(await check('mount.fs-program', { args, exists: { '/usr/lib/fs/tmpfs/mount': 'maybe' } })).toBeUndefined();
    expect(await check('mount.fs-program', { args, exists: { '/etc/fs/tmpfs/mount': 'yes' } })).toBeUndefined();
    expect(await check('mount.fs-program', { args: ['swap', '/tmp'] })).toBeUndefined();
    expect(await check('mount.fs-program', { args: ['-o', 'F', 'swap', '/tmp'] })).toBeUndefined();
    expect(await check('mount.fs-program', { args, path: '/usr/lib/fs/ufs/mount' })).toBeUndefined();
    expect(await check('mount.fs-program', { args, path: '/usr/lib/fs/ufs/mount2' })).toEqual({ tri: 'no', why: 'neither /usr/lib/fs/tmpfs/mount nor /etc/fs/tmpfs/mount is in the image' });
    expect(await check('mount.fs-program', { args, path: '/usr/lib/fs/a/b/mount' })).toEqual({ tri: 'no', why: 'neither /usr/lib/fs/tmpfs/mount nor /etc/fs/tmpfs/mount is in the image' });
  });

  it('point-missing: the last operand must exist', async () => {
    expect(await check('mount.point-missing', { args: ['-F', 'tmpfs', 'swap', '/tmp/'] })).toEqual({ tri: 'no', why: 'the mount point /tmp does not exist' });
    expect(await check('mount.point-missing', { args: ['swap', '/tmp'], exists: { '/tmp': 'maybe' } })).toEqual({ tri: 'maybe', why: 'the mount point /tmp does not exist' });
    expect(await check('mount.point-missing', { args: ['swap', '/tmp'], exists: { '/tmp': 'yes' } })).toBeUndefined();
    expect(await check('mount.point-missing', { args: ['swap', 'tmp'] })).toBeUndefined();
    expect(await check('mount.point-missing', { args: ['swap', null] })).toBeUndefined();
    expect(await check('mount.point-missing', { args: ['/tmp'] })).toBeUndefined();
    expect(await check('mount.point-missing', { args: ['-o', '/x', '/tmp'] })).toBeUndefined();
    // The mount point is the last operand.
    expect(await check('mount.point-missing', { args: ['swap', '/x', '/tmp'], exists: { '/x': 'yes' } })).toEqual({ tri: 'no', why: 'the mount point /tmp does not exist' });
  });

  it('point-busy: EBUSY on a mount point, unless -O, a remount, or the root', async () => {
    const state = stateWith((s) => {
      s.mounts.set('/tmp', mount('tmpfs'));
      s.mounts.set('/a', mount('ufs', 'maybe'));
      s.mounts.set('/b', mount('ufs', 'no'));
      s.mounts.set('/', mount('ufs'));
    });
    expect(await check('mount.point-busy', { args: ['-F', 'tmpfs', 'swap', '/tmp'], state })).toEqual({ tri: 'no', why: '/tmp is a mount point already (tmpfs), so the mount fails with EBUSY' });
    expect(await check('mount.point-busy', { args: ['/dev/dsk/x', '/a'], state })).toEqual({ tri: 'maybe', why: '/a is a mount point already (ufs), so the mount fails with EBUSY' });
    expect(await check('mount.point-busy', { args: ['/dev/dsk/x', '/b'], state })).toBeUndefined();
    expect(await check('mount.point-busy', { args: ['/dev/dsk/x', '/c'], state })).toBeUndefined();
    expect(await check('mount.point-busy', { args: ['/dev/dsk/x', '/'], state })).toBeUndefined();
    expect(await check('mount.point-busy', { args: ['/dev/dsk/x', 'tmp'], state })).toBeUndefined();
    expect(await check('mount.point-busy', { args: ['-O', 'swap', '/tmp'], state })).toBeUndefined();
    expect(await check('mount.point-busy', { args: ['-o', 'remount', 'swap', '/tmp'], state })).toBeUndefined();
    expect(await check('mount.point-busy', { args: ['/tmp'], state })).toBeUndefined();
    expect(await check('mount.point-busy', { args: ['-o', 'swap', '/tmp'], state })).toBeUndefined();
    expect(await check('mount.point-busy', { args: ['swap', '/c', '/tmp'], state })).toEqual({ tri: 'no', why: '/tmp is a mount point already (tmpfs), so the mount fails with EBUSY' });
  });

  it('remount-not-mounted: only what is mounted can be remounted', async () => {
    const state = stateWith((s) => {
      s.mounts.set('/', mount('ufs'));
      s.mounts.set('/a', mount('ufs', 'maybe'));
      s.mounts.set('/b', mount('ufs', 'no'));
    });
    expect(await check('mount.remount-not-mounted', { args: ['-o', 'rw,remount', '/devices/ramdisk:a', '/'], state })).toBeUndefined();
    expect(await check('mount.remount-not-mounted', { args: ['-o', 'remount', 'x', '/a'], state })).toBeUndefined();
    expect(await check('mount.remount-not-mounted', { args: ['-o', 'remount', 'x', '/b'], state })).toEqual({ tri: 'no', why: 'nothing is mounted on /b to remount' });
    expect(await check('mount.remount-not-mounted', { args: ['-o', 'remount', 'x', '/c/'], state })).toEqual({ tri: 'no', why: 'nothing is mounted on /c to remount' });
    expect(await check('mount.remount-not-mounted', { args: ['-o', 'remount', 'x', 'c'], state })).toBeUndefined();
    expect(await check('mount.remount-not-mounted', { args: ['x', '/c'], state })).toBeUndefined();
    // mount -o remount names the mount point alone.
    expect(await check('mount.remount-not-mounted', { args: ['-o', 'remount,rw', '/b'], state })).toEqual({ tri: 'no', why: 'nothing is mounted on /b to remount' });
    expect(await check('mount.remount-not-mounted', { args: ['-o', 'remount,rw', '/'], state })).toBeUndefined();
    expect(await check('mount.remount-not-mounted', { args: ['-o', 'remounted', 'x', '/c'], state })).toBeUndefined();
  });

  it('effects: no operands lists the mounts; one, or a relative mount point, may go either way', async () => {
    expect(await effects('mount', { args: [] })).toEqual([{ status: 'yes' }]);
    expect(await effects('mount', { args: ['-p'] })).toEqual([{ status: 'yes' }]);
    expect(await effects('mount', { args: ['/tmp'] })).toEqual([{ status: 'maybe' }]);
    expect(await effects('mount', { args: ['swap', 'tmp'] })).toEqual([{ status: 'maybe' }]);
  });

  it('effects: a remount changes only whether the mount is writable', async () => {
    const state = stateWith((s) => s.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'no', contents: 'image' }));
    const rw = { fstype: 'ufs', present: 'yes', writable: 'yes', contents: 'image' };
    expect(await effects('mount', { args: ['-o', 'remount,rw', '/devices/ramdisk:a', '/'], state })).toEqual([{ status: 'yes', apply: true, after: { mounts: { '/': rw } } }]);
    expect(await effects('mount', { args: ['-o', 'remount,ro', '/devices/ramdisk:a', '/'], state })).toEqual([{ status: 'yes', apply: true, after: { mounts: { '/': { ...rw, writable: 'no' } } } }]);
    expect(await effects('mount', { args: ['-r', '-o', 'remount', '/devices/ramdisk:a', '/'], state })).toEqual([{ status: 'yes', apply: true, after: { mounts: { '/': { ...rw, writable: 'no' } } } }]);
  });

  it('effects: a new mount, empty for tmpfs, a view for lofs, the dataset for zfs', async () => {
    expect(await effects('mount', { args: ['swap', '/tmp'], path: '/usr/lib/fs/tmpfs/mount' })).toEqual([
      { status: 'yes', apply: true, after: { mounts: { '/tmp': { fstype: 'tmpfs', present: 'yes', writable: 'yes', contents: 'empty', source: undefined } } } },
    ]);
    expect(await effects('mount', { args: ['-F', 'lofs', '/a/usr', '/usr'], writable: { '/a/usr': 'maybe' } })).toEqual([
      { status: 'yes', apply: true, after: { mounts: { '/usr': { fstype: 'lofs', present: 'yes', writable: 'maybe', contents: 'unknown', source: '/a/usr' } } } },
    ]);
    expect(await effects('mount', { args: ['-F', 'lofs', '-o', 'ro', '/a/usr', '/usr'], writable: { '/a/usr': 'yes' } })).toEqual([
      { status: 'yes', apply: true, after: { mounts: { '/usr': { fstype: 'lofs', present: 'yes', writable: 'no', contents: 'unknown', source: '/a/usr' } } } },
    ]);
    expect(await effects('mount', { args: ['-F', 'lofs', 'a/usr', '/usr'] })).toEqual([
      { status: 'yes', apply: true, after: { mounts: { '/usr': { fstype: 'lofs', present: 'yes', writable: 'yes', contents: 'unknown', source: undefined } } } },
    ]);
    expect(await effects('mount', { args: ['-F', 'zfs', 'rpool/ROOT', '/a'] })).toEqual([
      { status: 'yes', apply: true, after: { mounts: { '/a': { fstype: 'zfs', present: 'yes', writable: 'yes', contents: 'unknown', source: undefined } }, datasets: { 'rpool/ROOT': 'yes' } } },
      { status: 'no' },
    ]);
    expect(await effects('mount', { args: ['-F', 'ufs', 'rpool/ROOT', '/a'] })).toEqual([
      { status: 'yes', apply: true, after: { mounts: { '/a': { fstype: 'ufs', present: 'yes', writable: 'yes', contents: 'unknown', source: undefined } } } },
      { status: 'no' },
    ]);
    expect(await effects('mount', { args: ['x', '/a'] })).toEqual([
      { status: 'yes', apply: true, after: { mounts: { '/a': { fstype: 'unknown', present: 'yes', writable: 'yes', contents: 'unknown', source: undefined } } } },
    ]);
  });

  it('effects: only lofs takes its writability and source from the special; -r mounts read-only; the mount point is the last operand', async () => {
    expect((await effects('mount', { args: ['-F', 'ufs', '/dev/dsk/x', '/a'], writable: { '/dev/dsk/x': 'no' } }))[0].after).toEqual({
      mounts: { '/a': { fstype: 'ufs', present: 'yes', writable: 'yes', contents: 'unknown', source: undefined } },
    });
    expect((await effects('mount', { args: ['-F', 'ufs', '-r', '/dev/dsk/x', '/a'] }))[0].after).toEqual({
      mounts: { '/a': { fstype: 'ufs', present: 'yes', writable: 'no', contents: 'unknown', source: undefined } },
    });
    expect((await effects('mount', { args: ['-F', 'tmpfs', 'swap', '/x', '/tmp'] }))[0].after).toEqual({
      mounts: { '/tmp': { fstype: 'tmpfs', present: 'yes', writable: 'yes', contents: 'empty', source: undefined } },
    });
  });

  it('effects: a file system on a disk may not be there', async () => {
    const branches = async (type: string) => (await effects('mount', { args: ['-F', type, 'x', '/a'] })).map((b) => b.status);
    for (const t of ['ufs', 'zfs', 'pcfs', 'hsfs', 'udfs', 'nfs']) expect(await branches(t), t).toEqual(['yes', 'no']);
    for (const t of ['tmpfs', 'lofs', 'fd', 'proc']) expect(await branches(t), t).toEqual(['yes']);
  });
});

describe('umount and chroot', () => {
  it('umount: the mount point is gone, or the command fails', async () => {
    const state = stateWith((s) => {
      s.mounts.set('/a', mount('ufs'));
      s.mounts.set('/b', mount('ufs'));
    });
    expect(await effects('umount', { args: ['-f', '/a/'], state })).toEqual([{ status: 'yes', apply: true, after: { mounts: { '/b': mount('ufs') } } }, { status: 'no' }]);
    expect((await effects('umount', { args: ['/b'], state }))[0].after).toEqual({ mounts: { '/a': mount('ufs') } });
    expect((await effects('umount', { args: ['a'], state }))[0].after).toEqual(view(state));
    expect((await effects('umount', { args: [], state }))[0].after).toEqual(view(state));
  });

  it('target-program: the program must be known to be under the new root', async () => {
    const why = '/a/sbin/init is not known to be there (nothing before this tested for it): if it is not, chroot exits and so does the process';
    expect(await check('chroot.target-program', { args: ['/a/', 'sbin/init'] })).toEqual({ tri: 'no', why });
    expect(await check('chroot.target-program', { args: ['/a', '/sbin/init'], exists: { '/a/sbin/init': 'maybe' } })).toEqual({ tri: 'maybe', why });
    expect(await check('chroot.target-program', { args: ['/a', '/sbin/init'], exists: { '/a/sbin/init': 'yes' } })).toBeUndefined();
    expect(await check('chroot.target-program', { args: ['a', '/sbin/init'] })).toBeUndefined();
    expect(await check('chroot.target-program', { args: [null, '/sbin/init'] })).toBeUndefined();
    expect(await check('chroot.target-program', { args: ['/a', null] })).toBeUndefined();
    expect(await check('chroot.target-program', { args: ['/a'] })).toBeUndefined();
  });

  it('root-mounted: something must be mounted on the new root', async () => {
    const state = stateWith((s) => {
      s.mounts.set('/a', mount('ufs'));
      s.mounts.set('/m', mount('ufs', 'maybe'));
      s.mounts.set('/n', mount('ufs', 'no'));
    });
    expect(await check('chroot.root-mounted', { args: ['/a', '/sbin/init'], state })).toBeUndefined();
    expect(await check('chroot.root-mounted', { args: ['/m/'], state })).toEqual({ tri: 'maybe', why: 'something may not be mounted on /m' });
    expect(await check('chroot.root-mounted', { args: ['/n'], state })).toEqual({ tri: 'no', why: 'nothing is mounted on /n: it is the ramdisk\'s own empty directory' });
    expect(await check('chroot.root-mounted', { args: ['/x'], state })).toEqual({ tri: 'no', why: 'nothing is mounted on /x: it is the ramdisk\'s own empty directory' });
    expect(await check('chroot.root-mounted', { args: ['/'], state })).toBeUndefined();
    expect(await check('chroot.root-mounted', { args: ['x'], state })).toBeUndefined();
    expect(await check('chroot.root-mounted', { args: [], state })).toBeUndefined();
  });

  it('effects: chroot and autopush succeed, reboot is final', async () => {
    expect(await effects('chroot', { args: ['/a', '/sbin/init'] })).toEqual([{ status: 'yes' }]);
    expect(await effects('autopush', { args: ['-f', '/etc/iu.ap'] })).toEqual([{ status: 'yes' }]);
    expect(await effects('reboot', { args: [] })).toEqual([{ status: 'yes' }]);
  });
});

describe('fsck, fstyp and labelit', () => {
  it('fsck raw-device: a block device is refused', async () => {
    expect(await check('fsck.raw-device', { args: ['-F', 'ufs', '-o', 'p', '/dev/dsk/c0d0s0'] })).toEqual({ tri: 'no', why: '/dev/dsk/c0d0s0 is a block device; fsck checks the raw device (/dev/rdsk/c0d0s0)' });
    expect(await check('fsck.raw-device', { args: ['/dev/rdsk/c0d0s0'] })).toBeUndefined();
    expect(await check('fsck.raw-device', { args: ['/x/dev/dsk/c0d0s0'] })).toBeUndefined();
    expect(await check('fsck.raw-device', { args: ['-o', '/dev/dsk/c0d0s0'] })).toBeUndefined();
    expect(await check('fsck.raw-device', { args: [] })).toBeUndefined();
    expect(await check('fsck.raw-device', { args: [null] })).toBeUndefined();
  });

  it('fsck fs-program: -F <type> needs /usr/lib/fs/<type>/fsck', async () => {
    expect(await check('fsck.fs-program', { args: ['-F', 'ufs', '/dev/rdsk/x'] })).toEqual({ tri: 'no', why: '/usr/lib/fs/ufs/fsck is not in the image' });
    expect(await check('fsck.fs-program', { args: ['-F', 'ufs', '/dev/rdsk/x'], exists: { '/usr/lib/fs/ufs/fsck': 'maybe' } })).toBeUndefined();
    expect(await check('fsck.fs-program', { args: ['/dev/rdsk/x'] })).toBeUndefined();
    expect(await check('fsck.fs-program', { args: ['-o', 'F', '/dev/rdsk/x'] })).toBeUndefined();
    expect(await effects('fsck', { args: ['/dev/rdsk/x'] })).toEqual([{ status: 'maybe' }]);
  });

  it('fstyp needs its ufs module', async () => {
    expect(await check('fstyp.ufs-module', { args: ['/dev/rdsk/x'] })).toEqual({ tri: 'no', why: '/usr/lib/fs/ufs/fstyp.so.1 is not in the image: fstyp never answers ufs' });
    expect(await check('fstyp.ufs-module', { args: ['/dev/rdsk/x'], exists: { '/usr/lib/fs/ufs/fstyp.so.1': 'maybe' } })).toBeUndefined();
    expect(await effects('fstyp', { args: ['/dev/rdsk/x'] })).toEqual([{ status: 'maybe' }]);
  });

  it('labelit -F <type> needs /usr/lib/fs/<type>/labelit', async () => {
    expect(await check('labelit.fs-program', { args: ['-F', 'ufs', '/dev/rdsk/x'] })).toEqual({ tri: 'no', why: '/usr/lib/fs/ufs/labelit is not in the image' });
    expect(await check('labelit.fs-program', { args: ['-F', 'ufs', '/dev/rdsk/x'], exists: { '/usr/lib/fs/ufs/labelit': 'yes' } })).toBeUndefined();
    expect(await check('labelit.fs-program', { args: ['-F', 'ufs'], exists: { '/usr/lib/fs//labelit': 'no' } })).toEqual({ tri: 'no', why: '/usr/lib/fs/ufs/labelit is not in the image' });
    expect(await check('labelit.fs-program', { args: ['/dev/rdsk/x'] })).toBeUndefined();
    expect(await effects('labelit', { args: ['-F', 'ufs', '/dev/rdsk/x'] })).toEqual([{ status: 'maybe' }]);
  });
});

describe('mkdir and touch', () => {
  it('mkdir read-only: every directory that cannot be made, absolute paths only', async () => {
    expect(await check('mkdir.read-only', { args: ['-p', '-m', '/mode', '/a', 'rel', null, '/b', '/c/', '/d', '/e'], exists: { '/b': 'yes' }, writable: { '/d': 'maybe', '/e': 'yes' } })).toEqual({
      tri: 'no',
      why: '/a, /c cannot be made: the file system is read-only here',
    });
    expect(await check('mkdir.read-only', { args: ['/a'], writable: { '/a': 'yes' } })).toBeUndefined();
    expect(await check('mkdir.read-only', { args: ['/a'], exists: { '/a': 'maybe' } })).toEqual({ tri: 'no', why: '/a cannot be made: the file system is read-only here' });
    expect(await check('mkdir.read-only', { args: ['-m', '/mode'] })).toBeUndefined();
  });

  it('mkdir effects: the absolute directories exist', async () => {
    expect(await effects('mkdir', { args: ['-p', '-m', '/mode', '/a/', 'rel', null, '/b'] })).toEqual([
      { status: 'yes', apply: true, after: { paths: { '/a': { exists: 'yes', kind: 'dir' }, '/b': { exists: 'yes', kind: 'dir' } } } },
    ]);
  });

  it('touch read-only: the first file on a read-only file system', async () => {
    expect(await check('touch.read-only', { args: ['-r', '/ref', 'rel', null, '/tmp/x', '/a', '/b'], writable: { '/tmp/x': 'yes', '/b': 'no' } })).toEqual({ tri: 'no', why: '/a is on a read-only file system here' });
    expect(await check('touch.read-only', { args: ['-d', '/date', '/tmp/x'], writable: { '/tmp/x': 'maybe' } })).toBeUndefined();
    expect(await check('touch.read-only', { args: [] })).toBeUndefined();
  });

  it('touch effects: the absolute files exist', async () => {
    expect(await effects('touch', { args: ['-r', '/ref', '/tmp/x/', 'rel', null] })).toEqual([{ status: 'yes', apply: true, after: { paths: { '/tmp/x': { exists: 'yes', kind: 'file' } } } }]);
  });
});

describe('autopush, bootadm and reboot', () => {
  it('autopush needs /dev/sad/admin', async () => {
    const why = '/dev/sad/admin does not exist or leads to no bound driver, so autopush configures nothing';
    expect(await check('autopush.sad-admin', { args: ['-f', '/etc/iu.ap'] })).toEqual({ tri: 'no', why });
    expect(await check('autopush.sad-admin', { args: ['-f', '/etc/iu.ap'], links: { '/dev/sad/admin': 'maybe' } })).toEqual({ tri: 'maybe', why });
    expect(await check('autopush.sad-admin', { args: ['-f', '/etc/iu.ap'], links: { '/dev/sad/admin': 'yes' } })).toBeUndefined();
  });

  it('bootadm update-archive needs create_ramdisk', async () => {
    expect(await check('bootadm.create-ramdisk', { args: ['update-archive'] })).toEqual({ tri: 'no', why: '/boot/solaris/bin/create_ramdisk is not in the image: bootadm update-archive fails' });
    expect(await check('bootadm.create-ramdisk', { args: ['update-archive'], exists: { '/boot/solaris/bin/create_ramdisk': 'maybe' } })).toBeUndefined();
    expect(await check('bootadm.create-ramdisk', { args: ['list-archive'] })).toBeUndefined();
  });

  const UNIX = '/platform/i86pc/kernel/amd64/unix';
  it('bootadm update-archive needs a 64-bit unix of at least 8192 bytes', async () => {
    const info = (size: number, elfClass?: number): Spec => ({ args: ['update-archive'], exists: { [UNIX]: 'yes' }, fileInfo: { [UNIX]: { size, elfClass } } });
    const wants = 'bootadm wants a 64-bit ELF kernel of at least 8192 bytes ("invalid or corrupted binary")';
    expect(await check('bootadm.unix', { args: ['update-archive'] })).toEqual({ tri: 'no', why: 'the image has no /platform/i86pc/kernel/amd64/unix for bootadm to read' });
    expect(await check('bootadm.unix', { args: ['update-archive'], exists: { [UNIX]: 'yes' } })).toBeUndefined();
    expect(await check('bootadm.unix', { args: ['update-archive'], exists: { [UNIX]: 'maybe' }, fileInfo: {} })).toBeUndefined();
    expect(await check('bootadm.unix', info(8192, 64))).toBeUndefined();
    expect(await check('bootadm.unix', info(8191, 64))).toEqual({ tri: 'no', why: `${UNIX} is a 64-bit ELF object of 8191 bytes; ${wants}` });
    expect(await check('bootadm.unix', info(100000, 32))).toEqual({ tri: 'no', why: `${UNIX} is a 32-bit ELF object of 100000 bytes; ${wants}` });
    expect(await check('bootadm.unix', info(100))).toEqual({ tri: 'no', why: `${UNIX} is not an ELF object of 100 bytes; ${wants}` });
    expect(await check('bootadm.unix', { args: ['list-archive'] })).toBeUndefined();
  });

  it('bootadm effects: only update-archive -C is followed', async () => {
    for (const args of [['list-archive'], ['list-archive', '-C'], ['update-archive'], ['update-archive', '-v'], ['update-archive', '--C'], ['update-archive', 'x-C'], ['update-archive', null], ['-C']]) {
      expect(await effects('bootadm', { args }), args.join(' ')).toEqual([{ status: 'maybe' }]);
    }
    const flag = { status: 'yes', apply: true, after: { paths: { '/etc/svc/volatile/boot_archive_needs_update': { exists: 'yes', kind: 'file' } } } };
    for (const c of ['-C', '-vnC', '-Cv']) expect(await effects('bootadm', { args: ['update-archive', null, c] }), c).toEqual([flag]);
  });

  it('bootadm update-archive -C: a writable root returns at once; a ramdisk without filestat.ramdisk asks for an update', async () => {
    const args = ['update-archive', '-vnC'];
    expect(await effects('bootadm', { args, writable: { '/var/run/bootadm.lock': 'yes' }, exists: { '/var/run': 'yes' } })).toEqual([{ status: 'yes' }]);
    const flag = { status: 'yes', apply: true, after: { paths: { '/etc/svc/volatile/boot_archive_needs_update': { exists: 'yes', kind: 'file' } } } };
    expect(await effects('bootadm', { args, writable: { '/var/run/bootadm.lock': 'yes' }, exists: { '/var/run': 'maybe' } })).toEqual([flag]);
    expect(await effects('bootadm', { args, writable: { '/var/run/bootadm.lock': 'maybe' }, exists: { '/var/run': 'yes' } })).toEqual([flag]);
    expect(await effects('bootadm', { args, exists: { '/boot/solaris/filestat.ramdisk': 'maybe' } })).toEqual([{ status: 'maybe' }]);
    expect(await effects('bootadm', { args, exists: { '/boot/solaris/filestat.ramdisk': 'yes' } })).toEqual([{ status: 'maybe' }]);
  });

  it('reboot during boot, unless a dry run', async () => {
    expect(await check('reboot.during-boot', { args: ['-q'] })).toEqual({ tri: 'no', why: 'the machine reboots here, while it boots: a ramdisk comes back the same, so it reboots on every boot and never reaches multi-user' });
    expect(await check('reboot.during-boot', { args: ['-q', 'dryrun'] })).toBeUndefined();
  });
});
