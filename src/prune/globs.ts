import picomatch from 'picomatch';
import { parentOf, type StagedTree } from '../stage/tree.js';

export interface PruneResult {
  removed: number;
  removedBytes: number;
  /** Include globs that match nothing in the tree (probably a typo). */
  unmatchedGlobs?: string[];
}

/** The globs of a list that match no path of the tree (directly or as a directory above one). */
export function unmatchedGlobs(tree: StagedTree, globs: string[]): string[] {
  if (globs.length === 0) return [];
  const paths = tree.entries().map((e) => e.path);
  return globs.filter((g) => {
    const isMatch = picomatch(g.replace(/^\/+/, '').replace(/\/+$/, ''), { dot: true });
    return !paths.some((p) => p !== '' && isMatch(p));
  });
}

/** A matcher that is true when a path or any of its ancestors matches one of the globs. */
function subtreeMatcher(globs: string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const isMatch = picomatch(globs.map((g) => g.replace(/^\/+/, '').replace(/\/+$/, '')), { dot: true });
  const memo = new Map<string, boolean>([['', false]]);
  const test = (path: string): boolean => {
    let v = memo.get(path);
    if (v === undefined) {
      v = isMatch(path) || test(parentOf(path));
      memo.set(path, v);
    }
    return v;
  };
  return test;
}

/**
 * Apply a profile's include (allow-list) and exclude (deny-list) globs. A glob that matches a
 * directory covers everything below it. With an include list, an entry stays only when it or an
 * ancestor is included (the directories above a kept entry stay too); exclude wins over include.
 * Entries the overlays or the tool placed (`protect`) are never removed.
 */
export function pruneByGlobs(tree: StagedTree, include: string[], exclude: string[], protect: Set<string>): PruneResult {
  // Excludes are often defensive (a boot_archive that may not be there); an include that matches
  // nothing is a mistake worth saying.
  const unmatched = unmatchedGlobs(tree, include);
  const included = include.length ? subtreeMatcher(include) : () => true;
  const excluded = subtreeMatcher(exclude);
  const keep = new Set<string>(['']);
  for (const e of tree.entries()) {
    if (e.path === '') continue;
    if (protect.has(e.path) || (included(e.path) && !excluded(e.path))) {
      // Keep the directories leading to a kept entry.
      for (let p = e.path; p !== '' && !keep.has(p); p = parentOf(p)) keep.add(p);
    }
  }
  let removed = 0;
  let removedBytes = 0;
  // Remove deepest first so a directory's children are counted before it goes.
  for (const e of tree.entries().reverse()) {
    if (keep.has(e.path) || !tree.has(e.path)) continue;
    removed++;
    if (e.type === 'file') removedBytes += e.size;
    tree.remove(e.path);
  }
  return { removed, removedBytes, unmatchedGlobs: unmatched };
}
