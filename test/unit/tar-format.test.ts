import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { StagedTree } from '../../src/stage/tree.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { writeTar } from '../../src/emit/tar.js';
import { encodeHeader, encodeHeaderWithPax, END_OF_ARCHIVE, padding, writeHeader, type TarHeader } from '../../src/emit/tar-format.js';
import { SequentialWriter } from '../../src/util/sequential-writer.js';
import { readTar } from '../support/tar-read.js';

// The tar emitter encodes ustar and pax itself; readers we did not write (GNU tar, tar-stream)
// must read every field back, including what ustar cannot hold.

const LONG_DIR = `usr/share/${'d'.repeat(120)}/${'e'.repeat(120)}`;
const LONG_FILE = `${LONG_DIR}/${'f'.repeat(150)}`; // no '/' split can fit ustar: pax path
const SPLIT_FILE = `usr/lib/${'p'.repeat(90)}/${'n'.repeat(90)}`; // fits as prefix + name
const LONG_TARGET = `../../${'t'.repeat(140)}`;
const UTF8 = 'usr/share/ünïcødé/файл.txt';

const gen = (data: string) => ({ kind: 'generated' as const, data: Buffer.from(data), generator: 'test' });
const file = (path: string, data: string, more: Partial<StagedEntry> = {}): StagedEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: Buffer.byteLength(data), mtime: 1767225600, source: gen(data), ...more });

function tree(): StagedTree {
  const t = new StagedTree(1767225600);
  t.put(file(LONG_FILE, 'long path\n'));
  t.put(file(SPLIT_FILE, 'split path\n', { mode: 0o4755 }));
  t.put(file(UTF8, 'utf-8\n'));
  t.put(file('etc/bigids', 'ids\n', { uid: 3_000_000, gid: 4_000_000 }));
  t.put(file('etc/empty', ''));
  t.put(file('etc/block', 'x'.repeat(1024)));
  t.put({ path: 'usr/bin/longlink', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: LONG_TARGET.length, mtime: 1767225600, target: LONG_TARGET });
  t.put({ path: 'var/hl', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1767225600, target: LONG_FILE });
  t.put({ path: 'devices/pseudo/null', type: 'char', mode: 0o666, uid: 0, gid: 3, size: 0, mtime: 1767225600, rdev: { major: 200, minor: 2 } });
  t.put({ path: 'dev/fifo', type: 'fifo', mode: 0o600, uid: 0, gid: 0, size: 0, mtime: 1767225600 });
  return t;
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('the tar emitter (ustar + pax), read back by GNU tar and tar-stream', () => {
  it('long paths and link targets, set-id modes, big ids, UTF-8 names, devices and fifos survive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tar-format-'));
    const out = join(dir, 't.tar');
    await writeTar(tree(), out);

    const entries = await readTar(out);
    const by = new Map(entries.map((e) => [e.name.replace(/\/$/, ''), e]));
    expect(by.get(LONG_FILE)).toMatchObject({ type: 'file', sha256: sha('long path\n'), size: 10 });
    expect(by.get(SPLIT_FILE)).toMatchObject({ type: 'file', mode: 0o4755, sha256: sha('split path\n') });
    expect(by.get(UTF8)).toMatchObject({ type: 'file', sha256: sha('utf-8\n') });
    expect(by.get('etc/bigids')).toMatchObject({ uid: 3_000_000, gid: 4_000_000, sha256: sha('ids\n') });
    expect(by.get('etc/empty')).toMatchObject({ size: 0, sha256: sha('') });
    expect(by.get('etc/block')?.sha256).toBe(sha('x'.repeat(1024)));
    expect(by.get('usr/bin/longlink')).toMatchObject({ type: 'symlink', linkname: LONG_TARGET });
    expect(by.get('var/hl')).toMatchObject({ type: 'link', linkname: LONG_FILE });
    expect(by.get('devices/pseudo/null')).toMatchObject({ type: 'character-device', devmajor: 200, devminor: 2, gid: 3 });
    expect(by.get('dev/fifo')).toMatchObject({ type: 'fifo', mode: 0o600 });
    expect(entries[0].name).toBe('./');
    // No pax header shows up as a member of its own.
    expect(entries.filter((e) => /PaxHeaders/.test(e.name))).toEqual([]);

    // GNU tar lists the same names and reads the ids and the device numbers.
    const names = (await execa('tar', ['-tf', out])).stdout.split('\n').map((n) => n.replace(/\/$/, ''));
    expect(names).toEqual(entries.map((e) => e.name.replace(/\/$/, '')));
    const verbose = (await execa('tar', ['--numeric-owner', '-tvf', out])).stdout;
    expect(verbose).toMatch(/3000000\/4000000 .* etc\/bigids/);
    expect(verbose).toMatch(/^crw-rw-rw- 0\/3 +200,2 .* devices\/pseudo\/null$/m);
    expect(verbose).toMatch(/^-rwsr-xr-x 0\/0 .* usr\/lib\/p+\/n+$/m);
    // GNU tar extracts the regular members (devices need root) and finds the same bytes.
    await execa('tar', ['-xf', out, '-C', dir, '--exclude', 'devices', '--exclude', 'dev/fifo']);
    expect((await execa('cat', [join(dir, LONG_FILE), join(dir, UTF8)])).stdout).toBe('long path\nutf-8');
    expect((await execa('readlink', [join(dir, 'usr/bin/longlink')])).stdout).toBe(LONG_TARGET);
    const [ino1, ino2] = (await execa('stat', ['-c', '%i', join(dir, 'var/hl'), join(dir, LONG_FILE)])).stdout.split('\n');
    expect(ino1).toBe(ino2);
  });
});

describe('the plain-member fast path of the tar header', () => {
  // A member with a short ASCII name and numbers that fit is encoded straight into its block;
  // those bytes must be the general encoder's, field for field and checksum included.
  const cases: TarHeader[] = [
    { name: 'a', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 },
    { name: './', type: 'dir', mode: 0o755, uid: 0, gid: 3, size: 0, mtime: 1767225600 },
    { name: 'usr/lib/amd64/libc.so.1', type: 'file', mode: 0o104755, uid: 2, gid: 2, size: 8 ** 11 - 1, mtime: 8 ** 11 - 1 },
    { name: 'x'.repeat(100), type: 'symlink', mode: 0o777, uid: 8 ** 7 - 1, gid: 8 ** 7 - 1, size: 0, mtime: -5, linkname: 'l'.repeat(100) },
    { name: 'var/hl', type: 'hardlink', mode: 0o644, uid: 1, gid: 1, size: 0, mtime: 99, linkname: 'usr/bin/ls' },
    { name: 'devices/pseudo/null@0:null', type: 'char', mode: 0o666, uid: 0, gid: 3, size: 0, mtime: 1, devmajor: 8 ** 7 - 1, devminor: 2 },
    { name: 'dev/dsk/c0d0s0', type: 'block', mode: 0o640, uid: 0, gid: 3, size: 0, mtime: 1, devmajor: 102, devminor: 0 },
    { name: 'tmp/fifo', type: 'fifo', mode: 0o600, uid: 0, gid: 0, size: 0, mtime: 1 },
  ];
  it.each(cases.map((h) => [h.name.slice(0, 30), h] as const))('%s: the same block as the general encoder', (_, h) => {
    const general = encodeHeaderWithPax(h);
    expect(general.length).toBe(512);
    expect(encodeHeader(h).equals(general)).toBe(true);
    // And through the writer, at an offset that is not a multiple of 512.
    const dir = mkdtempSync(join(tmpdir(), 'tar-plain-'));
    const fd = openSync(join(dir, 'h'), 'w');
    const out = new SequentialWriter(fd, 4096);
    out.write(Buffer.from('xyz'));
    writeHeader(out, h);
    out.flush();
    closeSync(fd);
    expect(readFileSync(join(dir, 'h')).subarray(3).equals(general)).toBe(true);
  });

  it('at the fields\' limits, tar-stream and GNU tar read the fast path\'s members back', async () => {
    const limit7 = 8 ** 7 - 1;
    const members: TarHeader[] = [
      { name: 'x'.repeat(100), type: 'symlink', mode: 0o777, uid: limit7, gid: limit7, size: 0, mtime: 8 ** 11 - 1, linkname: 'l'.repeat(100) },
      { name: 'dev/c', type: 'char', mode: 0o2644, uid: 1, gid: 3, size: 0, mtime: 1767225600, devmajor: limit7, devminor: limit7 },
      { name: 'etc/f', type: 'file', mode: 0o104755, uid: 0, gid: 2, size: 3, mtime: 1 },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'tar-plain-read-'));
    const path = join(dir, 't.tar');
    const fd = openSync(path, 'w');
    const out = new SequentialWriter(fd, 4096);
    for (const h of members) {
      writeHeader(out, h);
      if (h.size) {
        out.write(Buffer.from('abc'));
        out.zeros(padding(h.size));
      }
    }
    out.write(END_OF_ARCHIVE);
    out.flush();
    closeSync(fd);
    const read = await readTar(path);
    expect(read.map((m) => m.name)).toEqual(members.map((m) => m.name));
    expect(read[0]).toMatchObject({ type: 'symlink', uid: limit7, gid: limit7, linkname: 'l'.repeat(100) });
    expect(read[1]).toMatchObject({ type: 'character-device', mode: 0o2644, devmajor: limit7, devminor: limit7 });
    expect(read[2]).toMatchObject({ type: 'file', mode: 0o4755, size: 3, sha256: sha('abc') });
    const gnu = (await execa('tar', ['--numeric-owner', '--full-time', '-tvf', path], { env: { TZ: 'UTC' } })).stdout.split('\n');
    expect(gnu[0]).toContain(`${limit7}/${limit7}`);
    expect(gnu[0]).toContain(new Date((8 ** 11 - 1) * 1000).toISOString().slice(0, 10));
    expect(gnu[1]).toMatch(new RegExp(`^crw-r-Sr-- 1/3 +${limit7},${limit7} `));
    expect(gnu[2]).toMatch(/^-rwsr-xr-x 0\/2 +3 1970-01-01 00:00:01 etc\/f$/);
  });

  it.each([
    ['a name over 100 bytes', { name: 'n'.repeat(101) }],
    ['a uid over 7 octal digits', { uid: 8 ** 7 }],
    ['a size over 11 octal digits', { size: 8 ** 11 }],
    ['a long link target', { type: 'symlink' as const, linkname: 't'.repeat(101) }],
  ])('%s still goes through the general encoder (pax)', (_, more) => {
    const h: TarHeader = { name: 'etc/x', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 1, ...more };
    expect(encodeHeader(h).equals(encodeHeaderWithPax(h))).toBe(true);
    expect(encodeHeader(h).length).toBeGreaterThan(512);
  });

  it('a short non-ASCII name is written in UTF-8, as the general encoder does, not a byte per character', () => {
    const h: TarHeader = { name: 'usr/ünï', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 1 };
    const b = encodeHeader(h);
    expect(b.equals(encodeHeaderWithPax(h))).toBe(true);
    expect(b.subarray(0, 10).equals(Buffer.from('usr/ünï\0', 'utf8'))).toBe(true);
  });
});
