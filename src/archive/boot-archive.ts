import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { tempPathFor, writeAtomically } from '../util/atomic.js';
import { gzipFile, type GzipResult } from './gzip.js';

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
  gzip: GzipResult['tool'];
}

export async function sha1File(path: string): Promise<{ sha1: string; bytes: number }> {
  const h = createHash('sha1');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha1: h.digest('hex'), bytes };
}

/**
 * Make a boot_archive from a UFS image: the image gzip'd (the loader and GRUB decompress it; the
 * kernel cannot), and boot_archive.hash holding the SHA-1 of the uncompressed image as
 * `digest -a sha1` prints it: 40 hex digits and a newline.
 */
export async function makeBootArchive(image: string, archivePath: string, level = 9): Promise<BootArchive> {
  const { sha1, bytes } = await sha1File(image);
  const hashFile = `${archivePath}.hash`;
  // The pair must never disagree (a mismatch is a panic at boot): both are written under
  // temporary names, and the hash is renamed into place only after the archive.
  const hashTmp = tempPathFor(hashFile);
  let gz: GzipResult;
  try {
    await writeFile(hashTmp, `${sha1}\n`);
    gz = await writeAtomically(archivePath, (tmp) => gzipFile(image, tmp, level));
    await rename(hashTmp, hashFile);
  } finally {
    await rm(hashTmp, { force: true });
  }
  return { archive: archivePath, hashFile, sha1, imageBytes: bytes, archiveBytes: gz.bytes, gzip: gz.tool };
}
