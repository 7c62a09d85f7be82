import { existsSync } from 'node:fs';
import { chmod, link, mkdir, readFile, rm, symlink, utimes, writeFile, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// A deterministic proto-shaped tree for benchmarks: about 38,000 entries and 460 MB, with the mix
// of a real proto area (thousands of small files, kernel modules, libraries, a few large files,
// symlinks and hardlinks). Contents come from a seeded PRNG, half random and half repetitive, so
// compression behaves like it does on binaries.

export interface GeneratedTree {
  root: string;
  files: number;
  dirs: number;
  links: number;
  bytes: number;
}

const SPEC_VERSION = 'bench-tree-v3';

/**
 * xorshift32: fast and deterministic; quality is irrelevant here. Each 4 KiB page is half random
 * and half a short repeating pattern (like string tables and zero padding in binaries), so files
 * of every size compress about as a proto area's do (to a little over half).
 */
function fill(buf: Buffer, seed: number): void {
  let x = seed >>> 0 || 0x9e3779b9;
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
  for (let i = 0; i < words.length; i++) {
    if ((i & 1023) < 512) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x;
    } else words[i] = (i & 0xff) * 0x01010101;
  }
}

interface Plan {
  path: string;
  size: number;
  mode: number;
}

export function benchTreePlan(): { files: Plan[]; symlinks: Array<[string, string]>; hardlinks: Array<[string, string]> } {
  let s = 12345;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
  const files: Plan[] = [];
  const add = (path: string, size: number, mode = 0o755) => files.push({ path, size, mode });
  for (let i = 0; i < 700; i++) add(`kernel/drv/amd64/drv${i}`, 8_000 + rnd(200_000));
  for (let i = 0; i < 700; i++) add(`kernel/drv/drv${i}.conf`, 200 + rnd(2_000), 0o644);
  for (const d of ['fs', 'misc', 'strmod', 'sys', 'sched', 'mac', 'crypto', 'ipp', 'socketmod', 'dacf']) for (let i = 0; i < 120; i++) add(`kernel/${d}/amd64/m${i}`, 10_000 + rnd(150_000));
  add('kernel/amd64/genunix', 6_000_000);
  add('platform/i86pc/kernel/amd64/unix', 2_500_000);
  for (let i = 0; i < 150; i++) add(`platform/i86pc/kernel/drv/amd64/p${i}`, 10_000 + rnd(80_000));
  for (let i = 0; i < 1200; i++) add(`usr/bin/cmd${i}`, 5_000 + rnd(120_000), 0o555);
  for (let i = 0; i < 500; i++) add(`usr/sbin/adm${i}`, 5_000 + rnd(120_000), 0o555);
  for (let i = 0; i < 900; i++) add(`usr/lib/lib${i}.so.1`, 20_000 + rnd(400_000));
  for (let i = 0; i < 900; i++) add(`usr/lib/amd64/lib${i}.so.1`, 20_000 + rnd(450_000));
  for (let i = 0; i < 300; i++) add(`lib/lib${i}.so.1`, 20_000 + rnd(300_000));
  for (let i = 0; i < 300; i++) add(`lib/amd64/lib${i}.so.1`, 20_000 + rnd(300_000));
  for (let sec = 1; sec <= 9; sec++) for (let i = 0; i < 1700; i++) add(`usr/share/man/man${sec}/page${i}.${sec}`, 500 + rnd(12_000), 0o444);
  for (let i = 0; i < 5000; i++) add(`usr/include/sys/h${i}.h`, 300 + rnd(20_000), 0o644);
  for (let i = 0; i < 1500; i++) add(`etc/conf/f${i}`, 50 + rnd(3_000), 0o644);
  for (let i = 0; i < 6000; i++) add(`usr/share/lib/zoneinfo/z${i % 40}/zone${i}`, 100 + rnd(3_000), 0o644);
  add('usr/lib/big/libhuge.so.1', 40_000_000);
  add('usr/lib/big/archive.a', 25_000_000, 0o644);
  const symlinks: Array<[string, string]> = [['bin', './usr/bin']];
  for (let i = 0; i < 300; i++) symlinks.push([`usr/lib/link${i}.so`, `lib${i}.so.1`]);
  const hardlinks: Array<[string, string]> = [];
  for (let i = 0; i < 100; i++) hardlinks.push([`usr/bin/alias${i}`, `usr/bin/cmd${i}`]);
  return { files, symlinks, hardlinks };
}

/**
 * Generate the tree under `root` unless a complete copy is already there. File sizes are scaled
 * so the total comes to about `targetBytes`.
 */
export async function generateBenchTree(root: string, targetBytes = 460e6, plan = benchTreePlan()): Promise<GeneratedTree> {
  const stamp = join(root, '.bench-complete');
  const { files, symlinks, hardlinks } = plan;
  const scale = targetBytes / files.reduce((n, f) => n + f.size, 0);
  const sized = files.map((f) => ({ ...f, size: Math.max(0, Math.round(f.size * scale)) }));
  const bytes = sized.reduce((n, f) => n + f.size, 0);
  const dirs = new Set<string>();
  for (const f of [...sized.map((x) => x.path), ...symlinks.map((x) => x[0]), ...hardlinks.map((x) => x[0])]) {
    for (let d = dirname(f); d !== '.'; d = dirname(d)) dirs.add(d);
  }
  const result = { root, files: sized.length, dirs: dirs.size, links: symlinks.length + hardlinks.length, bytes };
  const want = `${SPEC_VERSION} target=${targetBytes} files=${files.length}`;
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === want) return result;
  await rm(root, { recursive: true, force: true });
  const buf = Buffer.alloc(1 << 20);
  let seed = 1;
  for (const f of sized) {
    const p = join(root, f.path);
    await mkdir(dirname(p), { recursive: true });
    const fh = await open(p, 'w');
    for (let off = 0; off < f.size; off += buf.length) {
      const n = Math.min(buf.length, f.size - off);
      fill(buf, seed++);
      await fh.write(buf, 0, n);
    }
    await fh.close();
    await chmod(p, f.mode);
    await utimes(p, 1767225600, 1767225600);
  }
  for (const [p, t] of symlinks) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await symlink(t, join(root, p));
  }
  for (const [p, t] of hardlinks) await link(join(root, t), join(root, p));
  for (const d of ['etc', 'usr', 'kernel', 'platform/i86pc/kernel']) await mkdir(join(root, d), { recursive: true });
  await writeFile(stamp, want);
  return result;
}

/**
 * A tree of `entries` small files (about 200 bytes each, 100 to a directory): what the memory of
 * a build grows with is entries, not bytes. Generated once under `root`.
 */
export async function generateEntriesTree(root: string, entries: number): Promise<GeneratedTree> {
  const stamp = join(root, '.bench-complete');
  const want = `entries-v2 ${entries}`;
  const perDir = 100;
  const result = { root, files: entries, dirs: Math.ceil(entries / perDir) + 1, links: 0, bytes: 0 };
  // What makes a directory a proto area for compose, and the kernel file an ISO needs.
  const shape = async (): Promise<void> => {
    for (const d of ['etc', 'kernel', 'platform/i86pc/kernel/amd64']) await mkdir(join(root, d), { recursive: true });
    const unix = Buffer.alloc(16384);
    fill(unix, 7);
    await writeFile(join(root, 'platform/i86pc/kernel/amd64/unix'), unix);
  };
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === want) {
    await shape();
    return { ...result, bytes: entries * 200 };
  }
  await rm(root, { recursive: true, force: true });
  const buf = Buffer.alloc(4096);
  for (let i = 0; i < entries; i++) {
    const dir = join(root, 'usr/share/entries', `d${Math.floor(i / perDir)}`);
    if (i % perDir === 0) await mkdir(dir, { recursive: true });
    fill(buf, i + 1);
    await writeFile(join(dir, `f${i}`), buf.subarray(0, 200));
    result.bytes += 200;
  }
  await shape();
  await writeFile(stamp, want);
  return result;
}
