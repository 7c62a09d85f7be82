import type { StagedTree } from '../stage/tree.js';
import { readStagedText } from '../state/read-staged.js';

// User and group names in manifests resolve through the image's own etc/passwd and etc/group
// (the proto's, or an overlay's), never the build host's: a Linux host's "sys" or "bin" has
// nothing to do with illumos's.

export interface Accounts {
  /** user name -> uid; undefined when the image has no etc/passwd. */
  users?: Map<string, number>;
  /** group name -> gid; undefined when the image has no etc/group. */
  groups?: Map<string, number>;
}

/** name -> id from colon-separated lines whose third field is the numeric id (passwd and group alike). */
export function parseIdFile(text: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    if (fields.length < 3 || !/^\d+$/.test(fields[2])) continue;
    if (!ids.has(fields[0])) ids.set(fields[0], Number(fields[2]));
  }
  return ids;
}

export async function readAccounts(tree: StagedTree): Promise<Accounts> {
  const passwd = await readStagedText(tree, 'etc/passwd');
  const group = await readStagedText(tree, 'etc/group');
  return { users: passwd === undefined ? undefined : parseIdFile(passwd), groups: group === undefined ? undefined : parseIdFile(group) };
}
