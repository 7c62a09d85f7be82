import { describe, expect, it } from 'vitest';
import { StagedTree } from '../../src/stage/tree.js';
import { pruneByGlobs } from '../../src/prune/globs.js';

function tree(): StagedTree {
  const t = new StagedTree();
  for (const p of ['kernel/drv/amd64/e1000g', 'kernel/drv/amd64/vioif', 'usr/bin/ls', 'usr/share/man/man1/ls.1', 'etc/inittab', 'opt/x/y']) {
    t.put({ path: p, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 10, mtime: 0, source: { kind: 'generated', data: Buffer.alloc(10), generator: 't' } });
  }
  return t;
}

describe('pruneByGlobs', () => {
  it('excludes whole subtrees by directory glob', () => {
    const t = tree();
    const r = pruneByGlobs(t, [], ['usr/share', 'opt'], new Set());
    expect(t.has('usr/share')).toBe(false);
    expect(t.has('opt')).toBe(false);
    expect(t.has('usr/bin/ls')).toBe(true);
    expect(r.removedBytes).toBe(20);
  });

  it('keeps only included entries and the directories above them', () => {
    const t = tree();
    pruneByGlobs(t, ['kernel/**/e1000g', 'etc'], [], new Set());
    expect(t.entries().map((e) => e.path)).toEqual(['', 'etc', 'etc/inittab', 'kernel', 'kernel/drv', 'kernel/drv/amd64', 'kernel/drv/amd64/e1000g']);
  });

  it('lets exclude win over include and never removes protected paths', () => {
    const t = tree();
    pruneByGlobs(t, ['usr'], ['usr/bin/*'], new Set(['opt/x/y']));
    expect(t.has('usr/bin/ls')).toBe(false);
    expect(t.has('usr/share/man/man1/ls.1')).toBe(true);
    expect(t.has('opt/x/y')).toBe(true);
    expect(t.has('kernel')).toBe(false);
  });
});
