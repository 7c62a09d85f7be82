import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attrList, attrOne, type ManifestAction } from '../../src/manifest/action.js';
import { findTransformsDir, findWorkspaceManifests, loadManifests, type ManifestSet } from '../../src/manifest/load.js';
import { InputError } from '../../src/util/errors.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const MANIFESTS = join(FIXTURES, 'manifests');
const TRANSFORMS = join(FIXTURES, 'transforms');

const byPath = (set: ManifestSet, path: string): ManifestAction | undefined => set.actions.find((a) => attrOne(a, 'path') === path);
const driver = (set: ManifestSet, name: string): ManifestAction | undefined => set.actions.find((a) => a.type === 'driver' && attrOne(a, 'name') === name);
const obj = (a: ManifestAction | undefined) => (a ? Object.fromEntries(a.attrs) : undefined);

function tempManifests(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadManifests on the gate samples', async () => {
  const set = await loadManifests(MANIFESTS);

  it('reads every *.mf in name order and finds the transforms beside the manifests', () => {
    expect(set.manifests.map((m) => m.path.slice(MANIFESTS.length + 1))).toEqual(['SUNWcsd.mf', 'driver-i86pc-platform.mf', 'driver-network-e1000g.mf', 'driver-storage-ahci.mf', 'system-kernel.mf']);
    expect(set.transformsDir).toBe(TRANSFORMS);
    expect(set.manifests[0].fmri).toBe('pkg:/SUNWcsd@0.5.11,5.11-0');
  });

  it('applies the defaults transforms: a driver file without a mode gets 0755, owner root', () => {
    expect(obj(byPath(set, 'kernel/drv/amd64/e1000g'))).toMatchObject({ mode: ['0755'], owner: ['root'], group: ['sys'] });
    expect(obj(byPath(set, 'kernel/drv/e1000g.conf'))).toMatchObject({ mode: ['0644'], owner: ['root'], group: ['sys'] });
    // Neither a mode nor a group in the manifest: root:bin 0644 for files, 0755 for directories.
    expect(obj(byPath(set, 'usr/share/man/man4/path_to_inst.4'))).toMatchObject({ mode: ['0444'], owner: ['root'], group: ['bin'] });
    expect(obj(byPath(set, 'lib/svc/method'))).toMatchObject({ mode: ['0755'], owner: ['root'], group: ['bin'] });
    expect(obj(byPath(set, 'dev/fd'))).toMatchObject({ mode: ['0555'], group: ['root'] });
  });

  it('expands $(ARCH64) and $(i386_ONLY), and comments out $(sparc_ONLY) lines', () => {
    expect(byPath(set, 'kernel/drv/amd64/vgatext')).toBeDefined();
    expect(byPath(set, 'kernel/drv/amd64/dad')).toBeUndefined();
    expect(driver(set, 'dad')).toBeUndefined();
    // i386 and sparc variants of the same driver: only the i386 line survives.
    expect(obj(driver(set, 'pcieb'))!.alias).toEqual(['pciexclass,060400', 'pciexclass,060401']);
  });

  it('joins continuation lines into one action with repeated attributes', () => {
    const e1000g = driver(set, 'e1000g')!;
    expect(attrList(e1000g, 'alias')).toHaveLength(220);
    expect(attrList(e1000g, 'alias').slice(0, 2)).toEqual(['pci8086,1000', 'pci8086,1001']);
    expect(attrOne(e1000g, 'clone_perms')).toBe('e1000g 0666 root sys');
    expect(e1000g.line).toBe(43);
    expect(attrList(driver(set, 'mm')!, 'policy')).toEqual(['allkmem read_priv_set=all write_priv_set=all', 'kmem read_priv_set=none write_priv_set=all', 'mem read_priv_set=none write_priv_set=all']);
  });

  it('splices included files in, found beside the manifest or in the transforms directory', () => {
    // system-kernel.mf includes system-kernel.man7d.inc (manifests dir) and global_zone_only_component (transforms dir).
    const man = byPath(set, 'usr/share/man/man7d/random.7d')!;
    expect(man.manifest).toBe(join(MANIFESTS, 'system-kernel.mf'));
    expect(man.file).toBe(join(MANIFESTS, 'system-kernel.man7d.inc'));
    // global_zone_only_component tags payload in the global zone, and lets man pages be in every zone.
    expect(attrOne(byPath(set, 'kernel/drv/amd64/asy')!, 'variant.opensolaris.zone')).toBe('global');
    expect(attrOne(man, 'variant.opensolaris.zone')).toBeUndefined();
  });
});

describe('loadManifests on parser cases', async () => {
  const set = await loadManifests(join(MANIFESTS, 'syntax'), { transformsDir: TRANSFORMS });

  it('keeps only i386 global-zone actions', () => {
    expect(byPath(set, 'opt/test/x86-only')).toBeDefined();
    expect(byPath(set, 'opt/test/sparc-only')).toBeUndefined();
    expect(byPath(set, 'opt/test/sparc-variant')).toBeUndefined();
    expect(byPath(set, 'opt/test/both-arch')).toBeDefined();
    expect(byPath(set, 'opt/test/ngz-only')).toBeUndefined();
    expect(set.variantExcluded).toBe(2);
  });

  it('parses quoted values, repeated attributes and payloads', () => {
    expect(obj(byPath(set, 'opt/test/single-quoted'))).toMatchObject({ mode: ['0640'], group: ['other'] });
    expect(obj(driver(set, 'multi'))).toEqual({ name: ['multi'], alias: ['pci1,1', 'pci1,2', 'pci1,3'], class: ['scsi', 'dada other'] });
    const desc = set.actions.find((a) => a.type === 'set' && attrOne(a, 'name') === 'pkg.description')!;
    expect(attrOne(desc, 'value')).toBe('a description with spaces, "escaped quotes" and a backslash \\ in it');
    expect(set.actions.find((a) => a.type === 'license')!.payload).toBe('cr_Sun');
    expect(obj(set.actions.find((a) => a.type === 'legacy'))).toMatchObject({ desc: ['core entries with spaces'], name: ['Name "quoted"'] });
  });

  it('reads include files in place', () => {
    const inc = byPath(set, 'opt/test/from-include')!;
    expect(inc.file).toBe(join(MANIFESTS, 'syntax', 'parse-cases.inc'));
    expect(inc.line).toBe(3);
    expect(attrOne(inc, 'mode')).toBe('0600');
  });

  it('applies the manifest\'s own transforms before the defaults', () => {
    expect(obj(byPath(set, 'opt/test/bin/amd64/tool'))).toMatchObject({ owner: ['bin'], group: ['bin'], mode: ['0555'] });
    expect(obj(byPath(set, 'opt/test/plain-default'))).toMatchObject({ owner: ['root'], group: ['bin'], mode: ['0644'] });
  });
});

describe('loadManifests errors and edge cases', () => {
  it('names the file and line of a malformed action', async () => {
    const dir = tempManifests({ 'a.p5m': 'set name=pkg.fmri value=pkg:/a\ndir path=a \\\n    group="sys\nfile path=b\n' });
    await expect(loadManifests(dir, { transformsDir: null })).rejects.toThrow(InputError);
    await expect(loadManifests(dir, { transformsDir: null })).rejects.toThrow(`${join(dir, 'a.p5m')}:2: unfinished quoted value`);
  });

  it('names the file and line of an unknown action type inside an include', async () => {
    const dir = tempManifests({ 'a.p5m': 'dir path=a\n<include b.inc>\n', 'b.inc': '# comment\nfrob path=a\n' });
    await expect(loadManifests(dir, { transformsDir: null })).rejects.toThrow(`${join(dir, 'b.inc')}:2: unknown action type "frob"`);
  });

  it('reports a missing include and a bad transform with their line', async () => {
    const dir = tempManifests({ 'a.p5m': 'dir path=a\n\n<include nowhere>\n' });
    await expect(loadManifests(dir, { transformsDir: null })).rejects.toThrow(/a\.p5m:3: included file "nowhere" not found/);
    const dir2 = tempManifests({ 'a.p5m': 'dir path=a\n<transform dir -> chmod 0755>\n' });
    await expect(loadManifests(dir2, { transformsDir: null })).rejects.toThrow(/a\.p5m:2: unknown transform operation "chmod"/);
  });

  it('applies a transform to actions before it too, as pkgmogrify collects all transforms first', async () => {
    const dir = tempManifests({ 'a.p5m': 'dir path=early\n<transform dir -> default group sys>\ndir path=late\n' });
    const set = await loadManifests(dir, { transformsDir: null });
    expect(set.actions.map((a) => attrOne(a, 'group'))).toEqual(['sys', 'sys']);
  });

  it('leaves out lines guarded by macros it has no value for, and records them', async () => {
    const dir = tempManifests({ 'a.p5m': 'dir path=usr/perl5/$(PERL_VERSION)\n$(JAVA_8_ONLY)file path=usr/java/x\n' });
    const set = await loadManifests(dir, { transformsDir: null });
    expect(set.actions.map((a) => attrOne(a, 'path'))).toEqual(['usr/perl5/$(PERL_VERSION)']);
    expect(set.leftOut.map((l) => l.line)).toEqual([2]);
    expect([...set.unknownMacros.keys()]).toEqual(['PERL_VERSION', 'JAVA_8_ONLY']);
    const defined = await loadManifests(dir, { transformsDir: null, defines: { PERL_VERSION: '5.36', JAVA_8_ONLY: '' } });
    expect(defined.actions.map((a) => attrOne(a, 'path'))).toEqual(['usr/perl5/5.36', 'usr/java/x']);
  });

  it('drops a package a transform aborts', async () => {
    const dir = tempManifests({ 'a.p5m': 'set name=pkg.fmri value=pkg:/a\n<transform set name=pkg.fmri value=pkg:/a -> abort>\n', 'b.p5m': 'dir path=b\n' });
    const set = await loadManifests(dir, { transformsDir: null });
    expect(set.aborted).toEqual([join(dir, 'a.p5m')]);
    expect(set.manifests).toHaveLength(1);
  });

  it('refuses a directory without manifests', async () => {
    await expect(loadManifests(tempManifests({ 'README': 'x' }))).rejects.toThrow(/holds no package manifests/);
  });
});

describe('workspace discovery', () => {
  it('finds usr/src/pkg/manifests and transforms from a workspace proto area', () => {
    const ws = mkdtempSync(join(tmpdir(), 'ws-'));
    mkdirSync(join(ws, 'proto', 'root_i386'), { recursive: true });
    expect(findWorkspaceManifests(join(ws, 'proto', 'root_i386'))).toBeUndefined();
    mkdirSync(join(ws, 'usr', 'src', 'pkg', 'manifests'), { recursive: true });
    mkdirSync(join(ws, 'usr', 'src', 'pkg', 'transforms'), { recursive: true });
    writeFileSync(join(ws, 'usr', 'src', 'pkg', 'transforms', 'defaults'), '');
    const manifests = findWorkspaceManifests(join(ws, 'proto', 'root_i386'));
    expect(manifests).toBe(join(ws, 'usr', 'src', 'pkg', 'manifests'));
    expect(findTransformsDir(manifests!)).toBe(join(ws, 'usr', 'src', 'pkg', 'transforms'));
    expect(findWorkspaceManifests(join(ws, 'elsewhere'))).toBeUndefined();
  });
});

describe('package architecture', () => {
  it('skips a package whose set name=variant.arch excludes i386', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadManifests } = await import('../../src/manifest/load.js');
    const dir = await mkdtemp(join(tmpdir(), 'manifest-arch-'));
    await writeFile(join(dir, 'sparc.p5m'), 'set name=pkg.fmri value=pkg:/sparc@1\nset name=variant.arch value=sparc\ndriver name=sparconly\n');
    await writeFile(join(dir, 'both.p5m'), 'set name=pkg.fmri value=pkg:/both@1\nset name=variant.arch value=i386 value=sparc\ndriver name=everywhere\n');
    await writeFile(join(dir, 'none.p5m'), 'set name=pkg.fmri value=pkg:/none@1\ndriver name=undeclared\n');
    const set = await loadManifests(dir, { transformsDir: null });
    const drivers = set.actions.filter((a) => a.type === 'driver').map((a) => a.attrs.get('name')![0]).sort();
    expect(drivers).toEqual(['everywhere', 'undeclared']);
    expect(set.otherArchitecture).toEqual([join(dir, 'sparc.p5m')]);
  });
});

describe('malformed directives', () => {
  it('a <transform without its closing ">" says the ">" is missing, with the file and line', async () => {
    const dir = tempManifests({ 'a.p5m': 'set name=pkg.fmri value=pkg:/a@1\n<transform file path=.* -> default mode 0444\nfile path=a mode=0444\n' });
    await expect(loadManifests(dir)).rejects.toThrow(InputError);
    await expect(loadManifests(dir)).rejects.toThrow(/a\.p5m:2: the directive "<transform file path=\.\* -> default mode 0444" has no closing ">"/);
  });
});
