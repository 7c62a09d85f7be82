import { describe, expect, it } from 'vitest';
import { computeClosure, type ClosureRoots, type PathRoot } from '../../src/closure/walk.js';
import { pruneByClosure } from '../../src/closure/prune.js';
import { MOUNT_POINT_DIRS } from '../../src/closure/always-needed.js';
import { buildSyntheticElf } from '../../src/elf/write-synthetic.js';
import { nonDirectoryPaths, stagedTreeOf, type TreeSpec } from '../fixtures/elf/tree.js';

const prog = (needed: string[] = [], interp?: string) => buildSyntheticElf({ type: 'exec', needed, interp });
const mod = (needed: string[] = []) => buildSyntheticElf({ type: 'rel', needed });
const broken = () => prog().subarray(0, 80);
const root = (path: string, required = true, subtree = false): PathRoot => ({ path, required, subtree });

async function walk(spec: TreeSpec, roots: Partial<ClosureRoots>) {
  const t = stagedTreeOf(spec);
  const r = await computeClosure(t, { paths: roots.paths ?? [], modules: roots.modules ?? [] });
  return { ...r, kept: [...r.kept].sort() };
}

describe('closure walk results', () => {
  it('reports every missing dependency, unreadable object and absent root, sorted', async () => {
    const r = await walk(
      { 'z/prog': prog(['libq.so.1', 'liba.so.1']), 'a/prog': prog(['libq.so.1']), 'z/bad': broken(), 'a/bad': broken() },
      { paths: [root('z/prog'), root('a/prog'), root('z/bad'), root('a/bad'), root('zz/none', false), root('aa/none', false), root('//zz/req//'), root('aa/req')] },
    );
    expect(r.missing).toEqual([
      { object: 'a/prog', dependency: 'libq.so.1' },
      { object: 'z/prog', dependency: 'liba.so.1' },
      { object: 'z/prog', dependency: 'libq.so.1' },
    ]);
    expect(r.elfErrors.map((e) => e.path)).toEqual(['a/bad', 'z/bad']);
    expect(r.absent).toEqual(['aa/none', 'zz/none']);
    expect(r.unmatched).toEqual(['aa/req', 'zz/req']);
  });

  it('reports a missing or directory interpreter by its absolute path', async () => {
    const r = await walk(
      { 'usr/bin/s1': '#!//usr/bin/nosuch\n', 'usr/bin/s2': '#!/opt\n', 'usr/bin/s3': '#!nosuch/sh\n', 'opt/x': 'x', 'usr/bin/p': prog([], '/usr/lib/ld.so.1') },
      { paths: [root('usr/bin/s1'), root('usr/bin/s2'), root('usr/bin/s3'), root('usr/bin/p')] },
    );
    expect(r.missing).toEqual([
      { object: 'usr/bin/p', dependency: '/usr/lib/ld.so.1' },
      { object: 'usr/bin/s1', dependency: '/usr/bin/nosuch' },
      { object: 'usr/bin/s2', dependency: '/opt' },
      { object: 'usr/bin/s3', dependency: '/nosuch/sh' },
    ]);
    expect(r.kept).toEqual(['usr/bin/p', 'usr/bin/s1', 'usr/bin/s2', 'usr/bin/s3']);
  });

  it('keeps a directory alone unless asked for its subtree, and below it nothing is required', async () => {
    const spec: TreeSpec = { 'opt/x': 'x', 'opt/dangle': { symlink: 'nowhere' }, 'srv/y': 'y' };
    const r = await walk(spec, { paths: [root('opt', true, true), root('srv', true, false)] });
    expect(r.kept).toEqual(['opt', 'opt/dangle', 'opt/x', 'srv']);
    expect(r.missing).toEqual([]);
  });

  it('keeps files a script or inittab names, but no directories, and skips big scripts and other data', async () => {
    const big = `#!/bin/sh\n/usr/bin/late\n${' '.repeat(70 * 1024)}\n`;
    const r = await walk(
      {
        'bin/sh': 'shell',
        'etc/s': '#!/bin/sh\n/usr/bin/a /opt/dir /nosuch\n',
        'etc/big': big,
        'etc/motd': 'run /usr/bin/b\n',
        'usr/bin/a': 'a',
        'usr/bin/b': 'b',
        'usr/bin/late': 'l',
        'opt/dir/f': 'f',
      },
      { paths: [root('etc/s'), root('etc/big'), root('etc/motd')] },
    );
    expect(r.kept).toEqual(['bin/sh', 'etc/big', 'etc/motd', 'etc/s', 'usr/bin/a']);
    expect(r.missing).toEqual([]);
  });

  it('reads inittab without content as empty', async () => {
    const t = stagedTreeOf({});
    t.put({ path: 'etc/inittab', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 });
    const r = await computeClosure(t, { paths: [root('etc/inittab')], modules: [] });
    expect([...r.kept]).toEqual(['etc/inittab']);
  });

  it('skips modules named with $CPU and notes an absent driver.conf only when it is there', async () => {
    const r = await walk(
      { 'kernel/drv/amd64/a': mod(), 'kernel/drv/amd64/b': mod(), 'kernel/drv/b.conf': { symlink: 'nowhere' }, 'kernel/drv/amd64/c': mod(), 'kernel/drv/c.conf/x': 'x' },
      { modules: [{ name: 'cpu/$CPU', required: true }, { name: 'drv/a', required: true }, { name: 'drv/b', required: true }, { name: 'drv/c', required: true }] },
    );
    expect(r.unmatched).toEqual([]);
    expect(r.absent).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(r.kept).toEqual(['kernel/drv/amd64/a', 'kernel/drv/amd64/b', 'kernel/drv/amd64/c', 'kernel/drv/b.conf', 'kernel/drv/c.conf']);
  });

  it('keeps devfsadm link modules by glob (dot files too), and nothing else', async () => {
    const r = await walk(
      {
        'usr/sbin/devfsadm': prog(),
        'usr/lib/devfsadm/linkmod/SUNW_disk_link.so': 'l',
        'usr/lib/devfsadm/linkmod/.hidden': 'h',
        'usr/lib/devfsadm/devfsadmd': { symlink: '../../sbin/devfsadm' },
        'usr/lib/other': 'o',
      },
      { paths: [root('usr/sbin/devfsadm')] },
    );
    expect(r.kept).toEqual(['usr/lib/devfsadm/devfsadmd', 'usr/lib/devfsadm/linkmod/.hidden', 'usr/lib/devfsadm/linkmod/SUNW_disk_link.so', 'usr/sbin/devfsadm']);
  });

  it('keeps init companions as single optional files and passes over the absent ones', async () => {
    const r = await walk(
      { 'sbin/init': prog(), 'etc/ioctl.syscon': { dir: true }, 'etc/ioctl.syscon/x': 'x', 'etc/default/init': { symlink: 'nowhere' } },
      { paths: [root('sbin/init')] },
    );
    expect(r.kept).toEqual(['etc/default/init', 'etc/ioctl.syscon', 'sbin/init']);
    expect(r.absent).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(r.unmatched).toEqual([]);
  });

  it('keeps nsswitch.conf for a libc that is not ELF', async () => {
    const r = await walk({ 'lib/libc.so.1': 'not elf', 'etc/nsswitch.conf': 'passwd: files\n' }, { paths: [root('lib/libc.so.1')] });
    expect(r.kept).toEqual(['etc/nsswitch.conf', 'lib/libc.so.1']);
  });

  it('follows isaexec only for its own links, trying amd64 then i86', async () => {
    const r = await walk(
      {
        'usr/bin/aaa': prog(),
        'usr/lib/isaexec': { hardlink: 'usr/bin/aaa' },
        'usr/lib/amd64/isaexec': prog(),
        'usr/bin/foo': { hardlink: 'usr/bin/aaa' },
        'usr/bin/amd64/aaa': prog(),
        'usr/bin/i86/foo': { dir: true },
        'usr/bin/i86/foo/x': 'x',
        'usr/bin/alias': prog(),
        'usr/bin/cd': { hardlink: 'usr/bin/alias' },
      },
      { paths: [root('usr/bin/aaa'), root('usr/bin/foo'), root('usr/bin/cd'), root('usr/lib/isaexec')] },
    );
    expect(r.kept).toEqual(['usr/bin/aaa', 'usr/bin/amd64/aaa', 'usr/bin/cd', 'usr/bin/foo', 'usr/bin/i86/foo', 'usr/lib/isaexec']);
    expect(r.absent).toEqual(['usr/bin/amd64/foo', 'usr/bin/i86/aaa']);
    expect(r.unmatched).toEqual([]);
  });
});

describe('pruneByClosure bookkeeping', () => {
  it('counts the bytes of removed files that no kept link shares', async () => {
    const t = stagedTreeOf({
      'opt/a': 'x'.repeat(10),
      'opt/d': { hardlink: 'opt/a' },
      'opt/b': 'y'.repeat(100),
      'opt/c': { hardlink: 'opt/b' },
      'opt/e': { hardlink: 'opt/b' },
      'opt/f': 'z'.repeat(1000),
      'opt/s': { symlink: 'nowhere-at-all' },
      'usr/lib/libz.so': 'z',
      'usr/lib/libq.so': { symlink: 'nowhere' },
      'usr/lib/mylib.so.1': 'm',
      'usr/lib/isaexec': 'i',
      'usr/bin/truss': { hardlink: 'usr/lib/isaexec' },
      'usr/lib/rootlink': { symlink: '../..' },
    });
    const r = await pruneByClosure(t, { keep: ['opt/c', 'usr/lib/isaexec'], hardware: [], protect: new Set() });
    expect(nonDirectoryPaths(t)).toEqual(['opt/c', 'usr/lib/isaexec']);
    expect(r.removedBytes).toBe(10 + 1000 + 1 + 1);
    expect(r.removed).toBe(12);
    expect(r.unusedLibraries).toEqual(['usr/lib/libz.so']);
  });

  it('keeps protected paths that exist, and never the parents of ones that do not', async () => {
    const t = stagedTreeOf({ 'opt/x': 'x', 'srv/y': 'y' });
    await pruneByClosure(t, { keep: [], hardware: [], protect: new Set(['opt/x', 'srv/nosuch']) });
    expect(t.entries().map((e) => e.path)).toEqual(['', 'opt', 'opt/x']);
  });

  it('keeps the mount points and genunix without unix', async () => {
    const spec: TreeSpec = { 'kernel/amd64/genunix': mod() };
    for (const d of MOUNT_POINT_DIRS) spec[`${d}/zz-content`] = 'c';
    const t = stagedTreeOf(spec);
    await pruneByClosure(t, { keep: [], hardware: [], protect: new Set() });
    // dev and devices are kept whole.
    expect(nonDirectoryPaths(t)).toEqual(['dev/fd/zz-content', 'devices/pseudo/zz-content', 'kernel/amd64/genunix']);
    const dirs = ['dev/fd', 'devices/pseudo', 'proc', 'system', 'system/contract', 'system/object', 'system/boot', 'etc/svc', 'etc/svc/volatile', 'tmp', 'var', 'var/run', 'mnt', 'etc/dev'];
    for (const d of dirs) expect(t.get(d)?.type).toBe('dir');
  });

  it('keeps system, etc/svc and var as mount points even with nothing mounted below them', async () => {
    const t = stagedTreeOf({ 'system/zz': 'c', 'etc/svc/zz': 'c', 'var/zz': 'c', 'srv/zz': 'c' });
    await pruneByClosure(t, { keep: [], hardware: [], protect: new Set() });
    expect(t.entries().map((e) => e.path)).toEqual(['', 'etc', 'etc/svc', 'system', 'var']);
  });
});
