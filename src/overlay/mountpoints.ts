import type { StagedTree } from '../stage/tree.js';
import { putGeneratedFile } from './generated.js';

// What the kernel mounts over while booting (vfs_mountroot: devfs, sdev, ctfs, proc, mntfs, tmpfs
// on etc/svc/volatile, objfs, bootfs, sharefs), and what the launcher mounts (tmpfs on tmp and
// var/run, fd on dev/fd). Directories must exist; mnttab and sharetab must be files.

const DIRS: Array<[string, number]> = [
  ['dev', 0o755],
  ['dev/fd', 0o555],
  ['devices', 0o755],
  ['devices/pseudo', 0o755],
  ['proc', 0o555],
  ['system', 0o755],
  ['system/contract', 0o555],
  ['system/object', 0o555],
  ['system/boot', 0o555],
  ['etc/svc', 0o755],
  ['etc/svc/volatile', 0o755],
  ['etc/dfs', 0o755],
  ['tmp', 0o1777],
  ['var', 0o755],
  ['var/run', 0o755],
  ['mnt', 0o755],
];

const FILES: Array<[string, number]> = [
  ['etc/mnttab', 0o444],
  ['etc/dfs/sharetab', 0o444],
  // Makes devfsadm and svc.startd treat the first boot as a reconfiguration boot.
  ['reconfigure', 0o644],
];

/** Create the mount points and placeholder files; returns the paths placed. */
export function addMountPoints(tree: StagedTree, mtime: number): string[] {
  const placed: string[] = [];
  for (const [path, mode] of DIRS) {
    const existing = tree.get(path);
    if (existing?.type === 'dir') {
      placed.push(path);
      continue;
    }
    tree.put({ path, type: 'dir', mode, uid: 0, gid: 0, size: 0, mtime });
    placed.push(path);
  }
  for (const [path, mode] of FILES) {
    const existing = tree.get(path);
    if (existing?.type === 'file') {
      placed.push(path);
      continue;
    }
    placed.push(putGeneratedFile(tree, path, '', 'mountpoints', mtime, mode));
  }
  return placed;
}
