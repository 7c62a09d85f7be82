import { describe, expect, it } from 'vitest';
import type { ManifestAction } from '../../src/manifest/action.js';
import type { ManifestSet } from '../../src/manifest/load.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { driverSpec, parsePolicy } from '../../src/state/driver-spec.js';
import { generateStateFiles, type StateResult } from '../../src/state/generate.js';
import { LineFile, stripComment } from '../../src/state/line-file.js';
import { allocateMajors, MAX_MAJOR, parseNameToMajor, readNameToMajor } from '../../src/state/majors.js';
import { DRIVER_DIRS, driverDirs, findDriverModule, listDriverModules } from '../../src/state/modules.js';
import { readStagedText } from '../../src/state/read-staged.js';
import { classifyAlias, classifyClass, classifyDevlink, classifyMinorPerm, classifyNameToMajor, classifyPolicy, classifyPriv } from '../../src/state/state-files.js';
import { writeStateFiles } from '../../src/state/write.js';
import { InputError } from '../../src/util/errors.js';
import type { Reporter } from '../../src/util/progress.js';

// Small, in-memory cases for each piece of the kernel state file generation (the whole run over
// the fixture manifests is in state-generate.test.ts).

function drv(attrs: Record<string, string | string[]>, line = 1): ManifestAction {
  return { type: 'driver', manifest: 'pkg.p5m', file: 'm.p5m', line, attrs: new Map(Object.entries(attrs).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])) };
}

function manifestSet(actions: ManifestAction[]): ManifestSet {
  return { dir: '', manifests: [], actions, variantExcluded: 0, leftOut: [], aborted: [], otherArchitecture: [], unknownMacros: new Map(), inputs: [] };
}

const file = (path: string, text: string, extra: Partial<StagedEntry> = {}): StagedEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 3,
  size: Buffer.byteLength(text),
  mtime: 1,
  source: { kind: 'generated', data: Buffer.from(text), generator: 'proto' },
  ...extra,
});

const node = (path: string, type: StagedEntry['type'], extra: Partial<StagedEntry> = {}): StagedEntry => ({ path, type, mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1, ...extra });

describe('driverSpec', () => {
  it('reads every attribute of a driver action', () => {
    const a = drv({
      name: 'tpm',
      alias: ['pci1,2', 'acpi'],
      class: ['scsi  fibre', ' ', 'x'],
      perms: [' tpm  0600 root sys', '*,cu 644 uucp uucp'],
      clone_perms: [' 0666  root sys', 'tpm,x 0600 root sys'],
      policy: ['tpm read_priv_set=a', 'write_priv_set=b ctl write_priv_set=c'],
      privs: ['tpm_a, tpm_b', 'tpm_c'],
      devlink: ['type=ddi_pseudo;name=tpm\\t\\D'],
    });
    expect(driverSpec(a)).toEqual({
      name: 'tpm',
      aliases: ['pci1,2', 'acpi'],
      classes: ['scsi', 'fibre', 'x'],
      perms: [
        { minor: 'tpm', mode: '0600', owner: 'root', group: 'sys' },
        { minor: '*,cu', mode: '644', owner: 'uucp', group: 'uucp' },
      ],
      clonePerms: [
        { minor: 'tpm', mode: '0666', owner: 'root', group: 'sys' },
        { minor: 'tpm,x', mode: '0600', owner: 'root', group: 'sys' },
      ],
      policy: [
        { minor: 'tpm', tokens: ['read_priv_set=a', 'write_priv_set=b'] },
        { minor: 'ctl', tokens: ['write_priv_set=c'] },
      ],
      privs: ['tpm_a', 'tpm_b', 'tpm_c'],
      devlinks: ['type=ddi_pseudo;name=tpm\t\\D'],
      action: a,
    });
  });

  it('gives a bare token list the minor *, and takes minors with one * and valid ranges', () => {
    const a = drv({ name: 'x' });
    expect(parsePolicy(['read_priv_set=none', 'write_priv_set=all'], a)).toEqual([{ minor: '*', tokens: ['read_priv_set=none', 'write_priv_set=all'] }]);
    const ranges = ['(10-63)c', '(5)b', '(0x10-0xff)C', '(0x1f)B', 'a*'];
    expect(parsePolicy(ranges.flatMap((r) => [r, 'read_priv_set=x']), a).map((e) => e.minor)).toEqual(ranges);
  });

  it('rejects malformed policy with the exact reason', () => {
    const a = drv({ name: 'x' }, 7);
    const fails = (words: string[]) => () => parsePolicy(words, a);
    expect(fails(['a:b', 'read_priv_set=x'])).toThrow(new InputError(`m.p5m:7: policy minor "a:b" may not contain ':'`));
    for (const bad of ['(5)x', '((5)b', '(5)bx', '(a)c', '(5-)c']) {
      expect(fails([bad, 'read_priv_set=x'])).toThrow(new InputError(`m.p5m:7: policy minor range "${bad}" must look like (0-63)c or (5)b`));
    }
    expect(fails(['a*b*', 'read_priv_set=x'])).toThrow(new InputError(`m.p5m:7: policy minor "a*b*" has more than one '*'`));
    expect(fails(['foo=bar'])).toThrow(new InputError(`m.p5m:7: unknown policy token "foo" (expected read_priv_set or write_priv_set)`));
    expect(fails(['console'])).toThrow(new InputError(`m.p5m:7: policy for minor "console" has no read_priv_set or write_priv_set`));
    expect(fails(['a', 'read_priv_set=x', 'b'])).toThrow(new InputError(`m.p5m:7: policy for minor "b" has no read_priv_set or write_priv_set`));
  });

  it('rejects bad names, aliases, perms and clone_perms with the exact reason', () => {
    const fails = (attrs: Record<string, string | string[]>) => () => driverSpec(drv(attrs, 3));
    expect(fails({})).toThrow(new InputError(`m.p5m:3: driver action needs a name without blanks, '/', '#' or ':' (got none)`));
    for (const bad of ['', 'a/b', 'a b', 'a#', 'a:b']) {
      expect(fails({ name: bad })).toThrow(new InputError(`m.p5m:3: driver action needs a name without blanks, '/', '#' or ':' (got "${bad}")`));
    }
    for (const bad of ['', 'a b', 'a"b', 'a#b', 'a\x01', 'a\x7f']) {
      expect(fails({ name: 'cn', alias: ['ok', bad] })).toThrow(new InputError(`m.p5m:3: driver cn has alias "${bad}", which may not contain blanks, quotes or '#'`));
    }
    expect(fails({ name: 'cn', perms: 'a 0666 root' })).toThrow(new InputError(`m.p5m:3: perms "a 0666 root" needs four fields: minor mode owner group`));
    for (const mode of ['rw', 'x0666', '06660', '0668', '66']) {
      expect(fails({ name: 'cn', perms: `a ${mode} root sys` })).toThrow(new InputError(`m.p5m:3: perms "a ${mode} root sys" has mode "${mode}", not an octal mode such as 0666`));
    }
    expect(fails({ name: 'cn', clone_perms: 'a b' })).toThrow(new InputError(`m.p5m:3: clone_perms "a b" needs four fields: minor mode owner group`));
    expect(fails({ name: 'cn', clone_perms: '0666 root sys extra x' })).toThrow(new InputError(`m.p5m:3: clone_perms "0666 root sys extra x" needs four fields: minor mode owner group`));
  });
});

describe('generateStateFiles on a small image', () => {
  const DRV = 'kernel/drv/amd64';
  function tree(files: Record<string, string>, modules: string[]): StagedTree {
    const t = new StagedTree(1);
    for (const [path, text] of Object.entries(files)) t.put(file(path, text));
    for (const m of modules) t.put(file(`${DRV}/${m}`, 'ELF', { mode: 0o755 }));
    return t;
  }

  const PROTO = {
    'etc/name_to_major': 'md 85\nasy 106\ndid 239\nclone 11\n',
    'etc/driver_aliases': '# header\nasy "pci11c1,480"\ngone "pci1,1"\n',
    'etc/driver_classes': 'isa sysbus\n',
    'etc/minor_perm': 'clone:cn 0600 root sys\n',
    'etc/security/device_policy': 'cn:*\tread_priv_set=none\n',
  };
  const ACTIONS = [
    drv({ name: 'mm', perms: '* 0666 root sys', privs: 'x' }, 1),
    drv({ name: 'asy', alias: 'pci11c1,480' }, 2),
    drv({ name: 'cn', alias: ['pci11c1,480', 'md', 'cn'], clone_perms: 'cn 0666 root sys', policy: 'read_priv_set=all' }, 3),
    drv({ name: 'isa', class: 'sysbus' }, 4),
    drv({ name: 'ghost', alias: 'pci2,2' }, 5),
    drv({ name: 'mm', perms: '* 0666 root sys', privs: 'x' }, 6),
    drv({ name: 'asy', alias: 'pci9,9' }, 7),
  ];

  it('writes exactly what add_drv would, with exact counts, sources, drivers and warnings', async () => {
    const notes: string[] = [];
    const warns: string[] = [];
    const reporter: Reporter = { note: (m) => notes.push(m), warn: (m) => warns.push(m), progress() {}, done() {} };
    const t = tree(PROTO, ['asy', 'clone', 'cn', 'did', 'isa', 'mm', 'orphan']);
    const r = await generateStateFiles(t, manifestSet(ACTIONS), { reporter });
    expect([...r.files]).toEqual([
      ['etc/name_to_major', 'md 85\nasy 106\ndid 239\nclone 11\ncn 240\nisa 241\nmm 242\n'],
      ['etc/driver_aliases', '# header\nasy "pci11c1,480"\ncn "cn"\n'],
      ['etc/driver_classes', 'isa sysbus\n'],
      ['etc/minor_perm', 'clone:cn 0666 root sys\nmm:* 0666 root sys\n'],
      ['etc/security/device_policy', 'cn:*\tread_priv_set=all\n'],
      ['etc/security/extra_privs', 'mm:x\n'],
    ]);
    expect(r.details).toEqual([
      { path: 'etc/name_to_major', source: 'manifests', added: 3, removed: 0 },
      { path: 'etc/driver_aliases', source: 'manifests', added: 1, removed: 1 },
      { path: 'etc/driver_classes', source: 'proto', added: 0, removed: 0 },
      { path: 'etc/minor_perm', source: 'manifests', added: 2, removed: 0 },
      { path: 'etc/security/device_policy', source: 'manifests', added: 1, removed: 0 },
      { path: 'etc/security/extra_privs', source: 'manifests', added: 1, removed: 0 },
      { path: 'etc/devlink.tab', source: 'absent', added: 0, removed: 0 },
    ]);
    expect(r.drivers).toEqual([
      { name: 'asy', major: 106, newMajor: false, module: `${DRV}/asy`, manifest: 'pkg.p5m' },
      { name: 'cn', major: 240, newMajor: true, module: `${DRV}/cn`, manifest: 'pkg.p5m' },
      { name: 'isa', major: 241, newMajor: true, module: `${DRV}/isa`, manifest: 'pkg.p5m' },
      { name: 'mm', major: 242, newMajor: true, module: `${DRV}/mm`, manifest: 'pkg.p5m' },
    ]);
    expect(r.skippedDrivers).toEqual(['ghost']);
    expect([...r.nameToMajor]).toEqual([
      ['md', 85],
      ['asy', 106],
      ['did', 239],
      ['clone', 11],
      ['cn', 240],
      ['isa', 241],
      ['mm', 242],
    ]);
    const warnings = [
      'driver asy is defined differently at m.p5m:2 and m.p5m:7; using the first',
      'm.p5m:3: alias "pci11c1,480" of driver cn already belongs to driver asy; left out',
      'm.p5m:3: alias "md" of driver cn is itself a driver name; left out',
      `${DRV}/orphan has no driver action in the manifests and no name_to_major entry; the kernel will not bind it`,
    ];
    expect(r.warnings).toEqual(warnings);
    expect(notes).toEqual(['kernel state files from driver actions: 4 drivers in the image (3 given new majors); 1 driver actions skipped because their module is not in the image']);
    expect(warns).toEqual(warnings);
  });

  it('leaves out an alias the proto gives another driver in the image, and keeps a driver\'s own', async () => {
    const t = tree({ 'etc/driver_aliases': '# header\nasy "pci11c1,480"\nasy "pci2,2"\n' }, ['aaa', 'asy']);
    const r = await generateStateFiles(t, manifestSet([drv({ name: 'aaa', alias: ['pci11c1,480', 'pci3,3'] }), drv({ name: 'asy', alias: 'pci2,2' }, 2)]));
    expect(r.files.get('etc/driver_aliases')).toBe('# header\nasy "pci11c1,480"\nasy "pci2,2"\naaa "pci3,3"\n');
    expect(r.warnings).toEqual(['m.p5m:1: alias "pci11c1,480" of driver aaa already belongs to driver asy; left out']);
  });

  it('with a supplied name_to_major, numbers nothing and warns only about the drivers it lacks', async () => {
    const t = tree({ 'etc/name_to_major': 'asy 106\n' }, ['asy', 'cn']);
    const r = await generateStateFiles(t, manifestSet([drv({ name: 'asy' }), drv({ name: 'cn' }, 2)]), { keep: ['etc/name_to_major'] });
    expect(r.warnings).toEqual(['driver cn is in the image but has no entry in the supplied etc/name_to_major; the kernel cannot bind it']);
    expect(r.drivers).toEqual([{ name: 'asy', major: 106, newMajor: false, module: `${DRV}/asy`, manifest: 'pkg.p5m' }]);
    expect(r.details[0]).toEqual({ path: 'etc/name_to_major', source: 'kept', added: 0, removed: 0 });
    expect([...r.files.keys()]).toEqual([]);
  });
});

describe('writeStateFiles', () => {
  it('writes only the changed files, keeping an existing file\'s mode and owner, a new one 0644 root:root', () => {
    const t = new StagedTree(1);
    t.put(file('etc/minor_perm', 'old\n', { mode: 0o600, uid: 2, gid: 3 }));
    const result: StateResult = {
      files: new Map([
        ['etc/minor_perm', 'a:b 0600 root sys\n'],
        ['etc/devlink.tab', 'x\n'],
        ['etc/driver_classes', 'y\n'],
      ]),
      details: [
        { path: 'etc/minor_perm', source: 'manifests', added: 1, removed: 0 },
        { path: 'etc/devlink.tab', source: 'manifests', added: 1, removed: 0 },
        { path: 'etc/driver_classes', source: 'proto', added: 0, removed: 0 },
      ],
      drivers: [],
      skippedDrivers: [],
      nameToMajor: new Map(),
      warnings: [],
    };
    const { written, details } = writeStateFiles(t, result, 5);
    expect(written).toEqual(['etc/minor_perm', 'etc/devlink.tab']);
    expect(details).toBe(result.details);
    expect(t.get('etc/minor_perm')).toMatchObject({ type: 'file', mode: 0o600, uid: 2, gid: 3, mtime: 5, size: 18 });
    expect(t.get('etc/devlink.tab')).toEqual({ path: 'etc/devlink.tab', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 2, mtime: 5, source: { kind: 'generated', data: Buffer.from('x\n'), generator: 'driver-state' } });
    expect(t.has('etc/driver_classes')).toBe(false);
  });
});

describe('LineFile', () => {
  const byContent = (c: string) => ({ key: c, driver: c.split(' ')[0] });

  it('strips comments and blanks around what is left', () => {
    expect(stripComment('  md 85  # the md driver')).toBe('md 85');
    expect(stripComment('  md 85  ')).toBe('md 85');
    expect(stripComment('# all comment')).toBe('');
  });

  it('joins backslash-continued lines into one entry, and keeps a trailing backslash on the last line', () => {
    const f = new LineFile('md:admin\\\nwrite_priv_set=x\n# c\n\nb\\\nc\\\nd\ntail\\\n', byContent);
    expect(f.entries).toEqual([
      { text: 'md:admin\\\nwrite_priv_set=x', key: 'md:admin write_priv_set=x', driver: 'md:admin' },
      { text: '# c', key: undefined, driver: undefined },
      { text: '', key: undefined, driver: undefined },
      { text: 'b\\\nc\\\nd', key: 'b c d', driver: 'b' },
      { text: 'tail\\', key: 'tail\\', driver: 'tail\\' },
    ]);
    expect(f.has('b c d')).toBe(true);
    expect(f.has('nope')).toBe(false);
    expect(f.find('b c d')?.text).toBe('b\\\nc\\\nd');
  });

  it('returns the original text byte for byte until something changes', () => {
    expect(new LineFile('a 1', byContent).toString()).toBe('a 1');
    expect(new LineFile(undefined, byContent).toString()).toBe('');
    const empty = new LineFile('', byContent);
    expect(empty.entries).toEqual([]);
    expect(empty.add('a 1')).toBe(true);
    expect(empty.toString()).toBe('a 1\n');
  });

  it('adds only new keys and says whether it did', () => {
    const f = new LineFile('# h\na 1\nb 2', byContent);
    expect(f.add('a 1')).toBe(false);
    expect(f.changed).toBe(false);
    expect(f.toString()).toBe('# h\na 1\nb 2');
    expect(f.add('c 3')).toBe(true);
    expect(f.changed).toBe(true);
    expect(f.toString()).toBe('# h\na 1\nb 2\nc 3\n');
  });

  it('replaces an entry where it stands, and says whether the text changed', () => {
    const key = (c: string) => ({ key: c.split(' ')[0], driver: c.split(' ')[1] });
    const f = new LineFile('a x\nb y', key);
    expect(f.set('a x')).toBe(false);
    expect(f.changed).toBe(false);
    expect(f.toString()).toBe('a x\nb y');
    expect(f.set('a z')).toBe(true);
    expect(f.changed).toBe(true);
    expect(f.entries[0]).toEqual({ text: 'a z', key: 'a', driver: 'z' });
    expect(f.toString()).toBe('a z\nb y\n');
    const g = new LineFile('a x', key);
    expect(g.set('c w')).toBe(true);
    expect(g.changed).toBe(true);
    expect(g.toString()).toBe('a x\nc w\n');
  });

  it('removes entries and counts them; removing all leaves an empty file', () => {
    const f = new LineFile('a 1\nb 2\na 3', byContent);
    expect(f.removeWhere((e) => e.driver === 'a')).toBe(2);
    expect(f.changed).toBe(true);
    expect(f.toString()).toBe('b 2\n');
    expect(f.removeWhere(() => false)).toBe(0);
    expect(f.removeWhere(() => true)).toBe(1);
    expect(f.toString()).toBe('');
  });
});

describe('majors', () => {
  it('keeps the first number of a name and skips lines whose number is not all digits', () => {
    expect([...parseNameToMajor('md  85\nx 85x\ny x85\nmd 86\n\nlone\n')]).toEqual([['md', 85]]);
  });

  it('reads no majors from an image without name_to_major', async () => {
    expect((await readNameToMajor(new StagedTree(1))).size).toBe(0);
  });

  it('uses the last major a 32-bit dev_t holds, and no more', () => {
    expect([...allocateMajors(new Map([['a', MAX_MAJOR - 1]]), ['b'])]).toEqual([['b', 0x3fff]]);
    expect(() => allocateMajors(new Map([['a', MAX_MAJOR - 1]]), ['c', 'b'])).toThrow(new InputError('no major numbers are left for driver c: name_to_major already uses numbers up to 16383'));
  });
});

describe('driver module lookup', () => {
  it('has the three i86pc driver directories and adds extra ones once, without outer slashes', () => {
    expect(driverDirs()).toEqual(['kernel/drv/amd64', 'platform/i86pc/kernel/drv/amd64', 'usr/kernel/drv/amd64']);
    expect(driverDirs(['//platform/x//', 'kernel/drv/amd64', '/kernel/drv/amd64/', 'platform/x'])).toEqual([...DRIVER_DIRS, 'platform/x']);
  });

  function modTree(): StagedTree {
    const t = new StagedTree(1);
    t.put(file('kernel/drv/amd64/f', 'ELF'));
    t.put(node('kernel/drv/amd64/d', 'dir'));
    t.put(node('kernel/drv/amd64/c', 'char', { rdev: { major: 1, minor: 1 } }));
    t.put(node('kernel/drv/amd64/s', 'symlink', { target: 'f', size: 1 }));
    t.put(file('kernel/drv/amd64/f.conf', 'name="f";'));
    t.put(file('platform/i86pc/kernel/drv/amd64/f', 'ELF'));
    t.put(file('platform/i86pc/kernel/drv/amd64/x', 'ELF'));
    t.put(node('usr/kernel/drv/amd64/h', 'hardlink', { target: 'kernel/drv/amd64/f' }));
    t.put(file('etc/notadir', ''));
    return t;
  }

  it('finds a module as a file, a hardlink or a symlink to one, not a directory or device', () => {
    const t = modTree();
    expect(findDriverModule(t, 'f', DRIVER_DIRS)).toBe('kernel/drv/amd64/f');
    expect(findDriverModule(t, 'h', DRIVER_DIRS)).toBe('usr/kernel/drv/amd64/h');
    expect(findDriverModule(t, 's', DRIVER_DIRS)).toBe('kernel/drv/amd64/s');
    expect(findDriverModule(t, 'x', DRIVER_DIRS)).toBe('platform/i86pc/kernel/drv/amd64/x');
    expect(findDriverModule(t, 'd', DRIVER_DIRS)).toBeUndefined();
    expect(findDriverModule(t, 'c', DRIVER_DIRS)).toBeUndefined();
    expect(findDriverModule(t, 'nope', DRIVER_DIRS)).toBeUndefined();
  });

  it('lists each module once, at its first directory, without .conf files', () => {
    expect([...listDriverModules(modTree(), [...DRIVER_DIRS, 'etc/notadir', 'nowhere'])]).toEqual([
      ['f', 'kernel/drv/amd64/f'],
      ['s', 'kernel/drv/amd64/s'],
      ['x', 'platform/i86pc/kernel/drv/amd64/x'],
      ['h', 'usr/kernel/drv/amd64/h'],
    ]);
  });
});

describe('readStagedText', () => {
  it('reads a file, through a hardlink or symlink; nothing for a missing path, a non-file or a file without content', async () => {
    const t = new StagedTree(1);
    t.put(file('etc/a', 'hello\n'));
    t.put(node('etc/b', 'hardlink', { target: 'etc/a' }));
    t.put(node('etc/c', 'symlink', { target: 'b', size: 1 }));
    t.put({ ...file('etc/fifo', 'not a file'), type: 'fifo' });
    t.put({ ...file('etc/empty', ''), source: undefined });
    expect(await readStagedText(t, 'etc/a')).toBe('hello\n');
    expect(await readStagedText(t, 'etc/b')).toBe('hello\n');
    expect(await readStagedText(t, 'etc/c')).toBe('hello\n');
    expect(await readStagedText(t, 'etc/fifo')).toBeUndefined();
    expect(await readStagedText(t, 'etc/empty')).toBeUndefined();
    expect(await readStagedText(t, 'etc/none')).toBeUndefined();
  });
});

describe('state file classifiers', () => {
  it('name_to_major: the name, even after blanks', () => {
    expect(classifyNameToMajor('  md 85')).toEqual({ key: 'md', driver: 'md' });
  });

  it('driver_aliases: name and unquoted alias, only a fully quoted alias is unquoted', () => {
    expect(classifyAlias('a "pci1,2"')).toEqual({ key: 'a pci1,2', driver: 'a' });
    expect(classifyAlias('a "pci"x')).toEqual({ key: 'a "pci"x', driver: 'a' });
    expect(classifyAlias('a x"pci"')).toEqual({ key: 'a x"pci"', driver: 'a' });
    expect(classifyAlias('a')).toEqual({ key: 'a ', driver: 'a' });
  });

  it('driver_classes: name<TAB>class', () => {
    expect(classifyClass('a   b')).toEqual({ key: 'a\tb', driver: 'a' });
    expect(classifyClass('a')).toEqual({ key: 'a\t', driver: 'a' });
  });

  it('minor_perm: name:minor', () => {
    expect(classifyMinorPerm('clone:ptmx 0666 root sys')).toEqual({ key: 'clone:ptmx', driver: 'clone' });
  });

  it('device_policy: the * default line has no driver, a bare name means minor *', () => {
    expect(classifyPolicy('*\tread_priv_set=none')).toStrictEqual({ key: '*' });
    expect(classifyPolicy('md\twrite_priv_set=x')).toStrictEqual({ key: 'md:*', driver: 'md' });
    expect(classifyPolicy('md:admin\twrite_priv_set=x')).toStrictEqual({ key: 'md:admin', driver: 'md' });
  });

  it('extra_privs and devlink.tab', () => {
    expect(classifyPriv('tpm:tpm_access')).toEqual({ key: 'tpm:tpm_access', driver: 'tpm' });
    expect(classifyDevlink('type=ddi_pseudo;name=tpm\t\t\\D')).toStrictEqual({ key: 'type=ddi_pseudo;name=tpm \\D' });
  });
});
