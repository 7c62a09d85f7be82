import { writeFile } from 'node:fs/promises';
import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { sha256Of } from '../stage/content.js';
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

export function octalMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** Hash every file's content once (streamed), so the manifest and emitters can reuse it. */
export async function hashTree(tree: StagedTree, reporter?: Reporter): Promise<void> {
  const files = tree.entries().filter((e) => e.type === 'file');
  const total = files.reduce((n, e) => n + e.size, 0);
  let done = 0;
  for (const e of files) {
    await sha256Of(e);
    done += e.size;
    reporter?.progress('hashing', done, total);
  }
  reporter?.done('hashing');
}

/** The manifest of a staged tree, sorted by path. Files must have been hashed (hashTree). */
export function buildManifest(tree: StagedTree, profile: string, proto: string): Manifest {
  const entries = tree.entries().filter((e) => e.path !== '').map((e): ManifestEntry => {
    const m: ManifestEntry = { path: e.path, type: e.type, mode: octalMode(e.mode), uid: e.uid, gid: e.gid, size: e.type === 'hardlink' ? tree.contentOwner(e).size : e.size };
    if (e.type === 'file') {
      if (!e.sha256) throw new Error(`internal: ${e.path} was not hashed before the manifest was built`);
      m.sha256 = e.sha256;
    }
    if (e.type === 'symlink' || e.type === 'hardlink') m.target = e.target;
    if (e.rdev) m.rdev = e.rdev;
    return m;
  });
  return { profile, proto, entries };
}

export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  await writeAtomically(path, (tmp) => writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`));
}
