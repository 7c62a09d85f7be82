import { posix } from 'node:path';
import type { ElfInfo } from '../elf/read-elf.js';
import type { StagedTree } from '../stage/tree.js';
import type { ContentInspector } from './inspect.js';
import { tracePath, type TracedPath } from './trace-path.js';

// How illumos ld.so.1 finds a DT_NEEDED dependency, by default (no LD_LIBRARY_PATH, no crle
// configuration): a name with a '/' is a path; otherwise the requiring object's own DT_RUNPATH
// (or DT_RPATH when it has no RUNPATH) is searched, then the default directories for its class.
// A file of the wrong ELF class is passed over and the search goes on, as ld.so.1 does (it records
// the rejection and keeps looking).

/** ld.so.1's default search directories by ELF class; lib/64 and usr/lib/64 are links to amd64. */
export const DEFAULT_LIBRARY_DIRS: Record<32 | 64, string[]> = {
  32: ['lib', 'usr/lib'],
  64: ['lib/64', 'usr/lib/64'],
};

/**
 * Values of the other reserved tokens on an amd64 machine: $PLATFORM is uname -i, $OSNAME and
 * $OSREL uname -s and -r, $ISALIST the isalist(7) order of an amd64 CPU.
 */
const TOKEN_VALUES: Record<string, string[]> = {
  PLATFORM: ['i86pc'],
  OSNAME: ['SunOS'],
  OSREL: ['5.11'],
  ISALIST: ['amd64', 'pentium_pro+mmx', 'pentium_pro', 'pentium+mmx', 'pentium', 'i486', 'i386', 'i86'],
};

/**
 * Expand $ORIGIN (the directory of the requiring object) and the other tokens in a path. Returns
 * every expansion ($ISALIST gives several), or [] when the path uses a token we cannot know.
 */
export function expandTokens(path: string, originDir: string): string[] {
  let out = [path];
  const re = /\$(?:\{([A-Z]+)\}|([A-Z]+))/;
  // Stryker disable next-line MethodExpression: every expansion of one path holds the same tokens, so some() and every() agree
  for (let guard = 0; guard < 8 && out.some((p) => re.test(p)); guard++) {
    out = out.flatMap((p) => {
      const m = re.exec(p);
      // Stryker disable next-line ConditionalExpression,ArrayDeclaration: every expansion of one path holds the same tokens, so each path in the loop has a match
      if (!m) return [p];
      const token = m[1] ?? m[2];
      const values = token === 'ORIGIN' ? [`/${originDir}`] : TOKEN_VALUES[token];
      if (!values) return [];
      return values.map((v) => p.slice(0, m.index) + v + p.slice(m.index + m[0].length));
    });
  }
  return out.filter((p) => !re.test(p));
}

/** An expanded search path or DT_NEEDED path as an image path, or null if it climbs out of the image. */
function toImagePath(p: string): string | null {
  const n = posix.normalize(`/${p}`);
  // Stryker disable next-line ConditionalExpression,MethodExpression: posix.normalize of an absolute path never climbs above '/', so this is a guard only
  if (n.startsWith('/..')) return null;
  // Stryker disable next-line Regex: a normalised absolute path has exactly one leading slash and at most one trailing one
  return n.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** The directories searched for `info`'s dependencies, in order, as image paths. */
export function librarySearchDirs(objectPath: string, info: ElfInfo): string[] {
  // Stryker disable next-line MethodExpression: posix.normalize collapses the double slash the unsliced directory gives
  const originDir = posix.dirname(`/${objectPath}`).slice(1);
  const list = info.runpath ?? info.rpath;
  const dirs: string[] = [];
  for (const entry of (list ?? '').split(':')) {
    if (entry === '') continue;
    for (const e of expandTokens(entry, originDir)) {
      const d = toImagePath(e);
      // Stryker disable next-line ConditionalExpression: toImagePath never returns null (see above)
      if (d !== null) dirs.push(d);
    }
  }
  dirs.push(...DEFAULT_LIBRARY_DIRS[info.elfClass]);
  return [...new Set(dirs)];
}

/** Where ld.so.1 would look for `name`, in order. */
export function libraryCandidates(objectPath: string, info: ElfInfo, name: string): string[] {
  // Stryker disable next-line MethodExpression: posix.normalize collapses the double slash the unsliced directory gives
  const originDir = posix.dirname(`/${objectPath}`).slice(1);
  if (name.includes('/')) {
    // Stryker disable next-line MethodExpression: toImagePath never returns null (see above)
    return expandTokens(name, originDir)
      .map(toImagePath)
      .filter((p): p is string => p !== null);
  }
  return librarySearchDirs(objectPath, info).map((d) => (d === '' ? name : `${d}/${name}`));
}

export interface ResolvedLibrary extends TracedPath {
  /** The path as searched (before symlinks). */
  path: string;
}

/**
 * Find the object ld.so.1 would load for DT_NEEDED `name` of the object at `objectPath`; null if
 * none of the candidates exists with a matching class. A candidate that cannot be parsed is
 * accepted (so it stays in the image and its error is reported once, instead of a confusing
 * "missing" for a file that is there).
 */
export async function resolveLibrary(tree: StagedTree, inspector: ContentInspector, objectPath: string, info: ElfInfo, name: string): Promise<ResolvedLibrary | null> {
  for (const path of libraryCandidates(objectPath, info, name)) {
    const traced = tracePath(tree, path);
    if (!traced || (traced.entry.type !== 'file' && traced.entry.type !== 'hardlink')) continue;
    const what = await inspector.inspect(traced.entry);
    if (what.kind === 'elf' && what.info.elfClass !== info.elfClass) continue;
    if (what.kind === 'data' || what.kind === 'script') continue;
    return { path, ...traced };
  }
  return null;
}
