import { closeSync, openSync } from 'node:fs';
import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { passContentSync } from '../stage/content-pass.js';
import { hashThread } from '../stage/hash-thread.js';
import { writeAtomically } from '../util/atomic.js';
import type { Reporter } from '../util/progress.js';
import { SequentialWriter } from '../util/sequential-writer.js';
import { END_OF_ARCHIVE, padding, writeHeader, type TarHeader } from './tar-format.js';

/** The tar header of an entry: one object, no copies (it is made for every entry of the tree). */
function header(e: StagedEntry): TarHeader {
  const device = e.type === 'char' || e.type === 'block';
  return {
    name: e.type === 'dir' ? `${e.path}/` : e.path,
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    mtime: e.mtime,
    size: e.type === 'file' ? e.size : 0,
    linkname: e.type === 'symlink' || e.type === 'hardlink' ? e.target : undefined,
    devmajor: device ? e.rdev!.major : undefined,
    devminor: device ? e.rdev!.minor : undefined,
  };
}

/**
 * Write the staged tree as a tar with the model's ownership and modes (not the host's), sorted by
 * path, contents read once (their sha256 computed on the way) and written with large
 * synchronous writes. The root directory is written as "./".
 */
export async function writeTar(tree: StagedTree, outPath: string, reporter?: Reporter): Promise<void> {
  const entries = tree.entries();
  const total = entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
  await writeAtomically(outPath, async (tmp) => {
    const fd = openSync(tmp, 'w');
    try {
      const out = new SequentialWriter(fd);
      let written = 0;
      for (const e of entries) {
        if (e.path === '') {
          writeHeader(out, { name: './', type: 'dir', mode: e.mode, uid: e.uid, gid: e.gid, size: 0, mtime: e.mtime });
          continue;
        }
        writeHeader(out, header(e));
        if (e.type !== 'file' || e.size === 0) continue;
        passContentSync(e, (chunk) => out.write(chunk));
        out.zeros(padding(e.size));
        written += e.size;
        reporter?.progress('writing tar', written, total);
      }
      out.write(END_OF_ARCHIVE);
      out.flush();
    } finally {
      closeSync(fd);
    }
    await hashThread().settle();
    reporter?.done('writing tar');
  });
}
