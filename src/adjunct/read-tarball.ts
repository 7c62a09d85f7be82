import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { buildTreeFromMembers, readTarMembers, stripPrefix } from '../proto/tar-reader.js';

// Reading an adjunct tarball: the proto reader's streaming member read (members spooled to a
// private temporary directory, never held in memory), without the proto-shape check an adjunct
// cannot pass. A tarball whose members all sit under one
// directory that is not an image top-level directory (libs-1.0/usr/lib/...) is re-rooted there.

/** Top-level directories of an illumos root: a tarball with only one of these is not wrapped. */
const IMAGE_TOP_DIRS = new Set(['bin', 'boot', 'dev', 'devices', 'etc', 'export', 'home', 'kernel', 'lib', 'mnt', 'opt', 'platform', 'proc', 'root', 'sbin', 'system', 'tmp', 'usr', 'var', '.compose']);

export interface AdjunctTarball {
  tree: StagedTree;
  /** The directory stripped from every member, if the tarball was wrapped in one. */
  strippedPrefix?: string;
}

export async function readAdjunctTarball(file: string, gzip: boolean, mtime?: number): Promise<AdjunctTarball> {
  const label = `adjunct ${file}`;
  const raw = await readTarMembers(file, gzip, { mtime, label });
  const prefix = wrapperDir(raw);
  return { tree: buildTreeFromMembers(label, prefix === undefined ? raw : stripPrefix(label, raw, prefix), mtime), strippedPrefix: prefix };
}

/** The single top-level directory every member sits under, when it is not an image directory. */
function wrapperDir(raw: StagedEntry[]): string | undefined {
  const tops = new Set(raw.map((e) => e.path.split('/')[0]).filter((p) => p !== ''));
  if (tops.size !== 1) return undefined;
  const [top] = tops;
  if (IMAGE_TOP_DIRS.has(top)) return undefined;
  const whole = raw.filter((e) => e.path === top);
  return whole.every((e) => e.type === 'dir') ? top : undefined;
}
