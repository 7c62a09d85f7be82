import { open, type FileHandle } from 'node:fs/promises';
import type { ContentSource } from '../stage/model.js';

// Positional reads of a staged file's bytes, so parsers can read a header here and a table there
// without loading the file: host files through one open file handle, generated files by slicing
// their buffer. The first block is read once and cached, because small objects keep every
// structure a parser wants inside it.

export const HEAD_BYTES = 64 * 1024;

export interface ByteSource {
  /** Size as staged; reads past it come back short. */
  readonly size: number;
  /** Up to `length` bytes at `offset`; shorter only at the end of the file. */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

class BufferSource implements ByteSource {
  constructor(private readonly data: Buffer) {}

  get size(): number {
    return this.data.length;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    if (offset >= this.data.length || length <= 0) return Buffer.alloc(0);
    return this.data.subarray(offset, Math.min(this.data.length, offset + length));
  }

  async close(): Promise<void> {}
}

class FileSource implements ByteSource {
  private head: Buffer | undefined;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  private async readAt(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return Buffer.alloc(0);
    if (end <= HEAD_BYTES) {
      this.head ??= await this.readAt(0, Math.min(this.size, HEAD_BYTES));
      return this.head.subarray(offset, Math.min(end, this.head.length));
    }
    return this.readAt(offset, end - offset);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Reads through a content source's own reader (an entry inside an image), head cached. */
class ReaderSource implements ByteSource {
  private head: Buffer | undefined;

  constructor(
    private readonly reader: (offset: number, length: number) => Promise<Buffer>,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return Buffer.alloc(0);
    if (end <= HEAD_BYTES) {
      this.head ??= await this.reader(0, Math.min(this.size, HEAD_BYTES));
      return this.head.subarray(offset, Math.min(end, this.head.length));
    }
    return this.reader(offset, end - offset);
  }

  async close(): Promise<void> {}
}

/** Open a staged file's content for positional reads. `size` is the staged size. */
export async function openByteSource(source: ContentSource, size: number): Promise<ByteSource> {
  if (source.kind === 'generated') return new BufferSource(source.data);
  if (source.kind === 'reader') return new ReaderSource(source.read, size);
  return new FileSource(await open(source.path, 'r'), size);
}

/** A source over bytes already in memory (tests, generated content). */
export function bufferSource(data: Buffer): ByteSource {
  return new BufferSource(data);
}

/** Run `fn` with an open source, closing it afterwards. */
export async function withByteSource<T>(source: ContentSource, size: number, fn: (src: ByteSource) => Promise<T>): Promise<T> {
  const src = await openByteSource(source, size);
  try {
    return await fn(src);
  } finally {
    await src.close();
  }
}
