import { readDirTree } from '../proto/dir-reader.js';
import type { StagedTree } from '../stage/tree.js';

/**
 * Lay overlay directories over the staged tree, in order. Files, links and devices replace what
 * the proto had; directories already present keep the proto's metadata. Returns the paths the
 * overlays placed, which pruning must not remove.
 */
export async function applyOverlays(tree: StagedTree, overlayDirs: string[], mtime: number | undefined): Promise<Set<string>> {
  const placed = new Set<string>();
  for (const dir of overlayDirs) {
    const overlay = await readDirTree(dir, { mtime, origin: 'overlay' });
    for (const e of overlay.entries()) {
      if (e.path === '') continue;
      if (e.type === 'dir' && tree.get(e.path)?.type === 'dir') continue;
      tree.put({ ...e });
      placed.add(e.path);
    }
  }
  return placed;
}
