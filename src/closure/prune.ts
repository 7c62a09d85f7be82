import type { PruneResult } from '../prune/globs.js';
import { parentOf, resolveInImage, type StagedTree } from '../stage/tree.js';
import { closureRoots, type RootOptions } from './roots.js';
import { tracePath } from './trace-path.js';
import { computeClosure, type MissingDependency } from './walk.js';

// Closure pruning: keep what the roots need and remove everything else. Beside the walk's result
// the image keeps the directories above kept entries, the symlinks that lead to kept entries
// (libfoo.so -> libfoo.so.1, bin -> usr/bin) and the hardlinks that share a kept file's content
// (they cost no space), except links to isaexec, which only work when their per-ISA programs are
// kept too and so are kept only when reached.

export interface ClosurePruneOptions {
  keep: string[];
  hardware: string[];
  protect: Set<string>;
}

export interface ClosurePruneResult extends PruneResult {
  /** Entries left in the tree (not counting the root). */
  kept: number;
  /** Dependencies of kept objects that the tree does not have. */
  missing: MissingDependency[];
  /** Profile keep entries that match nothing in the tree. */
  unmatchedKeep: string[];
  /** Shared libraries (lib*.so*) in the tree that nothing kept uses. */
  unusedLibraries: string[];
  /** Files that look like ELF but could not be read. */
  elfErrors: Array<{ path: string; error: string }>;
  /** Always-needed files and modules, and hardware drivers, that the tree does not have. */
  absent: string[];
}

const ISAEXEC = 'usr/lib/isaexec';
const SHARED_LIBRARY = /^lib.*\.so(\.|$)/;

function addParents(kept: Set<string>): void {
  // Stryker disable next-line LogicalOperator,StringLiteral: the root '' is added right after, and once it is in the set the loop stops at it either way
  for (const p of [...kept]) for (let d = parentOf(p); d !== '' && !kept.has(d); d = parentOf(d)) kept.add(d);
  kept.add('');
}

/** Add the symlinks that resolve to kept entries and the hardlinks that share kept content. */
function addLinks(tree: StagedTree, kept: Set<string>): void {
  for (const e of tree.entries()) {
    // Stryker disable next-line ConditionalExpression: an optimisation; re-adding a kept link's own paths changes nothing
    if (kept.has(e.path)) continue;
    if (e.type === 'symlink') {
      // Stryker disable next-line StringLiteral: a symlink always has a target
      const target = resolveInImage(e.path, e.target ?? '');
      // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: an escaping target makes tracePath null, and a link to the root is refused by the '' check below
      if (target === null || target === '') continue;
      const end = tracePath(tree, e.path);
      // The links between this one and the kept entry lead there too.
      // Stryker disable next-line StringLiteral: a link to the root is refused by the target === '' check above
      if (end && end.entry.path !== '' && kept.has(end.entry.path)) for (const l of end.links) kept.add(l);
    } else if (e.type === 'hardlink' && e.target && kept.has(e.target) && e.target !== ISAEXEC && !tree.hardlinksTo(e.target).includes(ISAEXEC)) {
      kept.add(e.path);
    }
  }
}

/**
 * Prune a staged tree to the dependency closure of the profile's keep list, its hardware and the
 * always-needed set. Missing dependencies and unmatched keep entries are returned, not thrown:
 * the caller decides (the build turns them into an InputError).
 */
export async function pruneByClosure(tree: StagedTree, opts: ClosurePruneOptions): Promise<ClosurePruneResult> {
  const rootOptions: RootOptions = { keep: opts.keep, hardware: opts.hardware, protect: opts.protect };
  const closure = await computeClosure(tree, await closureRoots(tree, rootOptions));
  const kept = closure.kept;
  for (const p of opts.protect) if (tree.has(p)) kept.add(p);
  addParents(kept);
  addLinks(tree, kept);
  addParents(kept);

  const unusedLibraries: string[] = [];
  let removed = 0;
  let removedBytes = 0;
  const entries = tree.entries();
  for (const e of entries) {
    if (!kept.has(e.path) && e.type === 'file' && SHARED_LIBRARY.test(e.path.slice(e.path.lastIndexOf('/') + 1))) unusedLibraries.push(e.path);
  }
  // Deepest first, so a directory's contents are counted before it goes.
  for (const e of entries.reverse()) {
    if (kept.has(e.path) || !tree.has(e.path)) continue;
    removed++;
    if (e.type === 'file' && !tree.hardlinksTo(e.path).some((l) => kept.has(l))) removedBytes += e.size;
    tree.remove(e.path);
  }
  return {
    kept: tree.size - 1,
    removed,
    removedBytes,
    missing: closure.missing,
    unmatchedKeep: closure.unmatched,
    unusedLibraries,
    elfErrors: closure.elfErrors,
    absent: closure.absent,
  };
}
