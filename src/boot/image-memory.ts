import { open } from 'node:fs/promises';
import { listIsoFiles, readIsoFile } from '../iso/iso-files.js';

// How much guest memory an image needs. The boot loader (or GRUB) decompresses the boot_archive
// into memory, and the kernel keeps the ramdisk's pages for the root file system for as long as
// it runs (uts/i86pc/os/startup.c: the boot archive's memory is released only when root is not
// the ramdisk). On top of that the kernel, its modules and a shell need room: a few hundred MB.

/** Below this nothing boots comfortably; it is also the default for small test images. */
export const MIN_MEMORY_MIB = 1024;
/** Kernel, modules, kernel memory and a shell, beside the ramdisk. */
const RUNTIME_MIB = 640;
const MIB = 1024 * 1024;

export interface ArchiveSize {
  /** Path of the archive inside the ISO. */
  path: string;
  compressed: number;
  uncompressed: number;
}

/** The guest memory (MiB) an archive of this many uncompressed bytes needs, in 256 MiB steps. */
export function memoryForArchive(uncompressedBytes: number): number {
  const need = (uncompressedBytes * 1.25) / MIB + RUNTIME_MIB;
  return Math.max(MIN_MEMORY_MIB, Math.ceil(need / 256) * 256);
}

const ARCHIVE_NAME = /(^|\/)boot_archive(\.gz)?$/;

/**
 * The boot archive(s) an ISO carries and their uncompressed sizes (from the gzip trailer's ISIZE,
 * which holds the size modulo 4 GiB: ramdisks are far smaller). Undefined when the ISO holds none.
 */
export async function isoArchiveSize(iso: string): Promise<ArchiveSize | undefined> {
  const files = (await listIsoFiles(iso)).filter((f) => f.path.startsWith('platform/') && ARCHIVE_NAME.test(f.path));
  let largest: ArchiveSize | undefined;
  for (const f of files) {
    const head = await readIsoFile(iso, f, 0, 2);
    const gzip = head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
    const uncompressed = gzip && f.size >= 18 ? (await readIsoFile(iso, f, f.size - 4, 4)).readUInt32LE(0) : f.size;
    if (!largest || uncompressed > largest.uncompressed) largest = { path: f.path, compressed: f.size, uncompressed };
  }
  return largest;
}

/** The uncompressed size of a gzip file (its trailer's ISIZE), or undefined when it is not gzip. */
export async function gzipIsize(file: string): Promise<number | undefined> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size < 18) return undefined;
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (head[0] !== 0x1f || head[1] !== 0x8b) return undefined;
    const tail = Buffer.alloc(4);
    await fh.read(tail, 0, 4, size - 4);
    return tail.readUInt32LE(0);
  } finally {
    await fh.close();
  }
}
