// Fragment and inode allocation for the writer. Allocation is deterministic: full blocks come
// from a cursor that only moves forward, so a directory's files end up next to each other, and
// tail fragments go best-fit into partly used blocks (most recently opened first, which keeps
// them near the cursor).

import type { UfsGeometry } from './geometry.js';

/** Raised when the planned geometry cannot hold the tree; sizing catches it and grows. */
export class OutOfSpaceError extends Error {
  constructor(readonly what: 'blocks' | 'inodes') {
    super(`out of ${what}`);
  }
}

export class FragAllocator {
  /** 1 = fragment used (metadata or data), 0 = free. */
  readonly used: Uint8Array;
  private readonly nblocks: number;
  private cursor = 0;
  /** partial[k]: blocks whose last k fragments are free (and the rest used), as a stack. */
  private readonly partial: number[][];
  /** Fragments handed out for data (not metadata). */
  dataFrags = 0;

  constructor(private readonly g: UfsGeometry) {
    this.used = new Uint8Array(g.size);
    this.nblocks = Math.floor(g.size / g.frag);
    this.partial = Array.from({ length: g.frag }, () => []);
    for (let c = 0; c < g.ncg; c++) {
      for (const [start, end] of g.reservedRanges(c)) {
        this.used.fill(1, start, Math.min(end, g.size));
        // Metadata ending inside a block (cg 0's summary area) leaves a free tail behind it.
        const rest = end % g.frag;
        if (rest !== 0 && end < g.size) this.partial[g.frag - rest].push(Math.floor(end / g.frag));
      }
    }
  }

  private blockIsFree(b: number): boolean {
    const f = b * this.g.frag;
    for (let i = 0; i < this.g.frag; i++) if (this.used[f + i]) return false;
    return true;
  }

  private nextFreeBlock(): number {
    while (this.cursor < this.nblocks && !this.blockIsFree(this.cursor)) this.cursor++;
    return this.cursor;
  }

  /** The cg the next full block will come from: where new inodes should live. */
  currentCg(): number {
    const b = this.nextFreeBlock();
    return Math.min(this.g.ncg - 1, this.g.dtog(b * this.g.frag));
  }

  /** A whole block; returns its first fragment number. */
  allocBlock(): number {
    const b = this.nextFreeBlock();
    if (b >= this.nblocks) throw new OutOfSpaceError('blocks');
    const f = b * this.g.frag;
    this.used.fill(1, f, f + this.g.frag);
    this.cursor++;
    this.dataFrags += this.g.frag;
    return f;
  }

  /** n (< frag) contiguous fragments inside one block; returns the first fragment number. */
  allocFrags(n: number): number {
    const frag = this.g.frag;
    for (let k = n; k < frag; k++) {
      const stack = this.partial[k];
      if (stack.length === 0) continue;
      const b = stack.pop()!;
      const start = b * frag + (frag - k);
      this.used.fill(1, start, start + n);
      if (k - n > 0) this.partial[k - n].push(b);
      this.dataFrags += n;
      return start;
    }
    const start = this.allocBlock();
    this.dataFrags -= frag - n;
    this.used.fill(0, start + n, start + frag);
    this.partial[frag - n].push(start / frag);
    return start;
  }
}

export class InodeAllocator {
  private readonly next: Int32Array;
  count = 0;

  constructor(private readonly g: UfsGeometry) {
    this.next = new Int32Array(g.ncg);
    // Inodes 0 and 1 are never used; the root is inode 2.
    this.next[0] = 2;
  }

  /** The next free inode in cg `preferred`, or in the following cgs when it is full. */
  alloc(preferred: number): number {
    for (let k = 0; k < this.g.ncg; k++) {
      const c = (preferred + k) % this.g.ncg;
      if (this.next[c] < this.g.ipg) {
        this.count++;
        return c * this.g.ipg + this.next[c]++;
      }
    }
    throw new OutOfSpaceError('inodes');
  }
}
