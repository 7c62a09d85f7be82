import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';

// The kernel state files a proto area leaves nearly empty. --state-from copies them from a
// running (or mounted) illumos root, as pureboot does. path_to_inst is deliberately not among
// them: the proto's bootstrap file makes the kernel rebuild it on first boot.

export const REQUIRED_STATE_FILES = ['etc/name_to_major', 'etc/driver_aliases', 'etc/driver_classes', 'etc/minor_perm'];
export const OPTIONAL_STATE_FILES = ['etc/security/device_policy', 'etc/security/extra_privs'];

export interface StateCopy {
  path: string;
  from: string;
}

/** Replace the staged kernel state files with the ones under `root`; returns what was copied. */
export function copyStateFrom(tree: StagedTree, root: string, mtime: number): StateCopy[] {
  const abs = resolve(root);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new InputError(`--state-from ${root} is not a directory; give the root of an illumos system, such as /`);
  const copied: StateCopy[] = [];
  for (const path of [...REQUIRED_STATE_FILES, ...OPTIONAL_STATE_FILES]) {
    const from = join(abs, path);
    if (!existsSync(from)) {
      if (REQUIRED_STATE_FILES.includes(path)) throw new InputError(`--state-from ${root} has no ${path}; point it at the root of an illumos system`);
      continue;
    }
    const st = statSync(from);
    if (!st.isFile()) throw new InputError(`--state-from: ${from} is not a regular file`);
    const mode = tree.get(path)?.mode ?? 0o644;
    tree.put({ path, type: 'file', mode, uid: 0, gid: 0, size: st.size, mtime: mtime, source: { kind: 'host', path: from, origin: 'state-from' } });
    copied.push({ path, from });
  }
  return copied;
}
