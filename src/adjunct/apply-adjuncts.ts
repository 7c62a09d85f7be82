import { loadManifests } from '../manifest/load.js';
import { applyManifestMetadata } from '../manifest/metadata.js';
import type { StagedEntry } from '../stage/model.js';
import { baseName, parentOf, type StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { ILLUMOS_GID, imageGroupId } from '../smf/staged-files.js';
import { ADJUNCT_MANIFESTS_DIR, ADJUNCT_META_DIR, readAdjunct, type AdjunctInput } from './read-adjunct.js';

// Laying adjuncts over the staged proto area, first thing after staging, so everything after
// (overlays, SMF checks, closure pruning, the library check) sees one tree. An adjunct's files
// replace the proto's; directories the proto has keep its metadata; a directory the proto has as
// a symlink (lib/64 -> amd64) is followed, as tar does when it unpacks onto a live root. Entries
// are root:bin (the gate's usual owner) unless the adjunct's own manifests say otherwise.

export interface AppliedAdjunct {
  given: string;
  /** Entries laid over the tree (directories the tree already had not counted). */
  entries: number;
  files: number;
  /** Entries whose metadata the adjunct's manifests set. */
  withManifestMetadata: number;
}

export interface AdjunctResult {
  adjuncts: AppliedAdjunct[];
  /** Image paths the adjuncts placed, sorted. They are part of the input, not protected from pruning. */
  paths: string[];
}

function isMeta(path: string): boolean {
  return path === ADJUNCT_META_DIR || path.startsWith(`${ADJUNCT_META_DIR}/`);
}

/** Lay one adjunct's entries over the tree; returns the image paths placed. */
function layOver(tree: StagedTree, adj: AdjunctInput, bin: number): string[] {
  // Adjunct path -> image path, for directories (children go where their parent went) and files (hardlinks).
  const where = new Map<string, string>([['', '']]);
  const fileAt = new Map<string, string>();
  const placed: string[] = [];
  for (const e of adj.tree.entries()) {
    if (e.path === '' || isMeta(e.path)) continue;
    const parent = where.get(parentOf(e.path))!;
    const dest = parent === '' ? baseName(e.path) : `${parent}/${baseName(e.path)}`;
    const existing = tree.get(dest);
    if (e.type === 'dir') {
      if (existing?.type === 'symlink') {
        const real = tree.resolve(dest);
        if (real?.type !== 'dir') throw new InputError(`adjunct ${adj.given}: ${e.path}/ is a directory, but /${dest} in the image is a symlink to ${existing.target}, which is not a directory; fix one of them`);
        where.set(e.path, real.path);
        continue;
      }
      if (existing && existing.type !== 'dir') throw new InputError(`adjunct ${adj.given}: ${e.path}/ is a directory, but /${dest} in the image is a ${existing.type}; fix one of them`);
      where.set(e.path, dest);
      if (existing) continue;
      tree.put({ ...e, path: dest, uid: 0, gid: bin });
      placed.push(dest);
      continue;
    }
    if (existing?.type === 'dir') throw new InputError(`adjunct ${adj.given}: ${e.path} is a ${e.type}, but /${dest} in the image is a directory; an adjunct may add to a directory, not replace it`);
    // Removing first hands the old file's content to any proto hardlinks of it, which stay.
    if (existing) tree.remove(dest);
    const entry: StagedEntry = { ...e, path: dest, uid: 0, gid: e.type === 'symlink' ? 0 : bin };
    if (e.type === 'hardlink') entry.target = fileAt.get(e.target!) ?? e.target;
    tree.put(entry);
    if (e.type === 'file') fileAt.set(e.path, dest);
    placed.push(dest);
  }
  return placed;
}

/** Owners and modes from the adjunct's manifests; errors name the adjunct, not a spool directory. */
async function applyAdjunctManifests(tree: StagedTree, adj: AdjunctInput, reporter: Reporter): Promise<number> {
  try {
    const set = await loadManifests(adj.manifestsDir!, { transformsDir: null, reporter });
    return (await applyManifestMetadata(tree, set)).entriesWithMetadata;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(`adjunct ${adj.given}: ${e.message.split(adj.manifestsDir!).join(ADJUNCT_MANIFESTS_DIR)}`);
  }
}

/**
 * Read each adjunct (a directory or a .tar/.tar.gz/.tgz; any shape) and lay it over the staged
 * tree, in the order given, so a later adjunct wins over an earlier one.
 */
export async function applyAdjuncts(tree: StagedTree, paths: string[], opts: { mtime?: number; reporter: Reporter }): Promise<AdjunctResult> {
  const result: AdjunctResult = { adjuncts: [], paths: [] };
  const all = new Set<string>();
  for (const given of paths) {
    const adj = await readAdjunct(given, opts);
    const bin = await imageGroupId(tree, 'bin', ILLUMOS_GID.bin);
    const placed = layOver(tree, adj, bin);
    let withManifestMetadata = 0;
    if (adj.manifestsDir) withManifestMetadata = await applyAdjunctManifests(tree, adj, opts.reporter);
    const files = placed.filter((p) => tree.get(p)?.type === 'file').length;
    for (const p of placed) all.add(p);
    result.adjuncts.push({ given, entries: placed.length, files, withManifestMetadata });
    const meta = adj.manifestsDir ? `, owners and modes of ${withManifestMetadata} from its manifests` : ', root:bin';
    opts.reporter.note(`adjunct ${given}: ${placed.length} entries (${files} files) laid over the proto area${meta}`);
  }
  result.paths = [...all].sort();
  return result;
}
