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
