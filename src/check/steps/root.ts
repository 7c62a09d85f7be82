import { BOOTENV_PATH, bootenvProperty } from '../../overlay/bootenv.js';
import type { CheckContext } from '../context.js';

// Steps loader and root: the kernel the loader boots, the boot properties that would move root
// off the ramdisk, and what vfs_mountroot() needs to mount root, /devices, /dev and the rest.

export const KERNEL_FILE = 'platform/i86pc/kernel/amd64/unix';

export async function checkLoaderView(ctx: CheckContext): Promise<void> {
  ctx.checked('loader');
  const unix = ctx.trace(KERNEL_FILE);
  if (!unix) {
    ctx.add('loader', 'panic', `/${KERNEL_FILE} is not in the image: there is no kernel to boot`, 'usr/src/boot/forth/loader.conf (kernel="i86pc/kernel/${ISADIR}", bootfile="unix")', 'keep platform/i86pc/kernel from the proto area');
  } else {
    const what = await ctx.inspector.inspect(unix.entry);
    if (what.kind !== 'elf' || what.info.elfClass !== 64) ctx.add('loader', 'panic', `/${KERNEL_FILE} is not a 64-bit ELF kernel`, 'usr/src/uts/i86pc/dboot/dboot_startkern.c', 'use the unix an amd64 gate build installs');
  }
  // Root comes from the ramdisk unless a boot property says otherwise.
  ctx.checked('loader');
  const bootenv = await ctx.text(BOOTENV_PATH);
  for (const prop of ['bootpath', 'fstype', 'zfs-bootfs']) {
    const v = bootenv !== undefined ? bootenvProperty(bootenv, prop) : undefined;
    if (v !== undefined && !(prop === 'fstype' && v === 'ufs')) {
      ctx.add('loader', 'panic', `/${BOOTENV_PATH} sets ${prop} ${v}: the kernel mounts root from there instead of the ramdisk`, 'usr/src/uts/common/os/autoconf.c setbootpath/setbootfstype; usr/src/uts/common/fs/vfs.c getrootfs', `remove "setprop ${prop}" from ${BOOTENV_PATH} (an overlay can replace the file)`);
    }
  }
}

export const MOUNT_DIRS: ReadonlyArray<{ path: string; severity: 'panic' | 'unusable' | 'degraded' | 'note'; effect: string; source: string }> = [
  { path: 'devices', severity: 'panic', effect: 'panic "Cannot find /devices"', source: 'usr/src/uts/common/fs/vfs.c vfs_mountdevices' },
  { path: 'dev', severity: 'panic', effect: 'panic "Cannot find /dev"', source: 'usr/src/uts/common/fs/vfs.c vfs_mountdev1' },
  { path: 'etc/svc/volatile', severity: 'unusable', effect: 'no tmpfs on /etc/svc/volatile: init cannot create init.state on the read-only root and runs neither the sysinit entries nor the smf entry', source: 'usr/src/uts/common/fs/vfs.c vfs_mountroot; usr/src/cmd/init/init.c st_init' },
  { path: 'proc', severity: 'degraded', effect: 'no /proc: ps, pgrep and truss fail', source: 'usr/src/uts/common/fs/vfs.c vfs_mountroot' },
  { path: 'system/contract', severity: 'degraded', effect: 'no contract file system: init cannot make svc.startd\'s contract template, runs the smf entry as a sysinit entry and waits for it in boot_init, then prints "Absent svc.startd entry or bad contract template" and enters maintenance', source: 'usr/src/uts/common/fs/vfs.c vfs_mountroot; usr/src/cmd/init/init.c' },
  { path: 'system/object', severity: 'note', effect: 'no /system/object for mdb and DTrace', source: 'usr/src/uts/common/fs/vfs.c vfs_mountroot' },
  { path: 'system/boot', severity: 'note', effect: 'no /system/boot', source: 'usr/src/uts/common/fs/vfs.c vfs_mountroot' },
];

export const MOUNT_FILES: ReadonlyArray<{ path: string; severity: 'degraded' | 'note'; effect: string }> = [
  { path: 'etc/mnttab', severity: 'degraded', effect: 'no mntfs on /etc/mnttab: mount and df cannot list mounts' },
  { path: 'etc/dfs/sharetab', severity: 'note', effect: 'no sharefs on /etc/dfs/sharetab' },
];

export async function checkRoot(ctx: CheckContext): Promise<void> {
  for (const d of MOUNT_DIRS) {
    ctx.checked('root');
    if (!ctx.isDir(d.path)) ctx.add('root', d.severity, `/${d.path} is not a directory in the image: ${d.effect}`, d.source, `create /${d.path} (the pureboot overlay and the build add it unless the profile removes it)`);
  }
  for (const f of MOUNT_FILES) {
    ctx.checked('root');
    if (!ctx.isFile(f.path)) ctx.add('root', f.severity, `/${f.path} is not a file in the image: ${f.effect}`, 'usr/src/uts/common/fs/vfs.c vfs_mountroot (the mount point must be a file)', `create /${f.path} as an empty file`);
  }
  ctx.checked('root');
  const n2m = await ctx.text('etc/name_to_major');
  if (n2m === undefined) ctx.add('root', 'panic', '/etc/name_to_major is not in the image', 'usr/src/uts/common/os/modctl.c mod_setup; usr/src/uts/common/os/autoconf.c ("Couldn\'t find major number for \'rootnex\'")', 'build with --manifests, --state-from, or from a gate workspace');
  ctx.checked('root');
  const pti = await ctx.text('etc/path_to_inst');
  if (pti === undefined) ctx.add('root', 'note', '/etc/path_to_inst is not in the image: the kernel rebuilds it ("empty or not found") and reconfigures', 'usr/src/uts/common/os/instance.c', 'keep the proto\'s etc/path_to_inst (#path_to_inst_bootstrap_1)');
}
