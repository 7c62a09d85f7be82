import type { ByteSource } from './byte-source.js';
import { DT_NEEDED, DT_NULL, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_STRSZ, DT_STRTAB, PT_DYNAMIC, PT_LOAD, SHT_DYNAMIC, SHT_STRTAB, SIZES } from './constants.js';
import { ElfFormatError, readExact, type ElfHeader } from './header.js';
import { StringTable } from './strings.js';
import { addressToOffset, type ProgramHeader, type SectionHeader } from './tables.js';

// The dynamic section: what an object needs (DT_NEEDED), where to look (DT_RUNPATH, DT_RPATH) and
// its own name (DT_SONAME). Executables and shared objects are read through PT_DYNAMIC, whose
// string table is found by address (DT_STRTAB); relocatable objects (illumos kernel modules) have
// only the .dynamic section, whose sh_link names the string table and whose string values are
// plain offsets into it (krtld's process_dynamic reads them the same way).

const MAX_DYNAMIC_BYTES = 4 * 1024 * 1024;

export interface DynamicInfo {
  needed: string[];
  runpath?: string;
  rpath?: string;
  soname?: string;
}

interface RawEntry {
  tag: number;
  value: number;
}

async function readEntries(src: ByteSource, h: ElfHeader, offset: number, size: number): Promise<RawEntry[]> {
  const f = h.fields;
  const entSize = SIZES[f.elfClass].dyn;
  if (size > MAX_DYNAMIC_BYTES) throw new ElfFormatError(`the dynamic section claims ${size} bytes`);
  const count = Math.floor(size / entSize);
  const b = await readExact(src, offset, count * entSize, 'the dynamic section');
  const out: RawEntry[] = [];
  for (let i = 0; i < count; i++) {
    const tag = f.sword(b, i * entSize);
    if (tag === DT_NULL) break;
    const half = entSize / 2;
    // Values are only interpreted for the tags below, all of which are small offsets or addresses.
    const value = f.elfClass === 32 ? f.u32(b, i * entSize + half) : Number(f.littleEndian ? b.readBigUInt64LE(i * entSize + half) : b.readBigUInt64BE(i * entSize + half));
    out.push({ tag, value });
  }
  return out;
}

function dynamicSectionStrings(src: ByteSource, sections: SectionHeader[], dyn: SectionHeader): StringTable {
  const str = sections[dyn.link];
  if (!str || str.type !== SHT_STRTAB) throw new ElfFormatError(`the dynamic section's sh_link (${dyn.link}) is not a string table`);
  return new StringTable(src, str.offset, str.size, 'the dynamic string table');
}

async function decode(entries: RawEntry[], strings: StringTable): Promise<DynamicInfo> {
  const info: DynamicInfo = { needed: [] };
  for (const e of entries) {
    if (e.tag === DT_NEEDED) info.needed.push(await strings.get(e.value));
    else if (e.tag === DT_RUNPATH) info.runpath = await strings.get(e.value);
    else if (e.tag === DT_RPATH) info.rpath = await strings.get(e.value);
    else if (e.tag === DT_SONAME) info.soname = await strings.get(e.value);
  }
  return info;
}

/** Dynamic information of an executable or shared object; undefined when it is statically linked. */
export async function readSegmentDynamic(src: ByteSource, h: ElfHeader, segments: ProgramHeader[], sections: () => Promise<SectionHeader[]>): Promise<DynamicInfo | undefined> {
  const seg = segments.find((p) => p.type === PT_DYNAMIC);
  if (!seg) return undefined;
  const entries = await readEntries(src, h, seg.offset, seg.filesz);
  const strtab = entries.find((e) => e.tag === DT_STRTAB);
  const strsz = entries.find((e) => e.tag === DT_STRSZ)?.value;
  let strings: StringTable | undefined;
  if (strtab) {
    const offset = addressToOffset(segments, strtab.value, PT_LOAD);
    if (offset !== undefined) strings = new StringTable(src, offset, strsz, 'the dynamic string table');
  }
  if (!strings) {
    // No usable DT_STRTAB (an unusual link): fall back on the section headers.
    const all = await sections();
    const dyn = all.find((s) => s.type === SHT_DYNAMIC);
    if (!dyn) throw new ElfFormatError('the dynamic segment has no DT_STRTAB that maps into the file, and there is no .dynamic section');
    strings = dynamicSectionStrings(src, all, dyn);
  }
  return decode(entries, strings);
}

/** Dynamic information of a relocatable object (a kernel module), from its .dynamic section. */
export async function readSectionDynamic(src: ByteSource, h: ElfHeader, sections: SectionHeader[]): Promise<DynamicInfo | undefined> {
  const dyn = sections.filter((s) => s.type === SHT_DYNAMIC);
  if (dyn.length === 0) return undefined;
  if (dyn.length > 1) throw new ElfFormatError('more than one dynamic section');
  const entries = await readEntries(src, h, dyn[0].offset, dyn[0].size);
  return decode(entries, dynamicSectionStrings(src, sections, dyn[0]));
}
