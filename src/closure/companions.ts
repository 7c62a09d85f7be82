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
  /** Real image path of the program or library. */
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

const byObject = new Map(COMPANIONS.map((c) => [c.object, c]));

export function companionsOf(realPath: string): Companion | undefined {
  return byObject.get(realPath);
}
