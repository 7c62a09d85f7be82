import type { ByteSource } from './byte-source.js';
import { SHN_LORESERVE, SHN_UNDEF, SHT_DYNSYM, SHT_NOBITS, SHT_STRTAB, SHT_SYMTAB, SIZES } from './constants.js';
import { ElfFormatError, readExact, type ElfHeader } from './header.js';
import { readCString } from './strings.js';
import type { SectionHeader } from './tables.js';

// Old kernel modules name their dependencies in a data symbol, `char _depends_on[] = "misc/scsi
// drv/ip"` (krtld's depends_on() reads it when the module has no DT_NEEDED). To find it we look
// for the name in the symbol string table first (streamed in chunks), so the symbol table itself
// is only scanned for entries whose st_name points at "_depends_on".

const NAME = Buffer.from('_depends_on\0');
const CHUNK = 256 * 1024;
const MAX_VALUE = 64 * 1024;

/** Every offset in a string table at which the string "_depends_on" starts. */
async function nameOffsets(src: ByteSource, table: SectionHeader): Promise<Set<number>> {
  const found = new Set<number>();
  for (let start = 0; start < table.size; start += CHUNK) {
    // Overlap chunks by the name's length so a match across a boundary is not lost.
    const len = Math.min(table.size - start, CHUNK + NAME.length - 1);
    const b = await readExact(src, table.offset + start, len, 'the symbol string table');
    for (let i = b.indexOf(NAME); i >= 0; i = b.indexOf(NAME, i + 1)) found.add(start + i);
  }
  return found;
}

interface FoundSymbol {
  value: number;
  size: number;
  shndx: number;
}

async function findSymbol(src: ByteSource, h: ElfHeader, symtab: SectionHeader, names: Set<number>): Promise<FoundSymbol | undefined> {
  const f = h.fields;
  const entSize = symtab.entsize || SIZES[f.elfClass].sym;
  if (entSize < SIZES[f.elfClass].sym) throw new ElfFormatError(`symbol table entry size ${entSize} is too small`);
  const perChunk = Math.max(1, Math.floor(CHUNK / entSize));
  const total = Math.floor(symtab.size / entSize);
  for (let first = 0; first < total; first += perChunk) {
    const n = Math.min(perChunk, total - first);
    const b = await readExact(src, symtab.offset + first * entSize, n * entSize, 'the symbol table');
    for (let i = 0; i < n; i++) {
      const at = i * entSize;
      if (!names.has(f.u32(b, at))) continue;
      return f.elfClass === 32
        ? { value: f.u32(b, at + 4), size: f.u32(b, at + 8), shndx: f.u16(b, at + 14) }
        : { shndx: f.u16(b, at + 6), value: f.u64(b, at + 8), size: f.u64(b, at + 16) };
    }
  }
  return undefined;
}

/** The string a relocatable object's `_depends_on` symbol holds, or undefined if it has none. */
export async function readDependsOn(src: ByteSource, h: ElfHeader, sections: SectionHeader[]): Promise<string | undefined> {
  const symtab = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
  if (!symtab) return undefined;
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type !== SHT_STRTAB) throw new ElfFormatError(`the symbol table's sh_link (${symtab.link}) is not a string table`);
  const names = await nameOffsets(src, strtab);
  if (names.size === 0) return undefined;
  const sym = await findSymbol(src, h, symtab, names);
  if (!sym || sym.shndx === SHN_UNDEF) return undefined;
  if (sym.shndx >= SHN_LORESERVE) throw new ElfFormatError(`_depends_on is in special section ${sym.shndx}`);
  const data = sections[sym.shndx];
  if (!data) throw new ElfFormatError(`_depends_on is in section ${sym.shndx}, which does not exist`);
  if (data.type === SHT_NOBITS) throw new ElfFormatError('_depends_on is in a section with no file data');
  if (sym.value >= data.size) throw new ElfFormatError(`_depends_on (value ${sym.value}) lies outside its section`);
  // In a relocatable object a symbol's value is its offset within its section.
  const max = Math.min(MAX_VALUE, data.size - sym.value, sym.size || MAX_VALUE);
  return readCString(src, data.offset + sym.value, max, '_depends_on');
}
