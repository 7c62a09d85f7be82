/**
 * Staged trees for the UFS writer tests, and what any reader should see in the image written
 * from them. The expectations are computed from the staged tree alone (never from the writer's
 * plan), so a reader comparing against them checks the writer independently.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { StagedTree } from '../../src/stage/tree.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { sha256Of } from '../../src/stage/content.js';

export const MiB = 1024 * 1024;
export const T0 = 1_700_000_000;

/** Deterministic pseudo-random bytes (SHAKE256 output of the seed). */
export function pseudoRandom(n: number, seed: string): Buffer {
  if (n === 0) return Buffer.alloc(0);
  return createHash('shake256', { outputLength: n }).update(seed).digest();
}

/** Write a large pseudo-random host file without holding it in memory; returns its size. */
export async function writeBigFile(path: string, size: number, seed: string): Promise<number> {
  const fh = await open(path, 'w');
  try {
    const piece = 1 << 20;
    for (let off = 0; off < size; off += piece) {
      const n = Math.min(piece, size - off);
      await fh.write(pseudoRandom(n, `${seed}:${off}`), 0, n, off);
    }
  } finally {
    await fh.close();
  }
  return size;
}

type Attrs = Partial<Pick<StagedEntry, 'mode' | 'uid' | 'gid' | 'mtime'>>;

/** Small helpers to fill a StagedTree. */
export class TreeBuilder {
  readonly tree: StagedTree;
  constructor(rootMtime = T0) {
    this.tree = new StagedTree(rootMtime);
  }
  file(path: string, data: string | Buffer, a: Attrs = {}): this {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    this.tree.put({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: T0, ...a, size: buf.length, source: { kind: 'generated', data: buf, generator: 'test' } });
    return this;
  }
  hostFile(path: string, hostPath: string, size: number, a: Attrs = {}): this {
    this.tree.put({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: T0, ...a, size, source: { kind: 'host', path: hostPath, origin: 'proto' } });
    return this;
  }
  dir(path: string, a: Attrs = {}): this {
    this.tree.put({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T0, size: 0, ...a });
    return this;
  }
  symlink(path: string, target: string, a: Attrs = {}): this {
    this.tree.put({ path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: T0, ...a, size: Buffer.byteLength(target), target });
    return this;
  }
  hardlink(path: string, target: string): this {
    this.tree.put({ path, type: 'hardlink', mode: 0o644, uid: 0, gid: 0, mtime: T0, size: 0, target });
    return this;
  }
  device(path: string, type: 'char' | 'block', major: number, minor: number, a: Attrs = {}): this {
    this.tree.put({ path, type, mode: 0o600, uid: 0, gid: 3, mtime: T0, ...a, size: 0, rdev: { major, minor } });
    return this;
  }
  fifo(path: string, a: Attrs = {}): this {
    this.tree.put({ path, type: 'fifo', mode: 0o644, uid: 0, gid: 0, mtime: T0, ...a, size: 0 });
    return this;
  }
}

export interface FeatureTreeOptions {
  /** Host directory for the large temp files. */
  tmpDir: string;
  /** Entries in the big directory (default 5000: > 12 blocks of directory, so it has an indirect block). */
  bigDirEntries?: number;
  /** Include the ~17 MiB double-indirect file (default true). */
  doubleIndirect?: boolean;
}

/** Byte sizes around the interesting boundaries of the block layout. */
export const BOUNDARY_SIZES = [1, 511, 1023, 1024, 1025, 4096, 7169, 8191, 8192, 8193, 12 * 8192 - 1, 12 * 8192, 12 * 8192 + 1, 12 * 8192 + 7000, 100_000];

/** Long names: 255 ASCII bytes, and 255 UTF-8 bytes made of 2-byte characters plus one. */
export const NAME_255 = 'n'.repeat(255);
export const NAME_255_UTF8 = 'é'.repeat(127) + 'z';

export const LONG_TARGET_300 = `${'../'.repeat(10)}${'long-directory-name/'.repeat(13)}end`;
export const LONG_TARGET_1000 = 'x/'.repeat(499) + 'yy';

/**
 * Everything the writer has to get right in one tree: tail fragments at every boundary, a file
 * of exactly 12 blocks, single- and double-indirect files, a directory with thousands of entries,
 * deep paths, spaces and UTF-8 in names, 255-byte names, hard links across directories, long
 * symlink targets, devices (old and new number formats), a fifo, setuid/setgid/sticky modes,
 * small and large uids/gids.
 */
export async function featureTree(opts: FeatureTreeOptions): Promise<StagedTree> {
  const b = new TreeBuilder();
  b.dir('etc', { mode: 0o755, uid: 0, gid: 3 });
  b.file('etc/motd', 'Welcome to illumos\n');
  b.file('etc/empty', '');
  b.file('etc/shadow', 'root:x:::\n', { mode: 0o400, uid: 0, gid: 3 });
  for (const size of BOUNDARY_SIZES) b.file(`sizes/file-${size}`, pseudoRandom(size, `size-${size}`), { mtime: T0 + size });
  if (opts.doubleIndirect ?? true) {
    const big = join(opts.tmpDir, 'double-indirect.bin');
    const size = await writeBigFile(big, 17 * MiB + 4321, 'double');
    b.hostFile('sizes/double-indirect', big, size, { mode: 0o444 });
  }
  const n = opts.bigDirEntries ?? 5000;
  b.dir('bigdir', { mode: 0o755, uid: 101, gid: 202 });
  for (let i = 0; i < n; i++) b.file(`bigdir/entry-${String(i).padStart(5, '0')}-padding`, `entry ${i}\n`, { uid: i % 3 === 0 ? 70000 + i : i % 65000 });
  let deep = 'deep';
  for (let i = 0; i < 60; i++) deep += `/level-${i}`;
  b.file(`${deep}/bottom.txt`, 'at the bottom\n');
  b.file('names/name with spaces.txt', 'spaces\n');
  b.file('names/ünïcødé – 名前.txt', 'utf-8\n');
  b.file('names/emoji-😀-file', 'emoji\n');
  b.file(`names/${NAME_255}`, 'long ascii name\n');
  b.file(`names/${NAME_255_UTF8}`, 'long utf-8 name\n');
  b.dir('names/dir with spaces');
  b.file('names/dir with spaces/inside', 'inside\n');
  b.file('usr/bin/prog', pseudoRandom(20000, 'prog'), { mode: 0o755, uid: 2, gid: 2 });
  b.hardlink('sbin/prog-link', 'usr/bin/prog');
  b.hardlink('usr/lib/prog-also', 'usr/bin/prog');
  b.file('usr/bin/passwd', pseudoRandom(3000, 'passwd'), { mode: 0o4555, uid: 0, gid: 3 });
  b.file('usr/bin/setgid', 'sg\n', { mode: 0o2755, uid: 0, gid: 7 });
  b.file('usr/bin/both', 'both\n', { mode: 0o6555 });
  b.dir('var/mail', { mode: 0o2775, gid: 6 });
  b.dir('tmp', { mode: 0o1777 });
  b.symlink('usr/motd-link', '../etc/motd');
  b.symlink('usr/long-link-300', LONG_TARGET_300);
  b.symlink('usr/long-link-1000', LONG_TARGET_1000);
  b.symlink('bin', './usr/bin');
  b.device('dev/null', 'char', 13, 2, { mode: 0o666 });
  b.device('dev/big-minor', 'char', 200, 70000);
  b.device('dev/sda', 'block', 1, 0, { mode: 0o640 });
  // The largest minor illumos stores, with a major that still fits Linux's 12-bit majors.
  b.device('dev/max', 'block', 4000, 0x3ffff);
  b.fifo('dev/initpipe', { mode: 0o600 });
  b.file('ids/uid-65534', 'nobody\n', { uid: 65534, gid: 65534 });
  b.file('ids/uid-65535', 'x\n', { uid: 65535, gid: 65535 });
  b.file('ids/uid-65536', 'x\n', { uid: 65536, gid: 65536 });
  b.file('ids/uid-100000', 'x\n', { uid: 100000, gid: 60001 });
  b.file('ids/uid-big', 'x\n', { uid: 2_147_483_000, gid: 3_000_000 });
  b.dir('ids/dir-big', { uid: 1_000_000, gid: 1_000_001 });
  return b.tree;
}

/** What a reader should report for an entry (directory sizes are the writer's business). */
export interface ExpectedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size?: number;
  mtime: number;
  sha256?: string;
  target?: string;
  rdev?: { major: number; minor: number };
}

/** Expected entries by path, from the staged tree alone. */
export async function expectedEntries(tree: StagedTree, opts: { lostAndFound?: boolean; time?: number } = {}): Promise<Map<string, ExpectedEntry>> {
  const out = new Map<string, ExpectedEntry>();
  const all = tree.entries();
  const subdirs = new Map<string, number>();
  const linksTo = new Map<string, number>();
  for (const e of all) {
    if (e.path === '') continue;
    const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '';
    if (e.type === 'dir') subdirs.set(parent, (subdirs.get(parent) ?? 0) + 1);
    if (e.type === 'hardlink' || e.type === 'file') {
      const owner = tree.contentOwner(e).path;
      linksTo.set(owner, (linksTo.get(owner) ?? 0) + 1);
    }
  }
  if (opts.lostAndFound && !tree.has('lost+found')) {
    subdirs.set('', (subdirs.get('') ?? 0) + 1);
    out.set('lost+found', { path: 'lost+found', type: 'dir', mode: 0o700, uid: 0, gid: 0, nlink: 2, mtime: opts.time ?? 0 });
  }
  for (const e of all) {
    const owner = e.type === 'hardlink' ? tree.contentOwner(e) : e;
    const base = { path: e.path, mode: owner.mode & 0o7777, uid: owner.uid, gid: owner.gid, mtime: owner.mtime };
    switch (owner.type) {
      case 'dir':
        out.set(e.path, { ...base, type: 'dir', nlink: 2 + (subdirs.get(e.path) ?? 0) });
        break;
      case 'file':
        out.set(e.path, { ...base, type: 'file', nlink: linksTo.get(owner.path) ?? 1, size: owner.size, sha256: await sha256Of(owner) });
        break;
      case 'symlink':
        out.set(e.path, { ...base, type: 'symlink', nlink: 1, size: Buffer.byteLength(owner.target!), target: owner.target });
        break;
      case 'char':
      case 'block':
        out.set(e.path, { ...base, type: owner.type, nlink: 1, size: 0, rdev: owner.rdev });
        break;
      case 'fifo':
        out.set(e.path, { ...base, type: 'fifo', nlink: 1, size: 0 });
        break;
      default:
        throw new Error(`unexpected ${owner.type}`);
    }
  }
  return out;
}

/** A reader's view of one entry (our reader, Linux, GRUB...): only the fields it has. */
export interface SeenEntry {
  path: string;
  type: string;
  mode?: number;
  uid?: number;
  gid?: number;
  nlink?: number;
  size?: number;
  mtime?: number;
  sha256?: string;
  target?: string;
  rdev?: { major: number; minor: number };
}

/** Every difference between what a reader saw and what the tree says, as readable lines. */
export function compareEntries(seen: Iterable<SeenEntry>, expected: Map<string, ExpectedEntry>, fields: ReadonlyArray<keyof ExpectedEntry> = ['type', 'mode', 'uid', 'gid', 'nlink', 'size', 'mtime', 'sha256', 'target', 'rdev']): string[] {
  const problems: string[] = [];
  const seenPaths = new Set<string>();
  for (const s of seen) {
    seenPaths.add(s.path);
    const want = expected.get(s.path);
    if (!want) {
      problems.push(`unexpected entry "${s.path}"`);
      continue;
    }
    for (const f of fields) {
      const w = want[f];
      const g = (s as unknown as Record<string, unknown>)[f];
      if (w === undefined || g === undefined) {
        if (f === 'sha256' && want.type === 'file' && g === undefined && w !== undefined) problems.push(`"${s.path}": no sha256 reported`);
        continue;
      }
      if (JSON.stringify(w) !== JSON.stringify(g)) problems.push(`"${s.path}": ${f} is ${JSON.stringify(g)}, expected ${JSON.stringify(w)}`);
    }
  }
  for (const p of expected.keys()) if (!seenPaths.has(p)) problems.push(`missing entry "${p}"`);
  return problems;
}
