import { InputError } from '../util/errors.js';
import type { ClosurePruneResult } from './prune.js';

// Turning a closure's problems into what the build says: a keep entry that matches nothing or a
// dependency the proto area lacks is an error (the image would not work); unreadable objects and
// unused libraries are notes.

const LIST_LIMIT = 20;

function listed(items: string[]): string {
  const shown = items.slice(0, LIST_LIMIT).join('; ');
  return items.length > LIST_LIMIT ? `${shown}; and ${items.length - LIST_LIMIT} more` : shown;
}

/** The InputError a build should throw for this closure, or undefined when nothing is missing. */
export function closureError(r: Pick<ClosurePruneResult, 'missing' | 'unmatchedKeep'>, profile: string): InputError | undefined {
  const parts: string[] = [];
  if (r.unmatchedKeep.length) parts.push(`its keep list names ${r.unmatchedKeep.length === 1 ? 'something' : 'things'} the proto area does not have: ${listed(r.unmatchedKeep)}`);
  if (r.missing.length) parts.push(`kept objects need what the proto area does not have: ${listed(r.missing.map((m) => `/${m.object} needs ${m.dependency}`))}`);
  if (!parts.length) return undefined;
  return new InputError(`profile ${profile}: ${parts.join('; and ')}; add the missing files to the proto area (or an overlay), or drop what needs them from "keep"`);
}

/** Notes for the build's reporter: unreadable objects, and (when asked) libraries nothing uses. */
export function closureNotes(r: Pick<ClosurePruneResult, 'elfErrors' | 'unusedLibraries'>, reportUnused: boolean): string[] {
  const notes = r.elfErrors.map((e) => `cannot read /${e.path} as ELF (${e.error}); kept, but its dependencies are unknown`);
  if (reportUnused) notes.push(...r.unusedLibraries.map((l) => `unused library /${l} removed`));
  return notes;
}
