import { attrOne } from '../manifest/action.js';
import type { ManifestSet } from '../manifest/load.js';
import { parseMode } from '../manifest/metadata.js';
import type { StagedTree } from '../stage/tree.js';
import { DEV_LINKS, SUNWCSD_DIRS, type DevLink, type SkeletonDir } from './table.js';

// /dev without devfsadm. devfsadm cannot run on Linux, and on a miss the kernel's /dev (sdev)
// does not create links by itself, so the image must already hold the links init, the launcher
// and a shell open. devfsadm run later from the image (the launcher's `devfsadm`) adds the rest.

export interface DevLinkOptions {
  /** Take SUNWcsd's /dev and /devices directories and links from these manifests instead of the built-in list. */
  manifests?: ManifestSet;
  /** group name -> gid from the image's etc/group, to give the skeleton its groups now. */
  groups?: ReadonlyMap<string, number>;
}

function skeletonFromManifests(set: ManifestSet): { dirs: SkeletonDir[]; links: DevLink[] } {
  const dirs: SkeletonDir[] = [];
  const links: DevLink[] = [];
  for (const a of set.actions) {
    const path = attrOne(a, 'path');
    if (!path || !/^(dev|devices)(\/|$)/.test(path)) continue;
    if (a.type === 'dir') {
      const mode = attrOne(a, 'mode');
      dirs.push({ path, mode: mode === undefined ? 0o755 : parseMode(mode, a), group: attrOne(a, 'group') ?? 'root' });
    } else if (a.type === 'link') {
      const target = attrOne(a, 'target');
      if (target) links.push({ path, target });
    }
  }
  return { dirs, links };
}

/**
 * Add SUNWcsd's /dev skeleton and the /dev links devfsadm would make for the core pseudo devices.
 * Entries already in the image (from the proto or an overlay) are left as they are. Returns
 * every path of the skeleton and links, for the pipeline's protected set.
 */
export function addDevLinks(tree: StagedTree, mtime: number, opts: DevLinkOptions = {}): string[] {
  const fromManifests = opts.manifests ? skeletonFromManifests(opts.manifests) : undefined;
  const dirs = fromManifests?.dirs.length ? fromManifests.dirs : SUNWCSD_DIRS;
  const links = [...DEV_LINKS];
  for (const l of fromManifests?.links ?? []) if (!links.some((d) => d.path === l.path)) links.push(l);
  const placed: string[] = [];
  for (const d of [...dirs].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (!tree.get(d.path)) tree.put({ path: d.path, type: 'dir', mode: d.mode, uid: 0, gid: opts.groups?.get(d.group) ?? 0, size: 0, mtime });
    placed.push(d.path);
  }
  for (const l of links) {
    if (!tree.get(l.path)) tree.put({ path: l.path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: Buffer.byteLength(l.target), mtime, target: l.target });
    placed.push(l.path);
  }
  return placed;
}
