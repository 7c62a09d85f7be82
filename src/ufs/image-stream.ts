import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ContentChangedError } from '../stage/content.js';
import { fileHasher, type FileHasher } from '../stage/hash-thread.js';
import type { StagedEntry } from '../stage/model.js';
import type { UfsGeometry } from './geometry.js';
import type { PlanNode } from './plan.js';

// The image as a stream of bytes in address order. Every byte's owner is known once the tree is
// placed (placeTree): file data, directories, symlinks, indirect blocks and all the metadata. So
// instead of writing pieces where they belong in a file and reading the file back, the writer
// lists the pieces, sorts them by address, and produces the image front to back in blocks of
// IMAGE_BLOCK bytes, reading each file's data straight into the block it lands in. A consumer
// can write the blocks to a file, compress them as they come, or both; nothing needs the whole
// image on disk or in memory. Each file is read once, and its sha256 (for the manifest) is
// computed from those reads.

export const IMAGE_BLOCK = 1 << 20;

/** A byte range of the image and what fills it: literal bytes, or a range of a file's content. */
interface Piece {
  pos: number;
  len: number;
  data?: Buffer;
  node?: PlanNode;
  /** Offset in the file's content. */
  offset?: number;
}

/** The pieces of an image, gathered by the layout code before any byte is produced. */
export class PieceList {
  readonly pieces: Piece[] = [];

  bytes(data: Buffer, pos: number): void {
    if (data.length) this.pieces.push({ pos, len: data.length, data });
  }

  /** `len` bytes of `node`'s content from `offset`, placed at image byte `pos`. */
  file(node: PlanNode, offset: number, len: number, pos: number): void {
    if (len) this.pieces.push({ pos, len, node, offset });
  }
}

export interface ImageBlock {
  /** Image offset of data[0] (a multiple of IMAGE_BLOCK). */
  pos: number;
  data: Buffer;
  /** The block is all zeros (free space): `data` is a shared zero buffer, not to be changed. */
  zero: boolean;
}

const ZERO_BLOCK = Buffer.alloc(IMAGE_BLOCK);

/** Hashing a file whose pieces may come out of order (a tail placed in an earlier block). */
/**
 * A file's sha256 from its bytes as they come out in image order: a file's blocks are in order
 * except where a later block was placed first, whose bytes wait here until their turn.
 */
class ContentHash {
  private readonly hasher: FileHasher;
  private next = 0;
  private readonly pending = new Map<number, Buffer>();

  constructor(entry: StagedEntry) {
    this.hasher = fileHasher(entry);
  }

  add(offset: number, data: Buffer): void {
    if (offset !== this.next) {
      this.pending.set(offset, Buffer.from(data));
      return;
    }
    this.hasher.update(data);
    this.next += data.length;
    for (let p = this.pending.get(this.next); p; p = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.hasher.update(p);
      this.next += p.length;
    }
  }

  /** Whether every byte up to `size` has been hashed; then the file is handed over whole. */
  reached(size: number): boolean {
    if (this.next !== size) return false;
    this.hasher.end();
    return true;
  }

  drop(): void {
    this.hasher.drop();
  }
}

/**
 * Produce the image `imageBytes` long from its pieces, block by block, in address order. A block's
 * data is valid until the next block is asked for: one buffer is reused (a fresh megabyte per
 * block would leave hundreds of them for the garbage collector). Files without a sha256 are
 * hashed on the way: it is on their entries once hashThread().settle() resolves.
 */
export function* imageBlocks(list: PieceList, imageBytes: number, onFileBytes?: (n: number) => void): Generator<ImageBlock> {
  const pieces = list.pieces.sort((a, b) => a.pos - b.pos);
  const hashes = new Map<PlanNode, ContentHash>();
  let fd = -1;
  let fdNode: PlanNode | undefined;
  const openFor = (node: PlanNode, path: string): number => {
    if (fdNode === node) return fd;
    if (fd >= 0) closeSync(fd);
    fd = -1;
    fd = openSync(path, 'r');
    fdNode = node;
    // A file that changed size since it was staged would not fit the blocks placed for it.
    const size = fstatSync(fd).size;
    if (size !== node.size) throw new ContentChangedError(`${path} is now ${size} bytes, it was ${node.size} bytes when staged; re-run compose`);
    return fd;
  };
  /** Read `want` bytes of a node's content at `offset` into `block` at `at`; the bytes read. */
  const readInto = (node: PlanNode, block: Buffer, at: number, want: number, offset: number): number => {
    const src = node.entry.source;
    if (!src) throw new Error(`internal: ${node.path} has no content`);
    if (src.kind === 'generated') return src.data.copy(block, at, offset, Math.min(src.data.length, offset + want));
    if (src.kind !== 'host') throw new Error(`internal: ${node.path}'s content cannot be read synchronously`);
    const f = openFor(node, src.path);
    let got = 0;
    while (got < want) {
      const n = readSync(f, block, at + got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  };
  const reused = Buffer.allocUnsafe(IMAGE_BLOCK);
  try {
    let i = 0;
    for (let pos = 0; pos < imageBytes; pos += IMAGE_BLOCK) {
      const end = Math.min(imageBytes, pos + IMAGE_BLOCK);
      // Skip pieces that ended before this block (a piece never overlaps another).
      while (i < pieces.length && pieces[i].pos + pieces[i].len <= pos) i++;
      if (i >= pieces.length || pieces[i].pos >= end) {
        yield { pos, data: end - pos === IMAGE_BLOCK ? ZERO_BLOCK : ZERO_BLOCK.subarray(0, end - pos), zero: true };
        continue;
      }
      const block = reused.subarray(0, end - pos);
      block.fill(0);
      for (let k = i; k < pieces.length && pieces[k].pos < end; k++) {
        const p = pieces[k];
        const from = Math.max(p.pos, pos);
        const to = Math.min(p.pos + p.len, end);
        if (p.data) {
          p.data.copy(block, from - pos, from - p.pos, to - p.pos);
          continue;
        }
        const node = p.node!;
        const fileOffset = p.offset! + (from - p.pos);
        const want = to - from;
        const got = readInto(node, block, from - pos, want, fileOffset);
        if (got !== want) {
          const src = node.entry.source as { path?: string; generator?: string };
          throw new ContentChangedError(`${src.path ?? src.generator} is now ${got < want ? 'shorter' : 'longer'} than the ${node.size} bytes it had when staged; re-run compose`);
        }
        if (node.entry.sha256 === undefined) {
          let h = hashes.get(node);
          if (!h) hashes.set(node, (h = new ContentHash(node.entry)));
          h.add(fileOffset, block.subarray(from - pos, to - pos));
          if (h.reached(node.size)) hashes.delete(node);
        }
        onFileBytes?.(want);
      }
      yield { pos, data: block, zero: false };
    }
    for (const node of hashes.keys()) throw new Error(`internal: ${node.path} was not read whole into the image`);
  } finally {
    for (const h of hashes.values()) h.drop();
    if (fd >= 0) closeSync(fd);
  }
}
