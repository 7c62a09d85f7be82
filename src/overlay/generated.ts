import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';

/** Put a file whose bytes the tool generates; returns its path for the protected set. */
export function putGeneratedFile(tree: StagedTree, path: string, text: string | Buffer, generator: string, mtime: number, mode = 0o644, owner: Pick<StagedEntry, 'uid' | 'gid'> = { uid: 0, gid: 0 }): string {
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  tree.put({ path, type: 'file', mode, ...owner, size: data.length, mtime, source: { kind: 'generated', data, generator } });
  return path;
}

/** Quote a value for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
