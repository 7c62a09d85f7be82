// A cpio archive in the "odc" (old portable ASCII, magic 070707) format, the only cpio format the
// illumos kernel reads (uts/common/krtld/bootrd_cpio.c, struct cpio_hdr) and the one illumos'
// create_ramdisk writes (`cpio -o -H odc`). Written by us, streaming from the staged tree, so
// ownership, modes and times come from the tree and no directory has to be materialised.
//
// Header: magic[6] dev[6] ino[6] mode[6] uid[6] gid[6] nlink[6] rdev[6] mtime[11] namesize[6]
// filesize[11], all octal ASCII; then the name and a NUL; then the data; no padding between
// members. The archive ends with a TRAILER!!! member and is zero-padded to 512 bytes, as cpio -o
// does.

import { open, type FileHandle } from 'node:fs/promises';
import { forEachChunk } from '../stage/content.js';
import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { writeAtomically } from '../util/atomic.js';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';

export const CPIO_ODC_MAGIC = '070707';
export const CPIO_TRAILER = 'TRAILER!!!';
const BLOCK = 512;
/** Largest value of a 6-digit octal field (uid, gid, ino, dev, nlink, mode, rdev): 262143. */
const MAX6 = 8 ** 6 - 1;
/** Largest value of an 11-digit octal field (file size, mtime): 8 GiB - 1. */
const MAX11 = 8 ** 11 - 1;

const TYPE_BITS: Record<StagedEntry['type'], number> = {
  file: 0o100000,
  hardlink: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  char: 0o020000,
  block: 0o060000,
  fifo: 0o010000,
};

function octal(value: number, width: number, what: string, path: string): string {
  const max = 8 ** width - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InputError(`${path}: ${what} ${value} does not fit the cpio odc format (0 to ${max}); use a UFS boot archive`);
  }
  return value.toString(8).padStart(width, '0');
}

export interface OdcHeaderFields {
  dev: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  rdev: number;
  mtime: number;
  name: string;
  fileSize: number;
}

/** One member header followed by its NUL-terminated name. */
export function odcHeader(h: OdcHeaderFields): Buffer {
  const name = Buffer.from(`${h.name}\0`, 'utf8');
  const fields =
    CPIO_ODC_MAGIC +
    octal(h.dev, 6, 'device number', h.name) +
    octal(h.ino, 6, 'inode number', h.name) +
    octal(h.mode, 6, 'mode', h.name) +
    octal(h.uid, 6, 'uid', h.name) +
    octal(h.gid, 6, 'gid', h.name) +
    octal(h.nlink, 6, 'link count', h.name) +
    octal(h.rdev, 6, 'device', h.name) +
    octal(h.mtime, 11, 'mtime', h.name) +
    octal(name.length, 6, 'name length', h.name) +
    octal(h.fileSize, 11, 'file size', h.name);
  return Buffer.concat([Buffer.from(fields, 'ascii'), name]);
}

/** The classic 16-bit device number cpio -H odc stores (major in the high byte). */
function odcRdev(e: StagedEntry): number {
  if (e.type !== 'char' && e.type !== 'block') return 0;
  const { major, minor } = e.rdev ?? { major: 0, minor: 0 };
  if (major > 0xff || minor > 0xff) throw new InputError(`${e.path}: device ${major},${minor} does not fit the cpio odc format (8-bit major and minor); use a UFS boot archive`);
  return (major << 8) | minor;
}

/** Sequential writes through a 1 MiB buffer. */
class BufferedWriter {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  bytes = 0;
  constructor(private readonly fh: FileHandle) {}

  async write(data: Buffer): Promise<void> {
    this.bytes += data.length;
    if (this.used + data.length > this.buf.length) await this.flush();
    if (data.length >= this.buf.length) return this.writeAll(data);
    data.copy(this.buf, this.used);
    this.used += data.length;
  }

  async flush(): Promise<void> {
    await this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private async writeAll(data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) done += (await this.fh.write(data, done, data.length - done)).bytesWritten;
  }
}

export interface CpioResult {
  bytes: number;
  members: number;
}

/**
 * Write the staged tree as an odc cpio archive: every entry but the root, in path order, names
 * relative ("etc/system"). Inode numbers are assigned in order (hardlinks share their file's, and
 * each link carries the data, which is what the kernel's reader expects of odc); device numbers
 * are 0 unless a tree has more than 262143 inodes. Deterministic for the same tree.
 */
export async function writeCpioArchive(tree: StagedTree, out: string, opts: { reporter?: Reporter } = {}): Promise<CpioResult> {
  const entries = tree.entries().filter((e) => e.path !== '');
  const inodes = new Map<string, { dev: number; ino: number }>();
  let next = 0;
  const inodeOf = (ownerPath: string): { dev: number; ino: number } => {
    let id = inodes.get(ownerPath);
    if (!id) {
      id = { dev: Math.floor(next / MAX6), ino: (next % MAX6) + 1 };
      next++;
      inodes.set(ownerPath, id);
    }
    return id;
  };

  return writeAtomically(out, async (tmp) => {
    const fh = await open(tmp, 'w');
    try {
      const w = new BufferedWriter(fh);
      let n = 0;
      for (const e of entries) {
        const owner = e.type === 'hardlink' ? tree.contentOwner(e) : e;
        const { dev, ino } = inodeOf(owner.path);
        const nlink = owner.type === 'file' ? 1 + tree.hardlinksTo(owner.path).length : e.type === 'dir' ? 2 + tree.children(e.path).filter((c) => tree.get(c)?.type === 'dir').length : 1;
        const data = e.type === 'symlink' ? Buffer.from(e.target ?? '', 'utf8') : null;
        const fileSize = owner.type === 'file' ? owner.size : (data?.length ?? 0);
        if (fileSize > MAX11) throw new InputError(`${e.path}: ${fileSize} bytes is too large for the cpio odc format (8 GiB at most); use a UFS boot archive`);
        await w.write(
          odcHeader({
            dev,
            ino,
            mode: TYPE_BITS[e.type] | (owner.mode & 0o7777),
            uid: owner.uid,
            gid: owner.gid,
            nlink,
            rdev: odcRdev(e),
            mtime: Math.max(0, owner.mtime),
            name: e.path,
            fileSize,
          }),
        );
        if (data) await w.write(data);
        else if (owner.type === 'file') await forEachChunk(owner.source!, owner.size, (chunk) => w.write(chunk));
        if (++n % 500 === 0) opts.reporter?.progress('writing cpio archive', n, entries.length);
      }
      await w.write(odcHeader({ dev: 0, ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, rdev: 0, mtime: 0, name: CPIO_TRAILER, fileSize: 0 }));
      const pad = (BLOCK - (w.bytes % BLOCK)) % BLOCK;
      if (pad > 0) await w.write(Buffer.alloc(pad));
      await w.flush();
      opts.reporter?.done('writing cpio archive');
      return { bytes: w.bytes, members: entries.length };
    } finally {
      await fh.close();
    }
  });
}
