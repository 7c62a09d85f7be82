// The other boot archive formats: cpio odc (written by us, checked against GNU cpio) and HSFS
// (written by xorriso from a staged tree or a directory).
import { lstat, mkdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDir } from '../../src/emit/dir.js';
import { CPIO_ODC_MAGIC, writeCpioArchive } from '../../src/iso/cpio.js';
import { writeHsfsArchive } from '../../src/iso/hsfs.js';
import { canonicalizeHardlinks } from '../../src/stage/hardlinks.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { EPOCH, extractIso, isoTempDir, listIso, sha256File } from '../support/iso.js';

let work: string;

beforeAll(async () => {
  work = await isoTempDir('compose-archives-test-');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const gen = (path: string, data: string | Buffer, extra: Partial<StagedEntry> = {}): StagedEntry => {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: buf.length, mtime: EPOCH - 100, source: { kind: 'generated', data: buf, generator: 'test' }, ...extra };
};

/** A small system-like tree: directories, host and generated files, a symlink, hardlinks, a big file. */
async function sampleTree(): Promise<StagedTree> {
  const host = join(work, 'host-unix');
  await writeFile(host, Buffer.alloc(3 * 1024 * 1024 + 123, 0x5a)); // larger than the 1 MiB write buffer
  const t = new StagedTree(EPOCH);
  t.put({ path: 'etc', type: 'dir', mode: 0o755, uid: 0, gid: 3, size: 0, mtime: EPOCH - 50 });
  t.put(gen('etc/system', '* kernel tunables\nset pcplusmp:apic_kmdb_on_nmi=1\n'));
  t.put(gen('etc/name_to_major', 'ramdisk 82\n'));
  t.put({ path: 'platform/i86pc/kernel/amd64/unix', type: 'file', mode: 0o755, uid: 0, gid: 0, size: 3 * 1024 * 1024 + 123, mtime: EPOCH - 10, source: { kind: 'host', path: host, origin: 'proto' } });
  t.put(gen('usr/bin/passwd', 'PASSWD', { mode: 0o4555 }));
  t.put({ path: 'usr/bin/ln-a', type: 'hardlink', mode: 0o4555, uid: 0, gid: 0, size: 0, mtime: EPOCH - 100, target: 'usr/bin/passwd' });
  t.put({ path: 'bin', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 7, mtime: EPOCH - 5, target: 'usr/bin' });
  t.put({ path: 'dev', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: EPOCH });
  for (const e of t.entries()) if (e.type === 'dir' && e.path !== 'etc') e.mtime = EPOCH - 1;
  return t;
}

describe('cpio odc archive', () => {
  it('is byte-identical to GNU cpio -o -H odc --reproducible of the same tree', async () => {
    const tree = await sampleTree();
    const ours = join(work, 'ours.cpio');
    const result = await writeCpioArchive(tree, ours);
    expect(result.members).toBe(tree.entries().length - 1);
    const dir = join(work, 'materialised');
    const canonical = tree.clone();
    canonicalizeHardlinks(canonical); // writeDir wants link owners first; the cpio bytes do not change
    await writeDir(canonical, dir);
    const list = tree.entries().filter((e) => e.path !== '').map((e) => e.path).join('\n') + '\n';
    const gnu = await execa('cpio', ['-o', '-H', 'odc', '--reproducible', '-R', '0:0', '--quiet'], { cwd: dir, input: list, encoding: 'buffer' });
    const mine = await readFile(ours);
    // GNU gives gid 0 to everything (-R 0:0); our tree has etc at gid 3.
    const gnuBytes = Buffer.from(gnu.stdout);
    expect(mine.length).toBe(gnuBytes.length);
    const etcHeader = mine.indexOf(Buffer.from('etc\0')) - 76;
    expect(mine.subarray(etcHeader + 30, etcHeader + 36).toString()).toBe('000003');
    mine.write('000000', etcHeader + 30, 'latin1');
    // GNU's --reproducible numbers inodes from 0; we start at 1 (0 is the trailer's).
    for (let o = 0; mine.subarray(o, o + 6).toString() === CPIO_ODC_MAGIC; ) {
      const name = mine.subarray(o + 76, o + 76 + parseInt(mine.subarray(o + 59, o + 65).toString(), 8) - 1).toString();
      if (name !== 'TRAILER!!!') mine.write((parseInt(mine.subarray(o + 12, o + 18).toString(), 8) - 1).toString(8).padStart(6, '0'), o + 12, 'latin1');
      o += 76 + parseInt(mine.subarray(o + 59, o + 65).toString(), 8) + parseInt(mine.subarray(o + 65, o + 76).toString(), 8);
    }
    expect(mine.equals(gnuBytes)).toBe(true);
    expect(mine.subarray(0, 6).toString()).toBe(CPIO_ODC_MAGIC);
    expect(result.bytes % 512).toBe(0);
  });

  it('extracts with GNU cpio to the same files, modes and owners', async () => {
    const tree = await sampleTree();
    tree.get('etc/system')!.uid = 12;
    tree.get('etc/system')!.gid = 34;
    const archive = join(work, 'owners.cpio');
    await writeCpioArchive(tree, archive);
    const listing = await execa('cpio', ['-t', '-v', '-n', '--quiet', '-F', archive]);
    expect(listing.stdout).toMatch(/^-rw-r--r--\s+1 12\s+34\s+\d+ .* etc\/system$/m);
    expect(listing.stdout).toMatch(/^-r-sr-xr-x\s+2 0\s+0\s+6 .* usr\/bin\/passwd$/m);
    expect(listing.stdout).toMatch(/^lrwxrwxrwx\s+1 0\s+0\s+7 .* bin -> usr\/bin$/m);
    const out = join(work, 'cpio-out');
    await mkdir(out);
    await execa('cpio', ['-i', '-d', '-m', '--quiet', '--no-absolute-filenames', '-F', archive], { cwd: out });
    expect(await readFile(join(out, 'etc/system'), 'utf8')).toBe('* kernel tunables\nset pcplusmp:apic_kmdb_on_nmi=1\n');
    expect((await readFile(join(out, 'platform/i86pc/kernel/amd64/unix'))).length).toBe(3 * 1024 * 1024 + 123);
    expect(await readlink(join(out, 'bin'))).toBe('usr/bin');
    const [a, b] = await Promise.all([lstat(join(out, 'usr/bin/passwd')), lstat(join(out, 'usr/bin/ln-a'))]);
    expect(a.ino).toBe(b.ino);
    expect(Math.floor(a.mtimeMs / 1000)).toBe(EPOCH - 100);
  });

  it('is deterministic', async () => {
    const [x, y] = [join(work, 'x.cpio'), join(work, 'y.cpio')];
    await writeCpioArchive(await sampleTree(), x);
    await writeCpioArchive(await sampleTree(), y);
    expect(await sha256File(x)).toBe(await sha256File(y));
  });

  it('refuses what odc cannot hold, naming the entry', async () => {
    const t = new StagedTree(EPOCH);
    t.put(gen('etc/big-uid', 'x', { uid: 300000 }));
    await expect(writeCpioArchive(t, join(work, 'bad.cpio'))).rejects.toThrow(/etc\/big-uid: uid 300000/);
  });
});

describe('HSFS archive', () => {
  it('from a staged tree: readable back with the same contents, reproducible', async () => {
    const a = join(work, 'a.hsfs');
    const b = join(work, 'b.hsfs');
    await writeHsfsArchive(await sampleTree(), a, { epoch: EPOCH, workDir: work });
    await new Promise((r) => setTimeout(r, 1100));
    await writeHsfsArchive(await sampleTree(), b, { epoch: EPOCH, workDir: work });
    expect(await sha256File(a)).toBe(await sha256File(b));
    expect(await listIso(a)).toEqual(['bin', 'etc/name_to_major', 'etc/system', 'platform/i86pc/kernel/amd64/unix', 'usr/bin/ln-a', 'usr/bin/passwd']);
    const out = join(work, 'hsfs-out');
    await extractIso(a, out);
    expect(await readFile(join(out, 'etc/name_to_major'), 'utf8')).toBe('ramdisk 82\n');
    expect(await readlink(join(out, 'bin'))).toBe('usr/bin');
    expect((await readFile(join(out, 'platform/i86pc/kernel/amd64/unix'))).length).toBe(3 * 1024 * 1024 + 123);
    const pvd = (await readFile(a)).subarray(16 * 2048, 17 * 2048);
    expect(pvd.subarray(1, 6).toString()).toBe('CD001');
  });

  it('from a directory', async () => {
    const dir = join(work, 'hsfs-src');
    await mkdir(join(dir, 'kernel/drv'), { recursive: true });
    await writeFile(join(dir, 'kernel/drv/ramdisk.conf'), 'name="ramdisk" parent="pseudo";\n');
    const out = join(work, 'dir.hsfs');
    const r = await writeHsfsArchive(relative(process.cwd(), dir), relative(process.cwd(), out), { epoch: EPOCH, volumeId: 'BOOTARCH' });
    expect(r.skippedDevices).toEqual([]);
    expect(await listIso(out)).toEqual(['kernel/drv/ramdisk.conf']);
  });
});
