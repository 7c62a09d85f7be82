// Read-ahead of small files: opening and reading thousands of small files one after another is
// dominated by per-file latency (especially with a cold cache), so the next few are read
// concurrently while the current one is written. Bounded: at most `depth` files of at most
// `maxBytes` each are held.

import { forEachChunk } from '../stage/content.js';
import type { PlanNode } from './plan.js';

export class SmallFileReadAhead {
  private readonly pending = new Map<PlanNode, Promise<Buffer>>();
  /** Scratch buffers, one per read in flight, reused rather than allocated per file. */
  private readonly scratch: Buffer[] = [];
  private next = 0;

  constructor(
    private readonly nodes: readonly PlanNode[],
    readonly maxBytes = 256 << 10,
    private readonly depth = 16,
  ) {}

  isSmall(n: PlanNode): boolean {
    return n.kind === 'file' && n.size > 0 && n.size <= this.maxBytes;
  }

  /** Start reads for the small files at or after node index `from`, up to `depth` in flight. */
  advance(from: number): void {
    for (this.next = Math.max(this.next, from); this.next < this.nodes.length && this.pending.size < this.depth; this.next++) {
      const n = this.nodes[this.next];
      if (!this.isSmall(n)) continue;
      const p = this.read(n);
      // A failure surfaces when the node's turn comes, never as an unhandled rejection.
      p.catch(() => {});
      this.pending.set(n, p);
    }
  }

  /** The content of a small file whose read was started by advance(). */
  take(n: PlanNode): Promise<Buffer> {
    const p = this.pending.get(n);
    if (!p) throw new Error(`no read-ahead for ${n.path}`);
    this.pending.delete(n);
    return p;
  }

  private async read(n: PlanNode): Promise<Buffer> {
    const out = Buffer.allocUnsafe(n.size);
    const tmp = this.scratch.pop() ?? Buffer.allocUnsafe(this.maxBytes);
    try {
      await forEachChunk(n.entry.source!, n.size, (chunk, off) => {
        out.set(chunk, off);
      }, tmp);
    } finally {
      this.scratch.push(tmp);
    }
    return out;
  }
}
