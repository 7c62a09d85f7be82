import type { Manifest } from '../emit/manifest.js';
import { formatBytes } from '../util/size.js';
import { contentBytes } from './classify.js';
import { diffManifests, signedBytes } from './diff.js';

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
