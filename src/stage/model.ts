// The staged tree: an in-memory model of every entry of the image. File contents are never held
// here for proto or overlay files; an entry only says where its bytes come from, so staging a
// 500 MB proto area costs a walk, not a copy.

import { join } from 'node:path';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** Where a regular file's bytes come from. */
export type ContentSource =
  /** A file on the build host: a proto file, an overlay file, or a spooled tarball member. */
  | {
      kind: 'host';
      path: string;
      origin: 'proto' | 'overlay' | 'spool' | 'state-from';
      /** device:inode:size:mtime:ctime when the walk saw it: the key of the file-hash cache. */
      stamp?: string;
    }
  /** Bytes produced by the tool itself (inittab, launcher, kernel state files...). */
  | { kind: 'generated'; data: Buffer; generator: string }
  /** Bytes read on demand from inside another file (an entry of a built image being checked). */
  | { kind: 'reader'; label: string; read: (offset: number, length: number) => Promise<Buffer> };

/**
 * A host file found by walking a directory: its path is the walk's root and the entry's relative
 * path, joined when asked, so a tree of 100,000 files does not keep 100,000 absolute paths.
 */
export class WalkedFileSource {
  readonly kind = 'host' as const;
  constructor(
    private readonly root: string,
    private readonly rel: string,
    readonly origin: 'proto' | 'overlay' | 'spool' | 'state-from',
    /** device:inode:size:mtime:ctime when the walk saw it: the key of the file-hash cache. */
    readonly stamp: string,
  ) {}

  get path(): string {
    return join(this.root, this.rel);
  }
}

export interface StagedEntry {
  /** Relative path inside the image, '/'-separated, no leading or trailing slash. The root is ''. */
  path: string;
  type: EntryType;
  /** Permission bits including setuid (04000), setgid (02000) and sticky (01000). Never the type bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content for files; length of the target for symlinks; 0 otherwise. */
  size: number;
  /** Modification time in seconds since the epoch. */
  mtime: number;
  /** For 'file'. */
  source?: ContentSource;
  /** For 'symlink': the link text. For 'hardlink': the path of the entry it is a link to. */
  target?: string;
  /** For 'char' and 'block'. */
  rdev?: { major: number; minor: number };
  /** sha256 of the content, filled in lazily by hashing (files only). */
  sha256?: string;
}

export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const PERM_MASK = 0o7777;
