import type { ByteSource } from './byte-source.js';
import { PN_XNUM, SIZES } from './constants.js';
import { ElfFormatError, readExact, type ElfHeader } from './header.js';

// Program and section header tables. Counts are bounded so a corrupt header cannot make the
// reader allocate gigabytes.

const MAX_TABLE_BYTES = 8 * 1024 * 1024;

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

export interface SectionHeader {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

async function readTable(src: ByteSource, offset: number, count: number, entsize: number, minEntsize: number, what: string): Promise<Buffer> {
  if (count === 0) return Buffer.alloc(0);
  if (entsize < minEntsize) throw new ElfFormatError(`${what} entry size ${entsize} is smaller than ${minEntsize}`);
  if (count * entsize > MAX_TABLE_BYTES) throw new ElfFormatError(`${what} claims ${count} entries of ${entsize} bytes`);
  return readExact(src, offset, count * entsize, what);
}

/** Section 0, which carries the real counts when a file has too many sections or segments. */
async function sectionZero(src: ByteSource, h: ElfHeader): Promise<SectionHeader | undefined> {
  if (h.shoff === 0) return undefined;
  const [s] = await readSections(src, h, 1);
  return s;
}

export async function readProgramHeaders(src: ByteSource, h: ElfHeader): Promise<ProgramHeader[]> {
  if (h.phoff === 0) return [];
  let count = h.phnum;
  if (count === PN_XNUM) count = (await sectionZero(src, h))?.info ?? 0;
  const f = h.fields;
  const size = SIZES[f.elfClass].phdr;
  const t = await readTable(src, h.phoff, count, h.phentsize, size, 'the program header table');
  const out: ProgramHeader[] = [];
  for (let i = 0; i < count; i++) {
    const b = t.subarray(i * h.phentsize, i * h.phentsize + size);
    out.push(
      f.elfClass === 32
        ? { type: f.u32(b, 0), offset: f.u32(b, 4), vaddr: f.u32(b, 8), filesz: f.u32(b, 16) }
        : { type: f.u32(b, 0), offset: f.u64(b, 8), vaddr: f.u64(b, 16), filesz: f.u64(b, 32) },
    );
  }
  return out;
}

export async function readSections(src: ByteSource, h: ElfHeader, limit?: number): Promise<SectionHeader[]> {
  if (h.shoff === 0) return [];
  const f = h.fields;
  const size = SIZES[f.elfClass].shdr;
  let count = h.shnum;
  if (limit === undefined && count === 0) count = (await sectionZero(src, h))?.size ?? 0;
  if (limit !== undefined) count = limit;
  const t = await readTable(src, h.shoff, count, h.shentsize, size, 'the section header table');
  const out: SectionHeader[] = [];
  for (let i = 0; i < count; i++) {
    const b = t.subarray(i * h.shentsize, i * h.shentsize + size);
    out.push(
      f.elfClass === 32
        ? { type: f.u32(b, 4), offset: f.u32(b, 16), size: f.u32(b, 20), link: f.u32(b, 24), info: f.u32(b, 28), entsize: f.u32(b, 36) }
        : { type: f.u32(b, 4), offset: f.u64(b, 24), size: f.u64(b, 32), link: f.u32(b, 40), info: f.u32(b, 44), entsize: f.u64(b, 56) },
    );
  }
  return out;
}

/** The file offset of a virtual address, through the loadable segments; undefined if none maps it. */
export function addressToOffset(segments: ProgramHeader[], vaddr: number, loadType: number): number | undefined {
  for (const p of segments) {
    if (p.type === loadType && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
  }
  return undefined;
}
