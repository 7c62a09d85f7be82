import type { StagedTree } from '../stage/tree.js';
import type { Reporter } from '../util/progress.js';
import { readDirTree } from './dir-reader.js';
import type { ProtoInput } from './locate.js';
import { readTarball } from './tar-reader.js';

export interface StagedProto {
  tree: StagedTree;
  /** A workspace tarball's usr/src/pkg/manifests, spooled (a directory input finds its own). */
  tarballManifests?: string;
}

/** Stage a located proto area (directory or tarball) as a tree; no file contents are copied. */
export async function stageProto(input: ProtoInput, opts: { mtime?: number; reporter?: Reporter; skip?: string[] }): Promise<StagedProto> {
  if (input.kind === 'dir') return { tree: await readDirTree(input.root, { mtime: opts.mtime, origin: 'proto', reporter: opts.reporter, skip: opts.skip }) };
  const t = await readTarball(input.file, input.gzip, opts);
  return { tree: t.tree, tarballManifests: t.manifests };
}
