import type { ByteSource } from './byte-source.js';
import { ELF_MAGIC, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, SIZES } from './constants.js';

/** A file that starts like ELF but whose structures are cut short or inconsistent. */
export class ElfFormatError extends Error {}

export type ElfClass = 32 | 64;

/**
 * Reads fixed-size fields of one ELF file in its own class and byte order. Offsets and sizes that
 * do not fit a JavaScript number exactly are format errors (no real object has them).
 */
export class FieldReader {
  constructor(
    readonly elfClass: ElfClass,
    readonly littleEndian: boolean,
  ) {}

  u8(b: Buffer, at: number): number {
    return b.readUInt8(at);
  }

  u16(b: Buffer, at: number): number {
    return this.littleEndian ? b.readUInt16LE(at) : b.readUInt16BE(at);
  }

  u32(b: Buffer, at: number): number {
    return this.littleEndian ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }

  i32(b: Buffer, at: number): number {
    return this.littleEndian ? b.readInt32LE(at) : b.readInt32BE(at);
  }

  u64(b: Buffer, at: number): number {
    const v = this.littleEndian ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfFormatError(`64-bit field at ${at} is too large (${v})`);
    return Number(v);
  }

  i64(b: Buffer, at: number): number {
    const v = this.littleEndian ? b.readBigInt64LE(at) : b.readBigInt64BE(at);
    return Number(v);
  }

  /** An address or offset: 4 bytes in ELF32, 8 in ELF64. */
  word(b: Buffer, at: number): number {
    return this.elfClass === 32 ? this.u32(b, at) : this.u64(b, at);
  }

  /** A signed dynamic tag: Sword in ELF32, Sxword in ELF64. */
  sword(b: Buffer, at: number): number {
    return this.elfClass === 32 ? this.i32(b, at) : this.i64(b, at);
  }
}

export interface ElfHeader {
  fields: FieldReader;
  type: number;
  machine: number;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

/** Read exactly `length` bytes or fail with a message saying what was cut short. */
export async function readExact(src: ByteSource, offset: number, length: number, what: string): Promise<Buffer> {
  if (offset < 0 || length < 0 || !Number.isSafeInteger(offset + length)) throw new ElfFormatError(`${what} has an impossible offset ${offset} or size ${length}`);
  if (offset + length > src.size) throw new ElfFormatError(`truncated: ${what} (${length} bytes at offset ${offset}) runs past the end of the ${src.size}-byte file`);
  const b = await src.read(offset, length);
  if (b.length !== length) throw new ElfFormatError(`truncated: read ${b.length} of ${length} bytes of ${what} at offset ${offset}`);
  return b;
}

/** Whether the bytes begin with the ELF magic number. */
export function hasElfMagic(head: Buffer): boolean {
  return head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC);
}

/** Parse the ELF header. The caller has checked the magic number. */
export async function readElfHeader(src: ByteSource): Promise<ElfHeader> {
  const ident = await readExact(src, 0, 16, 'the ELF identification');
  const cls = ident[4];
  const data = ident[5];
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) throw new ElfFormatError(`unknown ELF class ${cls}`);
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) throw new ElfFormatError(`unknown ELF data encoding ${data}`);
  const elfClass: ElfClass = cls === ELFCLASS32 ? 32 : 64;
  const f = new FieldReader(elfClass, data === ELFDATA2LSB);
  const h = await readExact(src, 0, SIZES[elfClass].ehdr, 'the ELF header');
  const at = elfClass === 32 ? { phoff: 28, shoff: 32, phentsize: 42 } : { phoff: 32, shoff: 40, phentsize: 54 };
  return {
    fields: f,
    type: f.u16(h, 16),
    machine: f.u16(h, 18),
    phoff: f.word(h, at.phoff),
    shoff: f.word(h, at.shoff),
    phentsize: f.u16(h, at.phentsize),
    phnum: f.u16(h, at.phentsize + 2),
    shentsize: f.u16(h, at.phentsize + 4),
    shnum: f.u16(h, at.phentsize + 6),
    shstrndx: f.u16(h, at.phentsize + 8),
  };
}
