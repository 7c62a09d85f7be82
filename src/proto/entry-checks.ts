import { InputError } from '../util/errors.js';
import { resolveInImage } from '../stage/tree.js';

/**
 * Checks shared by the directory and tarball readers, so both accept and reject the same entries.
 * A relative symlink may not climb above the image root: inside the image it would point at
 * nothing, and on a host that unpacks the tree it would point outside it.
 */
export function checkSymlinkTarget(where: string, path: string, target: string): void {
  if (target === '') throw new InputError(`${where}: symlink ${path} has an empty target; remove it or give it a target`);
  if (!target.startsWith('/') && resolveInImage(path, target) === null) {
    throw new InputError(`${where}: symlink ${path} -> ${target} escapes the proto root; make the link stay inside the tree`);
  }
}

/** Split a Linux dev_t (as Node reports it) into major and minor. */
export function splitLinuxDev(rdev: number): { major: number; minor: number } {
  const big = BigInt(rdev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return { major, minor };
}
