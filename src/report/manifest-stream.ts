import { closeSync, openSync, readSync } from 'node:fs';
import type { ManifestEntry, ManifestStream } from '../emit/manifest.js';

// Reading a manifest that a build wrote, an entry at a time. A build compares itself with the
// previous one in its -o; parsing a 100,000-entry manifest whole would hold its text and every
// entry at once, for a summary that only needs counts. The format is the one writeManifest
// writes (JSON.stringify(manifest, null, 2)): each entry opens with a line "    {" and closes
// with a line "    }". Anything else is not streamed: the caller reads the file whole instead.

const HEAD = /^\{\n {2}"profile": ("(?:[^"\\\n]|\\.)*"),\n {2}"proto": ("(?:[^"\\\n]|\\.)*"),\n {2}"entries": \[/;
const READ = 1 << 20;

/** How many of the first `n` bytes of `buf` form whole UTF-8 characters. */
function completeUtf8(buf: Buffer, n: number): number {
  let lead = n - 1;
  while (lead >= 0 && lead > n - 4 && (buf[lead] & 0xc0) === 0x80) lead--;
  if (lead < 0 || buf[lead] < 0x80) return n;
  const len = buf[lead] >= 0xf0 ? 4 : buf[lead] >= 0xe0 ? 3 : 2;
  return lead + len <= n ? n : lead;
}

/** Thrown while iterating when the file turns out not to be in writeManifest's layout. */
export class NotStreamable extends Error {}

/** The manifest at `file` as a stream of entries, or undefined when it does not start as writeManifest writes. */
export function streamManifestFile(file: string): ManifestStream | undefined {
  const fd = openSync(file, 'r');
  let head: string;
  try {
    const buf = Buffer.alloc(64 * 1024);
    head = buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
  const m = HEAD.exec(head);
  if (!m) return undefined;
  const profile = JSON.parse(m[1]) as string;
  const proto = JSON.parse(m[2]) as string;
  const start = Buffer.byteLength(m[0]);
  return {
    profile,
    proto,
    entries: {
      *[Symbol.iterator](): Generator<ManifestEntry> {
        const fd = openSync(file, 'r');
        try {
          const buf = Buffer.alloc(READ);
          let pos = start;
          let text = '';
          for (;;) {
            const n = readSync(fd, buf, 0, READ, pos);
            pos += n;
            // A chunk may end inside a character: its bytes are read again next round.
            const cut = completeUtf8(buf, n);
            text += buf.toString('utf8', 0, cut);
            pos -= n - cut;
            let at = 0;
            for (;;) {
              const open = text.indexOf('\n    {\n', at);
              if (open < 0) break;
              const close = text.indexOf('\n    }', open);
              if (close < 0) break;
              let entry: unknown;
              try {
                entry = JSON.parse(text.slice(open + 5, close + 6));
              } catch {
                throw new NotStreamable(file);
              }
              if (typeof (entry as ManifestEntry).path !== 'string') throw new NotStreamable(file);
              yield entry as ManifestEntry;
              at = close + 6;
            }
            text = text.slice(at);
            if (n === 0) break;
          }
          if (!/^\s*\]\s*\}\s*$/.test(text)) throw new NotStreamable(file);
        } finally {
          closeSync(fd);
        }
      },
    },
  };
}
