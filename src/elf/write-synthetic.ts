import { DT_NEEDED, DT_NULL, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_STRSZ, DT_STRTAB, EM_386, EM_AMD64, ET_DYN, ET_EXEC, ET_REL, PT_DYNAMIC, PT_INTERP, PT_LOAD, SHT_DYNAMIC, SHT_STRTAB, SHT_SYMTAB, SIZES } from './constants.js';
import type { ElfClass } from './header.js';

// Small but well-formed ELF objects made without a toolchain: shared objects and executables
// with a dynamic segment, and relocatable kernel modules with a .dynamic section and/or a
// `_depends_on` symbol. The closure benchmark lays thousands of these into a tree, and the tests
// use them for cases a host compiler cannot produce (big-endian files, illumos kernel modules).
// The objects hold no code; nothing here is meant to run.

export interface SyntheticElfOptions {
  elfClass?: ElfClass;
  endian?: 'little' | 'big';
  /** e_machine; defaults to amd64 for ELFCLASS64 and i386 for ELFCLASS32. */
  machine?: number;
  type: 'dyn' | 'exec' | 'rel';
  needed?: string[];
  runpath?: string;
  rpath?: string;
  soname?: string;
  interp?: string;
  /** For 'rel': a `_depends_on` symbol holding this string. */
  dependsOn?: string;
  /** Give a 'dyn' or 'exec' object section headers too (default true). */
  sections?: boolean;
  /** For 'rel': filler bytes before the `_depends_on` name in .strtab and before its value in .data (to place them across read boundaries). */
  padStrtab?: number;
  padData?: number;
}

class Writer {
  constructor(
    readonly cls: ElfClass,
    readonly le: boolean,
  ) {}

  u16(b: Buffer, at: number, v: number): void {
    if (this.le) b.writeUInt16LE(v, at);
    else b.writeUInt16BE(v, at);
  }

  u32(b: Buffer, at: number, v: number): void {
    if (this.le) b.writeUInt32LE(v, at);
    else b.writeUInt32BE(v, at);
  }

  u64(b: Buffer, at: number, v: number): void {
    if (this.le) b.writeBigUInt64LE(BigInt(v), at);
    else b.writeBigUInt64BE(BigInt(v), at);
  }

  word(b: Buffer, at: number, v: number): void {
    if (this.cls === 32) this.u32(b, at, v);
    else this.u64(b, at, v);
  }
}

/** A string table under construction: "\0" first, then each distinct string once. */
class Strtab {
  private readonly parts: Buffer[] = [Buffer.alloc(1)];
  private readonly index = new Map<string, number>();
  private length = 1;

  add(s: string): number {
    const known = this.index.get(s);
    if (known !== undefined) return known;
    const at = this.length;
    const b = Buffer.from(`${s}\0`, 'utf8');
    this.parts.push(b);
    this.length += b.length;
    this.index.set(s, at);
    return at;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

interface Section {
  name: string;
  type: number;
  data: Buffer;
  link?: number;
  info?: number;
  entsize?: number;
  addralign?: number;
  /** Filled in by layout. */
  offset?: number;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

function dynamicBytes(w: Writer, entries: Array<[number, number]>): Buffer {
  const size = SIZES[w.cls].dyn;
  const b = Buffer.alloc((entries.length + 1) * size);
  entries.forEach(([tag, value], i) => {
    w.word(b, i * size, tag);
    w.word(b, i * size + size / 2, value);
  });
  w.word(b, entries.length * size, DT_NULL);
  return b;
}

function writeHeader(w: Writer, b: Buffer, f: { type: number; machine: number; phoff: number; phnum: number; shoff: number; shnum: number; shstrndx: number }): void {
  b.set([0x7f, 0x45, 0x4c, 0x46, w.cls === 32 ? 1 : 2, w.le ? 1 : 2, 1]);
  w.u16(b, 16, f.type);
  w.u16(b, 18, f.machine);
  w.u32(b, 20, 1);
  const s = SIZES[w.cls];
  const at = w.cls === 32 ? { phoff: 28, shoff: 32, ehsize: 40 } : { phoff: 32, shoff: 40, ehsize: 52 };
  w.word(b, at.phoff, f.phoff);
  w.word(b, at.shoff, f.shoff);
  w.u16(b, at.ehsize, s.ehdr);
  w.u16(b, at.ehsize + 2, f.phnum ? s.phdr : 0);
  w.u16(b, at.ehsize + 4, f.phnum);
  w.u16(b, at.ehsize + 6, f.shnum ? s.shdr : 0);
  w.u16(b, at.ehsize + 8, f.shnum);
  w.u16(b, at.ehsize + 10, f.shstrndx);
}

function writeSectionHeader(w: Writer, b: Buffer, at: number, nameIndex: number, s: Section, addr: number): void {
  w.u32(b, at, nameIndex);
  w.u32(b, at + 4, s.type);
  if (w.cls === 32) {
    w.u32(b, at + 12, addr);
    w.u32(b, at + 16, s.offset!);
    w.u32(b, at + 20, s.data.length);
    w.u32(b, at + 24, s.link ?? 0);
    w.u32(b, at + 28, s.info ?? 0);
    w.u32(b, at + 32, s.addralign ?? 1);
    w.u32(b, at + 36, s.entsize ?? 0);
  } else {
    w.u64(b, at + 16, addr);
    w.u64(b, at + 24, s.offset!);
    w.u64(b, at + 32, s.data.length);
    w.u32(b, at + 40, s.link ?? 0);
    w.u32(b, at + 44, s.info ?? 0);
    w.u64(b, at + 48, s.addralign ?? 1);
    w.u64(b, at + 56, s.entsize ?? 0);
  }
}

/** Place the sections after `start`, then the section header table; returns the file size. */
function layout(sections: Section[], start: number): { shoff: number; size: number } {
  let at = start;
  for (const s of sections) {
    at = align(at, s.addralign ?? 1);
    s.offset = at;
    at += s.data.length;
  }
  const shoff = align(at, 8);
  return { shoff, size: shoff };
}

function assemble(w: Writer, o: { type: number; machine: number; sections: Section[]; programHeaders: (sections: Section[]) => Array<[number, number, number, number]>; withSectionHeaders: boolean; base: number }): Buffer {
  const s = SIZES[w.cls];
  const shstr = new Strtab();
  const names = o.sections.map((sec) => shstr.add(sec.name));
  const shstrtab: Section = { name: '.shstrtab', type: SHT_STRTAB, data: Buffer.alloc(0) };
  const shstrName = shstr.add('.shstrtab');
  shstrtab.data = shstr.bytes();
  const all = o.withSectionHeaders ? [...o.sections, shstrtab] : o.sections;
  const phnum = o.programHeaders(o.sections).length;
  const { shoff } = layout(all, s.ehdr + phnum * s.phdr);
  const shnum = o.withSectionHeaders ? all.length + 1 : 0;
  const b = Buffer.alloc(shoff + shnum * s.shdr);
  writeHeader(w, b, { type: o.type, machine: o.machine, phoff: phnum ? s.ehdr : 0, phnum, shoff: shnum ? shoff : 0, shnum, shstrndx: shnum ? all.length : 0 });
  // Program headers are computed after layout, since they point at section offsets.
  o.programHeaders(o.sections).forEach(([type, offset, filesz, flags], i) => {
    const at = s.ehdr + i * s.phdr;
    const vaddr = o.base + offset;
    if (w.cls === 32) {
      w.u32(b, at, type);
      w.u32(b, at + 4, offset);
      w.u32(b, at + 8, vaddr);
      w.u32(b, at + 12, vaddr);
      w.u32(b, at + 16, filesz);
      w.u32(b, at + 20, filesz);
      w.u32(b, at + 24, flags);
      w.u32(b, at + 28, type === PT_LOAD ? 0x1000 : 1);
    } else {
      w.u32(b, at, type);
      w.u32(b, at + 4, flags);
      w.u64(b, at + 8, offset);
      w.u64(b, at + 16, vaddr);
      w.u64(b, at + 24, vaddr);
      w.u64(b, at + 32, filesz);
      w.u64(b, at + 40, filesz);
      w.u64(b, at + 48, type === PT_LOAD ? 0x1000 : 1);
    }
  });
  for (const sec of all) sec.data.copy(b, sec.offset!);
  if (shnum) {
    all.forEach((sec, i) => {
      const addr = o.type === ET_REL ? 0 : o.base + sec.offset!;
      writeSectionHeader(w, b, shoff + (i + 1) * s.shdr, sec === shstrtab ? shstrName : names[i], sec, addr);
    });
  }
  return b;
}

function linkedObject(w: Writer, o: SyntheticElfOptions, machine: number): Buffer {
  const base = o.type === 'exec' ? 0x400000 : 0;
  const dynstr = new Strtab();
  const entries: Array<[number, number]> = [];
  for (const n of o.needed ?? []) entries.push([DT_NEEDED, dynstr.add(n)]);
  if (o.soname !== undefined) entries.push([DT_SONAME, dynstr.add(o.soname)]);
  if (o.runpath !== undefined) entries.push([DT_RUNPATH, dynstr.add(o.runpath)]);
  if (o.rpath !== undefined) entries.push([DT_RPATH, dynstr.add(o.rpath)]);
  const interp: Section | undefined = o.interp !== undefined ? { name: '.interp', type: 1, data: Buffer.from(`${o.interp}\0`) } : undefined;
  const strSec: Section = { name: '.dynstr', type: SHT_STRTAB, data: dynstr.bytes() };
  // DT_STRTAB needs the string table's address, known only after layout: reserve the entries now
  // and patch the address in below.
  entries.push([DT_STRTAB, 0], [DT_STRSZ, strSec.data.length]);
  const dynSec: Section = { name: '.dynamic', type: SHT_DYNAMIC, data: dynamicBytes(w, entries), addralign: 8, entsize: SIZES[w.cls].dyn };
  const sections = [...(interp ? [interp] : []), strSec, dynSec];
  dynSec.link = sections.indexOf(strSec) + 1;
  const phdrs = (secs: Section[]): Array<[number, number, number, number]> => {
    const end = Math.max(...secs.map((x) => (x.offset ?? 0) + x.data.length));
    const list: Array<[number, number, number, number]> = [[PT_LOAD, 0, end, 5]];
    if (interp) list.push([PT_INTERP, interp.offset ?? 0, interp.data.length, 4]);
    list.push([PT_DYNAMIC, dynSec.offset ?? 0, dynSec.data.length, 6]);
    return list;
  };
  // Lay out once to learn the string table's offset, then write the final dynamic section.
  layout(sections, SIZES[w.cls].ehdr + phdrs(sections).length * SIZES[w.cls].phdr);
  entries[entries.length - 2][1] = base + strSec.offset!;
  dynSec.data = dynamicBytes(w, entries);
  return assemble(w, { type: o.type === 'exec' ? ET_EXEC : ET_DYN, machine, sections, programHeaders: phdrs, withSectionHeaders: o.sections ?? true, base });
}

function kernelModule(w: Writer, o: SyntheticElfOptions, machine: number): Buffer {
  const sections: Section[] = [];
  const dynstr = new Strtab();
  const needed = o.needed ?? [];
  if (needed.length) {
    const entries: Array<[number, number]> = needed.map((n) => [DT_NEEDED, dynstr.add(n)]);
    const strSec: Section = { name: '.dynstr', type: SHT_STRTAB, data: dynstr.bytes() };
    sections.push(strSec, { name: '.dynamic', type: SHT_DYNAMIC, data: dynamicBytes(w, entries), link: 1, addralign: 8, entsize: SIZES[w.cls].dyn });
  }
  // A data section with some other variable before _depends_on, so its value is a real offset.
  const prefix = Buffer.concat([Buffer.from('modlinkage\0\0\0\0\0\0'), Buffer.alloc(o.padData ?? 0)]);
  const value = o.dependsOn !== undefined ? Buffer.from(`${o.dependsOn}\0`) : Buffer.alloc(0);
  const data: Section = { name: '.data', type: 1, data: Buffer.concat([prefix, value]), addralign: 8 };
  sections.push(data);
  const dataIndex = sections.length;
  const strtab = new Strtab();
  strtab.add('_init');
  if (o.padStrtab) strtab.add('x'.repeat(o.padStrtab - 1));
  const symSize = SIZES[w.cls].sym;
  const syms = Buffer.alloc(symSize * (o.dependsOn !== undefined ? 3 : 2));
  const writeSym = (i: number, name: number, value: number, size: number, shndx: number) => {
    const at = i * symSize;
    w.u32(syms, at, name);
    if (w.cls === 32) {
      w.u32(syms, at + 4, value);
      w.u32(syms, at + 8, size);
      syms[at + 12] = 0x11; // STB_GLOBAL, STT_OBJECT
      w.u16(syms, at + 14, shndx);
    } else {
      syms[at + 4] = 0x11;
      w.u16(syms, at + 6, shndx);
      w.u64(syms, at + 8, value);
      w.u64(syms, at + 16, size);
    }
  };
  writeSym(1, strtab.add('_init'), 0, 0, dataIndex);
  if (o.dependsOn !== undefined) writeSym(2, strtab.add('_depends_on'), prefix.length, value.length, dataIndex);
  const strSec: Section = { name: '.strtab', type: SHT_STRTAB, data: strtab.bytes() };
  sections.push(strSec);
  sections.push({ name: '.symtab', type: SHT_SYMTAB, data: syms, link: sections.length, info: 1, entsize: symSize, addralign: 8 });
  return assemble(w, { type: ET_REL, machine, sections, programHeaders: () => [], withSectionHeaders: true, base: 0 });
}

/** Build a small ELF object in memory. */
export function buildSyntheticElf(o: SyntheticElfOptions): Buffer {
  const cls = o.elfClass ?? 64;
  const w = new Writer(cls, (o.endian ?? 'little') === 'little');
  const machine = o.machine ?? (cls === 64 ? EM_AMD64 : EM_386);
  return o.type === 'rel' ? kernelModule(w, o, machine) : linkedObject(w, o, machine);
}
