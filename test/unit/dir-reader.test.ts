import { execFileSync } from 'node:child_process';
import type * as realFs from 'node:fs';
import { chmodSync, linkSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { escapeName, isUtf8Name, readDirTree } from '../../src/proto/dir-reader.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { InputError } from '../../src/util/errors.js';
import type { Reporter } from '../../src/util/progress.js';
import { caught } from '../support/caught.js';

// The directory reader walks a proto area into the staged model. Device nodes cannot be made
// without root, and an unreadable directory cannot be shown to root: those host answers are
// stood in for through the node:fs calls the reader makes (everything else is the real fs).

const hooks = vi.hoisted(() => ({
  lstat: undefined as ((path: string) => realFs.Stats | undefined) | undefined,
  readdir: undefined as ((path: string) => Buffer[] | undefined) | undefined,
  real: undefined as unknown as typeof import('node:fs'),
}));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  hooks.real = real;
  const lstatSync = ((p: string, o?: unknown) => hooks.lstat?.(String(p)) ?? real.lstatSync(p, o as undefined)) as typeof real.lstatSync;
  const readdirSync = ((p: string, o?: unknown) => hooks.readdir?.(String(p)) ?? real.readdirSync(p, o as { encoding: 'buffer' })) as typeof real.readdirSync;
  return { ...real, default: { ...real, lstatSync, readdirSync }, lstatSync, readdirSync };
});

afterEach(() => {
  hooks.lstat = undefined;
  hooks.readdir = undefined;
});

const tmp = () => mkdtempSync(join(tmpdir(), 'compose-dir-reader-'));

/** Stats of a real file, made to answer as another kind of node. */
function fakeStats(of: string, kind: 'char' | 'block' | 'socket', rdev = 0): realFs.Stats {
  const st = hooks.real.lstatSync(of);
  const fake = Object.assign(Object.create(Object.getPrototypeOf(st) as object) as realFs.Stats, st, { rdev });
  fake.isFile = () => false;
  fake.isCharacterDevice = () => kind === 'char';
  fake.isBlockDevice = () => kind === 'block';
  return fake;
}

function recorder(): Reporter & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    note: (m) => calls.push(['note', m]),
    warn: (m) => calls.push(['warn', m]),
    progress: (s, d, t) => calls.push(['progress', s, d, t]),
    done: (s) => calls.push(['done', s]),
  };
}

/** Entries as plain data: a walked file's source becomes its path, origin and stamp. */
function plain(entries: StagedEntry[]): unknown[] {
  return entries.map((e) => {
    if (!e.source) return { ...e };
    const s = e.source as { kind: string; path: string; origin: string; stamp: string };
    return { ...e, source: { kind: s.kind, path: s.path, origin: s.origin, stamp: s.stamp } };
  });
}

const stampOf = (p: string): string => {
  const st = lstatSync(p);
  return [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs].join(':');
};


describe('escapeName', () => {
  const cases: Array<[number[], string]> = [
    [[], ''],
    [[0x61, 0x00, 0x7f], 'a\u0000\u007f'],
    [[0x80], '\\x80'],
    [[0xc1, 0xbf], '\\xc1\\xbf'], // overlong
    [[0xc2, 0xa9], '\u00a9'],
    [[0xdf, 0xbf], '\u07ff'],
    [[0xe0, 0xa0, 0x80], '\u0800'],
    [[0xe0, 0x80, 0x80], '\\xe0\\x80\\x80'], // overlong
    [[0xed, 0xa0, 0x80], '\\xed\\xa0\\x80'], // a surrogate
    [[0xef, 0xbc, 0x81], '\uff01'],
    [[0xf0, 0x90, 0x80, 0x80], '\u{10000}'],
    [[0xf0, 0x9f, 0x98, 0x80], '\u{1f600}'],
    [[0xf4, 0x8f, 0xbf, 0xbf], '\u{10ffff}'],
    [[0xf4, 0x90, 0x80, 0x80], '\\xf4\\x90\\x80\\x80'], // above U+10FFFF
    [[0xf5, 0x80, 0x80, 0x80], '\\xf5\\x80\\x80\\x80'],
    [[0xff], '\\xff'],
    [[0x61, 0xff], 'a\\xff'],
    [[0xc3, 0xa9, 0xff], '\u00e9\\xff'],
    [[0xe2, 0x82, 0xac, 0xff], '\u20ac\\xff'],
    [[0xe2, 0x82, 0xac], '\u20ac'],
    [[0xc3], '\\xc3'], // cut short by the end
    [[0xe2, 0x82], '\\xe2\\x82'],
    [[0xf0, 0x9f, 0x98], '\\xf0\\x9f\\x98'],
    [[0xc3, 0x41], '\\xc3A'], // a lead byte without its continuation
    [[0x6f, 0x6b, 0x2d, 0xff, 0xc3, 0xa9, 0xfe, 0x7a], 'ok-\\xff\u00e9\\xfez'],
  ];
  it.each(cases)('%j -> %j', (bytes, text) => {
    expect(escapeName(Buffer.from(bytes))).toBe(text);
  });

  it('isUtf8Name tells valid names from the rest', () => {
    expect(isUtf8Name(Buffer.from('f\u00e9\u20ac\u{1f600}'))).toBe(true);
    expect(isUtf8Name(Buffer.from([0x61, 0xff]))).toBe(false);
    expect(isUtf8Name(Buffer.from([0xed, 0xa0, 0x80]))).toBe(false);
  });
});

describe('readDirTree', () => {
  it('reads files, directories, symlinks, hard links, fifos and devices as root-owned entries, and skips sockets', async () => {
    const root = tmp();
    mkdirSync(join(root, 'etc'));
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    mkdirSync(join(root, 'dev'));
    writeFileSync(join(root, 'etc/motd'), 'hello\n');
    chmodSync(join(root, 'etc/motd'), 0o640);
    writeFileSync(join(root, 'etc/su'), 'su');
    chmodSync(join(root, 'etc/su'), 0o4755);
    writeFileSync(join(root, 'usr/a'), 'linked');
    linkSync(join(root, 'usr/a'), join(root, 'usr/lib/b'));
    symlinkSync('../etc/motd', join(root, 'usr/motd'));
    execFileSync('mkfifo', [join(root, 'dev/fifo')]);
    chmodSync(join(root, 'dev/fifo'), 0o600);
    writeFileSync(join(root, 'dev/cdev'), '');
    writeFileSync(join(root, 'dev/bdev'), '');
    const sock = join(root, 'dev/sock');
    const server = createServer();
    await new Promise<void>((done) => server.listen(sock, done));
    try {
      chmodSync(join(root, 'etc'), 0o711);
      for (const p of ['etc/motd', 'etc/su', 'usr/a', 'dev/fifo', 'dev/cdev', 'dev/bdev', 'usr/lib', 'etc', 'usr', 'dev']) utimesSync(join(root, p), 1600000000.9, 1600000000.9);
      lutimesSync(join(root, 'usr/motd'), 1500000000.5, 1500000000.5);
      chmodSync(root, 0o750);
      utimesSync(root, 1700000000.6, 1700000000.6);
      hooks.lstat = (p) => (p === join(root, 'dev/cdev') ? fakeStats(p, 'char', (200 << 8) | 2) : p === join(root, 'dev/bdev') ? fakeStats(p, 'block', (8 << 8) | 17 | (0x123 << 20)) : undefined);

      const reporter = recorder();
      const tree = await readDirTree(root, { origin: 'proto', reporter });
      const T = 1600000000;
      const dir = (path: string, mode = 0o755) => ({ path, type: 'dir', mode, uid: 0, gid: 0, size: 0, mtime: T });
      const file = (path: string, mode: number, size: number) => ({ path, type: 'file', mode, uid: 0, gid: 0, size, mtime: T, source: { kind: 'host', path: join(root, path), origin: 'proto', stamp: stampOf(join(root, path)) } });
      expect(plain(tree.entries())).toEqual([
        { path: '', type: 'dir', mode: 0o750, uid: 0, gid: 0, size: 0, mtime: 1700000000 },
        dir('dev'),
        { path: 'dev/bdev', type: 'block', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: T, rdev: { major: 8, minor: 17 | (0x123 << 8) } },
        { path: 'dev/cdev', type: 'char', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: T, rdev: { major: 200, minor: 2 } },
        { path: 'dev/fifo', type: 'fifo', mode: 0o600, uid: 0, gid: 0, size: 0, mtime: T },
        dir('etc', 0o711),
        file('etc/motd', 0o640, 6),
        file('etc/su', 0o4755, 2),
        dir('usr'),
        file('usr/a', 0o644, 6),
        dir('usr/lib'),
        { path: 'usr/lib/b', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: T, target: 'usr/a' },
        { path: 'usr/motd', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 11, mtime: 1500000000, target: '../etc/motd' },
      ]);
      expect(reporter.calls).toEqual([
        ['warn', `skipping socket ${sock}`],
        ['done', 'reading proto'],
      ]);
      // Without a reporter the socket is skipped all the same.
      expect((await readDirTree(root, { origin: 'overlay' })).has('dev/sock')).toBe(false);
    } finally {
      server.close();
    }
  });

  it('a fixed mtime replaces every entry time, the root included', async () => {
    const root = tmp();
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/motd'), 'x');
    symlinkSync('motd', join(root, 'etc/link'));
    const tree = await readDirTree(root, { origin: 'overlay', mtime: 42 });
    expect(tree.entries().map((e) => [e.path, e.mtime])).toEqual([
      ['', 42],
      ['etc', 42],
      ['etc/link', 42],
      ['etc/motd', 42],
    ]);
    expect(tree.get('etc/motd')!.source).toMatchObject({ origin: 'overlay', path: join(root, 'etc/motd') });
  });

  it('the hard link owner is the smallest path, whichever the walk meets first', async () => {
    const root = tmp();
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'z'), 'data');
    linkSync(join(root, 'z'), join(root, 'a/y'));
    linkSync(join(root, 'z'), join(root, 'm'));
    writeFileSync(join(root, 'single'), 'one');
    writeFileSync(join(root, 'p'), 'other');
    linkSync(join(root, 'p'), join(root, 'q'));
    const tree = await readDirTree(root, { origin: 'proto', mtime: 1 });
    expect(tree.entries().map((e) => [e.path, e.type, e.target, e.size])).toEqual([
      ['', 'dir', undefined, 0],
      ['a', 'dir', undefined, 0],
      ['a/y', 'file', undefined, 4],
      ['m', 'hardlink', 'a/y', 4], // the owner the walk met first, turned into a link, keeps its size
      ['p', 'file', undefined, 5],
      ['q', 'hardlink', 'p', 0],
      ['single', 'file', undefined, 3],
      ['z', 'hardlink', 'a/y', 0],
    ]);
  });

  it('skip leaves out a host path and everything below it', async () => {
    const root = tmp();
    mkdirSync(join(root, 'out/deep'), { recursive: true });
    writeFileSync(join(root, 'out/deep/x'), 'x');
    writeFileSync(join(root, 'outside'), 'y');
    const tree = await readDirTree(root, { origin: 'proto', mtime: 1, skip: [join(root, 'out')] });
    expect(tree.entries().map((e) => e.path)).toEqual(['', 'outside']);
  });

  it('reports progress every 500 entries', async () => {
    const root = tmp();
    mkdirSync(join(root, 'd'));
    for (let i = 0; i < 998; i++) writeFileSync(join(root, 'd', `f${i}`), '');
    const reporter = recorder();
    const tree = await readDirTree(root, { origin: 'proto', mtime: 1, reporter });
    expect(tree.size).toBe(1000);
    expect(reporter.calls).toEqual([
      ['progress', 'reading proto', 500, 0],
      ['done', 'reading proto'],
    ]);
    // No reporter, no progress, no failure.
    expect((await readDirTree(root, { origin: 'proto', mtime: 1 })).size).toBe(1000);
  });

  it('names are walked in sorted order, whatever order the directory lists them in', async () => {
    const root = tmp();
    for (const n of ['a.sock', 'b.sock', 'c.sock']) writeFileSync(join(root, n), '');
    hooks.readdir = (p) => (resolve(p) === root ? [Buffer.from('a.sock'), Buffer.from('c.sock'), Buffer.from('b.sock')].reverse() : undefined);
    hooks.lstat = (p) => (p.endsWith('.sock') ? fakeStats(p, 'socket') : undefined);
    const reporter = recorder();
    await readDirTree(root, { origin: 'proto', mtime: 1, reporter });
    expect(reporter.calls).toEqual([
      ['warn', `skipping socket ${join(root, 'a.sock')}`],
      ['warn', `skipping socket ${join(root, 'b.sock')}`],
      ['warn', `skipping socket ${join(root, 'c.sock')}`],
      ['done', 'reading proto'],
    ]);
  });

  it('a name that is not UTF-8 is refused, shown with \\xNN', async () => {
    const root = tmp();
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/ok'), '');
    writeFileSync(Buffer.concat([Buffer.from(`${root}/etc/`), Buffer.from([0x62, 0xff, 0xc3, 0xa9])]), '');
    const err = await caught(readDirTree(root, { origin: 'proto' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${root}/etc/b\\xff\u00e9: the file name is not valid UTF-8 (shown with \\xNN for its other bytes), which compose cannot carry into the image unchanged; rename it or leave it out of the proto area`);
  });

  it('a symlink at the top that climbs out of the root is refused by its path', async () => {
    const root = tmp();
    symlinkSync('../outside', join(root, 'up'));
    const err = await caught(readDirTree(root, { origin: 'proto' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${root}: symlink up -> ../outside escapes the proto root; make the link stay inside the tree`);
  });

  it('a root that is not a directory cannot be read', async () => {
    const dir = tmp();
    const f = join(dir, 'file');
    writeFileSync(f, '');
    const err = await caught(readDirTree(f, { origin: 'proto' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`cannot read directory ${f}: ENOTDIR: not a directory, scandir '${f}'`);
  });

  it('an unreadable directory is named as given (the root) or below the root', async () => {
    const root = tmp();
    mkdirSync(join(root, 'etc'));
    const boom = (p: string) => {
      throw Object.assign(new Error(`EACCES: permission denied, scandir '${p}'`), { code: 'EACCES' });
    };
    hooks.readdir = (p) => (resolve(p) === root ? boom(p) : undefined);
    let err = await caught(readDirTree(`${root}/.`, { origin: 'proto' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`cannot read directory ${root}/.: EACCES: permission denied, scandir '${root}/.'`);
    hooks.readdir = (p) => (resolve(p) === join(root, 'etc') ? boom(p) : undefined);
    err = await caught(readDirTree(root, { origin: 'proto' }));
    expect(err.message).toBe(`cannot read directory ${root}/etc: EACCES: permission denied, scandir '${root}/etc'`);
  });
});
