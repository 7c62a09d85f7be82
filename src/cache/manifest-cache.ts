import { readdirSync, statSync } from 'node:fs';
import type { ManifestAction } from '../manifest/action.js';
import type { Manifest, ManifestSet, SetKey, SetStore } from '../manifest/load.js';
import type { MacroLine } from '../manifest/infer-macros.js';
import { RACY_MS, type BuildCache } from './build-cache.js';

export { RACY_MS };

// The package manifests of a workspace, parsed, kept from one build to the next. A gate has about
// 530 manifests and 38,000 actions; reading and transforming them is most of a rebuild's staging
// when nothing in them changed. An entry is used only when every file it was made from has the
// same stamp (size, mtime, ctime, inode), the directories list the same names (a new manifest, or
// a new include that would now be found first) and the macro values are the same. A file changed
// less than RACY_MS before it was read is never trusted by its stamp: a second edit in the same
// clock tick could leave the stamp as it was, so such a result is not stored and the next build
// reads the files again.

/** Bumped whenever what is stored changes shape. */
const VERSION = 1;

type StoredAction = [type: ManifestAction['type'], payload: string | null, attrs: Array<[string, string[]]>, file: string | null, line: number];

interface Stored<T> {
  version: number;
  key: string;
  listings: Record<string, string[]>;
  stamps: Record<string, string>;
  value: T;
}

/** What identifies a file's content without reading it. */
export function stampOf(path: string): { stamp: string; changedMs: number } | undefined {
  try {
    const st = statSync(path);
    return { stamp: `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`, changedMs: Math.max(st.mtimeMs, st.ctimeMs) };
  } catch {
    return undefined;
  }
}

function listing(dir: string): string[] | undefined {
  try {
    return readdirSync(dir).sort();
  } catch {
    return undefined;
  }
}

/** The cached value for `key`, if every input is as it was. */
function lookup<T>(cache: BuildCache | undefined, name: string, key: string): T | undefined {
  const doc = cache?.read<Stored<T>>(name);
  if (!doc || doc.version !== VERSION || doc.key !== key) return undefined;
  for (const [dir, names] of Object.entries(doc.listings)) if (listing(dir)?.join('\0') !== names.join('\0')) return undefined;
  for (const [path, stamp] of Object.entries(doc.stamps)) if (stampOf(path)?.stamp !== stamp) return undefined;
  return doc.value;
}

/**
 * Hold what `value` gives for the next build (made and written when this build publishes). Nothing is kept when an
 * input changed after `readStartMs - RACY_MS` or has gone.
 */
function remember<T>(cache: BuildCache | undefined, name: string, key: string, dirs: string[], inputs: string[], readStartMs: number, value: () => T): boolean {
  if (!cache) return false;
  const listings: Record<string, string[]> = {};
  for (const d of dirs) {
    const names = listing(d);
    if (!names) return false;
    listings[d] = names;
  }
  const stamps: Record<string, string> = {};
  for (const path of inputs) {
    const s = stampOf(path);
    if (!s || s.changedMs >= readStartMs - RACY_MS) return false;
    stamps[path] = s.stamp;
  }
  cache.writeLater(name, () => ({ version: VERSION, key, listings, stamps, value: value() }) satisfies Stored<T>);
  return true;
}

const keyOf = (parts: unknown): string => JSON.stringify(parts);


const setName = (cache: BuildCache, dir: string) => cache.nameFor('manifest-set', dir);
const linesName = (cache: BuildCache, dir: string) => cache.nameFor('manifest-macro-lines', dir);

/** A manifest set from the cache, or undefined when it must be loaded. */
export function cachedManifestSet(cache: BuildCache | undefined, key: SetKey): ManifestSet | undefined {
  if (!cache) return undefined;
  const stored = lookup<StoredSet>(cache, setName(cache, key.dir), keyOf(sortedKey(key)));
  return stored && restoreSet(stored);
}

/** Keep a loaded set for the next build; false when it was not kept (see `remember`). */
export function rememberManifestSet(cache: BuildCache | undefined, key: SetKey, set: ManifestSet, readStartMs: number): boolean {
  if (!cache) return false;
  const dirs = [key.dir, ...(key.transformsDir ? [key.transformsDir] : [])];
  return remember(cache, setName(cache, key.dir), keyOf(sortedKey(key)), dirs, set.inputs, readStartMs, () => storeSet(set));
}

/** The build cache as the manifest loader's store. */
export function manifestSetStore(cache: BuildCache | undefined): SetStore | undefined {
  return cache && { get: (key) => cachedManifestSet(cache, key), put: (key, set, start) => rememberManifestSet(cache, key, set, start) };
}

/** The macro lines of a manifests directory (infer-macros.ts's scan) from the cache. */
export function cachedMacroLines(cache: BuildCache | undefined, dir: string, known: Readonly<Record<string, string>>): MacroLine[] | undefined {
  return cache && lookup<MacroLine[]>(cache, linesName(cache, dir), keyOf(sortedDefines(known)));
}

export function rememberMacroLines(cache: BuildCache | undefined, dir: string, known: Readonly<Record<string, string>>, files: string[], lines: MacroLine[], readStartMs: number): boolean {
  return !!cache && remember(cache, linesName(cache, dir), keyOf(sortedDefines(known)), [dir], files, readStartMs, () => lines);
}

const sortedDefines = (d: Readonly<Record<string, string>>): Array<[string, string]> => Object.entries(d).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const sortedKey = (k: SetKey) => ({ dir: k.dir, transformsDir: k.transformsDir ?? null, transformFiles: k.transformFiles, defines: sortedDefines(k.defines) });

// The set as JSON: attribute maps become pairs, and an action's manifest is its package's path.
interface StoredSet {
  dir: string;
  transformsDir: string | null;
  manifests: Array<{ path: string; fmri: string | null; actions: StoredAction[] }>;
  variantExcluded: number;
  leftOut: ManifestSet['leftOut'];
  aborted: string[];
  otherArchitecture: string[];
  unknownMacros: Array<[string, string]>;
  inputs: string[];
}

function storeSet(set: ManifestSet): StoredSet {
  return {
    dir: set.dir,
    transformsDir: set.transformsDir ?? null,
    manifests: set.manifests.map((m) => ({ path: m.path, fmri: m.fmri ?? null, actions: m.actions.map((a): StoredAction => [a.type, a.payload ?? null, [...a.attrs], a.file === m.path ? null : a.file, a.line]) })),
    variantExcluded: set.variantExcluded,
    leftOut: set.leftOut,
    aborted: set.aborted,
    otherArchitecture: set.otherArchitecture,
    unknownMacros: [...set.unknownMacros],
    inputs: set.inputs,
  };
}

function restoreSet(s: StoredSet): ManifestSet {
  const manifests: Manifest[] = s.manifests.map((m) => {
    const actions = m.actions.map(([type, payload, attrs, file, line]): ManifestAction => {
      const a: ManifestAction = { type, attrs: new Map(attrs), manifest: m.path, file: file ?? m.path, line };
      if (payload !== null) a.payload = payload;
      return a;
    });
    const manifest: Manifest = { path: m.path, actions };
    if (m.fmri !== null) manifest.fmri = m.fmri;
    return manifest;
  });
  return {
    dir: s.dir,
    ...(s.transformsDir !== null ? { transformsDir: s.transformsDir } : {}),
    manifests,
    actions: manifests.flatMap((m) => m.actions),
    variantExcluded: s.variantExcluded,
    leftOut: s.leftOut,
    aborted: s.aborted,
    otherArchitecture: s.otherArchitecture,
    unknownMacros: new Map(s.unknownMacros),
    inputs: s.inputs,
  };
}
