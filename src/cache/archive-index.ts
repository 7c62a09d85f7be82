import { statSync } from 'node:fs';
import type { ChunkRecord, ChunkSource } from '../archive/chunked-gzip.js';
import type { BuildCache } from './build-cache.js';

// The chunk index of a published boot_archive: which compressed bytes at which offset hold which
// uncompressed content. The next build into the same place copies every chunk whose content it
// would produce again instead of compressing it; identical zlib and level give identical bytes,
// so the archive is the one a cold build writes. The index names the archive file by size,
// modification time and inode: an archive replaced or touched by anyone else is not trusted.

interface ArchiveIndex {
  gzip: string;
  file: { size: number; mtimeMs: number; ino: number };
  /** [sha256, uncompressed length, compressed length, offset] per chunk. */
  chunks: Array<[string, number, number, number]>;
}

const identityOf = (path: string): ArchiveIndex['file'] | undefined => {
  try {
    const st = statSync(path);
    return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
  } catch {
    return undefined;
  }
};

/** The chunks of the archive now at `archivePath`, if the cache indexed exactly that file with the same compressor. */
export function previousChunks(cache: BuildCache | undefined, archivePath: string, gzip: string): ChunkSource | undefined {
  if (!cache) return undefined;
  const index = cache.read<ArchiveIndex>(cache.nameFor('archive', archivePath));
  const now = identityOf(archivePath);
  if (!index || !now || index.gzip !== gzip) return undefined;
  if (index.file.size !== now.size || index.file.mtimeMs !== now.mtimeMs || index.file.ino !== now.ino) return undefined;
  const byHash = new Map<string, { offset: number; length: number }>();
  for (const [h, , c, o] of index.chunks) if (o + c <= now.size) byHash.set(h, { offset: o, length: c });
  return { path: archivePath, lookup: (h) => byHash.get(h) };
}

/**
 * Remember the chunks of an archive. `written` is where it was written (its staging name) and
 * `archivePath` where it is published: a rename keeps the inode and modification time, so the
 * identity taken before publishing holds after it.
 */
export function rememberChunks(cache: BuildCache | undefined, archivePath: string, written: string, gzip: string, chunks: ChunkRecord[]): void {
  if (!cache) return;
  const file = identityOf(written);
  if (!file) return;
  const index: ArchiveIndex = { gzip, file, chunks: chunks.map((c) => [c.h, c.u, c.c, c.o]) };
  cache.write(cache.nameFor('archive', archivePath), index);
}
