// Text rendering of an image listing for `compose inspect`: one `ls -l`-like line per entry.

import type { UfsListEntry } from './reader.js';

const TYPE_CHAR: Record<UfsListEntry['type'], string> = {
  file: '-', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p', socket: 's', other: '?',
};

/** "drwxr-xr-x", "-rwsr-xr-x", "drwxrwxrwt"... */
export function modeString(type: UfsListEntry['type'], mode: number): string {
  const bit = (b: number, c: string) => (mode & b ? c : '-');
  const special = (x: number, s: number, set: string, setNoX: string) => (mode & s ? (mode & x ? set : setNoX) : bit(x, 'x'));
  return (
    TYPE_CHAR[type] +
    bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') + bit(0o020, 'w') + special(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') + bit(0o002, 'w') + special(0o001, 0o1000, 't', 'T')
  );
}

export interface ListingFormat {
  /** Show the inode number first. */
  ino?: boolean;
  /** Append each regular file's sha256. */
  sha256?: boolean;
}

/** Format a listing: `mode nlink uid gid size-or-major,minor path [-> target] [sha256]`, aligned. */
export function formatUfsListing(entries: readonly UfsListEntry[], fmt: ListingFormat = {}): string {
  const cols = entries.map((e) => [
    ...(fmt.ino ? [String(e.ino)] : []),
    modeString(e.type, e.mode),
    String(e.nlink),
    String(e.uid),
    String(e.gid),
    e.rdev ? `${e.rdev.major},${e.rdev.minor}` : String(e.size),
  ]);
  const widths = cols.length ? cols[0].map((_, i) => Math.max(...cols.map((c) => c[i].length))) : [];
  // Numbers right-aligned, the mode string left-aligned.
  const modeCol = fmt.ino ? 1 : 0;
  const rows = entries.map((e, r) => {
    const fields = cols[r].map((v, i) => (i === modeCol ? v.padEnd(widths[i]) : v.padStart(widths[i])));
    let line = `${fields.join(' ')} ${e.path === '' ? '/' : `/${e.path}`}`;
    if (e.target !== undefined) line += ` -> ${e.target}`;
    if (fmt.sha256 && e.sha256) line += `  ${e.sha256}`;
    return line;
  });
  return rows.join('\n') + (rows.length ? '\n' : '');
}
