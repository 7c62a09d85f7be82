import { closeSync, openSync } from 'node:fs';
import { SequentialWriter } from '../util/sequential-writer.js';
import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { sha256Of } from '../stage/content.js';
import { hashThread } from '../stage/hash-thread.js';
import { writeAtomically } from '../util/atomic.js';
import type { Reporter } from '../util/progress.js';

export interface ManifestEntry {
  path: string;
  type: StagedEntry['type'];
  /** Octal permission bits including setuid/setgid/sticky, e.g. "4555". */
  mode: string;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  target?: string;
  rdev?: { major: number; minor: number };
}

export interface Manifest {
  profile: string;
  proto: string;
  entries: ManifestEntry[];
}

/** A manifest whose entries come one at a time (from the tree, or from a file being read). */
export interface ManifestStream {
  profile: string;
  proto: string;
  entries: Iterable<ManifestEntry>;
}

export function octalMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** Hash the content of every file that has no sha256 yet (the emitters hash what they read). */
export async function hashTree(tree: StagedTree, reporter?: Reporter): Promise<void> {
  await hashThread().settle();
  const files = tree.entries().filter((e) => e.type === 'file' && e.sha256 === undefined);
  const total = files.reduce((n, e) => n + e.size, 0);
  let done = 0;
  for (const e of files) {
    await sha256Of(e);
    done += e.size;
    reporter?.progress('hashing', done, total);
  }
  reporter?.done('hashing');
}

function manifestEntry(tree: StagedTree, e: StagedEntry): ManifestEntry {
  const m: ManifestEntry = { path: e.path, type: e.type, mode: octalMode(e.mode), uid: e.uid, gid: e.gid, size: e.type === 'hardlink' ? tree.contentOwner(e).size : e.size };
  if (e.type === 'file') {
    if (!e.sha256) throw new Error(`internal: ${e.path} was not hashed before the manifest was built`);
    m.sha256 = e.sha256;
  }
  if (e.type === 'symlink' || e.type === 'hardlink') m.target = e.target;
  if (e.rdev) m.rdev = e.rdev;
  return m;
}

/**
 * The manifest of a staged tree, sorted by path, an entry at a time (each pass over `entries`
 * walks the tree again: nothing is kept). Files must have been hashed (hashTree).
 */
export function manifestOf(tree: StagedTree, profile: string, proto: string): ManifestStream {
  return {
    profile,
    proto,
    entries: {
      *[Symbol.iterator]() {
        for (const e of tree.entries()) if (e.path !== '') yield manifestEntry(tree, e);
      },
    },
  };
}

/** The manifest of a staged tree as one object, sorted by path. Files must have been hashed (hashTree). */
export function buildManifest(tree: StagedTree, profile: string, proto: string): Manifest {
  const m = manifestOf(tree, profile, proto);
  return { ...m, entries: [...m.entries] };
}

/**
 * Write the manifest as JSON.stringify(manifest, null, 2) would, an entry at a time: the whole
 * text of a 100,000-entry manifest is tens of megabytes that need not exist at once.
 */
export async function writeManifest(path: string, manifest: Manifest | ManifestStream): Promise<void> {
  await writeAtomically(path, async (tmp) => {
    const fd = openSync(tmp, 'w');
    try {
      const out = new SequentialWriter(fd, 1 << 20);
      out.writeString(`{\n  "profile": ${JSON.stringify(manifest.profile)},\n  "proto": ${JSON.stringify(manifest.proto)},\n  "entries": [`);
      let n = 0;
      for (const e of manifest.entries) out.writeString(`${n++ ? ',' : ''}\n    ${JSON.stringify(e, null, 2).replaceAll('\n', '\n    ')}`);
      out.writeString(n ? '\n  ]\n}\n' : ']\n}\n');
      out.flush();
    } finally {
      closeSync(fd);
    }
  });
}
