import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests, type ManifestSet } from '../../src/manifest/load.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { generateStateFiles } from '../../src/state/generate.js';
import { allocateMajors, parseNameToMajor, readNameToMajor } from '../../src/state/majors.js';
import { writeStateFiles } from '../../src/state/write.js';
import { readStagedText } from '../../src/state/read-staged.js';
import { InputError } from '../../src/util/errors.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const MANIFESTS = join(FIXTURES, 'manifests');
const TRANSFORMS = join(FIXTURES, 'transforms');

// The nearly empty state files an upstream gate build installs (usr/src/uts/intel/os/...).
const PROTO_FILES: Record<string, string> = {
  'etc/name_to_major': '#\n# name_to_major from the proto\n#\nmd 85\ndevinfo 88\nasy 106\ndid 239\n',
  'etc/driver_aliases': 'asy "pci11c1,480"\n',
  'etc/driver_classes': '#\n# driver_classes from the proto\n#\n',
  'etc/minor_perm': 'devinfo:devinfo 0640 root sys\ndevinfo:devinfo,ro 0444 root sys\nasy:* 0666 root sys\nasy:*,cu 0600 uucp uucp\nmd:* 0640 root sys\nmd:admin 0644 root sys\n',
  'etc/security/device_policy': '#\n# Default open privileges, must be first entry in the file.\n#\n\n*\t\tread_priv_set=none\t\twrite_priv_set=none\nmd:admin\t\t\t\t\twrite_priv_set=sys_config\n',
  'etc/security/extra_privs': '#\n# extra_privs header\n#\n',
  'etc/devlink.tab': '# devlink.tab header\ntype=ddi_pseudo;name=win\twin\\M0\n',
};

const PLATFORM_DRIVERS = ['rootnex', 'npe', 'isa'];
const KERNEL_DRIVERS = ['pseudo', 'ramdisk', 'cn', 'mm', 'sy', 'log', 'sysmsg', 'clone', 'devinfo', 'options', 'kstat', 'ksyms', 'random', 'ptm', 'pts', 'asy', 'kb8042', 'conskbd', 'i8042', 'e1000g', 'tpm', 'mystery'];

const gen = (path: string, text: string, mode = 0o644): StagedEntry => ({ path, type: 'file', mode, uid: 0, gid: 3, size: Buffer.byteLength(text), mtime: 1, source: { kind: 'generated', data: Buffer.from(text), generator: 'proto' } });

function protoTree(files: Record<string, string> = PROTO_FILES): StagedTree {
  const t = new StagedTree(1);
  for (const [path, text] of Object.entries(files)) t.put(gen(path, text));
  for (const d of PLATFORM_DRIVERS) t.put(gen(`platform/i86pc/kernel/drv/amd64/${d}`, 'ELF', 0o755));
  for (const d of KERNEL_DRIVERS) t.put(gen(`kernel/drv/amd64/${d}`, 'ELF', 0o755));
  t.put(gen('kernel/drv/e1000g.conf', '#'));
  t.put(gen('usr/kernel/drv/amd64/signalfd', 'ELF', 0o755));
  return t;
}

async function fixtureSet(): Promise<ManifestSet> {
  const gate = await loadManifests(MANIFESTS);
  const boot = await loadManifests(join(MANIFESTS, 'boot'), { transformsDir: TRANSFORMS });
  return { ...gate, manifests: [...gate.manifests, ...boot.manifests], actions: [...gate.actions, ...boot.actions] };
}

const lines = (text: string | undefined) => text!.replace(/\n$/, '').split('\n');

describe('generateStateFiles', async () => {
  const set = await fixtureSet();

  it('keeps the proto numbers and allocates new majors above the highest, in driver-name order', async () => {
    const r = await generateStateFiles(protoTree(), set);
    const newDrivers = ['clone', 'cn', 'conskbd', 'e1000g', 'i8042', 'isa', 'kb8042', 'kstat', 'ksyms', 'log', 'mm', 'npe', 'options', 'pseudo', 'ptm', 'pts', 'ramdisk', 'random', 'rootnex', 'signalfd', 'sy', 'sysmsg', 'tpm'];
    expect(lines(r.files.get('etc/name_to_major'))).toEqual(['#', '# name_to_major from the proto', '#', 'md 85', 'devinfo 88', 'asy 106', 'did 239', ...newDrivers.map((d, i) => `${d} ${240 + i}`)]);
    const majors = [...r.nameToMajor.values()];
    expect(new Set(majors).size).toBe(majors.length);
    expect(r.drivers.find((d) => d.name === 'asy')).toMatchObject({ major: 106, newMajor: false, module: 'kernel/drv/amd64/asy' });
    expect(r.drivers.find((d) => d.name === 'rootnex')).toMatchObject({ major: 258, newMajor: true, module: 'platform/i86pc/kernel/drv/amd64/rootnex' });
  });

  it('gives the same numbers every time', async () => {
    const a = await generateStateFiles(protoTree(), set);
    const b = await generateStateFiles(protoTree(), set);
    expect(a.files.get('etc/name_to_major')).toBe(b.files.get('etc/name_to_major'));
  });

  it('writes driver_aliases as name "alias", one per line, without duplicating the proto\'s', async () => {
    const r = await generateStateFiles(protoTree(), set);
    const al = lines(r.files.get('etc/driver_aliases'));
    expect(al[0]).toBe('asy "pci11c1,480"');
    expect(al.filter((l) => l.startsWith('asy '))).toHaveLength(1);
    expect(al[1]).toBe('e1000g "pci8086,1000"');
    expect(al.filter((l) => l.startsWith('e1000g '))).toHaveLength(220);
    expect(al.slice(221)).toEqual(['isa "pciclass,060100"', 'kb8042 "pnpPNP,303"', 'npe "pciex_root_complex"', 'pseudo "zconsnex"']);
  });

  it('writes driver_classes as name<TAB>class after the proto\'s comments', async () => {
    const r = await generateStateFiles(protoTree(), set);
    expect(lines(r.files.get('etc/driver_classes'))).toEqual(['#', '# driver_classes from the proto', '#', 'isa\tsysbus']);
  });

  it('writes minor_perm with perms and clone_perms lines (a 3-field clone_perms names the driver)', async () => {
    const r = await generateStateFiles(protoTree(), set);
    expect(lines(r.files.get('etc/minor_perm'))).toEqual([
      // The proto's lines, less those of md, whose module is not in the image.
      'devinfo:devinfo 0640 root sys',
      'devinfo:devinfo,ro 0444 root sys',
      'asy:* 0666 root sys',
      'asy:*,cu 0600 uucp uucp',
      'cn:* 0620 root tty',
      'conskbd:kbd 0666 root sys',
      'e1000g:* 0666 root sys',
      'clone:e1000g 0666 root sys',
      'kstat:* 0666 root sys',
      'ksyms:* 0666 root sys',
      'log:conslog 0666 root sys',
      'log:log 0640 root sys',
      'mm:allkmem 0600 root sys',
      'mm:full 0666 root sys',
      'mm:kmem 0640 root sys',
      'mm:mem 0640 root sys',
      'mm:null 0666 root sys',
      'mm:zero 0666 root sys',
      'clone:ptmx 0666 root sys',
      'pts:* 0644 root sys',
      'pts:0 0620 root tty',
      'pts:1 0620 root tty',
      'pts:2 0620 root tty',
      'pts:3 0620 root tty',
      'ramdisk:* 0600 root sys',
      'ramdisk:ctl 0644 root sys',
      'random:* 0644 root sys',
      'signalfd:* 0666 root sys',
      'sy:tty 0666 root tty',
      'sysmsg:msglog 0600 root sys',
      'sysmsg:sysmsg 0600 root sys',
      'tpm:* 0600 root sys',
    ]);
    expect(r.details.find((d) => d.path === 'etc/minor_perm')).toMatchObject({ source: 'manifests', removed: 2 });
  });

  it('writes device_policy entries per minor, several minors from one policy attribute, * for a bare token list', async () => {
    const r = await generateStateFiles(protoTree(), set);
    expect(lines(r.files.get('etc/security/device_policy'))).toEqual([
      '#',
      '# Default open privileges, must be first entry in the file.',
      '#',
      '',
      '*\t\tread_priv_set=none\t\twrite_priv_set=none',
      'mm:allkmem\tread_priv_set=all\twrite_priv_set=all',
      'mm:kmem\tread_priv_set=none\twrite_priv_set=all',
      'mm:mem\tread_priv_set=none\twrite_priv_set=all',
      'random:*\twrite_priv_set=sys_devices',
      'tpm:tpm\tread_priv_set=sys_devices\twrite_priv_set=sys_devices',
      'tpm:ctl\twrite_priv_set=sys_config',
    ]);
  });

  it('writes extra_privs as name:priv and devlink.tab with the manifest\'s \\t as a real tab', async () => {
    const r = await generateStateFiles(protoTree(), set);
    expect(lines(r.files.get('etc/security/extra_privs'))).toEqual(['#', '# extra_privs header', '#', 'tpm:tpm_access', 'tpm:tpm_admin']);
    expect(lines(r.files.get('etc/devlink.tab'))).toEqual(['# devlink.tab header', 'type=ddi_pseudo;name=win\twin\\M0', 'type=ddi_pseudo;name=tpm\t\\D']);
  });

  it('leaves no lines behind for drivers whose module is not in the image', async () => {
    const t = protoTree();
    t.remove('kernel/drv/amd64/tpm');
    t.remove('kernel/drv/amd64/e1000g');
    t.remove('kernel/drv/amd64/asy');
    const r = await generateStateFiles(t, set);
    const all = [...r.files.values()].join('\n');
    expect(all).not.toMatch(/tpm|e1000g/);
    expect(r.skippedDrivers).toEqual(expect.arrayContaining(['tpm', 'e1000g', 'asy', 'ahci', 'cmdk']));
    // The proto's own asy lines go with its module, except its name_to_major number.
    expect(lines(r.files.get('etc/driver_aliases'))).not.toContain('asy "pci11c1,480"');
    expect(lines(r.files.get('etc/minor_perm'))).not.toContain('asy:* 0666 root sys');
    expect(lines(r.files.get('etc/name_to_major'))).toContain('asy 106');
    expect(r.nameToMajor.has('tpm')).toBe(false);
  });

  it('replaces a proto minor_perm entry for the same minor where it stands', async () => {
    const t = protoTree({ ...PROTO_FILES, 'etc/minor_perm': 'cn:* 0600 root sys\nasy:* 0666 root sys\n' });
    const r = await generateStateFiles(t, set);
    expect(lines(r.files.get('etc/minor_perm')).slice(0, 3)).toEqual(['cn:* 0620 root tty', 'asy:* 0666 root sys', 'asy:*,cu 0600 uucp uucp']);
  });

  it('reports the proto file as the source when the manifests change nothing, and leaves kept files alone', async () => {
    const t = protoTree();
    const r = await generateStateFiles(t, set, { keep: ['etc/name_to_major', 'etc/minor_perm'] });
    expect(r.details.find((d) => d.path === 'etc/name_to_major')!.source).toBe('kept');
    expect(r.files.has('etc/name_to_major')).toBe(false);
    expect(r.files.has('etc/minor_perm')).toBe(false);
    // With a supplied name_to_major, drivers it lacks have no major: reported, not invented.
    expect(r.warnings.some((w) => w.includes('driver rootnex is in the image but has no entry in the supplied etc/name_to_major'))).toBe(true);
    const none = await generateStateFiles(protoTree(), { ...set, actions: [] });
    expect(none.details.find((d) => d.path === 'etc/driver_classes')!.source).toBe('proto');
  });

  it('warns about driver modules with neither a driver action nor a major', async () => {
    const r = await generateStateFiles(protoTree(), set);
    expect(r.warnings).toContain('kernel/drv/amd64/mystery has no driver action in the manifests and no name_to_major entry; the kernel will not bind it');
  });

  it('finds modules in extra driver directories', async () => {
    const t = protoTree();
    t.remove('kernel/drv/amd64/tpm');
    t.put(gen('platform/i86hvm/kernel/drv/amd64/tpm', 'ELF', 0o755));
    expect((await generateStateFiles(t, set)).nameToMajor.has('tpm')).toBe(false);
    expect((await generateStateFiles(t, set, { extraDriverPaths: ['platform/i86hvm/kernel/drv/amd64'] })).nameToMajor.has('tpm')).toBe(true);
  });

  it('keeps an alias with its first driver and warns about the second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alias-'));
    writeFileSync(join(dir, 'a.p5m'), 'driver name=cn alias=pci1,1\ndriver name=mm alias=pci1,1\ndriver name=sy alias=mm\n');
    const r = await generateStateFiles(protoTree(), await loadManifests(dir, { transformsDir: null }));
    expect(lines(r.files.get('etc/driver_aliases'))).toEqual(['asy "pci11c1,480"', 'cn "pci1,1"']);
    expect(r.warnings.filter((w) => w.includes('alias'))).toEqual([
      `${join(dir, 'a.p5m')}:2: alias "pci1,1" of driver mm already belongs to driver cn; left out`,
      `${join(dir, 'a.p5m')}:3: alias "mm" of driver sy is itself a driver name; left out`,
    ]);
  });

  it('rejects malformed driver attributes with file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-driver-'));
    writeFileSync(join(dir, 'a.p5m'), 'driver name=cn perms="* 0620 root"\n');
    await expect(generateStateFiles(protoTree(), await loadManifests(dir, { transformsDir: null }))).rejects.toThrow(`${join(dir, 'a.p5m')}:1: perms "* 0620 root" needs four fields: minor mode owner group`);
    writeFileSync(join(dir, 'a.p5m'), 'driver name=cn policy="console"\n');
    await expect(generateStateFiles(protoTree(), await loadManifests(dir, { transformsDir: null }))).rejects.toThrow(InputError);
  });
});

describe('writeStateFiles', async () => {
  const set = await fixtureSet();

  it('puts the changed files in the tree, keeping mode and ownership, and reads back the same text', async () => {
    const t = protoTree();
    const r = await generateStateFiles(t, set);
    const { written } = writeStateFiles(t, r, 7);
    expect(written).toEqual(['etc/name_to_major', 'etc/driver_aliases', 'etc/driver_classes', 'etc/minor_perm', 'etc/security/device_policy', 'etc/security/extra_privs', 'etc/devlink.tab']);
    expect(t.get('etc/minor_perm')).toMatchObject({ mode: 0o644, gid: 3, mtime: 7, source: { kind: 'generated', generator: 'driver-state' } });
    expect(await readStagedText(t, 'etc/minor_perm')).toBe(r.files.get('etc/minor_perm'));
    expect((await readNameToMajor(t)).get('tpm')).toBe(262);
  });
});

describe('majors', () => {
  it('parses name_to_major, ignoring comments', () => {
    expect([...parseNameToMajor('# x\nmd 85 # svm\n\ncn\t0\nbad line\n')]).toEqual([
      ['md', 85],
      ['cn', 0],
    ]);
  });

  it('allocates above the highest number, sorted by name, skipping numbered drivers', () => {
    expect([...allocateMajors(new Map([['md', 85], ['did', 239]]), ['zz', 'md', 'aa', 'zz'])]).toEqual([
      ['aa', 240],
      ['zz', 241],
    ]);
    expect([...allocateMajors(new Map(), ['x'])]).toEqual([['x', 0]]);
  });
});
