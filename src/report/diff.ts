import type { Manifest, ManifestEntry } from '../emit/manifest.js';
import { formatBytes } from '../util/size.js';
import { contentBytes, topDirectory } from './classify.js';

// The difference between two builds' manifests: entries added, removed and changed (content,
// permissions, owner, type, link target, device numbers), and how the bytes moved per top-level
// directory.

export type ChangeKind = 'type' | 'content' | 'mode' | 'owner' | 'target' | 'rdev';

export interface EntryChange {
  path: string;
  changes: ChangeKind[];
  before: ManifestEntry;
  after: ManifestEntry;
}

export interface ManifestDiff {
  a: { profile: string; entries: number; bytes: number };
  b: { profile: string; entries: number; bytes: number };
  added: ManifestEntry[];
  removed: ManifestEntry[];
  changed: EntryChange[];
  /** Bytes of file content per top-level directory, before and after; only directories that differ. */
  sizeByTopDirectory: Array<{ directory: string; before: number; after: number; delta: number }>;
  totalDelta: number;
  identical: boolean;
}

export function changesBetween(x: ManifestEntry, y: ManifestEntry): ChangeKind[] {
  const out: ChangeKind[] = [];
  if (x.type !== y.type) out.push('type');
  if (x.type === y.type && (x.size !== y.size || x.sha256 !== y.sha256) && (x.type === 'file' || x.type === 'hardlink')) out.push('content');
  if (x.mode !== y.mode) out.push('mode');
  if (x.uid !== y.uid || x.gid !== y.gid) out.push('owner');
  if ((x.target ?? '') !== (y.target ?? '')) out.push('target');
  if (x.rdev?.major !== y.rdev?.major || x.rdev?.minor !== y.rdev?.minor) out.push('rdev');
  return out;
}

function bytesByTop(m: Manifest): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of m.entries) out.set(topDirectory(e), (out.get(topDirectory(e)) ?? 0) + contentBytes(e));
  return out;
}

const total = (m: Manifest) => m.entries.reduce((n, e) => n + contentBytes(e), 0);

export function diffManifests(a: Manifest, b: Manifest): ManifestDiff {
  const before = new Map(a.entries.map((e) => [e.path, e]));
  const after = new Map(b.entries.map((e) => [e.path, e]));
  const added = b.entries.filter((e) => !before.has(e.path));
  const removed = a.entries.filter((e) => !after.has(e.path));
  const changed: EntryChange[] = [];
  for (const y of b.entries) {
    const x = before.get(y.path);
    if (!x) continue;
    const changes = changesBetween(x, y);
    if (changes.length) changed.push({ path: y.path, changes, before: x, after: y });
  }
  const sort = <T extends { path: string }>(l: T[]) => l.sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0));
  const ta = bytesByTop(a);
  const tb = bytesByTop(b);
  const sizeByTopDirectory = [...new Set([...ta.keys(), ...tb.keys()])]
    .map((directory) => ({ directory, before: ta.get(directory) ?? 0, after: tb.get(directory) ?? 0, delta: (tb.get(directory) ?? 0) - (ta.get(directory) ?? 0) }))
    .filter((d) => d.delta !== 0)
    .sort((p, q) => Math.abs(q.delta) - Math.abs(p.delta) || (p.directory < q.directory ? -1 : 1));
  const bytesA = total(a);
  const bytesB = total(b);
  return {
    a: { profile: a.profile, entries: a.entries.length, bytes: bytesA },
    b: { profile: b.profile, entries: b.entries.length, bytes: bytesB },
    added: sort(added),
    removed: sort(removed),
    changed: sort(changed),
    sizeByTopDirectory,
    totalDelta: bytesB - bytesA,
    identical: added.length === 0 && removed.length === 0 && changed.length === 0,
  };
}

/** A byte difference with its sign, e.g. "+1.2 MiB", "-300 B", "0 B". */
export function signedBytes(n: number): string {
  return n === 0 ? '0 B' : `${n > 0 ? '+' : '-'}${formatBytes(Math.abs(n))}`;
}

function describeChange(c: EntryChange): string {
  const parts = c.changes.map((k) => {
    switch (k) {
      case 'type':
        return `type ${c.before.type} -> ${c.after.type}`;
      case 'content':
        return c.before.size === c.after.size ? 'content' : `content ${formatBytes(c.before.size)} -> ${formatBytes(c.after.size)}`;
      case 'mode':
        return `mode ${c.before.mode} -> ${c.after.mode}`;
      case 'owner':
        return `owner ${c.before.uid}:${c.before.gid} -> ${c.after.uid}:${c.after.gid}`;
      case 'target':
        return `target ${c.before.target ?? '(none)'} -> ${c.after.target ?? '(none)'}`;
      case 'rdev':
        return `device ${c.before.rdev?.major ?? '-'},${c.before.rdev?.minor ?? '-'} -> ${c.after.rdev?.major ?? '-'},${c.after.rdev?.minor ?? '-'}`;
    }
  });
  return parts.join(', ');
}

/** The difference as text for a terminal. */
export function formatManifestDiff(d: ManifestDiff): string {
  const lines: string[] = [];
  lines.push(`${d.a.profile} (${d.a.entries} entries, ${formatBytes(d.a.bytes)}) -> ${d.b.profile} (${d.b.entries} entries, ${formatBytes(d.b.bytes)})`);
  if (d.identical) return `${lines[0]}\nno differences\n`;
  lines.push(`${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed; file content ${signedBytes(d.totalDelta)}`);
  const size = (e: ManifestEntry) => (e.type === 'file' ? ` (${formatBytes(e.size)})` : e.target !== undefined ? ` -> ${e.target}` : ` (${e.type})`);
  if (d.added.length) lines.push('', 'added:', ...d.added.map((e) => `  + /${e.path}${size(e)}`));
  if (d.removed.length) lines.push('', 'removed:', ...d.removed.map((e) => `  - /${e.path}${size(e)}`));
  if (d.changed.length) lines.push('', 'changed:', ...d.changed.map((c) => `  ~ /${c.path}: ${describeChange(c)}`));
  if (d.sizeByTopDirectory.length) {
    lines.push('', 'size by top directory:');
    for (const s of d.sizeByTopDirectory) lines.push(`  ${(s.directory === '/' ? '/' : `/${s.directory}`).padEnd(12)} ${formatBytes(s.before).padStart(10)} -> ${formatBytes(s.after).padStart(10)}  ${signedBytes(s.delta)}`);
  }
  return `${lines.join('\n')}\n`;
}
