import { openUfsImage, type UfsImage } from '../ufs/reader.js';
import { StagedTree } from '../stage/tree.js';
import type { StagedEntry } from '../stage/model.js';

// A built UFS image as a staged tree, so the boot check reads an image exactly as it reads a
// build's staged tree. Entries come from our UFS reader's listing; file contents are read from
// the image on demand (nothing is extracted), through the inode's block map.

export interface ImageTree {
  tree: StagedTree;
  close(): Promise<void>;
}

/** Read a UFS image's entries into a tree; contents stay in the image until read. */
export async function ufsImageTree(path: string): Promise<ImageTree> {
  const img = await openUfsImage(path);
  try {
    const entries = await img.list({ hash: false });
    const tree = new StagedTree(entries.find((e) => e.path === '')?.mtime ?? 0);
    const owners = new Map<number, string>();
    for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      if (e.path === '') continue;
      const base: StagedEntry = { path: e.path, type: 'dir', mode: e.mode, uid: e.uid, gid: e.gid, size: 0, mtime: e.mtime };
      if (e.type === 'dir') tree.put(base);
      else if (e.type === 'symlink') tree.put({ ...base, type: 'symlink', target: e.target, size: Buffer.byteLength(e.target ?? '') });
      else if (e.type === 'char' || e.type === 'block') tree.put({ ...base, type: e.type, rdev: e.rdev });
      else if (e.type === 'fifo') tree.put({ ...base, type: 'fifo' });
      else if (e.type === 'file') {
        const owner = owners.get(e.ino);
        if (owner !== undefined) tree.put({ ...base, type: 'hardlink', target: owner });
        else {
          owners.set(e.ino, e.path);
          tree.put({ ...base, type: 'file', size: e.size, source: { kind: 'reader', label: `${path}:/${e.path}`, read: fileReader(img, e.ino) } });
        }
      }
    }
    return { tree, close: () => img.close() };
  } catch (err) {
    await img.close();
    throw err;
  }
}

/** Positional reads of one inode's content (holes read as zeros). */
function fileReader(img: UfsImage, ino: number): (offset: number, length: number) => Promise<Buffer> {
  return async (offset, length) => img.readRange(await img.inode(ino), offset, length);
}
