import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import type { ContentSource, EntryType, StagedEntry } from '../stage/model.js';
import { PERM_MASK, WalkedFileSource } from '../stage/model.js';
import { StagedTree, comparePaths } from '../stage/tree.js';
import { canonicalizeHardlinks } from '../stage/hardlinks.js';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { checkSymlinkTarget, splitLinuxDev } from './entry-checks.js';

export interface DirReadOptions {
  /** Fixed mtime for every entry (SOURCE_DATE_EPOCH); otherwise each file's own mtime. */
  mtime?: number;
  /** What to record as the origin of file contents. */
  origin: Extract<ContentSource, { kind: 'host' }>['origin'];
  reporter?: Reporter;
  /** Host paths left out of the tree with everything below them (an output directory inside the proto). */
  skip?: readonly string[];
}

/** A file name's bytes as text, with the bytes that are not UTF-8 written \xNN. */
export function escapeName(name: Buffer): string {
  let out = '';
  // Stryker disable next-line EqualityOperator: one step past the end the round trip of no bytes adds nothing and ends the loop, so <= and < agree
  for (let i = 0; i < name.length; ) {
    const n = utf8Length(name, i);
    if (n > 0) {
      out += name.toString('utf8', i, i + n);
      i += n;
    } else out += `\\x${name[i++].toString(16)}`; // an escaped byte is 0x80 or above (ASCII is UTF-8): always two hex digits
  }
  return out;
}

/** The length of a well-formed UTF-8 sequence at `i`, or 0. */
function utf8Length(b: Buffer, i: number): number {
  const c = b[i];
  // The lead byte gives the length a sequence would have (a byte below 0xc2 that is not ASCII
  // never starts one: it is taken alone and fails). Whether the bytes are well formed (their
  // continuation bytes, no overlong form or surrogate, not cut short by the end) is what a UTF-8
  // round trip tells.
  const n = c < 0xc2 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
  const seq = b.subarray(i, i + n);
  return Buffer.from(seq.toString('utf8')).equals(seq) ? n : 0;
}

/** Whether a name is valid UTF-8 (so it survives as a string unchanged). */
export function isUtf8Name(name: Buffer): boolean {
  // Nearly every name is ASCII, which is UTF-8: only the others are decoded to tell.
  if (name.every((c) => c < 0x80)) return true;
  return Buffer.from(name.toString('utf8')).equals(name);
}

function typeOf(st: Stats): EntryType | null {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return null; // sockets have no place in an image
}

/**
 * Walk a directory tree into staged entries, in sorted order. The walk uses synchronous calls: it
 * is tens of thousands of lstat calls answered from the kernel's caches, where a thread-pool round
 * trip each would cost more than the call. Ownership is never taken from the
 * host (a proto area belongs to whoever built it): every entry is root:root. File contents stay
 * where they are; entries only point at them.
 */
export async function readDirTree(root: string, opts: DirReadOptions): Promise<StagedTree> {
  const rootSt = lstatSync(root);
  const tree = new StagedTree(opts.mtime ?? Math.floor(rootSt.mtimeMs / 1000));
  tree.root.mode = rootSt.mode & PERM_MASK;
  const seenInodes = new Map<string, string>();
  let count = 0;
  const base = join(root, '/');
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : join(root, rel);
    let raw: Buffer[];
    try {
      raw = readdirSync(abs, { encoding: 'buffer' });
    } catch (e) {
      throw new InputError(`cannot read directory ${abs}: ${(e as Error).message}`);
    }
    // illumos names are bytes; compose keeps names as UTF-8 text, so a name that is not UTF-8 is
    // refused rather than changed (two such names could otherwise become one).
    const bad = raw.find((n) => !isUtf8Name(n));
    if (bad) throw new InputError(`${join(abs, escapeName(bad))}: the file name is not valid UTF-8 (shown with \\xNN for its other bytes), which compose cannot carry into the image unchanged; rename it or leave it out of the proto area`);
    const names = raw.map((n) => n.toString('utf8')).sort(comparePaths);
    const subdirs: string[] = [];
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      // join(root, path) without normalising again: a name read from a directory holds no '/'.
      const hostPath = base + path;
      if (opts.skip?.includes(hostPath)) continue;
      const st = lstatSync(hostPath);
      const type = typeOf(st);
      if (type === null) {
        opts.reporter?.warn(`skipping socket ${hostPath}`);
        continue;
      }
      const entry: StagedEntry = {
        path,
        type,
        mode: st.mode & PERM_MASK,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: opts.mtime ?? Math.floor(st.mtimeMs / 1000),
      };
      if (type === 'file') {
        const key = `${st.dev}:${st.ino}`;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: only files with more than one link are remembered, so looking up a single-link file finds nothing anyway
        const first = st.nlink > 1 ? seenInodes.get(key) : undefined;
        if (first) {
          entry.type = 'hardlink';
          entry.target = first;
        } else {
          // Stryker disable next-line ConditionalExpression,EqualityOperator: a single-link file is never met again under another name, so remembering it changes nothing (the test only saves memory)
          if (st.nlink > 1) seenInodes.set(key, path);
          entry.size = st.size;
          entry.source = new WalkedFileSource(root, path, opts.origin, `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`);
        }
      } else if (type === 'symlink') {
        entry.target = readlinkSync(hostPath);
        checkSymlinkTarget(root, path, entry.target);
        entry.size = Buffer.byteLength(entry.target);
      } else if (type === 'char' || type === 'block') {
        entry.rdev = splitLinuxDev(st.rdev);
      }
      tree.adopt(entry);
      if (type === 'dir') subdirs.push(path);
      if (++count % 500 === 0) opts.reporter?.progress('reading proto', count, 0);
    }
    for (const d of subdirs) walk(d);
  };
  walk('');
  opts.reporter?.done('reading proto');
  canonicalizeHardlinks(tree);
  return tree;
}
