import { statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readDirTree } from '../proto/dir-reader.js';
import { Spool } from '../proto/spool.js';
import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { readAdjunctTarball } from './read-tarball.js';

// An adjunct is a tree laid over the proto area: what illumos-gate does not build (libxml2, zlib,
// OpenSSL, OpenSSH...) in the places an installed system has them, as a directory or a tarball.
// Convention: IPS manifests for its files may sit in .compose/manifests/*.p5m inside it; they
// give owners and modes, and the .compose/ directory itself never enters the image.

export const ADJUNCT_META_DIR = '.compose';
export const ADJUNCT_MANIFESTS_DIR = `${ADJUNCT_META_DIR}/manifests`;

export interface AdjunctInput {
  /** As the user gave it. */
  given: string;
  tree: StagedTree;
  /** A host directory holding the adjunct's manifests, when it has any. */
  manifestsDir?: string;
}

const TARBALLS: Array<[string, boolean]> = [
  ['.tar', false],
  ['.tar.gz', true],
  ['.tgz', true],
];

/** Copy a tarball's spooled manifests to a directory of their own names, for the manifest loader. */
async function spoolManifests(tree: StagedTree): Promise<string | undefined> {
  const names = tree.children(ADJUNCT_MANIFESTS_DIR).filter((p) => /\.(p5m|mf)$/.test(p));
  if (names.length === 0) return undefined;
  // A spool directory is removed when the process exits.
  const dir = new Spool().dir;
  for (const p of names) {
    const e = tree.contentOwner(tree.get(p)!);
    if (e.source?.kind !== 'host') continue;
    await copyFile(e.source.path, join(dir, p.slice(p.lastIndexOf('/') + 1)));
  }
  return dir;
}

export async function readAdjunct(given: string, opts: { mtime?: number; reporter?: Reporter }): Promise<AdjunctInput> {
  const abs = resolve(given);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new InputError(`--adjunct ${given} does not exist; give a directory or a .tar/.tar.gz/.tgz holding the files to add (such as usr/lib/libxml2.so.2)`);
  }
  if (st.isDirectory()) {
    const tree = await readDirTree(abs, { mtime: opts.mtime, origin: 'overlay', reporter: opts.reporter });
    const manifests = tree.get(ADJUNCT_MANIFESTS_DIR)?.type === 'dir' && tree.children(ADJUNCT_MANIFESTS_DIR).some((p) => /\.(p5m|mf)$/.test(p));
    return { given, tree, manifestsDir: manifests ? join(abs, ADJUNCT_MANIFESTS_DIR) : undefined };
  }
  const match = st.isFile() ? TARBALLS.find(([s]) => abs.toLowerCase().endsWith(s)) : undefined;
  if (!match) throw new InputError(`--adjunct ${given} is neither a directory nor a tarball (.tar, .tar.gz or .tgz)`);
  const { tree, strippedPrefix } = await readAdjunctTarball(abs, match[1], opts.mtime);
  if (strippedPrefix) opts.reporter?.note(`adjunct ${given}: every entry sits under ${strippedPrefix}/; using that as its root`);
  return { given, tree, manifestsDir: await spoolManifests(tree) };
}
