// npm run bench: the speed and memory figures the README quotes, measured side by side in one
// run on one machine. Each of our builds and each peer runs three times from a warm page cache,
// after `sync`, into a fresh output; the median is reported with the largest peak RSS.
//
//   1. the peers on the ~460 MiB proto-shaped tree: tar cf, tar | pigz -1/-6/-9, makefs, mkfs.ext4;
//   2. compose --format tar, ufs, and iso at gzip levels 1, 6 and 9, with where the time went;
//   3. an incremental rebuild after a one-file change, against the cold build into the same -o;
//   4. peak RSS of builds of 20,000, 50,000 and 100,000 small files (memory grows with entries);
//   5. BIOS and UEFI boot tests of the tree's ISO with the stand-in kernel (skip with --no-boot);
//   6. closure pruning on a 20,000-entry tree;
//   7. what users run: a gate workspace (proto/root_i386 with usr/src/pkg/manifests beside it, of
//      the gate's size and shape), built with its manifests and the boot check: tar and ISO against
//      tar cf and tar | pigz -6, and a one-file rebuild of the ISO, checked byte for byte against a
//      cold build.
// Options: --runs N (default 3), --no-boot, --quick (one run each, no memory trees over 20,000),
// --only tree|workspace (one of the two inputs).
import { cpus, totalmem, release } from 'node:os';
import { copyFileSync, existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { generateBenchTree, generateEntriesTree } from './generate-tree.js';
import { generateBenchWorkspace, type GeneratedWorkspace } from './generate-workspace.js';
import { measureCommand, measureShell, medianOf, type Measurement } from './measure.js';
import { runClosureBench } from './closure-bench.js';
import { which } from '../util/which.js';
import { PROJECT_ROOT } from '../util/project.js';
import { formatBytes } from '../util/size.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const RUNS = QUICK ? 1 : Number(args[args.indexOf('--runs') + 1] || 0) || 3;
const BOOT = !args.includes('--no-boot');
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const EPOCH = '1767225600';
const CLI = join(PROJECT_ROOT, 'dist/cli/main.js');
const TEST_KERNEL = join(PROJECT_ROOT, 'build/testkernel/unix');
const work = join(PROJECT_ROOT, 'build/bench');
const treeRoot = join(work, 'tree');
const scratch = join(work, 'scratch');

interface Row extends Measurement {
  /** Our time over the peer's, and the target it is held to. */
  ratio?: { against: string; value: number; target: number };
}

const rows: Row[] = [];
const stageTables: Array<{ name: string; timings: Record<string, number> }> = [];
const notes: string[] = [];
const log = (s: string) => process.stderr.write(`${s}\n`);
const sync = async () => {
  await execa('sync');
};

interface BuildRun extends Measurement {
  result: { timings: Record<string, number>; boot?: { archiveBytes?: number; reusedChunks?: number; chunks?: number; iso?: { bytes: number } }; notes: string[] };
}

/** One compose build of `tree` into `out`, timed from outside, with its own --json timings. */
async function compose(name: string, tree: string, out: string, extra: string[], check = false): Promise<BuildRun> {
  const m = await measureCommand(name, 'node', [CLI, 'build', tree, '-o', out, '--json', '-q', ...(check ? [] : ['--no-check']), ...extra], { env: { SOURCE_DATE_EPOCH: EPOCH } });
  return { ...m, result: JSON.parse(m.stdout ?? '{}') };
}

/** compose RUNS times into a fresh output each time, cold (--no-cache); the median run. */
async function composeCold(name: string, formatArgs: string[], tree = treeRoot, check = false): Promise<BuildRun> {
  const out = join(scratch, 'out');
  const runs: BuildRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    await rm(out, { recursive: true, force: true });
    await sync();
    runs.push(await compose(name, tree, out, [...formatArgs, '--no-cache'], check));
  }
  await rm(out, { recursive: true, force: true });
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const mid = sorted[Math.floor(sorted.length / 2)];
  return { ...mid, peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB ?? 0)) };
}

const peer = (name: string, line: string, output: string): Promise<Measurement> =>
  medianOf(RUNS, () => measureShell(name, line), async () => {
    rmSync(output, { force: true, recursive: true });
    await sync();
  }).finally(() => rmSync(output, { force: true, recursive: true }));

function ratio(ours: Measurement, peerRow: Measurement | undefined, target: number): Row['ratio'] {
  return peerRow && Number.isFinite(peerRow.seconds) ? { against: peerRow.name, value: ours.seconds / peerRow.seconds, target } : undefined;
}

async function peers(): Promise<Record<string, Measurement | undefined>> {
  log('peers: tar, tar | pigz, makefs, mkfs.ext4...');
  const out = join(scratch, 'peer.out');
  const p: Record<string, Measurement | undefined> = {};
  p.tar = await peer('tar cf - -C tree . > file', `tar cf - -C '${treeRoot}' . > '${out}'`, out);
  rows.push({ ...p.tar, detail: 'the floor for --format tar' });
  if (await which('pigz')) {
    for (const level of [1, 6, 9]) {
      p[`pigz${level}`] = await peer(`tar cf - -C tree . | pigz -${level} > file`, `tar cf - -C '${treeRoot}' . | pigz -${level} > '${out}'`, out);
      rows.push({ ...p[`pigz${level}`]!, detail: `the floor for --format iso at gzip level ${level} (pigz on every core)` });
    }
  } else notes.push('pigz is not installed: no compression floor (apt-get install pigz)');
  if (await which('makefs')) {
    p.makefs = await peer('makefs -t ffs', `makefs -t ffs -o version=1,bsize=8192,fsize=1024 -b 10% '${out}' '${treeRoot}'`, out);
    rows.push({ ...p.makefs, detail: 'BSD UFS1 from the same tree' });
  } else notes.push('makefs is not installed: no UFS peer (apt-get install makefs)');
  if (await which('mkfs.ext4')) {
    p.ext4 = await peer('mkfs.ext4 -d', `mkfs.ext4 -q -F -d '${treeRoot}' '${out}' 700M`, out);
    rows.push({ ...p.ext4, detail: 'ext4 from the same tree, 700 MiB' });
  }
  return p;
}

async function ours(p: Record<string, Measurement | undefined>): Promise<void> {
  log('compose: tar, ufs, iso at levels 1, 6, 9...');
  const tar = await composeCold('compose --format tar', ['--format', 'tar']);
  rows.push({ ...tar, ratio: ratio(tar, p.tar, 1.3), detail: 'one read of each file, written as it is read' });
  const ufs = await composeCold('compose --format ufs', ['--format', 'ufs']);
  rows.push({ ...ufs, ratio: ratio(ufs, p.makefs, 2), detail: 'the UFS image alone, no compression' });
  for (const level of [1, 6, 9]) {
    const iso = await composeCold(`compose --format iso --gzip-level ${level}`, ['--format', 'iso', '--gzip-level', String(level)]);
    const archive = iso.result.boot?.archiveBytes;
    rows.push({ ...iso, ratio: ratio(iso, p[`pigz${level}`], 1.3), detail: `boot_archive ${archive === undefined ? '?' : formatBytes(archive)}, ISO ${formatBytes(iso.result.boot?.iso?.bytes ?? 0)}` });
    stageTables.push({ name: `--format iso --gzip-level ${level}`, timings: iso.result.timings });
  }
}

/** The incremental tree: the bench tree's files hardlinked (so it costs no space), one file replaced per rebuild. */
const incTree = join(work, 'inc-tree');
const CHANGED = 'usr/lib/lib450.so.1';

async function prepareIncTree(): Promise<void> {
  await rm(incTree, { recursive: true, force: true });
  await execa('cp', ['-al', treeRoot, incTree]);
  // The stand-in kernel as unix, so the same tree's ISO boots in the boot tests.
  if (existsSync(TEST_KERNEL)) {
    unlinkSync(join(incTree, 'platform/i86pc/kernel/amd64/unix'));
    copyFileSync(TEST_KERNEL, join(incTree, 'platform/i86pc/kernel/amd64/unix'));
  }
}

/** Rewrite the changed file as a rebuilt library would be: new bytes in the middle, a little longer. */
function changeOneFile(round: number): void {
  const path = join(incTree, CHANGED);
  const orig = readFileSync(join(treeRoot, CHANGED));
  const mid = Math.floor(orig.length / 2);
  const patch = Buffer.alloc(4096 + 1000 * round, round + 1);
  unlinkSync(path);
  writeFileSync(path, Buffer.concat([orig.subarray(0, mid), patch, orig.subarray(mid + 4096)]));
}

async function incremental(): Promise<void> {
  log('incremental: a cold build, then rebuilds after a one-file change...');
  const out = join(scratch, 'inc-out');
  await rm(out, { recursive: true, force: true });
  await sync();
  const cold = await compose('compose --format iso, cold (fresh -o, cache written)', incTree, out, ['--format', 'iso']);
  rows.push({ ...cold, detail: 'the build the rebuilds are compared with' });
  const runs: BuildRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    changeOneFile(i + 1);
    await sync();
    runs.push(await compose('compose --format iso, one file changed (same -o)', incTree, out, ['--format', 'iso']));
  }
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const mid = sorted[Math.floor(sorted.length / 2)];
  const b = mid.result.boot;
  rows.push({ ...mid, peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB ?? 0)), ratio: { against: 'the cold build', value: mid.seconds / cold.seconds, target: 0.25 }, detail: `${b?.reusedChunks} of ${b?.chunks} archive chunks reused` });
  stageTables.push({ name: '--format iso, cold into a fresh -o', timings: cold.result.timings });
  stageTables.push({ name: '--format iso, one file changed', timings: mid.result.timings });
}

async function memory(): Promise<void> {
  log('memory: builds of 20,000, 50,000 and 100,000 small files...');
  const sizes = QUICK ? [20_000] : [20_000, 50_000, 100_000];
  const points: Array<[number, number]> = [];
  for (const n of sizes) {
    const root = join(work, `entries-${n}`);
    await generateEntriesTree(root, n);
    const out = join(scratch, 'mem-out');
    await rm(out, { recursive: true, force: true });
    const m = await compose(`compose --format iso, ${n.toLocaleString('en')} files`, root, out, ['--format', 'iso', '--gzip-level', '1']);
    await rm(out, { recursive: true, force: true });
    points.push([n, m.peakRssMiB ?? NaN]);
    rows.push({ ...m, detail: `${n.toLocaleString('en')} entries of 200 bytes, peak RSS target 300 MiB at 100,000` });
  }
  if (points.length > 1) {
    const [[n0, r0], [n1, r1]] = [points[0], points[points.length - 1]];
    notes.push(`peak RSS grows by ${(((r1 - r0) / (n1 - n0)) * 10_000).toFixed(1)} MiB per 10,000 entries (${n0.toLocaleString('en')} to ${n1.toLocaleString('en')}), from a base of ${(r0 - ((r1 - r0) / (n1 - n0)) * n0).toFixed(0)} MiB`);
  }
}

async function bootTests(): Promise<void> {
  if (!existsSync(TEST_KERNEL)) {
    notes.push('boot tests skipped: build/testkernel/unix is missing (make testkernel)');
    return;
  }
  log('boot tests: the incremental tree\'s ISO under BIOS and UEFI (TCG)...');
  const out = join(scratch, 'inc-out');
  const iso = join(out, 'pureboot.iso');
  if (!existsSync(iso)) return;
  for (const firmware of ['bios', 'uefi']) {
    const m = await measureCommand(`compose boot-test --firmware ${firmware}`, 'node', [CLI, 'boot-test', iso, '--firmware', firmware, '--expect', 'TESTKERNEL DONE', '--timeout', '600', '-q', '--log', join(scratch, `boot-${firmware}.log`)]);
    rows.push({ ...m, ratio: { against: '60 s', value: m.seconds / 60, target: 1 }, detail: 'stand-in kernel: GRUB loads and inflates the archive, the kernel checksums it' });
  }
}

const wsRoot = join(work, 'ws');
const wsIncRoot = join(work, 'ws-inc');
const WS_CHANGED = 'usr/lib/lib450.so.1';

/** The workspace input: peers, cold tar and ISO with the manifests and the check, a one-file rebuild. */
async function workspace(): Promise<string> {
  log('generating the workspace (once; cached in build/bench/ws)...');
  const w = await generateBenchWorkspace(wsRoot);
  const text = `${w.entries.toLocaleString('en')} proto entries, ${formatBytes(w.bytes)}, ${w.manifestFiles} package manifests (${w.actions.toLocaleString('en')} action lines) and the gate's transforms beside it`;
  log(`workspace: ${text}`);
  await execa('tar', ['-cf', '/dev/null', '-C', w.proto, '.']);
  const out = join(scratch, 'peer.out');
  const tar = await peer('workspace: tar cf - -C proto . > file', `tar cf - -C '${w.proto}' . > '${out}'`, out);
  rows.push({ ...tar, detail: 'the floor for --format tar' });
  const pigz = (await which('pigz')) ? await peer('workspace: tar cf - -C proto . | pigz -6 > file', `tar cf - -C '${w.proto}' . | pigz -6 > '${out}'`, out) : undefined;
  if (pigz) rows.push({ ...pigz, detail: 'the floor for --format iso --gzip-level 6' });

  log('compose on the workspace: tar, iso (manifests and the boot check included)...');
  const ctar = await composeCold('workspace: compose --format tar', ['--format', 'tar'], w.proto, true);
  rows.push({ ...ctar, ratio: ratio(ctar, tar, 2.5), detail: 'manifests, state files and the boot check included' });
  stageTables.push({ name: 'workspace --format tar', timings: ctar.result.timings });
  const iso = await composeCold('workspace: compose --format iso --gzip-level 6', ['--format', 'iso', '--gzip-level', '6'], w.proto, true);
  rows.push({ ...iso, ratio: ratio(iso, pigz, 1.6), detail: `boot_archive ${formatBytes(iso.result.boot?.archiveBytes ?? 0)}, ISO ${formatBytes(iso.result.boot?.iso?.bytes ?? 0)}` });
  stageTables.push({ name: 'workspace --format iso --gzip-level 6', timings: iso.result.timings });
  await workspaceRebuild(w);
  return text;
}

/** A cold ISO into a fresh -o, then rebuilds after a one-file change, each compared with a cold build of the same inputs. */
async function workspaceRebuild(w: GeneratedWorkspace): Promise<void> {
  log('workspace: a cold ISO, then rebuilds after a one-file change...');
  await rm(wsIncRoot, { recursive: true, force: true });
  await execa('cp', ['-al', w.ws, wsIncRoot]);
  const proto = join(wsIncRoot, 'proto/root_i386');
  const out = join(scratch, 'ws-inc-out');
  const coldOut = join(scratch, 'ws-cold-out');
  const args = ['--format', 'iso', '--gzip-level', '6'];
  await rm(out, { recursive: true, force: true });
  // Stamps younger than a second are not trusted (RACY_MS): let the copy settle as a built proto would.
  await new Promise((r) => setTimeout(r, 1100));
  await sync();
  const cold = await compose('workspace: compose --format iso --gzip-level 6, cold (fresh -o, cache written)', proto, out, args, true);
  rows.push({ ...cold, detail: 'the build the rebuilds are compared with' });
  const runs: BuildRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const path = join(proto, WS_CHANGED);
    const orig = readFileSync(join(w.proto, WS_CHANGED));
    const mid = Math.floor(orig.length / 2);
    unlinkSync(path);
    writeFileSync(path, Buffer.concat([orig.subarray(0, mid), Buffer.alloc(4096 + 1000 * i, i + 1), orig.subarray(mid + 4096)]));
    await new Promise((r) => setTimeout(r, 1100));
    await sync();
    runs.push(await compose('workspace: the same after a one-file change (same -o)', proto, out, args, true));
    // Byte for byte what a cold build of the same inputs writes.
    await rm(coldOut, { recursive: true, force: true });
    await compose('cold reference', proto, coldOut, [...args, '--no-cache'], true);
    for (const name of ['pureboot.iso', 'pureboot.boot_archive', 'pureboot.manifest.json']) {
      if (!readFileSync(join(out, name)).equals(readFileSync(join(coldOut, name)))) throw new Error(`workspace rebuild: ${name} differs from a cold build of the same inputs`);
    }
  }
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const m = sorted[Math.floor(sorted.length / 2)];
  const b = m.result.boot;
  rows.push({ ...m, peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB ?? 0)), ratio: { against: 'the cold build', value: m.seconds / cold.seconds, target: 0.35 }, detail: `byte-identical to a cold build; ${b?.reusedChunks} of ${b?.chunks} archive chunks reused` });
  stageTables.push({ name: 'workspace iso, cold into a fresh -o', timings: cold.result.timings });
  stageTables.push({ name: 'workspace iso, one file changed', timings: m.result.timings });
  await rm(wsIncRoot, { recursive: true, force: true });
  await rm(coldOut, { recursive: true, force: true });
}

function machine(): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.versions.node} (zlib ${process.versions.zlib}), ${new Date().toISOString().slice(0, 10)}`;
}

function print(inputs: string[]): void {
  const out: string[] = [];
  out.push(`Machine: ${machine()}`, ...inputs, '');
  out.push('| step | time | peak RSS | ratio (target) | notes |', '|---|---|---|---|---|');
  for (const r of rows) {
    const ratioText = r.ratio ? `${r.ratio.value.toFixed(2)}x ${r.ratio.against} (${r.ratio.value <= r.ratio.target ? 'meets' : 'misses'} <= ${r.ratio.target}x)` : '';
    out.push(`| ${r.name} | ${r.seconds.toFixed(2)} s | ${r.peakRssMiB === undefined ? '-' : `${r.peakRssMiB.toFixed(0)} MiB`} | ${ratioText} | ${r.detail ?? ''} |`);
  }
  if (stageTables.length) {
    const names = [...new Set(stageTables.flatMap((t) => Object.keys(t.timings)))];
    out.push('', `Where the time goes (seconds, from --json timings; ufsStream is producing the image, archive compressing it, both overlapped):`, '');
    out.push(`| build | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`);
    for (const t of stageTables) out.push(`| ${t.name} | ${names.map((n) => (t.timings[n] === undefined ? '' : (t.timings[n] / 1000).toFixed(2))).join(' | ')} |`);
  }
  if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  await mkdir(scratch, { recursive: true });
  const inputs: string[] = [];
  if (ONLY !== 'tree') inputs.push(`Workspace: ${await workspace()}`);
  if (ONLY !== 'workspace') inputs.push(`Tree: ${await bareTree()}`);
  await rm(scratch, { recursive: true, force: true });
  print(inputs);
  writeFileSync(join(work, 'results.json'), `${JSON.stringify({ machine: machine(), inputs, rows, stageTables, notes }, null, 2)}\n`);
}

/** The bare proto-shaped tree: peers, every format, the incremental rebuild, boot tests, memory and closure. */
async function bareTree(): Promise<string> {
  log('generating the benchmark tree (once; cached in build/bench/tree)...');
  const t = await generateBenchTree(treeRoot);
  const treeText = `${t.files.toLocaleString('en')} files, ${t.dirs.toLocaleString('en')} directories, ${t.links} links, ${formatBytes(t.bytes)}`;
  log(`tree: ${treeText}`);
  // Warm the page cache so every writer reads from memory.
  await execa('tar', ['-cf', '/dev/null', '-C', treeRoot, '.']);
  const p = await peers();
  await ours(p);
  await prepareIncTree();
  await incremental();
  if (BOOT) await bootTests();
  await memory();
  log('closure computation...');
  const c = await runClosureBench();
  rows.push({ name: 'closure pruning (prune: closure)', seconds: c.seconds, detail: `${c.entries} entries, ${c.kept} kept` });
  await rm(incTree, { recursive: true, force: true });
  return treeText;
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
