import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';
import { stripComment } from './line-file.js';
import { readStagedText } from './read-staged.js';
import { NAME_TO_MAJOR } from './state-files.js';

// Major numbers. add_drv -b picks a free number; all the kernel needs is that each driver has one
// number, unique within the image. We keep every number the proto's name_to_major already has
// (upstream: md 85, devinfo 88, asy 106, did 239) and give the drivers it lacks the numbers above
// its highest, in driver-name order, so the same inputs always give the same numbers.

/** The largest major a 32-bit dev_t can hold (L_MAXMAJ32). */
export const MAX_MAJOR = 0x3fff;

export function parseNameToMajor(text: string): Map<string, number> {
  const majors = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, num] = stripComment(line).split(/\s+/);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: name is empty only on an empty line (stripComment trims), where num is undefined, and an undefined num fails the digit test too
    if (!name || num === undefined || !/^\d+$/.test(num)) continue;
    if (!majors.has(name)) majors.set(name, Number(num));
  }
  return majors;
}

export async function readNameToMajor(tree: StagedTree): Promise<Map<string, number>> {
  const text = await readStagedText(tree, NAME_TO_MAJOR);
  return text === undefined ? new Map() : parseNameToMajor(text);
}

/** New majors for `names` (those not already numbered), above every number in use. */
export function allocateMajors(existing: ReadonlyMap<string, number>, names: Iterable<string>): Map<string, number> {
  let next = Math.max(-1, ...existing.values()) + 1;
  const allocated = new Map<string, number>();
  for (const name of [...new Set(names)].sort()) {
    if (existing.has(name)) continue;
    if (next > MAX_MAJOR) throw new InputError(`no major numbers are left for driver ${name}: name_to_major already uses numbers up to ${MAX_MAJOR}`);
    allocated.set(name, next++);
  }
  return allocated;
}
