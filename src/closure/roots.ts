import picomatch from 'picomatch';
import type { StagedTree } from '../stage/tree.js';
import { withByteSource } from '../elf/byte-source.js';
import { ALWAYS_FILES, KERNEL_OBJECTS, MOUNT_POINT_DIRS, PSM_LIST, alwaysNeededModules } from './always-needed.js';
import { hardwareModules } from './hardware.js';
import { psmNames } from './script-paths.js';
import { tracePath } from './trace-path.js';
import type { ClosureRoots, ModuleRoot, PathRoot } from './walk.js';

// Where a closure starts: the profile's keep entries, the hardware shorthand's drivers, the
// paths the overlays placed, and everything an image always needs.

export interface RootOptions {
  /** Profile keep entries: image paths, globs, or kernel modules by name ("drv/e1000g"). */
  keep: readonly string[];
  hardware: readonly string[];
  /** Paths the overlays and the tool placed: kept as they are, and followed like any file. */
  protect: ReadonlySet<string>;
}

const MODULE_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.,+-]+$/;

/** Turn one keep entry into roots; a path or glob that matches nothing is a required root the walk reports. */
export function keepEntryRoots(tree: StagedTree, spec: string, allPaths: () => string[]): { paths: PathRoot[]; modules: ModuleRoot[] } {
  const path = spec.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (picomatch.scan(path).isGlob) {
    const isMatch = picomatch(path, { dot: true });
    const matches = allPaths().filter((p) => isMatch(p));
    if (matches.length === 0) return { paths: [{ path: spec, required: true, subtree: false }], modules: [] };
    return { paths: matches.map((p) => ({ path: p, required: true, subtree: true })), modules: [] };
  }
  if (tree.get(path) || tracePath(tree, path)) return { paths: [{ path, required: true, subtree: true }], modules: [] };
  if (MODULE_NAME.test(path)) return { paths: [], modules: [{ name: path, required: true }] };
  return { paths: [{ path, required: true, subtree: false }], modules: [] };
}

async function readSmallText(tree: StagedTree, path: string): Promise<string | undefined> {
  const traced = tracePath(tree, path);
  if (!traced || (traced.entry.type !== 'file' && traced.entry.type !== 'hardlink')) return undefined;
  const owner = tree.contentOwner(traced.entry);
  if (!owner.source) return undefined;
  return withByteSource(owner.source, owner.size, async (src) => (await src.read(0, Math.min(src.size, 64 * 1024))).toString('utf8'));
}

/** All the roots of a closure. */
export async function closureRoots(tree: StagedTree, opts: RootOptions): Promise<ClosureRoots> {
  let paths: string[] | undefined;
  const allPaths = () => (paths ??= tree.entries().map((e) => e.path));
  const roots: ClosureRoots = { paths: [], modules: [] };
  for (const spec of opts.keep) {
    const r = keepEntryRoots(tree, spec, allPaths);
    roots.paths.push(...r.paths);
    roots.modules.push(...r.modules);
  }
  for (const p of [...opts.protect].sort()) roots.paths.push({ path: p, required: false, subtree: false });
  for (const p of ALWAYS_FILES) roots.paths.push({ path: p, required: false, subtree: true });
  for (const p of MOUNT_POINT_DIRS) roots.paths.push({ path: p, required: false, subtree: false });
  for (const p of KERNEL_OBJECTS) roots.paths.push({ path: p, required: false, subtree: false });
  const optional = (name: string): ModuleRoot => ({ name, required: false });
  roots.modules.push(...alwaysNeededModules().map(optional), ...hardwareModules(opts.hardware).map(optional));
  const mach = await readSmallText(tree, PSM_LIST);
  if (mach) roots.modules.push(...psmNames(mach).map((n) => optional(`mach/${n}`)));
  return roots;
}
