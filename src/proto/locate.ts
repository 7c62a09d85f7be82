import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import { describeMissing, missingShape } from './shape.js';
import { statSync } from 'node:fs';

export type ProtoInput =
  | { kind: 'dir'; root: string; given: string }
  | { kind: 'tar'; file: string; gzip: boolean; given: string };

const TAR_SUFFIXES: Array<[string, boolean]> = [
  ['.tar', false],
  ['.tar.gz', true],
  ['.tgz', true],
];

function isDirSync(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Work out what the user pointed at: a proto root (root_i386), a workspace proto/ directory
 * holding root_i386 (we pick it), or a tarball of either.
 */
export async function locateProto(given: string): Promise<ProtoInput> {
  const abs = resolve(given);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new InputError(`proto area ${given} does not exist; pass a proto root such as illumos-gate/proto/root_i386, a proto/ directory, or a .tar/.tar.gz of one`);
  }
  if (st.isFile()) {
    const match = TAR_SUFFIXES.find(([s]) => abs.toLowerCase().endsWith(s));
    if (!match) throw new InputError(`${given} is a file but not a tarball (.tar, .tar.gz or .tgz); pass a proto directory or a tarball of one`);
    return { kind: 'tar', file: abs, gzip: match[1], given };
  }
  if (!st.isDirectory()) throw new InputError(`${given} is neither a directory nor a tarball`);
  const missing = missingShape((p) => isDirSync(join(abs, p)));
  if (missing.length === 0) return { kind: 'dir', root: abs, given };
  const nested = join(abs, 'root_i386');
  if (isDirSync(nested)) {
    const nestedMissing = missingShape((p) => isDirSync(join(nested, p)));
    if (nestedMissing.length === 0) return { kind: 'dir', root: nested, given };
    throw new InputError(describeMissing(join(given, 'root_i386'), nestedMissing));
  }
  throw new InputError(describeMissing(given, missing));
}
