import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTreeFromMembers, readTarball, readTarMembers } from '../../src/proto/tar-reader.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { InputError, OutputError } from '../../src/util/errors.js';
import type { Reporter } from '../../src/util/progress.js';
import { caught } from '../support/caught.js';

// The tarball reader: members to entries (with contents spooled), where the proto sits among
// the members, workspace manifests, and the refusals.

const tmp = () => mkdtempSync(join(tmpdir(), 'compose-tar-reader-'));
const T = new Date(1600000000_000);

type H = Partial<tarStream.Header> & { name: string };
type Member = { header: H; body?: string | Buffer };
const dir = (name: string, more: Partial<H> = {}): Member => ({ header: { name, type: 'directory', mode: 0o755, mtime: T, ...more } });
const file = (name: string, body: string | Buffer = '', more: Partial<H> = {}): Member => ({ header: { name, type: 'file', mode: 0o644, mtime: T, ...more }, body });
const symlink = (name: string, linkname: string): Member => ({ header: { name, type: 'symlink', linkname, mode: 0o777, mtime: T } });
const link = (name: string, linkname: string, more: Partial<H> = {}): Member => ({ header: { name, type: 'link', linkname, mode: 0o644, mtime: T, ...more } });
/** The four directories that make a proto area, below `p` ('' or 'x/'). */
const shape = (p: string): Member[] => [dir(`${p}kernel/`), dir(`${p}platform/i86pc/kernel/`), dir(`${p}usr/`), dir(`${p}etc/`)];

async function tarBuffer(members: Member[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const ended = new Promise<void>((done) => pack.on('end', () => done()));
  for (const m of members) pack.entry({ ...m.header } as tarStream.Header, m.body ?? '');
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

async function tarFile(members: Member[], gzip = false): Promise<string> {
  const data = await tarBuffer(members);
  const f = join(tmp(), gzip ? 'p.tar.gz' : 'p.tar');
  writeFileSync(f, gzip ? gzipSync(data) : data);
  return f;
}

/** Set the typeflag of the member named `name` (and its header checksum). */
function retype(tar: Buffer, name: string, flag: string): Buffer {
  for (let off = 0; off < tar.length; off += 512) {
    if (tar.toString('latin1', off, off + name.length + 1) !== `${name}\0`) continue;
    tar[off + 156] = flag.charCodeAt(0);
    tar.fill(0x20, off + 148, off + 156);
    let sum = 0;
    for (let i = off; i < off + 512; i++) sum += tar[i];
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148, 'latin1');
    return tar;
  }
  throw new Error(`no member ${name}`);
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');


function recorder(onProgress?: () => void): Reporter & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    note: (m) => calls.push(['note', m]),
    warn: (m) => calls.push(['warn', m]),
    progress: (s, d, t) => {
      calls.push(['progress', s, d, t]);
      onProgress?.();
    },
    done: (s) => calls.push(['done', s]),
  };
}

/** Every file below a directory, by relative path, with its text. */
function listFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

/** The spool's directory of named members, from the manifests directory inside it. */
const namedDir = (manifests: string) => manifests.slice(0, manifests.indexOf('/named/') + '/named'.length);

const savedTmp = process.env.COMPOSE_TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.COMPOSE_TMPDIR;
  else process.env.COMPOSE_TMPDIR = savedTmp;
});

describe('readTarMembers', () => {
  const BIG = Buffer.alloc((1 << 20) + 5, 'abcdefg');
  const members = (): Member[] => [
    dir('./', { mode: 0o750, mtime: new Date(1700000000_900) }),
    dir('etc/'),
    file('etc/motd', 'hello\n', { mode: 0o640, mtime: new Date(1600000000_999) }),
    { header: { name: 'etc/cont', type: 'contiguous-file', mode: 0o600, mtime: T }, body: 'c' },
    symlink('usr/motd', '../etc/motd'),
    link('usr/hl', 'etc/motd', { mode: 0o4711 }),
    { header: { name: 'dev/null', type: 'character-device', devmajor: 200, devminor: 2, mode: 0o666, mtime: T } },
    { header: { name: 'dev/sd', type: 'block-device', devmajor: 8, devminor: 17, mode: 0o640, mtime: T } },
    { header: { name: 'dev/fifo', type: 'fifo', mode: 0o600, mtime: T } },
    symlink('.', 'elsewhere'), // the root can only be a directory: a non-directory there is left out
    file('big', BIG),
    file('usr/src/uts/a.c', 'int x;\n'), // sources are members like any other, without a workspace
  ];

  it('reads every member type, in tarball order, spooling file contents', async () => {
    const f = await tarFile(members());
    const raw = await readTarMembers(f, false, { label: f });
    const spool = dirname((raw[2].source as { path: string }).path);
    const e = (path: string, type: string, mode: number, more: Partial<StagedEntry> = {}) => ({ path, type, mode, uid: 0, gid: 0, size: 0, mtime: 1600000000, ...more });
    const spooled = (n: number) => ({ kind: 'host' as const, path: join(spool, String(n)), origin: 'spool' as const });
    expect(raw).toEqual([
      e('', 'dir', 0o750, { mtime: 1700000000 }),
      e('etc', 'dir', 0o755),
      e('etc/motd', 'file', 0o640, { size: 6, sha256: sha('hello\n'), source: spooled(0) }),
      e('etc/cont', 'file', 0o600, { size: 1, sha256: sha('c'), source: spooled(1) }),
      e('usr/motd', 'symlink', 0o777, { size: 11, target: '../etc/motd' }),
      e('usr/hl', 'hardlink', 0o4711, { target: 'etc/motd' }),
      e('dev/null', 'char', 0o666, { rdev: { major: 200, minor: 2 } }),
      e('dev/sd', 'block', 0o640, { rdev: { major: 8, minor: 17 } }),
      e('dev/fifo', 'fifo', 0o600),
      e('big', 'file', 0o644, { size: BIG.length, sha256: sha(BIG), source: spooled(2) }),
      e('usr/src/uts/a.c', 'file', 0o644, { size: 7, sha256: sha('int x;\n'), source: spooled(3) }),
    ]);
    expect(readFileSync(join(spool, '0'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(spool, '1'), 'utf8')).toBe('c');
    expect(readFileSync(join(spool, '2')).equals(BIG)).toBe(true);
  });

  it('reads a gzip-compressed tarball, and a fixed mtime replaces every member time', async () => {
    const f = await tarFile(members(), true);
    const raw = await readTarMembers(f, true, { label: f, mtime: 7 });
    expect(raw.map((e) => [e.path, e.type, e.mtime])).toEqual([
      ['', 'dir', 7],
      ['etc', 'dir', 7],
      ['etc/motd', 'file', 7],
      ['etc/cont', 'file', 7],
      ['usr/motd', 'symlink', 7],
      ['usr/hl', 'hardlink', 7],
      ['dev/null', 'char', 7],
      ['dev/sd', 'block', 7],
      ['dev/fifo', 'fifo', 7],
      ['big', 'file', 7],
      ['usr/src/uts/a.c', 'file', 7],
    ]);
    expect(raw[9].size).toBe(BIG.length);
  });

  it('reports progress every 500 members and is done at the end', async () => {
    const f = await tarFile(Array.from({ length: 999 }, (_, i) => file(`f${i}`, i === 3 ? 'x' : '')));
    const reporter = recorder();
    const raw = await readTarMembers(f, false, { label: f, reporter });
    expect(raw.length).toBe(999);
    expect(reporter.calls).toEqual([
      ['progress', 'reading tarball', 500, 0],
      ['done', 'reading tarball'],
    ]);
    expect((await readTarMembers(f, false, { label: f })).length).toBe(999);
  });

  it('a tarball that is not one, or not gzip-compressed when said to be, is named', async () => {
    const f = await tarFile([file('etc/motd', 'x'.repeat(2000))]);
    let err = await caught(readTarMembers(f, true, { label: 'LABEL' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('LABEL is not a readable gzip-compressed tarball (incorrect header check); check the file is complete');
    const cut = join(tmp(), 'cut.tar');
    writeFileSync(cut, readFileSync(f).subarray(0, 1024));
    err = await caught(readTarMembers(cut, false, { label: 'CUT' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('CUT is not a readable tarball (Unexpected end of data); check the file is complete');
  });

  it('a spool that cannot be written is the temporary directory at fault, not the tarball', async () => {
    const base = tmp();
    process.env.COMPOSE_TMPDIR = base;
    const f = await tarFile(Array.from({ length: 600 }, (_, i) => file(`f${i}`, 'x')));
    let spool = '';
    const reporter = recorder(() => {
      // The spool directory is replaced by a file: the next member cannot be written into it.
      spool = join(base, readdirSync(base)[0]);
      rmSync(spool, { recursive: true });
      writeFileSync(spool, '');
    });
    const err = await caught(readTarMembers(f, false, { label: f, reporter }));
    expect(err).toBeInstanceOf(OutputError);
    expect(err.message).toBe(`cannot use the tarball's temporary spool ${spool}/500: a part of the path is not a directory (ENOTDIR); point COMPOSE_TMPDIR (or TMPDIR) at a writable directory`);
  });
  it('a link member without a target has the empty one', async () => {
    const f = await tarFile([file('etc/motd'), symlink('etc/none', ''), link('etc/hl', '')]);
    expect((await readTarMembers(f, false, { label: 'T' })).slice(1).map((e) => [e.path, e.type, e.target, e.size])).toEqual([
      ['etc/none', 'symlink', '', 0],
      ['etc/hl', 'hardlink', '', 0],
    ]);
  });
});

describe('members refused', () => {
  const refused = async (f: string, message: string) => {
    const err = await caught(readTarMembers(f, false, { label: 'T' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(message);
  };

  it('a type tar-stream does not know (GNU sparse)', async () => {
    const tar = retype(await tarBuffer([file('etc/motd', 'x'), file('var/sparse', 'map')]), 'var/sparse', 'S');
    const f = join(tmp(), 's.tar');
    writeFileSync(f, tar);
    await refused(f, 'T: member "var/sparse" has a tar type compose does not read (a GNU sparse, multi-volume or vendor-specific member); make the tarball without --sparse, with plain files, links and directories');
  });

  it('a PAX sparse member, by its GNU.sparse.name or by a GNUSparseFile.N/ path', async () => {
    await refused(await tarFile([file('var/GNUSparseFile.0/big', 'map', { pax: { 'GNU.sparse.name': 'var/big', 'GNU.sparse.major': '1' } })]), 'T: member "var/big" is a sparse file (PAX GNU.sparse format), which compose does not read; make the tarball without --sparse');
    await refused(await tarFile([file('GNUSparseFile.12/big', 'map')]), 'T: member "GNUSparseFile.12/big" is a sparse file (PAX GNU.sparse format), which compose does not read; make the tarball without --sparse');
    // Not the GNUSparseFile.<digits>/ form: a file like any other.
    const f = await tarFile([file('GNUSparseFile.x/big', 'a'), file('GNUSparseFile.1', 'b')]);
    expect((await readTarMembers(f, false, { label: 'T' })).map((e) => e.path)).toEqual(['GNUSparseFile.x/big', 'GNUSparseFile.1']);
  });

  it('absolute paths and ".." components, in names and hard link targets', async () => {
    await refused(await tarFile([file('/etc/motd', 'x')]), 'T: entry "/etc/motd" has an absolute path; make the tarball with relative paths (tar -C <tree> -cf x.tar .)');
    await refused(await tarFile([file('etc/../../motd', 'x')]), 'T: entry "etc/../../motd" has a ".." component; it would escape the root');
    await refused(await tarFile([file('etc/motd', 'x'), link('etc/hl', '../etc/motd')]), 'T: hard link target of "etc/hl" "../etc/motd" has a ".." component; it would escape the root');
    await refused(await tarFile([file('etc/motd', 'x'), link('etc/hl', '/etc/motd')]), 'T: hard link target of "etc/hl" "/etc/motd" has an absolute path; make the tarball with relative paths (tar -C <tree> -cf x.tar .)');
    // A name with dots that are not a ".." component is fine.
    const f = await tarFile([file('etc/..motd..', 'x'), link('etc/hl', './etc/..motd..')]);
    expect((await readTarMembers(f, false, { label: 'T' })).map((e) => [e.path, e.target])).toEqual([
      ['etc/..motd..', undefined],
      ['etc/hl', 'etc/..motd..'],
    ]);
  });
});

describe('readTarball: where the proto sits', () => {
  it('a bare proto root: the root member, the sources below usr/src left out, no manifests', async () => {
    const f = await tarFile([
      dir('./', { mode: 0o750, mtime: new Date(1700000000_500) }),
      ...shape(''),
      file('etc/motd', 'hi\n', { mode: 0o640 }),
      file('usr/src/uts/a.c', 'int x;\n'),
      file('usr/src/pkg/manifests/a.p5m', 'set name=pkg.fmri\n'),
    ]);
    const p = await readTarball(f, false);
    expect(p.prefix).toBe('');
    expect(p.manifests).toBeUndefined();
    expect(p.tree.entries().map((e) => [e.path, e.type, e.mode, e.mtime])).toEqual([
      ['', 'dir', 0o750, 1700000000],
      ['etc', 'dir', 0o755, 1600000000],
      ['etc/motd', 'file', 0o640, 1600000000],
      ['kernel', 'dir', 0o755, 1600000000],
      ['platform', 'dir', 0o755, 1600000000],
      ['platform/i86pc', 'dir', 0o755, 1600000000],
      ['platform/i86pc/kernel', 'dir', 0o755, 1600000000],
      ['usr', 'dir', 0o755, 1600000000],
    ]);
  });

  it('a bare proto whose directories are only implied by the paths of its files', async () => {
    const f = await tarFile([file('kernel/genunix'), file('platform/i86pc/kernel/unix'), file('usr/bin/ls'), file('etc/motd')]);
    const p = await readTarball(f, false, { mtime: 3 });
    expect(p.prefix).toBe('');
    expect(p.tree.entries().map((e) => [e.path, e.mtime])).toEqual([
      ['', 3],
      ['etc', 3],
      ['etc/motd', 3],
      ['kernel', 3],
      ['kernel/genunix', 3],
      ['platform', 3],
      ['platform/i86pc', 3],
      ['platform/i86pc/kernel', 3],
      ['platform/i86pc/kernel/unix', 3],
      ['usr', 3],
      ['usr/bin', 3],
      ['usr/bin/ls', 3],
    ]);
  });

  it('a tarball of proto/: re-rooted at root_i386, members beside it dropped, hard links moved with it', async () => {
    const f = await tarFile([
      file('README', 'read me'),
      dir('root_i386/', { mode: 0o700, mtime: new Date(1500000000_000) }),
      ...shape('root_i386/'),
      file('root_i386/etc/motd', 'hi\n', { mode: 0o640 }),
      link('root_i386/etc/hl', 'root_i386/etc/motd', { mode: 0o600 }),
      file('usr/src/pkg/manifests/a.p5m', 'stray'),
    ]);
    const p = await readTarball(f, false);
    expect(p.prefix).toBe('root_i386');
    expect(p.manifests).toBeUndefined();
    expect(p.tree.root).toMatchObject({ mode: 0o700, mtime: 1500000000 });
    // A hard link has its owner's mode; the smallest path of the pair owns the contents.
    expect(p.tree.entries().filter((e) => e.path.startsWith('etc/')).map((e) => [e.path, e.type, e.mode, e.target, e.size])).toEqual([
      ['etc/hl', 'file', 0o640, undefined, 3],
      ['etc/motd', 'hardlink', 0o640, 'etc/hl', 3],
    ]);
    expect(p.tree.entries().map((e) => e.path)).toEqual(['', 'etc', 'etc/hl', 'etc/motd', 'kernel', 'platform', 'platform/i86pc', 'platform/i86pc/kernel', 'usr']);
  });

  it('a tarball that is no workspace has no manifests, whatever its member paths spell', async () => {
    // The member a missing workspace directory would be mistaken for, were it taken as text.
    const f = await tarFile([...shape(''), file('undefinedusr/src/pkg/manifests/a/usr/src/pkg/manifests/x.p5m', 'x')]);
    const p = await readTarball(f, false);
    expect(p.prefix).toBe('');
    expect(p.manifests).toBeUndefined();
  });

  it('a hard link that sorts after its owner takes the owner\'s mode', async () => {
    const f = await tarFile([...shape(''), file('etc/motd', 'm', { mode: 0o640 }), link('etc/zz', 'etc/motd', { mode: 0o600 })]);
    const p = await readTarball(f, false);
    expect([p.tree.get('etc/motd'), p.tree.get('etc/zz')].map((e) => [e!.type, e!.mode, e!.target])).toEqual([
      ['file', 0o640, undefined],
      ['hardlink', 0o640, 'etc/motd'],
    ]);
  });

  it('a single wrapping directory of any name, with or without a root member', async () => {
    for (const root of [[], [dir('./')]]) {
      const f = await tarFile([...root, dir('myproto/', { mode: 0o711 }), ...shape('myproto/'), file('myproto/etc/motd', 'x')]);
      const p = await readTarball(f, false);
      expect(p.prefix).toBe('myproto');
      expect(p.tree.root.mode).toBe(0o711);
      expect(p.tree.has('etc/motd')).toBe(true);
    }
  });

  it('a directory named root_i386 counts only when it has the proto shape', async () => {
    const f = await tarFile([...shape('myproto/'), dir('myproto/usr/root_i386/'), file('myproto/usr/root_i386/x')]);
    expect((await readTarball(f, false)).prefix).toBe('myproto');
  });

  it('root_i386 is preferred to another proto-shaped directory, even beside other members', async () => {
    expect((await readTarball(await tarFile([...shape('a/'), ...shape('root_i386/')]), false)).prefix).toBe('root_i386');
    expect((await readTarball(await tarFile([file('README'), ...shape('root_i386/')]), false)).prefix).toBe('root_i386');
    expect((await readTarball(await tarFile([...shape('a/b/root_i386/')]), false)).prefix).toBe('a/b/root_i386');
  });

  it.each([
    [['x/root_i386/', 'root_i386/'], 'root_i386'],
    [['c/root_i386/', 'a/root_i386/', 'b/root_i386/'], 'a/root_i386'],
    [['a/b/root_i386/', 'abcdefgh/root_i386/'], 'abcdefgh/root_i386'],
    [['abcdefgh/root_i386/', 'a/b/root_i386/'], 'abcdefgh/root_i386'],
  ])('among several root_i386 (%j), the shallowest, then the first by name', async (where, prefix) => {
    expect((await readTarball(await tarFile(where.flatMap((w) => shape(w))), false)).prefix).toBe(prefix);
  });

  const notProto = (f: string, missing: string) => `${f} is not an illumos proto area: it has no ${missing} (a proto area such as proto/root_i386 has kernel/, platform/i86pc/kernel/, usr/, etc/)`;

  it('a tarball without the proto shape is refused, naming what is missing at its top', async () => {
    // 'kernel' is a file, and platform/i86pc/kernelfile only starts like the kernel directory.
    const f = await tarFile([file('etc/motd'), dir('usr/'), file('kernel'), file('platform/i86pc/kernelfile')]);
    const err = await caught(readTarball(f, false));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(notProto(f, 'kernel/, platform/i86pc/kernel/'));
  });

  it.each([
    ['a proto more than three levels down', [...shape('a/b/c/root_i386/')]],
    ['one wrapping directory beside another member', [...shape('myproto/'), file('mfile')]],
    ['two proto-shaped directories, neither root_i386', [...shape('wrap/'), ...shape('wrap/old/')]],
    ['a proto-shaped directory two levels down, not root_i386', [...shape('a/b/')]],
  ])('%s is refused', async (_what, members) => {
    const f = await tarFile(members);
    const err = await caught(readTarball(f, false));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(notProto(f, 'kernel/, platform/i86pc/kernel/, usr/, etc/'));
  });
});

describe('readTarball: workspaces', () => {
  it('a workspace below a directory: its package manifests and transforms spooled by name, the rest of the sources skipped', async () => {
    const f = await tarFile([
      ...shape('ws/proto/root_i386/'),
      file('ws/proto/root_i386/etc/motd', 'x'),
      dir('ws/usr/src/pkg/manifests/'),
      file('ws/usr/src/pkg/transforms/decoy.p5m', 'transform'),
      file('ws/usr/src/pkg/manifests/sub/deep.p5m', 'deeper'),
      file('ws/usr/src/pkg/manifests/SUNWcs.p5m', 'cs'),
      file('ws/usr/src/pkg/manifests/other.mf', 'other'),
      symlink('ws/usr/src/pkg/manifests/link.p5m', 'SUNWcs.p5m'),
      file('ws/usr/src/uts/foo.c', 'int y;'),
      file('other/usr/src/pkg/manifests/x.p5m', 'elsewhere'),
    ]);
    const p = await readTarball(f, false);
    expect(p.prefix).toBe('ws/proto/root_i386');
    expect(p.manifests).toMatch(/\/illumos-compose-spool-[^/]+\/named\/ws\/usr\/src\/pkg\/manifests$/);
    expect(listFiles(namedDir(p.manifests!))).toEqual({
      'other/usr/src/pkg/manifests/x.p5m': 'elsewhere',
      'ws/usr/src/pkg/manifests/SUNWcs.p5m': 'cs',
      'ws/usr/src/pkg/manifests/other.mf': 'other',
      'ws/usr/src/pkg/transforms/decoy.p5m': 'transform',
    });
    expect(p.tree.entries().map((e) => e.path)).toEqual(['', 'etc', 'etc/motd', 'kernel', 'platform', 'platform/i86pc', 'platform/i86pc/kernel', 'usr']);
  });

  it('a workspace at the top of the tarball', async () => {
    const f = await tarFile([...shape('proto/root_i386/'), file('usr/src/pkg/manifests/a.p5m', 'a')]);
    const p = await readTarball(f, false);
    expect(p.prefix).toBe('proto/root_i386');
    expect(p.manifests).toBe(join(namedDir(p.manifests!), 'usr/src/pkg/manifests'));
    expect(listFiles(p.manifests!)).toEqual({ 'a.p5m': 'a' });
  });

  it('a workspace with no .p5m or .mf manifest has none', async () => {
    const f = await tarFile([...shape('ws/proto/root_i386/'), file('ws/usr/src/pkg/manifests/x.p5m.orig', 'old'), file('ws/usr/src/pkg/manifests/README', 'r')]);
    const p = await readTarball(f, false);
    expect(p.prefix).toBe('ws/proto/root_i386');
    expect(p.manifests).toBeUndefined();
  });
});

describe('readTarball: members that cannot make a tree', () => {
  const refused = async (members: Member[], message: (f: string) => string) => {
    const f = await tarFile(members);
    const err = await caught(readTarball(f, false));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(message(f));
  };

  it('a hard link out of the re-rooted directory', async () => {
    await refused([...shape('root_i386/'), file('other/f'), link('root_i386/etc/hl', 'other/f')], (f) => `${f}: hard link "root_i386/etc/hl" points at "other/f", outside root_i386/`);
  });

  it('a hard link to something that is not a regular file of the tarball', async () => {
    await refused([...shape(''), link('etc/hl', 'usr')], (f) => `${f}: hard link "etc/hl" points at "usr", which is not a regular file earlier in the tarball`);
    await refused([...shape(''), link('etc/hl', 'etc/nothing')], (f) => `${f}: hard link "etc/hl" points at "etc/nothing", which is not a regular file earlier in the tarball`);
  });

  it('a member below a file', async () => {
    await refused([...shape(''), file('etc/motd'), file('etc/motd/x')], (f) => `${f}: member "etc/motd/x" cannot be placed: "etc/motd" is a file, not a directory`);
  });

  it('symlinks that climb out of the root, the first by path named', async () => {
    await refused([...shape(''), symlink('z', '../a'), symlink('y', '../b')], (f) => `${f}: symlink y -> ../b escapes the proto root; make the link stay inside the tree`);
  });
});

describe('buildTreeFromMembers', () => {
  const entry = (path: string, more: Partial<StagedEntry> = {}): StagedEntry => ({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 9, ...more });

  it('the root member gives the root its mode and (unless fixed) its mtime, wherever it is', () => {
    const raw = [entry('etc'), entry('', { mode: 0o700, mtime: 11 })];
    expect(buildTreeFromMembers('L', raw).root).toMatchObject({ mode: 0o700, mtime: 11 });
    expect(buildTreeFromMembers('L', raw, 5).root).toMatchObject({ mode: 0o700, mtime: 5 });
    expect(buildTreeFromMembers('L', raw, 5).get('etc')!.mtime).toBe(9);
  });

  it('without a root member the root is 0755 with the fixed mtime or 0', () => {
    expect(buildTreeFromMembers('L', [entry('etc', { mode: 0o700 })]).root).toMatchObject({ mode: 0o755, mtime: 0 });
    expect(buildTreeFromMembers('L', [entry('etc', { mode: 0o700 })], 4).root).toMatchObject({ mode: 0o755, mtime: 4 });
  });
});
