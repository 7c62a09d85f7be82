/**
 * Incremental reader of a growing log file (the VM's serial console). The file
 * is reopened on every read, so it may not exist yet, and a hypervisor that
 * replaces or truncates it (a restart) is followed from the start again.
 */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 1 << 16;

export class LogTail {
  private offset = 0;
  private decoder = new StringDecoder('utf8');
  private seen = 0;

  constructor(readonly path: string) {}

  /** Bytes read so far. */
  get bytes(): number {
    return this.seen;
  }

  /** The text appended since the last call ('' when there is none). */
  async read(): Promise<string> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
    try {
      const { size } = await fh.stat();
      if (size < this.offset) {
        // Truncated or replaced: start over (a multi-byte character cut in two is lost).
        this.offset = 0;
        this.decoder = new StringDecoder('utf8');
      }
      let out = '';
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.seen += bytesRead;
        // The decoder keeps a UTF-8 sequence split across reads for the next call.
        out += this.decoder.write(buf.subarray(0, bytesRead));
      }
      return out;
    } finally {
      await fh.close();
    }
  }
}
