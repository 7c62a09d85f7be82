import type { StagedTree } from '../stage/tree.js';
import { RACY_MS, type BuildCache } from './build-cache.js';

// The sha256 of proto files, keyed by what the file system says about them (device, inode, size,
// modification and change time, taken when the proto was walked): a file with the same stamp has
// the same content, so its hash is taken from the cache and the emitters read it only to copy it.
// Anything that rewrites a file changes its ctime, so a stale hash would need the clock set back,
// or a second write within the same clock tick as the walk's look: a file changed less than
// RACY_MS before the build began is hashed again next time rather than trusted by its stamp.
// One line per file, "<sha256> <stamp> <image path>", written and read a line at a time: for a
// tree of 100,000 files a JSON document would cost tens of megabytes to build or parse.

const HEADER = 'compose-file-hashes 1\n';

/** The later of the modification and change times a stamp (device:inode:size:mtime:ctime) records. */
function changedAt(stamp: string): number {
  const f = stamp.split(':');
  return Math.max(Number(f[3]), Number(f[4]));
}

/**
 * Fill in the sha256 of every host file whose stamp matches the cache; returns how many. The
 * file is read as bytes and each field copied out (a slice of one big string would keep all of
 * it alive for as long as any hash taken from it).
 */
export function applyFileHashes(cache: BuildCache | undefined, outDir: string, tree: StagedTree): number {
  const data = cache?.readBytes(cache.nameFor('file-hashes', outDir));
  if (!data || data.toString('latin1', 0, HEADER.length) !== HEADER) return 0;
  let hits = 0;
  for (let at = HEADER.length; at < data.length; ) {
    let end = data.indexOf(0x0a, at);
    if (end < 0) end = data.length;
    const sp1 = at + 64;
    const sp2 = data.indexOf(0x20, sp1 + 1);
    if (data[sp1] === 0x20 && sp2 > sp1 && sp2 < end) {
      const e = tree.get(data.toString('utf8', sp2 + 1, end));
      if (e?.type === 'file' && e.sha256 === undefined && e.source?.kind === 'host' && e.source.stamp === data.toString('latin1', sp1 + 1, sp2)) {
        e.sha256 = data.toString('latin1', at, sp1);
        hits++;
      }
    }
    at = end + 1;
  }
  return hits;
}

/**
 * Remember the sha256 of every stamped host file of the tree (after a build hashed them all), for
 * builds into `outDir`; `startedMs` is when the build began walking the files.
 */
export function rememberFileHashes(cache: BuildCache | undefined, outDir: string, tree: StagedTree, startedMs: number): void {
  cache?.writeStream(cache.nameFor('file-hashes', outDir), (out) => {
    out.writeString(HEADER);
    for (const e of tree.entries()) {
      if (e.type !== 'file' || !e.sha256 || e.source?.kind !== 'host' || !e.source.stamp || e.path.includes('\n')) continue;
      if (changedAt(e.source.stamp) >= startedMs - RACY_MS) continue;
      out.writeString(`${e.sha256} ${e.source.stamp} ${e.path}\n`);
    }
  });
}
