import type { StagedEntry } from '../stage/model.js';
import { PERM_MASK } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { readAccounts, type Accounts } from './accounts.js';
import { attrOne, where, type ManifestAction } from './action.js';
import type { ManifestSet } from './load.js';

// Ownership and modes from the package manifests. A proto area is owned by whoever built it and
// carries only the build's modes; the manifests (after the gate's `defaults` transforms) say what
// each delivered path really is: root:sys 0755 for a driver, root:sys 04555 for passwd, and so on.
// Symlinks (`link` actions) carry no ownership in IPS and stay root:root; a `hardlink` shares its
// file's inode, so a file's metadata goes to every link of it.

const PATH_ACTIONS = new Set(['file', 'dir', 'link', 'hardlink']);

export interface MetadataOptions {
  reporter?: Reporter;
  /** Paths to leave as they are (files an overlay placed with modes of its own). */
  exclude?: ReadonlySet<string>;
  /** Paths the tool or an adjunct placed: they have no package, so they are never "unmentioned". */
  placed?: ReadonlySet<string>;
}

export interface MetadataResult {
  /** Entries whose mode, owner or group now come from a manifest. */
  entriesWithMetadata: number;
  /** Proto entries no manifest mentions (they keep root:root and the proto's mode); generated and overlay files are not counted. */
  unmentioned: string[];
  /** Manifest paths that are not in the image (not built, or pruned). */
  notInImage: number;
  /** Paths delivered by several actions that disagree; the first (manifests sorted by name) wins. */
  conflicts: string[];
  /** Paths whose manifest action type does not fit the image entry (a `file` that is a symlink...). */
  typeMismatches: string[];
  /** Paths that now carry setuid or setgid bits. */
  setid: string[];
}

function sameMetadata(a: ManifestAction, b: ManifestAction): boolean {
  return a.type === b.type && ['mode', 'owner', 'group'].every((k) => attrOne(a, k) === attrOne(b, k));
}

/** The first action for each path; later disagreeing ones are reported as conflicts. */
function indexByPath(set: ManifestSet): { byPath: Map<string, ManifestAction>; conflicts: string[] } {
  const byPath = new Map<string, ManifestAction>();
  const conflicts = new Set<string>();
  for (const a of set.actions) {
    if (!PATH_ACTIONS.has(a.type)) continue;
    const path = attrOne(a, 'path');
    if (path === undefined) throw new InputError(`${where(a)}: ${a.type} action has no path`);
    const norm = path.replace(/^\/+/, '').replace(/\/+$/, '');
    const first = byPath.get(norm);
    if (!first) byPath.set(norm, a);
    else if (!sameMetadata(first, a)) conflicts.add(norm);
  }
  return { byPath, conflicts: [...conflicts].sort() };
}

export function parseMode(text: string, action: ManifestAction): number {
  if (!/^[0-7]{3,5}$/.test(text) || parseInt(text, 8) > PERM_MASK) throw new InputError(`${where(action)}: mode "${text}" of ${attrOne(action, 'path')} is not an octal permission such as 0755 or 04555`);
  return parseInt(text, 8);
}

function resolveId(kind: 'owner' | 'group', name: string, table: Map<string, number> | undefined, action: ManifestAction): number {
  const file = kind === 'owner' ? 'etc/passwd' : 'etc/group';
  if (!table) throw new InputError(`${where(action)}: ${attrOne(action, 'path')} has ${kind} "${name}", but the image has no ${file} to look it up in`);
  const id = table.get(name);
  if (id === undefined) throw new InputError(`${where(action)}: ${attrOne(action, 'path')} has ${kind} "${name}", which the image's ${file} does not define (manifest ${action.manifest})`);
  return id;
}

/** Entries sharing one inode with `entry`: the file and all its hardlinks. */
function inodeMembers(tree: StagedTree, entry: StagedEntry): StagedEntry[] {
  const owner = tree.contentOwner(entry);
  return [owner, ...tree.hardlinksTo(owner.path).map((p) => tree.get(p)!)];
}

function fits(action: ManifestAction, entry: StagedEntry): boolean {
  if (action.type === 'dir') return entry.type === 'dir';
  if (action.type === 'file') return entry.type === 'file' || entry.type === 'hardlink';
  return true;
}

/**
 * Give image entries the mode, owner and group their manifest actions declare, with names
 * resolved through the image's own etc/passwd and etc/group.
 */
export async function applyManifestMetadata(tree: StagedTree, set: ManifestSet, opts: MetadataOptions = {}): Promise<MetadataResult> {
  const { byPath, conflicts } = indexByPath(set);
  const accounts: Accounts = await readAccounts(tree);
  const result: MetadataResult = { entriesWithMetadata: 0, unmentioned: [], notInImage: 0, conflicts, typeMismatches: [], setid: [] };
  const mentioned = new Set<string>();
  for (const [path, action] of byPath) {
    const entry = tree.get(path);
    if (!entry) {
      result.notInImage++;
      continue;
    }
    mentioned.add(path);
    if (action.type !== 'file' && action.type !== 'dir') continue;
    if (opts.exclude?.has(path)) continue;
    if (!fits(action, entry)) {
      result.typeMismatches.push(path);
      continue;
    }
    const modeText = attrOne(action, 'mode');
    const owner = attrOne(action, 'owner');
    const group = attrOne(action, 'group');
    const mode = modeText === undefined ? undefined : parseMode(modeText, action);
    const uid = owner === undefined ? undefined : resolveId('owner', owner, accounts.users, action);
    const gid = group === undefined ? undefined : resolveId('group', group, accounts.groups, action);
    if (mode === undefined && uid === undefined && gid === undefined) continue;
    for (const member of entry.type === 'dir' ? [entry] : inodeMembers(tree, entry)) {
      if (mode !== undefined) member.mode = mode;
      if (uid !== undefined) member.uid = uid;
      if (gid !== undefined) member.gid = gid;
    }
    result.entriesWithMetadata++;
    if (mode !== undefined && mode & 0o6000) result.setid.push(path);
  }
  for (const e of tree.entries()) {
    if (e.path === '' || mentioned.has(e.path) || opts.exclude?.has(e.path) || opts.placed?.has(e.path)) continue;
    // Files the tool generated or an overlay supplied are not the proto's to account for.
    if (e.source && (e.source.kind !== 'host' || e.source.origin === 'overlay')) continue;
    result.unmentioned.push(e.path);
  }
  report(result, opts.reporter);
  return result;
}

function report(r: MetadataResult, reporter: Reporter | undefined): void {
  if (!reporter) return;
  reporter.note(`ownership and modes from manifests: ${r.entriesWithMetadata} entries; ${r.unmentioned.length} entries no manifest mentions keep root:root and their proto mode`);
  if (r.conflicts.length) reporter.warn(`${r.conflicts.length} path(s) are delivered by manifest actions that disagree on mode or ownership; the first manifest wins (e.g. ${r.conflicts.slice(0, 3).join(', ')})`);
  if (r.typeMismatches.length) reporter.warn(`${r.typeMismatches.length} path(s) are a different kind of entry in the image than in the manifests; left as they are (e.g. ${r.typeMismatches.slice(0, 3).join(', ')})`);
}
