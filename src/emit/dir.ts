import { constants, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { openContent } from '../stage/content.js';
import { chmod, copyFile, link, lutimes, mkdir, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../util/children.js';
import type { StagedTree } from '../stage/tree.js';
import { replaceDirAtomically } from '../util/atomic.js';
import type { Reporter } from '../util/progress.js';

export interface DirResult {
  /** Device nodes that exist only in the manifest: creating them needs root. */
  skippedDevices: string[];
}

/**
 * Materialise the staged tree as a real directory. Modes are kept; ownership cannot be (we are not
 * root), so it lives in the manifest. Files are cloned where the file system allows (reflink),
 * else copied. Directory modes are applied last, deepest first, so read-only directories can
 * still be filled.
 */
export async function writeDir(tree: StagedTree, outDir: string, reporter?: Reporter): Promise<DirResult> {
  const entries = tree.entries();
  const skippedDevices: string[] = [];
  await replaceDirAtomically(outDir, async (tmp) => {
    await mkdir(tmp, { recursive: true });
    let n = 0;
    for (const e of entries) {
      const dest = e.path === '' ? tmp : join(tmp, e.path);
      switch (e.type) {
        case 'dir':
          await mkdir(dest, { recursive: true, mode: 0o700 });
          break;
        case 'file':
          if (e.source!.kind === 'host') await copyFile(e.source!.path, dest, constants.COPYFILE_FICLONE);
          else await pipeline(openContent(e.source!), createWriteStream(dest));
          await chmod(dest, e.mode);
          await utimes(dest, e.mtime, e.mtime);
          break;
        case 'hardlink':
          // Owners sort before their links (canonical order), so the target exists already.
          await link(join(tmp, e.target!), dest);
          break;
        case 'symlink':
          await symlink(e.target!, dest);
          await lutimes(dest, e.mtime, e.mtime);
          break;
        case 'fifo':
          await run('mkfifo', ['-m', e.mode.toString(8), dest]);
          await utimes(dest, e.mtime, e.mtime);
          break;
        case 'char':
        case 'block':
          skippedDevices.push(e.path);
          break;
      }
      if (++n % 200 === 0) reporter?.progress('writing directory', n, entries.length);
    }
    for (const e of [...entries].reverse()) {
      if (e.type !== 'dir') continue;
      const dest = e.path === '' ? tmp : join(tmp, e.path);
      await chmod(dest, e.mode);
      await utimes(dest, e.mtime, e.mtime);
    }
    reporter?.done('writing directory');
  });
  return { skippedDevices };
}
