import { readdirSync, statSync } from 'node:fs';
import type { ManifestSet, SetKey, SetStore } from '../manifest/load.js';
import type { MacroLine } from '../manifest/infer-macros.js';
import { RACY_MS, type BuildCache } from './build-cache.js';
import { readSetFileActions, readSetFileHead, writeSetFile } from './manifest-set-file.js';

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

/** What a cache entry was made from: the key, and the listings and stamps of its inputs. */
interface Origin {
  version: number;
  key: string;
  listings: Record<string, string[]>;
  stamps: Record<string, string>;
}

interface Stored<T> extends Origin {
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

/** Whether a stored entry was made for `key` from inputs that are all as they were. */
function current(doc: Origin | undefined, key: string): boolean {
  if (!doc || doc.version !== VERSION || doc.key !== key) return false;
  for (const [dir, names] of Object.entries(doc.listings)) if (listing(dir)?.join('\0') !== names.join('\0')) return false;
  for (const [path, stamp] of Object.entries(doc.stamps)) if (stampOf(path)?.stamp !== stamp) return false;
  return true;
}

/** The cached value for `key`, if every input is as it was. */
function lookup<T>(cache: BuildCache | undefined, name: string, key: string): T | undefined {
  const doc = cache?.read<Stored<T>>(name);
  return doc && current(doc, key) ? doc.value : undefined;
}

/** What an entry was made from, as of now; undefined when an input changed after `readStartMs - RACY_MS` or has gone. */
function originOf(key: string, dirs: string[], inputs: string[], readStartMs: number): Origin | undefined {
  const listings: Record<string, string[]> = {};
  for (const d of dirs) {
    const names = listing(d);
    if (!names) return undefined;
    listings[d] = names;
  }
  const stamps: Record<string, string> = {};
  for (const path of inputs) {
    const s = stampOf(path);
    if (!s || s.changedMs >= readStartMs - RACY_MS) return undefined;
    stamps[path] = s.stamp;
  }
  return { version: VERSION, key, listings, stamps };
}

/**
 * Have `store` hold an entry made from the inputs for the next build (written when this build
 * publishes); false when nothing is kept (see originOf).
 */
function remember(cache: BuildCache | undefined, key: string, dirs: string[], inputs: string[], readStartMs: number, store: (cache: BuildCache, origin: Origin) => void): boolean {
  const origin = cache && originOf(key, dirs, inputs, readStartMs);
  if (!origin) return false;
  store(cache, origin);
  return true;
}

const keyOf = (parts: unknown): string => JSON.stringify(parts);


// The set is kept in its own line format (manifest-set-file.ts), not JSON.
const setName = (cache: BuildCache, dir: string) => cache.nameFor('manifest-set', dir, 'lines');
const linesName = (cache: BuildCache, dir: string) => cache.nameFor('manifest-macro-lines', dir);

/** A manifest set from the cache, or undefined when it must be loaded. */
export function cachedManifestSet(cache: BuildCache | undefined, key: SetKey): ManifestSet | undefined {
  if (!cache) return undefined;
  const text = cache.readBytes(setName(cache, key.dir))?.toString('utf8');
  try {
    const file = text === undefined ? undefined : readSetFileHead<Origin>(text);
    return file && current(file.head.meta, keyOf(sortedKey(key))) ? readSetFileActions(text!, file) : undefined;
  } catch {
    // A damaged file (cut short, edited by hand) is a miss: the manifests are read again.
    return undefined;
  }
}

/** Keep a loaded set for the next build; false when it was not kept (see `originOf`). */
export function rememberManifestSet(cache: BuildCache | undefined, key: SetKey, set: ManifestSet, readStartMs: number): boolean {
  const dirs = [key.dir, ...(key.transformsDir ? [key.transformsDir] : [])];
  return remember(cache, keyOf(sortedKey(key)), dirs, set.inputs, readStartMs, (c, origin) => c.writeStreamLater(setName(c, key.dir), (out) => writeSetFile(out, set, origin)));
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
  return remember(cache, keyOf(sortedDefines(known)), [dir], files, readStartMs, (c, origin) => c.writeLater(linesName(c, dir), () => ({ ...origin, value: lines }) satisfies Stored<MacroLine[]>));
}

const sortedDefines = (d: Readonly<Record<string, string>>): Array<[string, string]> => Object.entries(d).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const sortedKey = (k: SetKey) => ({ dir: k.dir, transformsDir: k.transformsDir ?? null, transformFiles: k.transformFiles, defines: sortedDefines(k.defines) });
