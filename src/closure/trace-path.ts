import type { StagedEntry } from '../stage/model.js';
import { normalizeImagePath, resolveInImage, type StagedTree } from '../stage/tree.js';

// Path resolution inside the image that also reports every symlink it went through: keeping
// usr/lib/64/libc.so.1 means keeping the usr/lib/64 -> amd64 link and each link on the way to the
// real file, not only the file (StagedTree.resolve gives just the end point).

export interface TracedPath {
  /** The entry the path ends at (never a symlink). */
  entry: StagedEntry;
  /** The symlinks followed, in order. */
  links: string[];
}

const MAX_LINKS = 40;

/** Resolve `path` through symlinks inside the image; null if it does not exist, loops or escapes. */
export function tracePath(tree: StagedTree, path: string): TracedPath | null {
  let parts: string[];
  try {
    // Stryker disable next-line MethodExpression: a normalised path has no empty components but for '', where [''] walks to the root just the same
    parts = normalizeImagePath(path).split('/').filter(Boolean);
  } catch {
    return null;
  }
  const links: string[] = [];
  let cur = '';
  for (let i = 0; i < parts.length; i++) {
    const next = cur === '' ? parts[i] : `${cur}/${parts[i]}`;
    const e = tree.get(next);
    if (!e) return null;
    if (e.type === 'symlink') {
      if (links.length >= MAX_LINKS) return null;
      links.push(next);
      // Stryker disable next-line StringLiteral: a symlink always has a target
      const target = resolveInImage(next, e.target ?? '');
      if (target === null) return null;
      // Restart from the link's target with the rest of the path appended.
      // Stryker disable next-line MethodExpression: resolveInImage joins non-empty components, so only the root '' gives an empty one, which walks to the root just the same
      parts = [...target.split('/').filter(Boolean), ...parts.slice(i + 1)];
      cur = '';
      i = -1;
      continue;
    }
    // Stryker disable next-line ConditionalExpression: a path going on below a non-directory finds no entry at the next step and returns null anyway
    if (e.type !== 'dir' && i < parts.length - 1) return null;
    cur = next;
  }
  const entry = tree.get(cur);
  return entry ? { entry, links } : null;
}
