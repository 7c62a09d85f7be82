import { copyFileSync, mkdtempSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previousChunks, rememberChunks } from '../../src/cache/archive-index.js';
import { BuildCache } from '../../src/cache/build-cache.js';
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
    rememberFileHashes(cache, out, first);
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
