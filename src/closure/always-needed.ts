import { LAUNCHER_CONF_PATH, STARTUP_PATH } from '../overlay/launcher-config.js';
import { bootModuleNames } from '../bootpath/kernel-modules.js';

// What an image needs whatever the profile keeps: the files the kernel and init open by name
// (which no ELF dependency records), the kernel modules genunix and unix load by name, and the
// directories things are mounted on. Closure pruning keeps each of these that the tree has; a
// missing one is only noted (a proto area without, say, kb8042 still builds).
//
// Sources (illumos-gate unless noted): the kernel state files are filelist.ramdisk
// (usr/src/cmd/boot/filelist/i386/filelist.ramdisk) and the files §2 of docs/illumos-boot.md lists;
// mount points are vfs_mountroot() (uts/common/fs/vfs.c) plus what the launcher mounts; unix and
// genunix are the boot pair; the PSM modules are named in etc/mach (psm_modload()); the kernel
// modules loaded by name, not through DT_NEEDED, are the table in src/bootpath/kernel-modules.ts.

/** Files kept when present. A directory here is kept with everything below it. */
export const ALWAYS_FILES: readonly string[] = [
  // Kernel state files the kernel reads at boot, and devfsadm's policy files.
  'etc/system',
  'etc/system.d',
  'etc/name_to_major',
  'etc/driver_aliases',
  'etc/driver_classes',
  'etc/minor_perm',
  'etc/name_to_sysnum',
  'etc/path_to_inst',
  'etc/mach',
  'etc/dacf.conf',
  'etc/security/device_policy',
  'etc/security/extra_privs',
  'etc/devlink.tab',
  // What init and a login shell read; autopush and soconfig (run from inittab) read iu.ap and
  // sock2path.d.
  'sbin/init',
  'etc/inittab',
  'etc/iu.ap',
  'etc/sock2path.d',
  'etc/default/init',
  'etc/passwd',
  'etc/group',
  'etc/shadow',
  // Files the kernel mounts over (vfs_mountroot) must exist as files.
  'etc/mnttab',
  'etc/dfs/sharetab',
  'reconfigure',
  // The compose launcher and its settings.
  'etc/compose',
  // Boot loader files and boot/solaris/bootenv.rc (filelist.ramdisk): the ISO backends take
  // cdboot, loader and the rest of boot/ from the staged tree (src/iso/pick.ts).
  'boot',
  // /dev holds the links init and the shell open (/dev/console, /dev/null...); /devices is where
  // devfs mounts.
  'dev',
  'devices',
];

/** Directories kept as mount points, without their contents. */
export const MOUNT_POINT_DIRS: readonly string[] = [
  'dev/fd',
  'devices/pseudo',
  'proc',
  'system',
  'system/contract',
  'system/object',
  'system/boot',
  'etc/svc',
  'etc/svc/volatile',
  'tmp',
  'var',
  'var/run',
  'mnt',
  // devfsadm takes its lock in etc/dev (usr/src/cmd/devfsadm/devfsadm.c enter_dev_lock); SUNWcs
  // delivers the directory, and devfsadm can make it only once the root is writable.
  'etc/dev',
];

/** The kernel itself: unix names genunix as its DT_NEEDED, which pulls in genunix's needs. */
export const KERNEL_OBJECTS: readonly string[] = ['platform/i86pc/kernel/amd64/unix', 'kernel/amd64/genunix'];

/** Lists the platform modules the kernel loads (one name per line, "#" comments). */
export const PSM_LIST = 'etc/mach';

/**
 * Text whose absolute paths name programs and files the image runs (the launcher's settings name
 * the shell, the startup file the profile's commands); inittab's commands are found the same way.
 * Every kept "#!" script is read likewise.
 */
export const SHELL_TEXT_FILES: readonly string[] = ['etc/inittab', LAUNCHER_CONF_PATH, STARTUP_PATH];

/** Paths that are created at run time or are device nodes; a script mentioning them needs nothing. */
export const RUNTIME_PREFIXES: readonly string[] = ['dev/', 'devices/', 'proc/', 'system/', 'tmp/', 'var/run/', 'etc/svc/volatile/'];

/** Every kernel module the boot path loads by name (src/bootpath/kernel-modules.ts, the one table). */
export function alwaysNeededModules(): string[] {
  return bootModuleNames();
}
