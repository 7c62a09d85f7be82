import { putGeneratedFile } from '../overlay/generated.js';
import type { StagedTree } from '../stage/tree.js';
import type { StateFileDetail, StateResult } from './generate.js';

/**
 * Put the state files we changed into the image, keeping each existing file's mode and
 * ownership (a new file gets 0644 root:root until the manifests' metadata is applied). Returns
 * the paths written, for the pipeline's protected set, and every file's source for `compose plan`.
 */
export function writeStateFiles(tree: StagedTree, result: StateResult, mtime: number): { written: string[]; details: StateFileDetail[] } {
  const written: string[] = [];
  for (const d of result.details) {
    if (d.source !== 'manifests') continue;
    const old = tree.get(d.path);
    const owner = old ? { uid: old.uid, gid: old.gid } : { uid: 0, gid: 0 };
    written.push(putGeneratedFile(tree, d.path, result.files.get(d.path)!, 'driver-state', mtime, old?.mode ?? 0o644, owner));
  }
  return { written, details: result.details };
}
