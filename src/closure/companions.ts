import type { StagedTree } from '../stage/tree.js';
import { tracePath } from './trace-path.js';

// Files some programs open or load by name, which no DT_NEEDED records: when the program (its
// real path) is kept, these are kept too, if the tree has them. `files` are image paths or
// globs; `libraries` are loaded with dlopen() and found like DT_NEEDED dependencies of the
// object itself.
//
// - init (usr/src/cmd/init/init.c) reads inittab and default/init, and runs every inittab command
//   through /sbin/sh ("INITSH").
// - mount(8) runs /etc/fs/<type>/mount or /usr/lib/fs/<type>/mount for each -F type; these are
//   the types the compose launcher mounts (ufs remount, tmpfs, fd), plus vfstab and default/fs.
// - devfsadm loads its link modules from usr/lib/devfsadm/linkmod and reads devlink.tab.
// - libc's name services dlopen nss_files.so.1 as nsswitch.conf says (files is the default).

export interface Companion {
  /**
   * Image path of the program or library as packages name it. It may be a symlink (in the gate
   * usr/sbin/mount -> ../../sbin/mount): companionTable() resolves it through the image's links.
   */
  object: string;
  files?: readonly string[];
  libraries?: readonly string[];
}

export const COMPANIONS: readonly Companion[] = [
  { object: 'sbin/init', files: ['sbin/sh', 'etc/inittab', 'etc/default/init', 'etc/ioctl.syscon'] },
  { object: 'usr/sbin/mount', files: ['etc/vfstab', 'etc/default/fs', 'etc/fs/ufs/mount', 'usr/lib/fs/ufs/mount', 'usr/lib/fs/tmpfs/mount', 'usr/lib/fs/fd/mount'] },
  { object: 'usr/sbin/devfsadm', files: ['usr/lib/devfsadm/linkmod/*', 'usr/lib/devfsadm/devfsadmd', 'etc/devlink.tab'] },
  { object: 'lib/libc.so.1', files: ['etc/nsswitch.conf'], libraries: ['nss_files.so.1'] },
  { object: 'lib/amd64/libc.so.1', files: ['etc/nsswitch.conf'], libraries: ['nss_files.so.1'] },
];

/**
 * The companions by the real path each object has in this tree: the walk visits files at the end
 * of their links, so a table keyed on a link's own path would never match.
 */
export function companionTable(tree: StagedTree): Map<string, Companion> {
  const byReal = new Map<string, Companion>();
  for (const c of COMPANIONS) {
    const real = tracePath(tree, c.object)?.entry.path ?? c.object;
    const prev = byReal.get(real);
    byReal.set(real, prev ? { object: real, files: [...(prev.files ?? []), ...(c.files ?? [])], libraries: [...(prev.libraries ?? []), ...(c.libraries ?? [])] } : c);
  }
  return byReal;
}
