// The ELF numbers this reader needs (System V gABI; illumos <sys/elf.h>). Only what is used.

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
export const PN_XNUM = 0xffff;

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_DYNAMIC = 6;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
/** e_shstrndx value meaning "the real index is in section 0's sh_link". */
export const SHN_XINDEX = 0xffff;

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;

export const EM_SPARC = 2;
export const EM_386 = 3;
export const EM_SPARC32PLUS = 18;
export const EM_SPARCV9 = 43;
export const EM_AMD64 = 62;
export const EM_AARCH64 = 183;

const MACHINE_NAMES: Record<number, string> = {
  [EM_SPARC]: 'sparc',
  [EM_386]: 'i386',
  [EM_SPARC32PLUS]: 'sparc32plus',
  [EM_SPARCV9]: 'sparcv9',
  [EM_AMD64]: 'amd64',
  [EM_AARCH64]: 'aarch64',
};

export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine ${machine}`;
}

/** Sizes of the fixed structures, by class. */
export const SIZES = {
  32: { ehdr: 52, phdr: 32, shdr: 40, dyn: 8, sym: 16 },
  64: { ehdr: 64, phdr: 56, shdr: 64, dyn: 16, sym: 24 },
} as const;
