// npm run bench: the speed figures the README quotes, measured in one run on one machine.
//  - the UFS writer on a ~460 MB, ~20,000-entry proto-shaped tree, next to makefs -t ffs and
//    mkfs.ext4 -d on the same tree (time and peak RSS);
//  - the boot_archive gzip stage next to pigz and gzip;
//  - closure computation on a 20,000-entry tree.
import { rm, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { generateBenchTree } from './generate-tree.js';
import { measureCommand, type Measurement } from './measure.js';
import { runClosureBench } from './closure-bench.js';
import { gzipFile } from '../archive/gzip.js';
import { which } from '../util/which.js';
import { PROJECT_ROOT } from '../util/project.js';
import { formatBytes } from '../util/size.js';

const work = join(PROJECT_ROOT, 'build/bench');
const treeRoot = join(work, 'tree');
const results: Measurement[] = [];
const RUNS = 3;

function median<T>(xs: T[], key: (x: T) => number): T {
  return [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)];
}

function row(m: Measurement): string {
  return `| ${m.name} | ${m.seconds.toFixed(2)} s | ${m.peakRssMiB === undefined ? '-' : `${m.peakRssMiB.toFixed(0)} MiB`} | ${m.detail ?? ''} |`;
}

async function main(): Promise<void> {
  await mkdir(work, { recursive: true });
  process.stderr.write('generating the benchmark tree (once; cached in build/bench/tree)...\n');
  const t = await generateBenchTree(treeRoot);
  process.stderr.write(`tree: ${t.files} files, ${t.dirs} directories, ${t.links} links, ${formatBytes(t.bytes)}\n`);
  // Warm the page cache so every writer reads from memory.
  await execa('tar', ['-cf', '/dev/null', '-C', treeRoot, '.']);

  // Each image writer runs RUNS times from a synced, warm cache; the median run is reported.
  const ours = join(work, 'ours.ufs');
  const runs: Array<{ stageSeconds: number; writeSeconds: number; peakRssMiB: number; imageBytes: number; entries: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    await rm(ours, { force: true });
    await execa('sync');
    const child = await execa('node', [join(PROJECT_ROOT, 'dist/bench/ufs-writer-run.js'), treeRoot, ours]);
    runs.push(JSON.parse(String(child.stdout)));
  }
  const r = median(runs, (x) => x.stageSeconds + x.writeSeconds);
  results.push({
    name: 'compose: stage + UFS writer (Solaris UFS)',
    seconds: r.stageSeconds + r.writeSeconds,
    peakRssMiB: Math.max(...runs.map((x) => x.peakRssMiB)),
    detail: `staging ${r.stageSeconds.toFixed(2)} s + writing ${r.writeSeconds.toFixed(2)} s; ${formatBytes(r.imageBytes)} image, ${r.entries} entries`,
  });
  const imageBytes: number = r.imageBytes;

  const peer = async (name: string, cmd: string, args: (img: string) => string[], img: string, detail: () => Promise<string>) => {
    const ms: Measurement[] = [];
    for (let i = 0; i < RUNS; i++) {
      await rm(img, { force: true });
      await execa('sync');
      ms.push(await measureCommand(name, cmd, args(img)));
    }
    results.push({ ...median(ms, (m) => m.seconds), detail: await detail() });
    await rm(img, { force: true });
  };
  if (await which('makefs')) {
    const img = join(work, 'makefs.ufs');
    await peer('makefs -t ffs (BSD UFS1)', 'makefs', (i) => ['-t', 'ffs', '-o', 'version=1,bsize=8192,fsize=1024', '-b', '10%', i, treeRoot], img, async () => `${formatBytes((await stat(img)).size)} image`);
  } else results.push({ name: 'makefs -t ffs', seconds: NaN, detail: 'not installed (apt-get install makefs)' });
  if (await which('mkfs.ext4')) {
    const size = `${Math.ceil((imageBytes * 1.3) / 1048576)}M`;
    await peer('mkfs.ext4 -d', 'mkfs.ext4', (i) => ['-q', '-F', '-d', treeRoot, i, size], join(work, 'ext4.img'), async () => `${size} image`);
  }

  const archive = join(work, 'boot_archive');
  const start = process.hrtime.bigint();
  const gz = await gzipFile(ours, archive, 9);
  results.push({ name: `boot_archive gzip -9 stage (${gz.tool})`, seconds: Number(process.hrtime.bigint() - start) / 1e9, detail: `${formatBytes(gz.bytes)} compressed` });
  for (const [name, cmd, args] of [
    ['pigz -9 (2 threads)', 'pigz', ['-9', '-n', '-m', '-c', ours]],
    ['gzip -9 (1 thread)', 'gzip', ['-9', '-n', '-c', ours]],
  ] as Array<[string, string, string[]]>) {
    if (!(await which(cmd))) continue;
    const m = await measureCommand(name, 'bash', ['-c', `${cmd} ${args.map((a) => `'${a}'`).join(' ')} > /dev/null`]);
    results.push({ ...m, name });
  }
  await rm(ours, { force: true });
  await rm(archive, { force: true });

  process.stderr.write('closure computation...\n');
  const c = await runClosureBench();
  results.push({ name: 'closure pruning (prune: closure)', seconds: c.seconds, detail: `${c.entries} entries, ${c.kept} kept` });

  process.stdout.write('| step | time | peak RSS | notes |\n|---|---|---|---|\n');
  for (const m of results) process.stdout.write(`${row(m)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
