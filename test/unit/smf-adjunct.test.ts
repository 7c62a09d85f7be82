import { execa } from 'execa';
import { mkdir, mkdtemp, rm, symlink, writeFile, chmod, link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAdjuncts } from '../../src/adjunct/apply-adjuncts.js';
import { StagedTree } from '../../src/stage/tree.js';
import { readStagedText } from '../../src/state/read-staged.js';
import { InputError } from '../../src/util/errors.js';
import { silentReporter } from '../../src/util/progress.js';

// Adjuncts laid over a staged proto: directories and tarballs of any shape, symlinked directories
// followed, default ownership root:bin, metadata from an adjunct's own manifests.

let dir = '';

async function put(root: string, files: Record<string, string | { link: string } | { hard: string }>): Promise<string> {
  for (const [path, v] of Object.entries(files)) {
    const dest = join(root, path);
    await mkdir(dirname(dest), { recursive: true });
    if (typeof v === 'string') {
      await writeFile(dest, v);
      await chmod(dest, 0o755);
    } else if ('link' in v) await symlink(v.link, dest);
    else await link(join(root, v.hard), dest);
  }
  return root;
}

function proto(): StagedTree {
  const t = new StagedTree(100);
  const base = { uid: 0, gid: 0, mtime: 100 };
  const file = (path: string, text: string) => t.put({ path, type: 'file', mode: 0o644, size: text.length, source: { kind: 'generated', data: Buffer.from(text), generator: 'proto' }, ...base });
  file('etc/passwd', 'root:x:0:0:Super-User:/root:/usr/bin/bash\nbin:x:2:2::/usr/bin:\n');
  file('etc/group', 'root::0:\nother::1:root\nbin::12:root,daemon\nsys::3:root,bin,adm\n');
  file('usr/lib/amd64/libc.so.1', 'libc');
  file('usr/lib/libold.so.1', 'old');
  t.put({ path: 'usr/lib/libold-link.so.1', type: 'hardlink', mode: 0o644, size: 0, target: 'usr/lib/libold.so.1', ...base });
  t.put({ path: 'usr/lib/64', type: 'symlink', mode: 0o777, size: 5, target: 'amd64', ...base });
  t.put({ path: 'usr/share', type: 'dir', mode: 0o755, ...base, size: 0 });
  return t;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'compose-adjunct-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('applyAdjuncts', () => {
  it('lays a directory over the tree as root:bin, following the tree\'s directory symlinks', async () => {
    const adj = await put(join(dir, 'a1'), {
      'usr/lib/libxml2.so.2': 'xml',
      'usr/lib/64/libxml2.so.2': 'xml64',
      'usr/lib/libold.so.1': 'new',
      'usr/lib/libxml2.so': { link: 'libxml2.so.2' },
      'opt/extra/bin/tool': 'tool',
    });
    const t = proto();
    const r = await applyAdjuncts(t, [adj], { mtime: 7, reporter: silentReporter });
    expect(r.paths).toEqual(['opt', 'opt/extra', 'opt/extra/bin', 'opt/extra/bin/tool', 'usr/lib/amd64/libxml2.so.2', 'usr/lib/libold.so.1', 'usr/lib/libxml2.so', 'usr/lib/libxml2.so.2']);
    expect(t.get('usr/lib/64')).toMatchObject({ type: 'symlink', target: 'amd64' });
    expect(t.get('usr/lib/amd64/libxml2.so.2')).toMatchObject({ type: 'file', uid: 0, gid: 12, mode: 0o755, mtime: 7 });
    expect(t.get('opt/extra')).toMatchObject({ type: 'dir', uid: 0, gid: 12 });
    expect(t.get('usr/lib/libxml2.so')).toMatchObject({ type: 'symlink', uid: 0, gid: 0 });
    // The proto's hardlink to the replaced file keeps the old content; the path gets the new.
    expect(await readStagedText(t, 'usr/lib/libold.so.1')).toBe('new');
    expect(await readStagedText(t, 'usr/lib/libold-link.so.1')).toBe('old');
    expect(t.get('usr/share')).toMatchObject({ mode: 0o755, gid: 0 });
    expect(r.adjuncts).toEqual([{ given: adj, entries: 8, files: 4, withManifestMetadata: 0 }]);
  });

  it('reads a tarball of any shape, unwraps a top directory, keeps hardlinks, and applies its manifests', async () => {
    const src = await put(join(dir, 'wrap', 'libs-1.0'), {
      'usr/lib/libz.so.1': 'z',
      'usr/lib/libz-again.so.1': { hard: 'usr/lib/libz.so.1' },
      'etc/ssh/sshd_config': 'PermitRootLogin no\n',
      '.compose/manifests/zlib.p5m': 'set name=pkg.fmri value=pkg:/demo/zlib@1\nfile path=usr/lib/libz.so.1 owner=root group=sys mode=0555\ndir path=etc/ssh owner=root group=sys mode=0700\n',
    });
    const tarball = join(dir, 'libs.tgz');
    await execa('tar', ['-C', dirname(src), '-czf', tarball, 'libs-1.0']);
    const t = proto();
    const notes: string[] = [];
    const r = await applyAdjuncts(t, [tarball], { reporter: { ...silentReporter, note: (m) => notes.push(m) } });
    expect(r.paths).toEqual(['etc/ssh', 'etc/ssh/sshd_config', 'usr/lib/libz-again.so.1', 'usr/lib/libz.so.1']);
    expect(t.has('.compose')).toBe(false);
    // One inode, owned by the smaller path as everywhere else; the manifest's mode reaches both.
    expect(t.get('usr/lib/libz.so.1')).toMatchObject({ type: 'hardlink', target: 'usr/lib/libz-again.so.1', mode: 0o555, gid: 3 });
    expect(t.get('usr/lib/libz-again.so.1')).toMatchObject({ type: 'file', mode: 0o555, gid: 3 });
    expect(t.get('etc/ssh')).toMatchObject({ mode: 0o700, gid: 3 });
    expect(await readStagedText(t, 'etc/ssh/sshd_config')).toBe('PermitRootLogin no\n');
    expect(r.adjuncts[0].withManifestMetadata).toBe(2);
    expect(notes.some((n) => n.includes('every entry sits under libs-1.0/'))).toBe(true);
  });

  it('applies several in order, the later one winning', async () => {
    const a = await put(join(dir, 'o1'), { 'usr/lib/libz.so.1': 'first' });
    const b = await put(join(dir, 'o2'), { 'usr/lib/libz.so.1': 'second' });
    const t = proto();
    await applyAdjuncts(t, [a, b], { reporter: silentReporter });
    expect(await readStagedText(t, 'usr/lib/libz.so.1')).toBe('second');
  });

  it('refuses to replace a directory with a file, and names missing or odd inputs', async () => {
    const a = await put(join(dir, 'bad'), { 'usr/share': 'not a dir' });
    await expect(applyAdjuncts(proto(), [a], { reporter: silentReporter })).rejects.toThrow(/usr\/share is a file, but \/usr\/share in the image is a directory/);
    await expect(applyAdjuncts(proto(), [join(dir, 'nope')], { reporter: silentReporter })).rejects.toThrow(InputError);
    const odd = join(dir, 'x.zip');
    await writeFile(odd, 'zip');
    await expect(applyAdjuncts(proto(), [odd], { reporter: silentReporter })).rejects.toThrow(/neither a directory nor a tarball/);
    // A manifest error names the adjunct and the manifest inside it.
    const src = await put(join(dir, 'badman', 'x'), { 'usr/lib/libq.so.1': 'q', '.compose/manifests/q.p5m': 'file path=usr/lib/libq.so.1 owner=nobody-here mode=0755\n' });
    const tarball = join(dir, 'badman.tar');
    await execa('tar', ['-C', src, '-cf', tarball, '.']);
    await expect(applyAdjuncts(proto(), [tarball], { reporter: silentReporter })).rejects.toThrow(`adjunct ${tarball}: .compose/manifests/q.p5m:1: usr/lib/libq.so.1 has owner "nobody-here"`);
  });
});
