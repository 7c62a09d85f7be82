// Positional writes to the image, gathered in a window of memory and written out as few large
// pwrites. Every byte of an image is written at most once (files, directories and metadata own
// disjoint fragments), so writes may be reordered freely; the window only ever writes the byte
// ranges it was given, never the gaps between them, so it cannot clobber data written earlier
// (a fragment shared by several small files' tails is filled piecewise, possibly across windows).

import { writeSync } from 'node:fs';

/** Pieces at least this large bypass the window. */
const DIRECT_WRITE_MIN = 256 << 10;

export class WriteCombiner {
  private readonly window: Buffer;
  /** Image offset of window[0]. */
  private base = 0;
  /** Byte ranges [start, end) of the window that hold data, relative to base. */
  private ranges: Array<[number, number]> = [];
  private sorted = true;
  bytesWritten = 0;
  writeCalls = 0;

  constructor(
    private readonly fd: number,
    capacity = 4 << 20,
  ) {
    this.window = Buffer.allocUnsafe(capacity);
  }

  /**
   * Write `data` at byte `pos`. The bytes are copied or written before this returns, so the
   * caller may reuse its buffer.
   */
  write(data: Uint8Array, pos: number): void {
    if (data.length === 0) return;
    const cap = this.window.length;
    // Large pieces (chunks of big files) go straight out: gathering them would only add a copy.
    // Every byte range is owned by one writer, so writing them before the window is safe.
    if (data.length >= DIRECT_WRITE_MIN) {
      this.writeOut(data, pos);
      return;
    }
    if (this.ranges.length > 0 && pos < this.base) {
      // Behind the window (a tail going into an older partly used block): write it directly,
      // keeping any part that reaches into the window.
      const before = Math.min(data.length, this.base - pos);
      this.writeOut(data.subarray(0, before), pos);
      if (before < data.length) this.write(data.subarray(before), this.base);
      return;
    }
    if (this.ranges.length > 0 && pos + data.length > this.base + cap) this.flush();
    if (this.ranges.length === 0) {
      if (data.length >= cap) {
        this.writeOut(data, pos);
        return;
      }
      this.base = pos;
    }
    const rel = pos - this.base;
    this.window.set(data, rel);
    const last = this.ranges[this.ranges.length - 1];
    if (last && last[1] === rel) last[1] = rel + data.length;
    else {
      if (last && rel < last[1]) this.sorted = false;
      this.ranges.push([rel, rel + data.length]);
    }
  }

  flush(): void {
    if (this.ranges.length === 0) return;
    const ranges = this.ranges;
    if (!this.sorted) ranges.sort((a, b) => a[0] - b[0]);
    this.ranges = [];
    this.sorted = true;
    let [start, end] = ranges[0];
    for (let i = 1; i <= ranges.length; i++) {
      const r = ranges[i];
      if (r && r[0] === end) {
        end = r[1];
        continue;
      }
      this.writeOut(this.window.subarray(start, end), this.base + start);
      if (r) [start, end] = r;
    }
  }

  private writeOut(data: Uint8Array, pos: number): void {
    let done = 0;
    while (done < data.length) {
      const bytesWritten = writeSync(this.fd, data, done, data.length - done, pos + done);
      if (bytesWritten <= 0) throw new Error(`short write at byte ${pos + done}`);
      done += bytesWritten;
    }
    this.bytesWritten += data.length;
    this.writeCalls++;
  }
}
