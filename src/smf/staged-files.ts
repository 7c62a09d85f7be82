import { parseIdFile } from '../manifest/accounts.js';
import { putGeneratedFile } from '../overlay/generated.js';
import type { StagedEntry } from '../stage/model.js';
import { resolveInImage, type StagedTree } from '../stage/tree.js';
import { readStagedText } from '../state/read-staged.js';
import { InputError } from '../util/errors.js';

// Small helpers for editing configuration files in the staged tree: write through symlinks the way
// the running system would (etc/hosts is a link to ./inet/hosts), keep the mode and owner the file
// already has, and look up illumos group ids in the image's own etc/group.

type Owner = Pick<StagedEntry, 'mode' | 'uid' | 'gid'>;

/** The path a write to `path` lands on inside the image, following symlinks; throws for a directory or a link leaving the image. */
export function writablePath(tree: StagedTree, path: string): string {
  let cur = path;
  for (let depth = 0; depth < 40; depth++) {
    const e = tree.get(cur);
    if (!e || e.type === 'file' || e.type === 'hardlink') return cur;
    if (e.type !== 'symlink') throw new InputError(`/${cur} in the image is a ${e.type === 'dir' ? 'directory' : e.type}, where a file belongs; remove it from the proto area or overlay`);
    const next = resolveInImage(cur, e.target ?? '');
    if (next === null || next === '') throw new InputError(`/${cur} in the image is a symlink to ${e.target}, outside the image; make it a file`);
    cur = next;
  }
  throw new InputError(`/${path} in the image is a symlink loop; make it a file`);
}

/**
 * Write generated text at `path` (through symlinks). A file already there keeps its mode and
 * owner; a new one gets `fresh`. Returns the path written, for the protected set.
 */
export function replaceFile(tree: StagedTree, path: string, text: string | Buffer, generator: string, mtime: number, fresh: Owner): string {
  const target = writablePath(tree, path);
  const old = tree.get(target);
  const owner: Owner = old ? { mode: old.type === 'hardlink' ? tree.contentOwner(old).mode : old.mode, uid: old.uid, gid: old.gid } : fresh;
  return putGeneratedFile(tree, target, text, generator, mtime, owner.mode, { uid: owner.uid, gid: owner.gid });
}

/** A group's id from the image's etc/group, or `fallback` (illumos's fixed id) when it is not listed. */
export async function imageGroupId(tree: StagedTree, name: string, fallback: number): Promise<number> {
  const text = await readStagedText(tree, 'etc/group');
  return (text === undefined ? undefined : parseIdFile(text).get(name)) ?? fallback;
}

/** illumos's fixed group ids, used when the image's etc/group does not say. */
export const ILLUMOS_GID = { root: 0, bin: 2, sys: 3 } as const;
