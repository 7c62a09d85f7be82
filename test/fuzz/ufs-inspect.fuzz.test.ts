import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectImage } from '../../src/cli/inspect-command.js';
import { openUfsImage, writeUfsImage } from '../../src/ufs/index.js';
import { runCli, tempDir } from '../support/cli.js';
import { TreeBuilder, pseudoRandom } from '../support/ufs-trees.js';
import { fuzz, mutate, outcome, prng } from './fuzz-support.js';

// 2,000 mutated UFS images through `compose inspect` (reader, checker and listing with hashes):
// each must end with exit 0, 1 (problems found) or 3 (not a readable UFS image), in one line,
// fast, without running out of memory.

let base: Buffer;
let dir: string;
/** Where the pointers live: the superblock, the first cylinder group's header, its inode table. */
let regions: Array<[number, number]>;

beforeAll(async () => {
  dir = await tempDir();
  const t = new TreeBuilder();
  t.dir('etc').file('etc/motd', 'hello\n').file('etc/big', pseudoRandom(140_000, 'big')).symlink('etc/link', 'motd');
  for (let i = 0; i < 40; i++) t.file(`d/f${i}`, pseudoRandom(i * 97, `f${i}`));
  t.tree.put({ path: 'dev/null', type: 'char', mode: 0o666, uid: 0, gid: 3, mtime: 0, size: 0, rdev: { major: 13, minor: 2 } });
  t.tree.put({ path: 'd/hard', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0, target: 'd/f3' });
  await writeUfsImage(t.tree, join(dir, 'base.ufs'), { size: 'auto', freePercent: 5, nbpi: 4096, time: 1_700_000_000 });
  base = readFileSync(join(dir, 'base.ufs'));
  const img = await openUfsImage(join(dir, 'base.ufs'));
  const g = img.geometry;
  regions = [
    [8192, 8192 + 1400],
    [g.cgTod(0) * g.fsize, g.cgTod(0) * g.fsize + g.cgsize],
    [g.cgImin(0) * g.fsize, g.cgImin(0) * g.fsize + g.ipg * 128],
  ];
  await img.close();
});

describe('fuzzed UFS images through inspect', () => {
  it('2,000 mutations: exit 0, 1 or 3, one line, under 5 s and 300 MB each', async () => {
    expect(await outcome(async () => inspectImage(join(dir, 'base.ufs'), { hash: true }))).toEqual({ exitCode: 0 });
    const file = join(dir, 'case.ufs');
    const r = prng(0x5eed0fcf);
    const result = await fuzz(
      2000,
      async () => {
        writeFileSync(file, r() < 0.02 ? base.subarray(0, Math.floor(r() * base.length)) : mutate(base, r, regions));
        return outcome(() => inspectImage(file, { hash: true }));
      },
      { allowed: [0, 1, 3], maxMs: 5000, maxRssMb: 300 + process.memoryUsage().rss / 1048576 },
    );
    console.log(`ufs fuzz: ${JSON.stringify({ ...result, failures: result.failures.length })}`);
    expect(result.failures).toEqual([]);
    // The mutations reach every outcome, or the fuzzing tests nothing.
    expect(Object.keys(result.byExit).sort()).toEqual(['0', '1', '3']);
  }, 300_000);

  it('a sample of the same mutations through the real CLI: exit 0, 1 or 3, one line on stderr, no stack trace', async () => {
    const r = prng(0x5eed0fcf);
    const codes = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const file = join(dir, `cli-${i}.ufs`);
      writeFileSync(file, mutate(base, r, regions));
      const run = await runCli(['inspect', '--json', file]);
      codes.add(run.exitCode);
      expect([0, 1, 3], run.stderr).toContain(run.exitCode);
      expect(run.stderr).not.toMatch(/\n\s+at |internal error/);
      if (run.exitCode !== 0) expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(codes.size).toBeGreaterThan(1);
  }, 120_000);
});
