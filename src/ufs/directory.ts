// Directories in the old (4.2BSD / Solaris) format: {u32 ino, u16 reclen, u16 namlen, name, NUL,
// padding} packed into 512-byte chunks that no entry crosses (ufs-format.md §5).

import { DIRBLKSIZ, MAXNAMLEN } from './constants.js';

export interface DirEntry {
  ino: number;
  /** The name's bytes, or the name as text (written as UTF-8). */
  name: Buffer | string;
}

const byteLength = (name: Buffer | string): number => (typeof name === 'string' ? Buffer.byteLength(name) : name.length);

/** Bytes an entry with a name of `namlen` bytes needs: header, name, NUL, padded to 4. */
export const dirsiz = (namlen: number): number => 8 + ((namlen + 1 + 3) & ~3);

/** Size in bytes of a directory holding '.', '..' and entries with these name lengths. */
export function directorySize(nameLengths: Iterable<number>): number {
  let off = 0;
  let chunkEnd = DIRBLKSIZ;
  const place = (need: number) => {
    if (off + need > chunkEnd) {
      off = chunkEnd;
      chunkEnd += DIRBLKSIZ;
    }
    off += need;
  };
  place(dirsiz(1));
  place(dirsiz(2));
  for (const n of nameLengths) place(dirsiz(n));
  return chunkEnd;
}

/**
 * Encode a directory: '.', '..', then `entries` in the given order. The last entry of each chunk
 * absorbs the chunk's slack in its reclen, so every byte belongs to an entry.
 */
export function encodeDirectory(self: number, parent: number, entries: Iterable<DirEntry>): Buffer {
  const all: DirEntry[] = [{ ino: self, name: '.' }, { ino: parent, name: '..' }, ...entries];
  const size = directorySize(all.slice(2).map((e) => byteLength(e.name)));
  const buf = Buffer.alloc(size);
  let off = 0;
  let chunkEnd = DIRBLKSIZ;
  let prev = -1;
  for (const e of all) {
    const namlen = byteLength(e.name);
    if (namlen > MAXNAMLEN) throw new Error(`directory entry name of ${namlen} bytes`);
    const need = dirsiz(namlen);
    if (off + need > chunkEnd) {
      buf.writeUInt16LE(chunkEnd - prev, prev + 4);
      off = chunkEnd;
      chunkEnd += DIRBLKSIZ;
    }
    buf.writeUInt32LE(e.ino >>> 0, off);
    buf.writeUInt16LE(need, off + 4);
    buf.writeUInt16LE(namlen, off + 6);
    if (typeof e.name === 'string') buf.write(e.name, off + 8, 'utf8');
    else e.name.copy(buf, off + 8);
    prev = off;
    off += need;
  }
  buf.writeUInt16LE(chunkEnd - prev, prev + 4);
  return buf;
}

export interface ParsedDirEntry {
  ino: number;
  name: Buffer;
  /** Byte offset of the entry in the directory. */
  offset: number;
  reclen: number;
}

/**
 * Parse a directory's bytes, checking each entry as the illumos kernel's dirmangled() and
 * Linux's page check do. A malformed entry ends its chunk; the problem is reported and parsing
 * resumes at the next chunk.
 */
export function parseDirectory(buf: Buffer): { entries: ParsedDirEntry[]; problems: string[] } {
  const entries: ParsedDirEntry[] = [];
  const problems: string[] = [];
  if (buf.length % DIRBLKSIZ !== 0) problems.push(`size ${buf.length} is not a multiple of ${DIRBLKSIZ}`);
  for (let chunk = 0; chunk + DIRBLKSIZ <= buf.length; chunk += DIRBLKSIZ) {
    let off = chunk;
    const end = chunk + DIRBLKSIZ;
    while (off < end) {
      const ino = buf.readUInt32LE(off);
      const reclen = buf.readUInt16LE(off + 4);
      const namlen = buf.readUInt16LE(off + 6);
      const bad = (why: string) => problems.push(`entry at offset ${off}: ${why}`);
      if (reclen < 12 || reclen % 4 !== 0) {
        bad(`reclen ${reclen} is not a multiple of 4 of at least 12`);
        break;
      }
      if (off + reclen > end) {
        bad(`reclen ${reclen} crosses the ${DIRBLKSIZ}-byte chunk boundary`);
        break;
      }
      if (namlen > MAXNAMLEN || dirsiz(namlen) > reclen) {
        bad(`namlen ${namlen} does not fit reclen ${reclen}`);
        break;
      }
      if (ino !== 0) {
        const name = buf.subarray(off + 8, off + 8 + namlen);
        if (namlen === 0) bad('empty name');
        else if (name.includes(0)) bad('name contains a NUL byte');
        else if (buf[off + 8 + namlen] !== 0) bad('name is not NUL-terminated');
        else if (name.includes(0x2f)) bad('name contains "/"');
        else entries.push({ ino, name: Buffer.from(name), offset: off, reclen });
      }
      off += reclen;
    }
  }
  return { entries, problems };
}

/** Extend an encoded directory to `size` bytes with empty chunks ({ino 0, reclen 512}). */
export function padDirectory(dir: Buffer, size: number): Buffer {
  if (size <= dir.length) return dir;
  const out = Buffer.alloc(size);
  dir.copy(out);
  for (let off = dir.length; off < size; off += DIRBLKSIZ) out.writeUInt16LE(DIRBLKSIZ, off + 4);
  return out;
}
