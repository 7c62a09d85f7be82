import type { StagedEntry } from './model.js';
import { comparePaths, StagedTree } from './tree.js';

/**
 * Make the owner of every hardlink group its smallest path. A directory walk and a tarball of it
 * can name a different member first; choosing by path makes both give the same model.
 */
export function canonicalizeHardlinks(tree: StagedTree): void {
  const groups = new Map<string, string[]>();
  for (const e of tree.entries()) {
    if (e.type !== 'hardlink') continue;
    const owner = e.target!;
    groups.set(owner, [...(groups.get(owner) ?? []), e.path]);
  }
  for (const [owner, links] of groups) {
    const first = [owner, ...links].sort(comparePaths)[0];
    if (first === owner) continue;
    const ownerEntry = tree.get(owner)!;
    const heir: StagedEntry = { ...tree.get(first)!, type: 'file', source: ownerEntry.source, size: ownerEntry.size, sha256: ownerEntry.sha256, mode: ownerEntry.mode };
    delete heir.target;
    // Re-point every member at the heir, then turn the old owner into a link.
    tree.put(heir);
    for (const l of links) if (l !== first) tree.put({ ...tree.get(l)!, target: first });
    const demoted: StagedEntry = { ...ownerEntry, type: 'hardlink', target: first };
    delete demoted.source;
    delete demoted.sha256;
    tree.put(demoted);
  }
}
