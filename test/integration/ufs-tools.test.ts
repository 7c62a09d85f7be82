/**
 * Independent userspace readers of the images our UFS writer makes:
 *
 * - GRUB (`grub-fstest`, module ufs1) reads Solaris-style (16-bit namlen) directory entries and
 *   data-block symlinks: every directory listing (names, types, sizes, mtimes) and the CRC-32 of
 *   the files must match the staged tree.
 * - The Sleuth Kit reads our superblock, cylinder groups and inode block maps, but it always
 *   takes UFS1 for the BSD dialect (ffs.cpp: "NEED TO DIFFERENTIATE BETWEEN A & B"; the Solaris
 *   "ufs1b" code is unreachable from the command line). So `fls` cannot parse Solaris directory
 *   entries (it reads byte 6 as d_type and byte 7 as the name length), it takes uid/gid from
 *   offsets 112/116 (Solaris ic_shadow/ic_uid) and treats short symlinks as inline. What it does
 *   read correctly, we compare: fsstat's totals and per-group summaries, istat's mode, size and
 *   link count, and icat's content (which exercises single and double indirect blocks).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUfsImage, listUfs, writeUfsImage, type UfsListEntry } from '../../src/ufs/index.js';
import { modeString } from '../../src/ufs/listing.js';
import type { StagedTree } from '../../src/stage/tree.js';
import { forEachChunk } from '../../src/stage/content.js';
import { expectedEntries, featureTree, T0, type ExpectedEntry } from '../support/ufs-trees.js';

let work: string;
let image: string;
let tree: StagedTree;
let expected: Map<string, ExpectedEntry>;
let listing: UfsListEntry[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ufs-tools-'));
  tree = await featureTree({ tmpDir: work });
  image = join(work, 'feature.ufs');
  await writeUfsImage(tree, image, { size: 'auto', time: T0 });
  expected = await expectedEntries(tree);
  listing = await listUfs(image);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const grub = async (...cmd: string[]) => (await execa('grub-fstest', [image, '--', ...cmd], { stripFinalNewline: false })).stdout;
const slash = (p: string) => `/${p}`;

/** GRUB's `ls -l` prints "SIZE-or-DIR  YYYYMMDDhhmmss name[/]" per entry. */
function parseGrubLs(out: string): Map<string, { dir: boolean; size: number | null; mtime: string }> {
  const m = new Map<string, { dir: boolean; size: number | null; mtime: string }>();
  for (const line of out.split('\n')) {
    const r = /^(\S+)\s+(\d{14}) (.*)$/.exec(line);
    if (!r) continue;
    const dir = r[1] === 'DIR';
    m.set(dir ? r[3].replace(/\/$/, '') : r[3], { dir, size: dir ? null : Number(r[1]), mtime: r[2] });
  }
  return m;
}

const grubTime = (t: number) => new Date(t * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);

function childrenOf(dir: string): ExpectedEntry[] {
  return [...expected.values()].filter((e) => e.path !== '' && (e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '') === dir);
}

async function crcOf(path: string): Promise<string> {
  const e = tree.contentOwner(tree.get(path)!);
  let crc = 0;
  if (e.size > 0) await forEachChunk(e.source!, e.size, (c) => void (crc = crc32(c, crc)));
  return crc.toString(16).padStart(8, '0');
}

describe('GRUB (grub-fstest, ufs1 module) reads our images', () => {
  it('the image passes our own checker first', async () => {
    const r = await checkUfsImage(image);
    expect(r.problems).toEqual([]);
  });

  it('lists every directory with the right names, types, sizes and times', async () => {
    const dirs = [...expected.values()].filter((e) => e.type === 'dir');
    const problems: string[] = [];
    for (const d of dirs) {
      const seen = parseGrubLs(await grub('ls', '-l', slash(d.path)));
      const want = childrenOf(d.path);
      const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
      for (const w of want) {
        const s = seen.get(base(w.path));
        if (!s) {
          // `ls -l` stats each entry and silently drops symlinks whose target does not exist.
          if (w.type !== 'symlink' || tree.resolve(w.path) !== null) problems.push(`${w.path}: missing in GRUB's listing`);
          continue;
        }
        if (s.dir !== (w.type === 'dir')) problems.push(`${w.path}: GRUB says dir=${s.dir}`);
        // GRUB follows symlinks for the size, and dangling ones have none: compare files only.
        if (w.type === 'file' && s.size !== w.size) problems.push(`${w.path}: GRUB size ${s.size}, expected ${w.size}`);
        if (w.type !== 'symlink' && s.mtime !== grubTime(w.mtime)) problems.push(`${w.path}: GRUB mtime ${s.mtime}, expected ${grubTime(w.mtime)}`);
      }
      const dangling = want.filter((w) => w.type === 'symlink' && tree.resolve(w.path) === null);
      if (seen.size !== want.length - dangling.length) problems.push(`${d.path || '/'}: GRUB lists ${seen.size} entries, expected ${want.length - dangling.length}`);
      if (dangling.length) {
        // The short listing still shows them.
        const names = (await grub('ls', slash(d.path))).trim().split(/\s+/);
        for (const w of dangling) if (!names.includes(base(w.path))) problems.push(`${w.path}: missing in GRUB's short listing`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('reads file contents, through tails, indirect blocks, hard links and symlinks', async () => {
    const files = [...expected.values()].filter((e) => e.type === 'file' && (!e.path.startsWith('bigdir/') || e.path.endsWith('0-padding')));
    expect(files.length).toBeGreaterThan(500 / 10);
    const problems: string[] = [];
    for (const f of files) {
      const got = (await grub('crc', slash(f.path))).trim();
      const want = await crcOf(f.path);
      if (got !== want) problems.push(`${f.path}: GRUB crc ${got}, expected ${want}`);
    }
    // Symlinks are followed from their data fragment.
    expect((await grub('crc', '/usr/motd-link')).trim()).toBe(await crcOf('etc/motd'));
    expect((await grub('crc', '/bin/passwd')).trim()).toBe(await crcOf('usr/bin/passwd'));
    expect(problems).toEqual([]);
  });
});

describe('The Sleuth Kit reads what its BSD-only UFS1 mode can', () => {
  it('fsstat agrees with our superblock and every cylinder group summary', async () => {
    const check = await checkUfsImage(image);
    const { stdout } = await execa('fsstat', ['-f', 'ufs1', image]);
    expect(stdout).toMatch(/File System Type: UFS 1/);
    expect(stdout).toContain(`Number of Cylinder Groups: ${check.stats.ncg}`);
    expect(stdout).toContain(`Inodes per group: ${check.stats.ipg}`);
    expect(stdout).toContain(`Root Directory: 2`);
    expect(stdout).toContain(`Num of Directories: ${check.stats.directories}`);
    expect(stdout).toContain(`Num of Avail Inodes: ${check.stats.inodesTotal - check.stats.inodesUsed - 2}`);
    // Each group's summary-area entry equals its header's (both printed by fsstat).
    const groups = stdout.split(/\nGroup \d+:\n/).slice(1);
    expect(groups.length).toBe(check.stats.ncg);
    let free = 0;
    for (const g of groups) {
      const nums = (label: string) => [...g.matchAll(new RegExp(`${label}: (\\d+)`, 'g'))].map((m) => Number(m[1]));
      for (const label of ['Num of Dirs', 'Num of Avail Blocks', 'Num of Avail Inodes', 'Num of Avail Frags']) {
        const [global, local] = nums(label);
        expect(global).toBe(local);
      }
      free += nums('Num of Avail Blocks')[0] * 8 + nums('Num of Avail Frags')[0];
    }
    expect(free).toBe(check.stats.freeFrags);
  });

  it('istat and icat agree on mode, size, link count, 32-bit uid and content', async () => {
    const byIno = new Map<number, UfsListEntry>();
    for (const e of listing) if (!byIno.has(e.ino) && (!e.path.startsWith('bigdir/') || e.path.endsWith('00-padding'))) byIno.set(e.ino, e);
    const problems: string[] = [];
    for (const e of byIno.values()) {
      const want = expected.get(e.path)!;
      const { stdout } = await execa('istat', ['-f', 'ufs1', image, String(e.ino)]);
      const field = (re: RegExp) => re.exec(stdout)?.[1];
      // TSK prints UFS1 type 'r' for regular files and treats other types as BSD does.
      const mode = field(/^mode: (\S+)$/m)!;
      const wantMode = modeString(want.type, want.mode);
      if (mode.slice(1) !== wantMode.slice(1)) problems.push(`${e.path}: istat mode ${mode}, expected ${wantMode}`);
      if (want.type !== 'dir' && Number(field(/^size: (\d+)$/m)) !== (want.size ?? 0)) problems.push(`${e.path}: istat size ${field(/^size: (\d+)$/m)}`);
      if (Number(field(/^num of links: (\d+)$/m)) !== want.nlink) problems.push(`${e.path}: istat links ${field(/^num of links: (\d+)$/m)}, expected ${want.nlink}`);
      // BSD offsets: TSK's "uid" is Solaris ic_shadow (0), its "gid" is the 32-bit ic_uid.
      if (field(/^uid \/ gid: (\d+ \/ \d+)$/m) !== `0 / ${want.uid}`) problems.push(`${e.path}: istat uid/gid ${field(/^uid \/ gid: (.*)$/m)}, expected 0 / ${want.uid}`);
      if (want.type === 'file') {
        const { stdout: data } = await execa('icat', ['-f', 'ufs1', image, String(e.ino)], { encoding: 'buffer', maxBuffer: 64 << 20, stripFinalNewline: false });
        const sha = createHash('sha256').update(data).digest('hex');
        if (sha !== want.sha256) problems.push(`${e.path}: icat content differs (${data.length} bytes)`);
      }
    }
    expect(problems).toEqual([]);
    expect(byIno.size).toBeGreaterThan(100);
  });
});
