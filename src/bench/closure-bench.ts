import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pruneByClosure } from '../closure/prune.js';
import { buildSyntheticElf } from '../elf/write-synthetic.js';
import { readDirTree } from '../proto/dir-reader.js';
import { PROJECT_ROOT } from '../util/project.js';
import { generateBenchTree } from './generate-tree.js';

// Closure computation on a proto-shaped tree: the ~20,000-entry benchmark tree (scaled down in
// bytes, since only entry counts matter here) with about 3,000 of its files replaced by small real
// ELF objects that depend on each other in chains: 1,200 programs over 1,200 libraries in lib/amd64
// and usr/lib/amd64, and 620 kernel modules over misc modules. The timed part is the whole
// pruneByClosure call on the staged tree (reading every reached object, resolving, removing).

export interface ClosureBenchResult {
  entries: number;
  seconds: number;
  kept: number;
}

const TREE_BYTES = 20e6;

function elfFiles(): Array<[string, Buffer]> {
  const files: Array<[string, Buffer]> = [];
  const lib = (needed: string[]) => buildSyntheticElf({ type: 'dyn', needed });
  files.push(['lib/amd64/ld.so.1', lib([])], ['lib/amd64/libc.so.1', lib([])]);
  for (let i = 0; i < 300; i++) files.push([`lib/amd64/lib${i}.so.1`, lib(i % 20 ? [`lib${i - 1}.so.1`, 'libc.so.1'] : ['libc.so.1'])]);
  // usr/lib/amd64 libraries share names with lib/amd64's for i < 300; the default search order
  // (lib/64 before usr/lib/64) finds those in lib/amd64, so usr/lib/amd64's first 300 stay unused.
  for (let i = 0; i < 900; i++) files.push([`usr/lib/amd64/lib${i}.so.1`, lib(i % 10 ? [`lib${i - 1}.so.1`, `lib${(i * 7) % 300}.so.1`] : [`lib${(i * 7) % 300}.so.1`])]);
  for (let i = 0; i < 1200; i++) files.push([`usr/bin/cmd${i}`, buildSyntheticElf({ type: 'exec', interp: '/usr/lib/amd64/ld.so.1', needed: [`lib${i % 900}.so.1`, `lib${(i * 13) % 900}.so.1`, 'libc.so.1'] })]);
  const mod = (needed: string[]) => buildSyntheticElf({ type: 'rel', needed });
  for (let i = 0; i < 120; i++) files.push([`kernel/misc/amd64/m${i}`, mod(i % 12 ? [`misc/m${i - 1}`] : [])]);
  for (let i = 0; i < 500; i++) files.push([`kernel/drv/amd64/drv${i}`, mod([`misc/m${i % 120}`])]);
  return files;
}

/** Generate (once) the benchmark tree with its ELF objects under `root`. */
export async function prepareClosureBenchTree(root: string): Promise<void> {
  await generateBenchTree(root, TREE_BYTES);
  for (const [path, data] of elfFiles()) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), data);
  }
  for (const [link, target] of [
    ['lib/64', 'amd64'],
    ['usr/lib/64', 'amd64'],
    ['usr/lib/amd64/ld.so.1', '../../../lib/amd64/ld.so.1'],
  ]) {
    if (!existsSync(join(root, link))) await symlink(target, join(root, link));
  }
}

export async function runClosureBench(root = join(PROJECT_ROOT, 'build/bench/closure-tree')): Promise<ClosureBenchResult> {
  await prepareClosureBenchTree(root);
  const tree = await readDirTree(root, { origin: 'proto', mtime: 0 });
  const entries = tree.size - 1;
  const start = process.hrtime.bigint();
  const r = await pruneByClosure(tree, { keep: ['usr/bin/cmd*', 'kernel/drv/amd64/drv*'], hardware: ['qemu'], protect: new Set() });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.missing.length || r.elfErrors.length) throw new Error(`closure bench: unexpected missing ${JSON.stringify(r.missing.slice(0, 3))} or errors ${JSON.stringify(r.elfErrors.slice(0, 3))}`);
  return { entries, seconds, kept: r.kept };
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  runClosureBench(process.argv[2]).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
