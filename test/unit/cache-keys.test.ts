import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previousChunks, rememberChunks } from '../../src/cache/archive-index.js';
import { BuildCache, RACY_MS } from '../../src/cache/build-cache.js';
import { applyFileHashes, rememberFileHashes } from '../../src/cache/file-hashes.js';
import { readDirTree } from '../../src/proto/dir-reader.js';

// What the build cache keys on, one part at a time: each change alone must stop a reuse.

const tmp = () => mkdtempSync(join(tmpdir(), 'compose-cache-keys-'));
const CHUNKS = [{ h: 'a'.repeat(64), u: 10, c: 8, o: 0 }];

describe('the boot_archive chunk index', () => {
  function indexed() {
    const dir = tmp();
    const archive = join(dir, 'x.boot_archive');
    writeFileSync(archive, Buffer.alloc(64, 1));
    // Whole seconds, so the time can be put back exactly.
    utimesSync(archive, 1_700_000_000, 1_700_000_000);
    const cache = BuildCache.open(dir)!;
    rememberChunks(cache, archive, archive, 'zlib-9', CHUNKS as never);
    expect(previousChunks(cache, archive, 'zlib-9')?.lookup('a'.repeat(64))).toEqual({ offset: 0, length: 8 });
    return { dir, archive, cache };
  }

  it('is not trusted once the archive\'s modification time alone changed (same inode, same size)', () => {
    const { archive, cache } = indexed();
    const st = statSync(archive);
    utimesSync(archive, st.atime, new Date(st.mtimeMs + 5000));
    expect(statSync(archive).ino).toBe(st.ino);
    expect(previousChunks(cache, archive, 'zlib-9')).toBeUndefined();
  });

  it('is not trusted for another file of the same bytes and modification time (another inode alone)', () => {
    const { dir, archive, cache } = indexed();
    const st = statSync(archive);
    copyFileSync(archive, join(dir, 'copy'));
    renameSync(join(dir, 'copy'), archive);
    utimesSync(archive, 1_700_000_000, 1_700_000_000);
    const now = statSync(archive);
    expect([now.size, now.mtimeMs]).toEqual([st.size, st.mtimeMs]);
    expect(now.ino).not.toBe(st.ino);
    expect(previousChunks(cache, archive, 'zlib-9')).toBeUndefined();
  });

  it('is not trusted with another compressor, nor for a shorter file', () => {
    const { archive, cache } = indexed();
    expect(previousChunks(cache, archive, 'pigz-9')).toBeUndefined();
    writeFileSync(archive, Buffer.alloc(4));
    expect(previousChunks(cache, archive, 'zlib-9')).toBeUndefined();
  });
});

describe('the file-hash cache', () => {
  it('takes a hash for an unchanged file, and not for a same-size edit whose modification time was put back', async () => {
    const proto = tmp();
    const out = tmp();
    const file = join(proto, 'motd');
    writeFileSync(file, 'hello\n');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const cache = BuildCache.open(out)!;
    const first = await readDirTree(proto, { origin: 'proto' });
    first.get('motd')!.sha256 = 'f'.repeat(64);
    // Written just now: a build that began now does not trust the stamp (a second write in the
    // same clock tick could keep it); one that began RACY_MS later does.
    rememberFileHashes(cache, out, first, Date.now());
    expect(applyFileHashes(cache, out, await readDirTree(proto, { origin: 'proto' }))).toBe(0);
    rememberFileHashes(cache, out, first, Date.now() + RACY_MS + 10);
    expect(applyFileHashes(cache, out, await readDirTree(proto, { origin: 'proto' }))).toBe(1);
    const st = statSync(file);
    writeFileSync(file, 'jello\n');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file).mtimeMs).toBe(st.mtimeMs);
    const edited = await readDirTree(proto, { origin: 'proto' });
    expect(applyFileHashes(cache, out, edited)).toBe(0);
    expect(edited.get('motd')!.sha256).toBeUndefined();
  });
});

describe('the cache files', () => {
  it('a chunk past the end of the archive is not offered; one that ends at the end is', () => {
    const dir = tmp();
    const archive = join(dir, 'a');
    writeFileSync(archive, Buffer.alloc(100));
    const cache = BuildCache.open(dir)!;
    rememberChunks(cache, archive, archive, 'z', [
      { h: '1'.repeat(64), u: 1, c: 40, o: 60 },
      { h: '2'.repeat(64), u: 1, c: 41, o: 60 },
      { h: '3'.repeat(64), u: 1, c: 10, o: 0 },
    ] as never);
    const prev = previousChunks(cache, archive, 'z')!;
    expect(prev.path).toBe(archive);
    expect(prev.lookup('1'.repeat(64))).toEqual({ offset: 60, length: 40 });
    expect(prev.lookup('2'.repeat(64))).toBeUndefined();
    expect(prev.lookup('3'.repeat(64))).toEqual({ offset: 0, length: 10 });
    // No cache, no index, no archive: nothing to reuse.
    expect(previousChunks(undefined, archive, 'z')).toBeUndefined();
    expect(previousChunks(BuildCache.open(tmp())!, archive, 'z')).toBeUndefined();
    expect(previousChunks(cache, join(dir, 'gone'), 'z')).toBeUndefined();
    rememberChunks(cache, join(dir, 'other'), join(dir, 'never-written'), 'z', []);
    expect(previousChunks(cache, join(dir, 'other'), 'z')).toBeUndefined();
  });

  it('creates a nested --cache directory, and holds writeLater data back until flush, creating the directory then', () => {
    const dir = tmp();
    expect(BuildCache.open(dir, join(dir, 'a/b/c'))?.dir).toBe(join(dir, 'a/b/c'));
    const later = BuildCache.at(dir, join(dir, 'later/cache'))!;
    expect(existsSync(later.dir)).toBe(false);
    later.writeLater('w.json', () => ({ n: 3 }));
    expect(existsSync(later.dir)).toBe(false);
    later.flush();
    expect(later.read('w.json')).toEqual({ n: 3 });
    rmSync(join(later.dir, 'w.json'));
    later.flush();
    expect(existsSync(join(later.dir, 'w.json'))).toBe(false);
    expect(BuildCache.at(dir, false)).toBeUndefined();
    expect(BuildCache.at(dir)?.dir).toBe(join(dir, '.compose-cache'));
  });

  it('file hashes: the last line without a newline counts; paths not in the tree, sourceless files and a missing cache are no trouble', async () => {
    const proto = tmp();
    const out = tmp();
    for (const f of ['a', 'b']) writeFileSync(join(proto, f), f);
    const cache = BuildCache.open(out)!;
    const tree = await readDirTree(proto, { origin: 'proto' });
    for (const f of ['a', 'b']) tree.get(f)!.sha256 = f.repeat(64);
    // Written by the tool (no stamp), generated, and a name with a newline: none is remembered.
    tree.put({ path: 'gen', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 1, source: { kind: 'generated', data: Buffer.from('g'), generator: 't' }, sha256: 'c'.repeat(64) });
    tree.put({ path: 'nostamp', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 1, source: { kind: 'host', path: join(proto, 'a'), origin: 'overlay' }, sha256: 'd'.repeat(64) });
    tree.put({ ...tree.get('a')!, path: 'new\nline' });
    tree.put({ path: 'ln', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 1, mtime: 1, target: 'a', sha256: 'e'.repeat(64) });
    expect(() => rememberFileHashes(undefined, out, tree, Date.now() + 2 * RACY_MS)).not.toThrow();
    rememberFileHashes(cache, out, tree, Date.now() + 2 * RACY_MS);
    const name = cache.nameFor('file-hashes', out);
    const lines = cache.readBytes(name)!.toString().split('\n').filter(Boolean);
    expect(lines.map((l) => l.split(' ').at(-1))).toEqual(['1', 'a', 'b']);
    // No final newline, and a line for a path the next tree does not have, before it.
    writeFileSync(join(cache.dir, name), `${lines[0]}\n${'f'.repeat(64)} 1:2:3:4:5 not-there\n${lines[2]}`);
    const again = await readDirTree(proto, { origin: 'proto' });
    again.put({ path: 'not-there', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1 });
    expect(applyFileHashes(cache, out, again)).toBe(1);
    expect(again.get('b')!.sha256).toBe('b'.repeat(64));
    expect(again.get('a')!.sha256).toBeUndefined();
    expect(again.get('not-there')!.sha256).toBeUndefined();
  });

  it('reads only what this version wrote; names subjects apart; an output directory that cannot hold a cache means no cache', () => {
    const dir = tmp();
    const cache = BuildCache.open(dir)!;
    expect(cache.dir).toBe(join(dir, '.compose-cache'));
    expect(cache.nameFor('archive', '/a')).toMatch(/^archive-[0-9a-f]{16}\.json$/);
    expect(cache.nameFor('archive', '/a')).not.toBe(cache.nameFor('archive', '/b'));
    cache.write('x.json', { n: 1 });
    expect(cache.read('x.json')).toEqual({ n: 1 });
    writeFileSync(join(cache.dir, 'y.json'), JSON.stringify({ format: 999, data: { n: 2 } }));
    expect(cache.read('y.json')).toBeUndefined();
    expect(cache.read('missing.json')).toBeUndefined();
    expect(cache.readBytes('missing.json')).toBeUndefined();
    cache.writeStream('s.txt', (out) => out.writeString('abc'));
    expect(cache.readBytes('s.txt')?.toString()).toBe('abc');
    expect(BuildCache.open(dir, false)).toBeUndefined();
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    expect(BuildCache.open(dir, join(file, 'cache'))).toBeUndefined();
    // A write that fails leaves nothing behind.
    const gone = BuildCache.open(dir, join(dir, 'c2'))!;
    rmSync(gone.dir, { recursive: true });
    gone.write('z.json', {});
    gone.writeStream('z.txt', (out) => out.writeString('x'));
    expect(existsSync(gone.dir)).toBe(false);
  });

  it('file hashes: a damaged line or header is skipped, entries not read from the host or hashed already are left alone', async () => {
    const proto = tmp();
    const out = tmp();
    for (const f of ['a', 'b', 'c']) writeFileSync(join(proto, f), f);
    const cache = BuildCache.open(out)!;
    const tree = await readDirTree(proto, { origin: 'proto' });
    for (const f of ['a', 'b', 'c']) tree.get(f)!.sha256 = f.repeat(64);
    rememberFileHashes(cache, out, tree, Date.now() + 2 * RACY_MS);
    const name = cache.nameFor('file-hashes', out);
    const text = cache.readBytes(name)!.toString();
    expect(text.split('\n')[0]).toBe('compose-file-hashes 1');
    expect(text.split('\n').filter(Boolean)).toHaveLength(4);
    // Damage b's line (no space after the hash) and c's (its stamp cut short).
    const lines = text.split('\n');
    lines[2] = lines[2].replace(' ', '');
    lines[3] = lines[3].replace(/ (\S+) c$/, ' 1:2 c');
    writeFileSync(join(cache.dir, name), lines.join('\n'));
    const again = await readDirTree(proto, { origin: 'proto' });
    again.get('a')!.sha256 = 'already';
    expect(applyFileHashes(cache, out, again)).toBe(0);
    expect(again.get('a')!.sha256).toBe('already');
    const fresh = await readDirTree(proto, { origin: 'proto' });
    expect(applyFileHashes(cache, out, fresh)).toBe(1);
    expect(fresh.get('a')!.sha256).toBe('a'.repeat(64));
    writeFileSync(join(cache.dir, name), `compose-file-hashes 2\n${lines.slice(1).join('\n')}`);
    expect(applyFileHashes(cache, out, await readDirTree(proto, { origin: 'proto' }))).toBe(0);
    expect(applyFileHashes(undefined, out, fresh)).toBe(0);
  });
});
