import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { openContent } from '../stage/content.js';
import { writeAtomically } from '../util/atomic.js';
import type { Reporter } from '../util/progress.js';

function header(e: StagedEntry, mtime: number): Partial<tarStream.Header> & { name: string } {
  const name = e.type === 'dir' ? `${e.path}/` : e.path;
  const base = { name, mode: e.mode, uid: e.uid, gid: e.gid, uname: '', gname: '', mtime: new Date(mtime * 1000) };
  switch (e.type) {
    case 'file':
      return { ...base, type: 'file', size: e.size };
    case 'dir':
      return { ...base, type: 'directory' };
    case 'symlink':
      return { ...base, type: 'symlink', linkname: e.target };
    case 'hardlink':
      return { ...base, type: 'link', linkname: e.target };
    case 'char':
      return { ...base, type: 'character-device', devmajor: e.rdev!.major, devminor: e.rdev!.minor };
    case 'block':
      return { ...base, type: 'block-device', devmajor: e.rdev!.major, devminor: e.rdev!.minor };
    case 'fifo':
      return { ...base, type: 'fifo' };
  }
}

/**
 * Write the staged tree as a tar with the model's ownership and modes (not the host's), sorted by
 * path, contents streamed. The root directory is written as "./".
 */
export async function writeTar(tree: StagedTree, outPath: string, reporter?: Reporter): Promise<void> {
  const entries = tree.entries();
  const total = entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
  await writeAtomically(outPath, async (tmp) => {
    const pack = tarStream.pack();
    const done = pipeline(pack, createWriteStream(tmp));
    // A write error (a full disk) rejects `done` while an entry is being streamed: every wait
    // races it, so the error reaches the caller instead of going unhandled.
    done.catch(() => {});
    const orFail = <T>(p: Promise<T>): Promise<T> => Promise.race([p, done.then(() => p)]);
    let written = 0;
    for (const e of entries) {
      if (e.path === '') {
        pack.entry({ name: './', type: 'directory', mode: e.mode, uid: e.uid, gid: e.gid, mtime: new Date(e.mtime * 1000) });
        continue;
      }
      const h = header(e, e.mtime);
      if (e.type !== 'file') {
        pack.entry(h);
        continue;
      }
      await orFail(
        new Promise<void>((resolve, reject) => {
          const sink = pack.entry(h, (err) => (err ? reject(err) : resolve()));
          // When the output fails, tar-stream destroys the entry's stream with the error too.
          sink.on('error', reject);
          const src = openContent(e.source!);
          src.on('error', reject);
          src.pipe(sink);
        }),
      );
      written += e.size;
      reporter?.progress('writing tar', written, total);
    }
    pack.finalize();
    await done;
    reporter?.done('writing tar');
  });
}
