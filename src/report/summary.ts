import type { Manifest, ManifestEntry, ManifestStream } from '../emit/manifest.js';
import { formatBytes } from '../util/size.js';
import { contentBytes } from './classify.js';
import { changesBetween, diffManifests, signedBytes } from './diff.js';

/**
 * One paragraph on how a build differs from the previous build in the same output directory
 * (entries added, removed and changed; bytes of file content), for the build to print.
 */
export function summarizeAgainstPrevious(prev: Manifest | undefined, next: Manifest): string {
  const bytes = next.entries.reduce((n, e) => n + contentBytes(e), 0);
  if (!prev) return `first build of ${next.profile} in this output directory: ${next.entries.length} entries, ${formatBytes(bytes)} of file content.`;
  const d = diffManifests(prev, next);
  if (d.identical) return `same as the previous build: ${next.entries.length} entries, ${formatBytes(bytes)} of file content.`;
  const entryDelta = d.b.entries - d.a.entries;
  const profile = prev.profile === next.profile ? '' : ` (profile ${prev.profile} -> ${next.profile})`;
  return (
    `against the previous build${profile}: ${d.added.length} entries added, ${d.removed.length} removed, ${d.changed.length} changed ` +
    `(${d.a.entries} -> ${d.b.entries}, ${entryDelta >= 0 ? '+' : ''}${entryDelta}); file content ${formatBytes(d.a.bytes)} -> ${formatBytes(d.b.bytes)} (${signedBytes(d.totalDelta)}).`
  );
}

/** Thrown by the merge when an input is not sorted by path (as a hand-edited manifest may not be). */
export class NotSorted extends Error {}

/**
 * The same paragraph as summarizeAgainstPrevious, from two manifests read an entry at a time, both
 * sorted by path as builds write them: a merge that holds one entry of each at a time. Throws
 * NotSorted when an input is out of order (the caller then compares them whole).
 */
export function summarizeStreams(prev: ManifestStream | undefined, next: ManifestStream): string {
  if (!prev) {
    let entries = 0;
    let bytes = 0;
    for (const e of next.entries) {
      entries++;
      bytes += contentBytes(e);
    }
    return `first build of ${next.profile} in this output directory: ${entries} entries, ${formatBytes(bytes)} of file content.`;
  }
  const a = sorted(prev.entries);
  const b = sorted(next.entries);
  let x = a.next();
  let y = b.next();
  const n = { added: 0, removed: 0, changed: 0, a: 0, b: 0, bytesA: 0, bytesB: 0 };
  const countA = (e: ManifestEntry) => {
    n.a++;
    n.bytesA += contentBytes(e);
  };
  const countB = (e: ManifestEntry) => {
    n.b++;
    n.bytesB += contentBytes(e);
  };
  while (!x.done || !y.done) {
    if (y.done || (!x.done && x.value.path < y.value.path)) {
      countA(x.value);
      n.removed++;
      x = a.next();
    } else if (x.done || y.value.path < x.value.path) {
      countB(y.value);
      n.added++;
      y = b.next();
    } else {
      countA(x.value);
      countB(y.value);
      if (changesBetween(x.value, y.value).length) n.changed++;
      x = a.next();
      y = b.next();
    }
  }
  if (n.added + n.removed + n.changed === 0) return `same as the previous build: ${n.b} entries, ${formatBytes(n.bytesB)} of file content.`;
  const profile = prev.profile === next.profile ? '' : ` (profile ${prev.profile} -> ${next.profile})`;
  const entryDelta = n.b - n.a;
  return (
    `against the previous build${profile}: ${n.added} entries added, ${n.removed} removed, ${n.changed} changed ` +
    `(${n.a} -> ${n.b}, ${entryDelta >= 0 ? '+' : ''}${entryDelta}); file content ${formatBytes(n.bytesA)} -> ${formatBytes(n.bytesB)} (${signedBytes(n.bytesB - n.bytesA)}).`
  );
}

/** The entries, checking that each path sorts after the one before. */
function* sorted(entries: Iterable<ManifestEntry>): Generator<ManifestEntry> {
  let last: string | undefined;
  for (const e of entries) {
    if (last !== undefined && !(last < e.path)) throw new NotSorted(e.path);
    last = e.path;
    yield e;
  }
}
