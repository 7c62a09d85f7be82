import { LAUNCHER_CONF_PATH, STARTUP_PATH } from '../overlay/launcher-config.js';
import { BOOT_DRIVERS, KEYBOARD_DRIVERS } from '../state/boot-drivers.js';

// What an image needs whatever the profile keeps: the files the kernel and init open by name
// (which no ELF dependency records), the kernel modules genunix and unix load by name, and the
// directories things are mounted on. Closure pruning keeps each of these that the tree has; a
// missing one is only noted (a proto area without, say, kb8042 still builds).
//
// Sources (illumos-gate unless noted): the kernel state files are filelist.ramdisk
// (usr/src/cmd/boot/filelist/i386/filelist.ramdisk) and the files §2 of docs/illumos-boot.md lists;
// mount points are vfs_mountroot() (uts/common/fs/vfs.c) plus what the launcher mounts; unix and
// genunix are the boot pair; misc/pci_autoconfig and drv/isa are loaded by impl_bus_initialprobe()
// (uts/i86pc/os/ddi_impl.c, which panics without them) with misc/acpidev; the PSM modules are named in
// etc/mach (psm_modload()); the rest are the modules the boot path loads by name, not through
// DT_NEEDED: the root file system and the file systems vfs_mountroot() mounts, the console chain,
// the nexus drivers, the pseudo devices init and the shell open, the exec modules that start
// init and "#!" scripts, the time-sharing scheduling class, and the STREAMS modules the console
// and pseudo-terminals push (etc/iu.ap).

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
];

/** The kernel itself: unix names genunix as its DT_NEEDED, which pulls in genunix's needs. */
export const KERNEL_OBJECTS: readonly string[] = ['platform/i86pc/kernel/amd64/unix', 'kernel/amd64/genunix'];

/** Modules loaded by name on the way to a shell, grouped by why. */
export const KERNEL_MODULES: Readonly<Record<string, readonly string[]>> = {
  'bus probing and nexus drivers': ['misc/pci_autoconfig', 'misc/acpidev', 'drv/isa', 'drv/rootnex', 'drv/pseudo', 'drv/npe', 'drv/pci', 'drv/acpinex', 'drv/options'],
  'ramdisk root': ['drv/ramdisk', 'fs/ufs', 'fs/specfs', 'fs/devfs', 'fs/dev', 'fs/procfs', 'fs/tmpfs', 'fs/fdfs', 'fs/mntfs', 'fs/ctfs', 'fs/objfs', 'fs/sharefs', 'fs/bootfs', 'fs/fifofs', 'fs/sockfs'],
  console: ['misc/consconfig', 'dacf/consconfig_dacf', 'drv/cn', 'drv/wc', 'drv/conskbd', 'drv/consms', 'drv/i8042', 'drv/kb8042', 'drv/asy', 'drv/vgatext', 'drv/sysmsg', 'misc/tem', 'misc/kbtrans'],
  'pseudo devices': ['drv/mm', 'drv/sy', 'drv/log', 'drv/clone', 'drv/devinfo', 'drv/ptm', 'drv/pts', 'drv/random', 'drv/kstat', 'drv/ksyms', 'drv/sad'],
  'STREAMS modules': ['strmod/ldterm', 'strmod/ttcompat', 'strmod/ptem'],
  'processes and scheduling': ['exec/elfexec', 'exec/intpexec', 'sched/TS', 'sched/TS_DPTBL', 'sys/doorfs'],
  'CPU support': ['cpu/cpu.generic', 'mach/uppc'],
};

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

/**
 * Every always-needed kernel module name: the lists above, and the drivers the build's boot check
 * (state/boot-drivers.ts) insists on, so the two never disagree.
 */
export function alwaysNeededModules(): string[] {
  const checked = [...BOOT_DRIVERS.flatMap((d) => d.names), ...KEYBOARD_DRIVERS].map((n) => `drv/${n}`);
  return [...new Set([...Object.values(KERNEL_MODULES).flat(), ...checked])];
}
