import { describe, expect, it } from 'vitest';
import { StagedTree, normalizeImagePath, resolveInImage, StagePathError } from '../../src/stage/tree.js';
import { canonicalizeHardlinks } from '../../src/stage/hardlinks.js';
import type { StagedEntry } from '../../src/stage/model.js';

const file = (path: string, data = 'x'): StagedEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 1, source: { kind: 'generated', data: Buffer.from(data), generator: 't' } });
const hl = (path: string, target: string): StagedEntry => ({ path, type: 'hardlink', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, target });

describe('StagedTree', () => {
  it('creates parents and lists children sorted', () => {
    const t = new StagedTree();
    t.put(file('usr/bin/b'));
    t.put(file('usr/bin/a'));
    expect(t.get('usr')?.type).toBe('dir');
    expect(t.children('usr/bin')).toEqual(['usr/bin/a', 'usr/bin/b']);
    expect(t.entries().map((e) => e.path)).toEqual(['', 'usr', 'usr/bin', 'usr/bin/a', 'usr/bin/b']);
  });

  it('rejects paths that climb out', () => {
    expect(() => normalizeImagePath('a/../../b')).toThrow(StagePathError);
    expect(normalizeImagePath('./a//b/')).toBe('a/b');
  });

  it('adopts a walked entry as it is, and copies one whose path is not normal', () => {
    const t = new StagedTree();
    const e = { path: 'usr/bin/ls', type: 'file' as const, mode: 0o555, uid: 0, gid: 2, size: 0, mtime: 7 };
    expect(t.adopt(e)).toBe(e);
    expect(t.get('usr/bin/ls')).toBe(e);
    expect(t.get('usr/bin')).toMatchObject({ type: 'dir', mode: 0o755, mtime: 7 });
    expect(t.children('usr/bin')).toEqual(['usr/bin/ls']);
    const odd = { ...e, path: '/usr//bin/cat' };
    const kept = t.adopt(odd);
    expect(kept).not.toBe(odd);
    expect(kept.path).toBe('usr/bin/cat');
    expect(odd.path).toBe('/usr//bin/cat');
    expect(() => t.adopt({ ...e, path: '', type: 'file' })).toThrow(StagePathError);
  });

  it('normalises every odd form, and gives a normal path back as it is', () => {
    const cases: Array<[string, string]> = [['.', ''], ['', ''], ['/a', 'a'], ['a/', 'a'], ['./a', 'a'], ['a/.', 'a'], ['a//b', 'a/b'], ['a/./b', 'a/b'], ['a..b/c.d', 'a..b/c.d'], ['usr/lib/x.so.1', 'usr/lib/x.so.1']];
    for (const [given, want] of cases) expect(normalizeImagePath(given), given).toBe(want);
    expect(() => normalizeImagePath('a/..')).toThrow(StagePathError);
    expect(() => normalizeImagePath('../a')).toThrow(StagePathError);
  });

  it('removes a directory subtree', () => {
    const t = new StagedTree();
    t.put(file('a/b/c'));
    t.put(file('a/d'));
    t.remove('a/b');
    expect(t.has('a/b/c')).toBe(false);
    expect(t.children('a')).toEqual(['a/d']);
  });

  it('hands a removed file to its first remaining hardlink', () => {
    const t = new StagedTree();
    t.put(file('a/owner', 'data'));
    t.put(hl('b/l1', 'a/owner'));
    t.put(hl('c/l2', 'a/owner'));
    t.remove('a/owner');
    expect(t.get('b/l1')).toMatchObject({ type: 'file', size: 4 });
    expect(t.get('c/l2')).toMatchObject({ type: 'hardlink', target: 'b/l1' });
    expect(t.hardlinksTo('b/l1')).toEqual(['c/l2']);
  });

  it('makes the smallest path the owner of a hardlink group', () => {
    const t = new StagedTree();
    t.put(file('z/owner', 'data'));
    t.put(hl('a/link', 'z/owner'));
    t.put(hl('m/link', 'z/owner'));
    canonicalizeHardlinks(t);
    expect(t.get('a/link')).toMatchObject({ type: 'file', size: 4 });
    expect(t.get('z/owner')).toMatchObject({ type: 'hardlink', target: 'a/link' });
    expect(t.get('m/link')).toMatchObject({ type: 'hardlink', target: 'a/link' });
    expect(t.hardlinksTo('a/link')).toEqual(['m/link', 'z/owner']);
  });

  it('resolves symlinks inside the image only', () => {
    const t = new StagedTree();
    t.put(file('usr/bin/ksh93'));
    t.put({ path: 'bin', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 9, mtime: 1, target: './usr/bin' });
    t.put({ path: 'sbin/sh', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 17, mtime: 1, target: '/bin/ksh93' });
    expect(t.resolve('sbin/sh')?.path).toBe('usr/bin/ksh93');
    expect(resolveInImage('a/b', '../../../x')).toBeNull();
    expect(resolveInImage('a/b', '../c')).toBe('c');
  });
});
