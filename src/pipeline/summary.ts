import type { StagedTree } from '../stage/tree.js';
import type { EntryType } from '../stage/model.js';

export interface TreeSummary {
  entries: number;
  byType: Partial<Record<EntryType, number>>;
  /** Bytes of file content (each hardlinked file counted once). */
  contentBytes: number;
  setuid: number;
  setgid: number;
}

export function summarizeTree(tree: StagedTree): TreeSummary {
  const s: TreeSummary = { entries: 0, byType: {}, contentBytes: 0, setuid: 0, setgid: 0 };
  for (const e of tree.entries()) {
    if (e.path === '') continue;
    s.entries++;
    s.byType[e.type] = (s.byType[e.type] ?? 0) + 1;
    if (e.type === 'file') s.contentBytes += e.size;
    if (e.mode & 0o4000) s.setuid++;
    if (e.mode & 0o2000 && e.type !== 'dir') s.setgid++;
  }
  return s;
}
