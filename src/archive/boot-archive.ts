import { createReadStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { tempPathFor, writeAtomically } from '../util/atomic.js';
import { writeChunkedGzip, type ChunkRecord, type ChunkSource } from './chunked-gzip.js';

/** Where the boot loaders look for the archive inside the ISO tree. */
export const ARCHIVE_PLACEMENT = {
  /** The illumos loader era: module_path /platform/i86pc/amd64/. */
  loader: 'platform/i86pc/amd64/boot_archive',
  /** The GRUB era: one archive for both 32- and 64-bit kernels. */
  grub: 'platform/i86pc/boot_archive',
} as const;

export interface BootArchive {
  archive: string;
  hashFile: string;
  /** SHA-1 of the uncompressed image: dboot hashes the module as loaded, i.e. decompressed. */
  sha1: string;
  imageBytes: number;
  archiveBytes: number;
  /** What compressed it: Node's zlib (its version decides the bytes) and the level. */
  gzip: string;
  /** The archive's independently compressed chunks (for the next build's reuse). */
  chunks: ChunkRecord[];
  /** How many of them were copied from the previous archive instead of compressed. */
  reusedChunks: number;
}

export const gzipIdentity = (level: number): string => `zlib ${process.versions.zlib} level ${level}`;

/**
 * Make a boot_archive from an image given as a stream of buffers, front to back: the image
 * gzip'd (the loader and GRUB decompress it; the kernel cannot), and boot_archive.hash holding
 * the SHA-1 of the uncompressed image as `digest -a sha1` prints it: 40 hex digits and a newline.
 */
export async function writeBootArchive(image: Iterable<Buffer> | AsyncIterable<Buffer>, archivePath: string, opts: { level: number; previous?: ChunkSource }): Promise<BootArchive> {
  const hashFile = `${archivePath}.hash`;
  // The pair must never disagree (a mismatch is a panic at boot): both are written under
  // temporary names, and the hash is renamed into place only after the archive.
  const hashTmp = tempPathFor(hashFile);
  try {
    const gz = await writeAtomically(archivePath, async (tmp) => {
      const r = await writeChunkedGzip(image, tmp, opts);
      await writeFile(hashTmp, `${r.sha1}\n`);
      return r;
    });
    await rename(hashTmp, hashFile);
    return { archive: archivePath, hashFile, sha1: gz.sha1, imageBytes: gz.bytes, archiveBytes: gz.archiveBytes, gzip: gzipIdentity(opts.level), chunks: gz.chunks, reusedChunks: gz.reused };
  } finally {
    await rm(hashTmp, { force: true });
  }
}

/** A boot_archive of an image file (a module archive, or an image made elsewhere). */
export function makeBootArchive(image: string, archivePath: string, level = 9, previous?: ChunkSource): Promise<BootArchive> {
  return writeBootArchive(createReadStream(image, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>, archivePath, { level, previous });
}
