import type { StagedTree } from '../stage/tree.js';
import type { Reporter } from '../util/progress.js';
import { readDirTree } from './dir-reader.js';
import type { ProtoInput } from './locate.js';
import { readTarball } from './tar-reader.js';

/** Stage a located proto area (directory or tarball) as a tree; no file contents are copied. */
export async function stageProto(input: ProtoInput, opts: { mtime?: number; reporter?: Reporter }): Promise<StagedTree> {
  if (input.kind === 'dir') return readDirTree(input.root, { mtime: opts.mtime, origin: 'proto', reporter: opts.reporter });
  return readTarball(input.file, input.gzip, opts);
}
