import type { Manifest, ManifestEntry } from '../emit/manifest.js';
import { formatBytes } from '../util/size.js';
import { SIZE_CLASSES, contentBytes, sizeClassOf, topDirectory, type SizeClass } from './classify.js';

// What an image is made of, from its manifest: bytes by top-level directory and by kind of file,
// the largest files, and how many entries of each type.

export interface SizeReport {
  profile: string;
  proto: string;
  entries: number;
  /** Bytes of file content (hardlinks share their file's bytes). */
  totalBytes: number;
  byTopDirectory: Array<{ directory: string; bytes: number; entries: number }>;
  byClass: Array<{ class: SizeClass; bytes: number; files: number }>;
  largest: Array<{ path: string; bytes: number; class: SizeClass }>;
  byEntryType: Record<ManifestEntry['type'], number>;
}

export const DEFAULT_TOP = 20;

export function buildSizeReport(m: Manifest, top = DEFAULT_TOP): SizeReport {
  const dirs = new Map<string, { bytes: number; entries: number }>();
  const classes = new Map<SizeClass, { bytes: number; files: number }>(SIZE_CLASSES.map((c) => [c, { bytes: 0, files: 0 }]));
  const byEntryType: SizeReport['byEntryType'] = { file: 0, dir: 0, symlink: 0, hardlink: 0, char: 0, block: 0, fifo: 0 };
  let totalBytes = 0;
  for (const e of m.entries) {
    byEntryType[e.type]++;
    const bytes = contentBytes(e);
    totalBytes += bytes;
    const d = topDirectory(e);
    const dir = dirs.get(d) ?? { bytes: 0, entries: 0 };
    dir.bytes += bytes;
    dir.entries++;
    dirs.set(d, dir);
    if (e.type === 'file') {
      const c = classes.get(sizeClassOf(e))!;
      c.bytes += bytes;
      c.files++;
    }
  }
  const largest = m.entries
    .filter((e) => e.type === 'file')
    .sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))
    .slice(0, Math.max(0, top))
    .map((e) => ({ path: e.path, bytes: e.size, class: sizeClassOf(e) }));
  return {
    profile: m.profile,
    proto: m.proto,
    entries: m.entries.length,
    totalBytes,
    byTopDirectory: [...dirs].map(([directory, v]) => ({ directory, ...v })).sort((a, b) => b.bytes - a.bytes || (a.directory < b.directory ? -1 : 1)),
    byClass: SIZE_CLASSES.map((c) => ({ class: c, ...classes.get(c)! })),
    largest,
    byEntryType,
  };
}

const percent = (part: number, whole: number) => (whole === 0 ? '  0.0%' : `${((100 * part) / whole).toFixed(1).padStart(5)}%`);

/** The report as text for a terminal. */
export function formatSizeReport(r: SizeReport): string {
  const lines: string[] = [];
  lines.push(`image ${r.profile} (from ${r.proto}): ${r.entries} entries, ${formatBytes(r.totalBytes)} of file content`);
  const dirWidth = Math.max(9, ...r.byTopDirectory.map((d) => d.directory.length + 1));
  lines.push('', 'by top directory:');
  for (const d of r.byTopDirectory) lines.push(`  ${`${d.directory === '/' ? '/' : `/${d.directory}`}`.padEnd(dirWidth)} ${formatBytes(d.bytes).padStart(10)} ${percent(d.bytes, r.totalBytes)}  ${d.entries} entries`);
  lines.push('', 'by kind of file:');
  for (const c of r.byClass) lines.push(`  ${c.class.padEnd(15)} ${formatBytes(c.bytes).padStart(10)} ${percent(c.bytes, r.totalBytes)}  ${c.files} files`);
  lines.push('', `largest files:`);
  for (const f of r.largest) lines.push(`  ${formatBytes(f.bytes).padStart(10)}  /${f.path}  (${f.class})`);
  lines.push('', 'entries by type:');
  lines.push(`  ${Object.entries(r.byEntryType).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
