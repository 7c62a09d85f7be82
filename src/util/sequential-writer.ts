import { writeSync } from 'node:fs';

// Appending to a file through one buffer, written out in large synchronous writes: the
// emitters that produce a stream (tar) write thousands of small pieces, and one write call each
// would cost more than the copy.

/** Pieces at least this large go straight out: gathering them would only add a copy. */
const DIRECT = 256 << 10;

export class SequentialWriter {
  private readonly buf: Buffer;
  private used = 0;
  /** Bytes handed to write() so far. */
  position = 0;

  constructor(
    private readonly fd: number,
    capacity = 4 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.position += data.length;
    if (data.length >= DIRECT) {
      this.flush();
      this.out(data);
      return;
    }
    if (this.used + data.length > this.buf.length) this.flush();
    this.buf.set(data, this.used);
    this.used += data.length;
  }

  /** Append a string as UTF-8. */
  writeString(text: string): void {
    const n = Buffer.byteLength(text);
    if (n >= DIRECT || this.used + n > this.buf.length) {
      this.flush();
      if (n >= DIRECT) {
        this.position += n;
        this.out(Buffer.from(text));
        return;
      }
    }
    this.buf.write(text, this.used, 'utf8');
    this.used += n;
    this.position += n;
  }

  /** Append `n` bytes (at most the buffer's capacity) that `fill` writes in place over zeros at `at`. */
  put(n: number, fill: (buf: Buffer, at: number) => void): void {
    if (this.used + n > this.buf.length) this.flush();
    this.buf.fill(0, this.used, this.used + n);
    fill(this.buf, this.used);
    this.used += n;
    this.position += n;
  }

  /** Append `n` zero bytes. */
  zeros(n: number): void {
    if (n <= 0) return;
    if (this.used + n > this.buf.length) this.flush();
    this.buf.fill(0, this.used, this.used + n);
    this.used += n;
    this.position += n;
  }

  flush(): void {
    if (this.used === 0) return;
    this.out(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private out(data: Uint8Array): void {
    for (let done = 0; done < data.length; ) done += writeSync(this.fd, data, done, data.length - done);
  }
}
