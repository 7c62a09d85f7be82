import { posix } from 'node:path';
import type { StagedEntry } from './model.js';

/** Thrown for a path that cannot live in an image (absolute, '..', empty component). */
export class StagePathError extends Error {}

/** Normalise an image path: strip leading './' and '/', collapse '//' and trailing '/'. */
export function normalizeImagePath(p: string): string {
  // Nearly every path is already normal (a walk makes them so): say so without splitting it.
  if (isNormalPath(p)) return p;
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.some((c) => c === '..')) throw new StagePathError(`path "${p}" has a ".." component`);
  return parts.join('/');
}

/** True for a path normalizeImagePath would return unchanged (a '..' anywhere takes the slow path). */
function isNormalPath(p: string): boolean {
  return p !== '.' && !p.startsWith('/') && !p.endsWith('/') && !p.startsWith('./') && !p.endsWith('/.') && !p.includes('//') && !p.includes('/./') && !p.includes('..');
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Byte-order comparison of image paths, so every output is sorted the same way everywhere. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Resolve a symlink target as the image would see it, relative to the link's directory, without
 * ever leaving the image root. Returns null when the target climbs above the root.
 */
export function resolveInImage(linkPath: string, target: string): string | null {
  const start = target.startsWith('/') ? [] : parentOf(linkPath).split('/').filter(Boolean);
  const out = [...start];
  for (const c of target.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(c);
  }
  return out.join('/');
}

/**
 * The staged tree: every entry of the image by path, with a child index so emitters can walk
 * directories without scanning the whole map.
 */
export class StagedTree {
  private readonly byPath = new Map<string, StagedEntry>();
  private readonly kids = new Map<string, Set<string>>();
  /** file path -> paths of the hardlinks that point at it */
  private readonly links = new Map<string, Set<string>>();

  constructor(rootMtime = 0) {
    this.byPath.set('', { path: '', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: rootMtime });
    this.kids.set('', new Set());
  }

  get size(): number {
    return this.byPath.size;
  }

  get(path: string): StagedEntry | undefined {
    return this.byPath.get(path);
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /** The root directory entry. */
  get root(): StagedEntry {
    return this.byPath.get('')!;
  }

  /**
   * Add or replace an entry. Missing parent directories are created (mode 0755, root:root,
   * the given mtime). Replacing a directory with a non-directory removes its subtree.
   */
  put(entry: StagedEntry): StagedEntry {
    const path = normalizeImagePath(entry.path);
    if (path === '') {
      if (entry.type !== 'dir') throw new StagePathError('the image root must be a directory');
      Object.assign(this.byPath.get('')!, { ...entry, path: '' });
      return this.byPath.get('')!;
    }
    return this.insert({ ...entry, path });
  }

  /**
   * put() for an entry made for the tree alone (a walk's): the tree keeps the object itself
   * instead of a copy, which for tens of thousands of entries is a good part of the walk.
   */
  adopt(entry: StagedEntry): StagedEntry {
    if (entry.path === '' || normalizeImagePath(entry.path) !== entry.path) return this.put(entry);
    return this.insert(entry);
  }

  private insert(e: StagedEntry): StagedEntry {
    const path = e.path;
    const parent = parentOf(path);
    const old = this.byPath.get(path);
    if (old && old.type === 'dir' && e.type !== 'dir') this.remove(path);
    else if (old && old.type !== 'dir' && e.type === 'dir') this.remove(path);
    this.ensureDir(parent, e.mtime);
    if (old?.type === 'hardlink') this.links.get(old.target!)?.delete(path);
    this.byPath.set(path, e);
    this.kids.get(parent)!.add(path);
    if (e.type === 'hardlink') {
      e.target = normalizeImagePath(e.target ?? '');
      let set = this.links.get(e.target);
      if (!set) this.links.set(e.target, (set = new Set()));
      set.add(path);
    }
    if (e.type === 'dir' && !this.kids.has(path)) this.kids.set(path, new Set());
    return e;
  }

  /** Make sure a directory exists (creating parents), returning it. */
  ensureDir(path: string, mtime: number, mode = 0o755): StagedEntry {
    const existing = this.byPath.get(path);
    if (existing) {
      if (existing.type !== 'dir') throw new StagePathError(`"${path}" is a ${existing.type}, not a directory`);
      return existing;
    }
    return this.put({ path, type: 'dir', mode, uid: 0, gid: 0, size: 0, mtime });
  }

  /**
   * Remove an entry (and, for a directory, everything below it). A file that other entries
   * hard-link to hands its content over to the first remaining link, so links survive pruning.
   */
  remove(path: string): void {
    const e = this.byPath.get(path);
    if (!e || path === '') return;
    if (e.type === 'dir') {
      for (const child of [...(this.kids.get(path) ?? [])]) this.remove(child);
      this.kids.delete(path);
    }
    this.byPath.delete(path);
    this.kids.get(parentOf(path))?.delete(path);
    if (e.type === 'hardlink') this.links.get(e.target!)?.delete(path);
    if (e.type === 'file') this.promoteHardlinks(e);
  }

  private promoteHardlinks(removed: StagedEntry): void {
    const paths = this.hardlinksTo(removed.path);
    this.links.delete(removed.path);
    if (paths.length === 0) return;
    const [heir, ...rest] = paths.map((p) => this.byPath.get(p)!);
    Object.assign(heir, { type: 'file', source: removed.source, size: removed.size, sha256: removed.sha256 });
    delete heir.target;
    if (rest.length) this.links.set(heir.path, new Set(rest.map((l) => l.path)));
    for (const l of rest) l.target = heir.path;
  }

  /** Children paths of a directory, sorted. */
  children(dir: string): string[] {
    return [...(this.kids.get(dir) ?? [])].sort(comparePaths);
  }

  /** Every entry, sorted by path (the root '' first). */
  entries(): StagedEntry[] {
    return [...this.byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
  }

  /** Follow a hardlink to the entry that owns the content. */
  contentOwner(entry: StagedEntry): StagedEntry {
    if (entry.type !== 'hardlink') return entry;
    const owner = this.byPath.get(entry.target!);
    if (!owner || owner.type !== 'file') throw new StagePathError(`hardlink "${entry.path}" points at "${entry.target}", which is not a file in the image`);
    return owner;
  }

  /** Paths of the hardlinks that share this file's inode (not including the file itself). */
  hardlinksTo(path: string): string[] {
    return [...(this.links.get(path) ?? [])].sort(comparePaths);
  }

  /** Resolve a path through symlinks inside the image; null if it leaves the image or loops. */
  resolve(path: string, depth = 0): StagedEntry | null {
    if (depth > 40) return null;
    const parts = normalizeImagePath(path).split('/').filter(Boolean);
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      const next = cur === '' ? parts[i] : `${cur}/${parts[i]}`;
      const e = this.byPath.get(next);
      if (!e) return null;
      if (e.type === 'symlink') {
        const t = resolveInImage(next, e.target!);
        if (t === null) return null;
        const rest = parts.slice(i + 1).join('/');
        return this.resolve(rest ? (t ? `${t}/${rest}` : rest) : t, depth + 1);
      }
      cur = next;
    }
    return this.byPath.get(cur) ?? null;
  }

  /** A shallow copy with independent entry objects (for plan/dry-run and tests). */
  clone(): StagedTree {
    const t = new StagedTree(this.root.mtime);
    for (const e of this.entries()) if (e.path !== '') t.put({ ...e });
    Object.assign(t.root, { ...this.root });
    return t;
  }
}

export const joinImagePath = (...parts: string[]): string => normalizeImagePath(posix.join(...parts));
