import { bufferSource, type ByteSource } from './byte-source.js';
import { ET_CORE, ET_DYN, ET_EXEC, ET_REL, PT_INTERP, machineName } from './constants.js';
import { readDependsOn } from './depends-on.js';
import { readSectionDynamic, readSegmentDynamic, type DynamicInfo } from './dynamic.js';
import { ElfFormatError, hasElfMagic, readElfHeader, type ElfClass } from './header.js';
import { readCString } from './strings.js';
import { readProgramHeaders, readSections, type SectionHeader } from './tables.js';

export { ElfFormatError } from './header.js';
export type { ElfClass } from './header.js';

export type ElfType = 'rel' | 'exec' | 'dyn' | 'core' | 'other';

/** What closure computation needs to know about one ELF file. */
export interface ElfInfo {
  elfClass: ElfClass;
  endian: 'little' | 'big';
  /** e_machine, and its name (amd64, i386, sparcv9...). */
  machine: number;
  machineName: string;
  type: ElfType;
  needed: string[];
  runpath?: string;
  rpath?: string;
  soname?: string;
  /** PT_INTERP: the program interpreter, e.g. /usr/lib/amd64/ld.so.1. */
  interp?: string;
  /**
   * For relocatable objects (kernel modules) without DT_NEEDED: the `_depends_on` string, as
   * krtld consults it only in that case.
   */
  dependsOn?: string;
}

function typeName(t: number): ElfType {
  return t === ET_REL ? 'rel' : t === ET_EXEC ? 'exec' : t === ET_DYN ? 'dyn' : t === ET_CORE ? 'core' : 'other';
}

/**
 * Read an object's identity and dependencies with bounded positional reads (header, program
 * headers, dynamic segment, the strings it names; section headers only when needed). Returns null
 * for a file that is not ELF; throws ElfFormatError for one that is ELF but malformed.
 */
export async function readElfInfo(src: ByteSource): Promise<ElfInfo | null> {
  const magic = await src.read(0, 4);
  if (!hasElfMagic(magic)) return null;
  const h = await readElfHeader(src);
  const type = typeName(h.type);
  const info: ElfInfo = {
    elfClass: h.fields.elfClass,
    endian: h.fields.littleEndian ? 'little' : 'big',
    machine: h.machine,
    machineName: machineName(h.machine),
    type,
    needed: [],
  };
  let sections: SectionHeader[] | undefined;
  const loadSections = async () => (sections ??= await readSections(src, h));
  let dyn: DynamicInfo | undefined;
  if (type === 'rel') {
    dyn = await readSectionDynamic(src, h, await loadSections());
  } else if (type === 'exec' || type === 'dyn') {
    const segments = await readProgramHeaders(src, h);
    const interp = segments.find((p) => p.type === PT_INTERP);
    if (interp) info.interp = await readCString(src, interp.offset, Math.max(0, interp.filesz - 1), 'the PT_INTERP path');
    dyn = await readSegmentDynamic(src, h, segments, loadSections);
  }
  if (dyn) Object.assign(info, dyn);
  if (type === 'rel' && info.needed.length === 0) {
    const dependsOn = await readDependsOn(src, h, await loadSections());
    if (dependsOn !== undefined) info.dependsOn = dependsOn;
  }
  return info;
}

/** readElfInfo over bytes in memory. */
export function readElfInfoFromBuffer(data: Buffer): Promise<ElfInfo | null> {
  return readElfInfo(bufferSource(data));
}

/** A one-line description of why a file could not be read as ELF. */
export function describeElfError(err: unknown): string {
  if (err instanceof ElfFormatError) return err.message;
  if (err instanceof RangeError) return `malformed ELF structure (${err.message})`;
  return (err as Error)?.message ?? String(err);
}
