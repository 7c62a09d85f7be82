/**
 * The Linux-kernel image reader (test/support/linux-reader.ts) against images made by tools we
 * did not write: mke2fs (ext4), xorriso (ISO9660 + Rock Ridge) and makefs (BSD UFS1). Every entry
 * of a small host tree must come back with the same type, mode, owner, link count, size, sha256,
 * symlink target and device numbers.
 */
import { createHash } from 'node:crypto';
import { chmod, link, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prepareLinuxReader,
  readImage,
  type LinuxEntry,
  type LinuxEntryType,
  type ReadImageResult,
} from '../support/linux-reader.js';

const MiB = 1024 * 1024;

let work: string;
let tree: string;
let expected: Map<string, LinuxEntry>;
let hasDevice = false;

/** Deterministic pseudo-random bytes (sha256 in counter mode). */
function pseudoRandom(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  for (let off = 0, i = 0; off < n; i++) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

async function buildTree(root: string): Promise<void> {
  const file = async (rel: string, data: string | Buffer, mode = 0o644) => {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), data);
    await chmod(join(root, rel), mode);
  };
  await mkdir(root, { recursive: true });
  await file('hello.txt', 'hello world\n');
  await file('big.bin', pseudoRandom(5 * MiB + 12345, 'big'));
  await file('name with spaces.txt', 'spaces\n');
  await file('ünïcödé – 名前.txt', 'utf-8 name\n');
  await file('empty.txt', '');
  await file('private', 'secret\n', 0o600);
  await file('exec.sh', '#!/bin/sh\necho hi\n', 0o755);
  await file('setuid-bin', 'pretend binary\n', 0o4755);
  await file('setgid-bin', 'pretend binary\n', 0o2711);
  await file('dir one/sub dir/deep.txt', 'deep\n');
  await file('a/b/c/d/e/nested.txt', pseudoRandom(70000, 'nested'));
  await mkdir(join(root, 'empty-dir'));
  await mkdir(join(root, 'sticky'));
  await chmod(join(root, 'sticky'), 0o1777);
  await mkdir(join(root, 'setgid-dir'));
  await chmod(join(root, 'setgid-dir'), 0o2775);
  await symlink('hello.txt', join(root, 'link-to-hello'));
  await symlink('dir one/sub dir/deep.txt', join(root, 'link with space'));
  await symlink('/usr/bin/env', join(root, 'abs-link'));
  await symlink('does/not/exist', join(root, 'a/dangling'));
  await link(join(root, 'hello.txt'), join(root, 'a/hard-hello'));
  await execa('mkfifo', ['-m', '0640', join(root, 'a-fifo')]);
  try {
    await execa('mknod', ['-m', '0666', join(root, 'null-dev'), 'c', '1', '3']);
    hasDevice = true;
  } catch {
    hasDevice = false; // no CAP_MKNOD here: skip device nodes
  }
}

const TYPE_OF = (st: Awaited<ReturnType<typeof lstat>>): LinuxEntryType =>
  st.isFile()
    ? 'file'
    : st.isDirectory()
      ? 'dir'
      : st.isSymbolicLink()
        ? 'symlink'
        : st.isCharacterDevice()
          ? 'char'
          : st.isBlockDevice()
            ? 'block'
            : st.isFIFO()
              ? 'fifo'
              : 'socket';

/** What the reader should report, computed from the host tree with lstat. */
async function expectedEntries(root: string): Promise<Map<string, LinuxEntry>> {
  const out = new Map<string, LinuxEntry>();
  const walk = async (rel: string) => {
    const abs = rel ? join(root, rel) : root;
    const st = await lstat(abs);
    const type = TYPE_OF(st);
    const e: LinuxEntry = {
      path: rel,
      type,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      nlink: st.nlink,
      size: st.size,
      ino: 0,
      mtime: Math.floor(st.mtimeMs / 1000),
    };
    if (type === 'file') e.sha256 = createHash('sha256').update(await readFile(abs)).digest('hex');
    if (type === 'symlink') {
      const { readlink } = await import('node:fs/promises');
      e.target = await readlink(abs);
    }
    if (type === 'char' || type === 'block') {
      e.rdev = { major: Math.floor(st.rdev / 256) & 0xfff, minor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) };
    }
    out.set(rel, e);
    if (type === 'dir') {
      let subdirs = 0;
      for (const name of (await readdir(abs)).sort()) {
        const child = rel ? `${rel}/${name}` : name;
        await walk(child);
        if (out.get(child)!.type === 'dir') subdirs++;
      }
      e.nlink = 2 + subdirs; // classic Unix directory link count
    }
  };
  await walk('');
  return out;
}

interface CompareOptions {
  /** Paths the file system adds on its own (e.g. ext4's lost+found). */
  ignore?: string[];
  /** Adjust an expected entry for the file system's semantics. */
  adjust?: (e: LinuxEntry) => LinuxEntry;
  /** Compare modification times (seconds) of files and symlinks. */
  mtime?: boolean;
}

/** Human-readable list of differences (empty when everything matches). */
function compare(got: ReadImageResult, want: Map<string, LinuxEntry>, opts: CompareOptions = {}): string[] {
  const diffs: string[] = [];
  const ignore = new Set(opts.ignore ?? []);
  const seen = new Set<string>();
  for (const g of got.entries) {
    if (ignore.has(g.path) || [...ignore].some((i) => g.path.startsWith(`${i}/`))) continue;
    seen.add(g.path);
    const w0 = want.get(g.path);
    if (!w0) {
      diffs.push(`unexpected entry ${JSON.stringify(g.path)} (${g.type})`);
      continue;
    }
    const w = opts.adjust ? opts.adjust({ ...w0 }) : w0;
    const fields: Array<keyof LinuxEntry> = ['type', 'mode', 'uid', 'gid', 'nlink'];
    if (w.type !== 'dir') fields.push('size');
    if (w.type === 'file') fields.push('sha256');
    if (w.type === 'symlink') fields.push('target');
    if (w.type === 'char' || w.type === 'block') fields.push('rdev');
    if (opts.mtime && (w.type === 'file' || w.type === 'symlink')) fields.push('mtime');
    for (const f of fields) {
      const a = JSON.stringify(g[f]);
      const b = JSON.stringify(w[f]);
      if (a !== b) {
        const fmt = (v: unknown) => (f === 'mode' && typeof v === 'number' ? `0${v.toString(8)}` : String(v));
        diffs.push(`${JSON.stringify(g.path)}: ${f} is ${fmt(g[f] ?? a)}, expected ${fmt(w[f] ?? b)}`);
      }
    }
  }
  for (const p of want.keys()) if (!seen.has(p)) diffs.push(`missing entry ${JSON.stringify(p)}`);
  return diffs;
}

function summary(r: ReadImageResult): string {
  return `${r.entries.length} entries in ${r.durationMs} ms; warnings: ${JSON.stringify(r.warnings)}; walkErrors: ${JSON.stringify(r.walkErrors)}`;
}

let ufsImage: string | undefined;
/** A BSD UFS1 image of the tree, made by makefs (once). */
async function makefsUfs1(): Promise<string> {
  if (!ufsImage) {
    const img = join(work, 'tree.ufs');
    await execa('makefs', ['-t', 'ffs', '-o', 'version=1,bsize=8192,fsize=1024', '-B', 'le', '-b', '10%', img, tree]);
    ufsImage = img;
  }
  return ufsImage;
}

beforeAll(async () => {
  const t0 = Date.now();
  await prepareLinuxReader();
  console.log(`prepareLinuxReader: ${Date.now() - t0} ms`);
  work = await mkdtemp(join(tmpdir(), 'linux-reader-test-'));
  tree = join(work, 'tree');
  await buildTree(tree);
  expected = await expectedEntries(tree);
  console.log(`host tree: ${expected.size} entries${hasDevice ? ' (with a device node)' : ' (mknod failed: no device node)'}`);
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('linux-reader', () => {
  it('prepareLinuxReader is cached and idempotent', async () => {
    const t0 = Date.now();
    const a = await prepareLinuxReader();
    const b = await prepareLinuxReader();
    const ms = Date.now() - t0;
    console.log(`cached prepareLinuxReader x2: ${ms} ms`);
    expect(a).toEqual(b);
    expect(a.vmlinuz).toMatch(/vmlinuz$/);
    expect(a.initramfs).toMatch(/\.cpio\.gz$/);
    const gz = await readFile(a.initramfs);
    expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it('reads an ext4 image made by mke2fs -d', async () => {
    const img = join(work, 'tree.ext4');
    await execa('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', tree, '-E', 'root_owner=0:0', img, '32M']);
    const r = await readImage(img, { fstype: 'ext4' });
    console.log(`ext4: ${summary(r)}`);
    expect(r.mountOk, r.serialLog).toBe(true);
    expect(r.parseErrors).toEqual([]);
    expect(r.walkErrors).toEqual([]);
    const diffs = compare(r, expected, {
      ignore: ['lost+found'],
      // mke2fs' root is owned by root_owner, and lost+found adds a link to it.
      adjust: (e) => (e.path === '' ? { ...e, uid: 0, gid: 0, nlink: e.nlink + 1 } : e),
      mtime: true,
    });
    expect(diffs).toEqual([]);
    // The hard link shares the inode.
    const byPath = new Map(r.entries.map((e) => [e.path, e]));
    expect(byPath.get('a/hard-hello')!.ino).toBe(byPath.get('hello.txt')!.ino);
  }, 180_000);

  it('reads an ISO9660 + Rock Ridge image made by xorriso', async () => {
    const img = join(work, 'tree.iso');
    await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '--hardlinks', '-V', 'LRTEST', '-o', img, tree]);
    const r = await readImage(img, { fstype: 'iso9660' });
    console.log(`iso9660: ${summary(r)}`);
    expect(r.mountOk, r.serialLog).toBe(true);
    expect(r.parseErrors).toEqual([]);
    expect(r.walkErrors).toEqual([]);
    // Linux isofs (like xorriso's Rock Ridge PX records) gives every directory a link count of 1;
    // file hard links keep theirs thanks to --hardlinks.
    const diffs = compare(r, expected, { mtime: true, adjust: (e) => (e.type === 'dir' ? { ...e, nlink: 1 } : e) });
    expect(diffs).toEqual([]);
  }, 180_000);

  it('reads a BSD UFS1 image made by makefs (ufstype=44bsd)', async () => {
    const img = await makefsUfs1();
    const r = await readImage(img, { fstype: 'ufs', options: 'ufstype=44bsd' });
    console.log(`ufs 44bsd: ${summary(r)}`);
    expect(r.mountOk, r.serialLog).toBe(true);
    expect(r.parseErrors).toEqual([]);
    expect(r.walkErrors).toEqual([]);
    const diffs = compare(r, expected, { mtime: true });
    expect(diffs).toEqual([]);
    const byPath = new Map(r.entries.map((e) => [e.path, e]));
    expect(byPath.get('a/hard-hello')!.ino).toBe(byPath.get('hello.txt')!.ino);
  }, 180_000);

  it("reports a failed mount, with the kernel's reason, instead of throwing", async () => {
    const img = join(work, 'not-a-fs.img');
    await writeFile(img, Buffer.alloc(4 * MiB));
    const r = await readImage(img, { fstype: 'iso9660', hash: false });
    console.log(`failed mount: mountError=${JSON.stringify(r.mountError)} warnings=${JSON.stringify(r.warnings)} (${r.durationMs} ms)`);
    expect(r.mountOk).toBe(false);
    expect(r.entries).toEqual([]);
    expect(r.mountError).toMatch(/Invalid argument/);
    expect(r.warnings).toContain('ISOFS: Unable to identify CD-ROM format.');
    expect(r.meta.kernel).toMatch(/amd64$/);
  }, 180_000);

  it('kills QEMU at the timeout', async () => {
    const t0 = Date.now();
    await expect(readImage(await makefsUfs1(), { fstype: 'ufs', options: 'ufstype=44bsd', timeoutMs: 1500 })).rejects.toThrow(
      /did not finish within 1500 ms/,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 60_000);

  it("surfaces the ufs driver's complaints (BSD image read as ufstype=sunx86)", async () => {
    // The Sun layout has 16-bit name lengths and its own clean flag, so the BSD image mounts but
    // the driver flags it and cannot read the root directory's entries.
    const r = await readImage(await makefsUfs1(), { fstype: 'ufs', options: 'ufstype=sunx86' });
    console.log(`ufs sunx86 on a BSD image: ${summary(r)}`);
    expect(r.mountOk).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/fs needs fsck/);
    expect(r.warnings.join('\n')).toMatch(/bad entry in directory/);
    expect(r.entries.map((e) => e.path)).toEqual(['']);
  }, 180_000);
});
