import type { ByteSource } from './byte-source.js';
import { ElfFormatError, readExact } from './header.js';

// NUL-terminated strings from a string table at a known place in the file. A small table is read
// in one go; from a large one (a big library's .dynstr) only the strings asked for are read.

const WHOLE_TABLE_LIMIT = 256 * 1024;
const MAX_STRING = 64 * 1024;
const STEP = 256;

export class StringTable {
  private whole: Buffer | undefined;

  constructor(
    private readonly src: ByteSource,
    /** File offset of the table. */
    readonly offset: number,
    /** Table size in bytes, when known. */
    readonly size: number | undefined,
    private readonly what: string,
  ) {}

  async get(index: number): Promise<string> {
    if (this.size !== undefined && index >= this.size) throw new ElfFormatError(`string index ${index} is outside ${this.what} (${this.size} bytes)`);
    if (this.size !== undefined && this.size <= WHOLE_TABLE_LIMIT) {
      this.whole ??= await readExact(this.src, this.offset, this.size, this.what);
      const end = this.whole.indexOf(0, index);
      if (end < 0) throw new ElfFormatError(`string at index ${index} of ${this.what} is not terminated`);
      return this.whole.toString('utf8', index, end);
    }
    return readCString(this.src, this.offset + index, this.size === undefined ? MAX_STRING : Math.min(MAX_STRING, this.size - index), `string ${index} of ${this.what}`);
  }
}

/** Read a NUL-terminated string of at most `max` bytes (not counting the NUL) at `offset`. */
export async function readCString(src: ByteSource, offset: number, max: number, what: string): Promise<string> {
  const parts: Buffer[] = [];
  let length = 0;
  for (let at = offset; length <= max; at += STEP) {
    if (at >= src.size) throw new ElfFormatError(`truncated: ${what} at offset ${offset} runs past the end of the file`);
    const chunk = await src.read(at, Math.min(STEP, max + 1 - length));
    if (chunk.length === 0) throw new ElfFormatError(`truncated: ${what} at offset ${offset}`);
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      parts.push(chunk.subarray(0, nul));
      return Buffer.concat(parts).toString('utf8');
    }
    parts.push(chunk);
    length += chunk.length;
  }
  throw new ElfFormatError(`${what} at offset ${offset} is not terminated within ${max} bytes`);
}
