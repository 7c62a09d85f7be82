import type { CheckContext } from '../context.js';
import type { Severity } from '../findings.js';
import { TRAMPOLINE_PATH } from '../../overlay/trampoline.js';

// Step handover, for trampoline images: the kernel runs /etc/compose/trampoline as init (a "#!"
// script, so through intpexec and /sbin/sh), and the script runs the programs below to find the
// root on a disk, mount it, make the kernel's file systems visible there and start its init.
// Every program must be in the image with its libraries, every file system module with its
// dependencies. The disk drivers depend on the machine: the profile's hardware list keeps them.

interface Need {
  path: string;
  severity: Severity;
  why: string;
  source: string;
}

const COMMON: Need[] = [
  { path: 'usr/sbin/devfsadm', severity: 'unusable', why: 'no /dev/dsk and /dev/rdsk links: no disk can be searched', source: 'usr/src/cmd/devfsadm/devfsadm.c (devfsadm -c disk)' },
  { path: 'usr/lib/devfsadm/linkmod/SUNW_disk_link.so', severity: 'unusable', why: 'devfsadm makes no /dev/dsk and /dev/rdsk links without its disk link module', source: 'usr/src/cmd/devfsadm/disk_link.c' },
  { path: 'sbin/mount', severity: 'unusable', why: 'nothing can be mounted: the root is never mounted on /a', source: 'usr/src/cmd/fs.d/mount.c' },
  { path: 'usr/lib/fs/lofs/mount', severity: 'unusable', why: "mount -F lofs fails: /devices, /dev, /proc and the other kernel mounts are missing in the new root, whose init and services then fail", source: 'usr/src/cmd/fs.d/lofs/mount/mount.c' },
  { path: 'usr/sbin/chroot', severity: 'unusable', why: 'the hand-over "exec chroot /a <init>" fails and the kernel restarts the trampoline, over and over', source: 'usr/src/cmd/chroot/chroot.c' },
  { path: 'usr/bin/sed', severity: 'unusable', why: 'the trampoline cannot read the commands\' output', source: 'usr/src/cmd/sed' },
  { path: 'usr/bin/expr', severity: 'unusable', why: 'the trampoline cannot count its tries', source: 'usr/src/cmd/expr/expr.c' },
  { path: 'usr/lib/fs/tmpfs/mount', severity: 'degraded', why: 'no writable /tmp for the commands the trampoline runs', source: 'usr/src/cmd/fs.d/tmpfs/mount.c' },
  { path: 'sbin/autopush', severity: 'degraded', why: 'the rescue shell gets no line discipline (no echo, no CR-NL, no ^C)', source: 'usr/src/cmd/autopush/autopush.c' },
];

const BY_METHOD: Record<'pool' | 'label', Need[]> = {
  pool: [
    { path: 'usr/sbin/zpool', severity: 'unusable', why: 'the pool cannot be imported', source: 'usr/src/cmd/zpool/zpool_main.c (zpool import -N -R)' },
    { path: 'usr/sbin/zfs', severity: 'unusable', why: 'the root dataset cannot be mounted', source: 'usr/src/cmd/zfs/zfs_main.c (zfs mount)' },
    { path: 'usr/lib/fs/zfs/mount', severity: 'degraded', why: 'a root dataset with mountpoint=legacy cannot be mounted', source: 'usr/src/cmd/fs.d/zfs/mount (mount -F zfs)' },
  ],
  label: [
    { path: 'usr/sbin/fstyp', severity: 'unusable', why: 'no file system type can be told: no UFS is found', source: 'usr/src/cmd/fstyp/fstyp.c' },
    { path: 'usr/lib/fs/ufs/fstyp.so.1', severity: 'unusable', why: 'fstyp does not recognise UFS without its ufs module', source: 'usr/src/cmd/fs.d/ufs/fstyp/fstyp.c' },
    { path: 'usr/sbin/labelit', severity: 'unusable', why: 'no UFS label can be read', source: 'usr/src/cmd/fs.d/labelit.c (runs /usr/lib/fs/ufs/labelit)' },
    { path: 'usr/lib/fs/ufs/labelit', severity: 'unusable', why: 'labelit -F ufs has nothing to run', source: 'usr/src/cmd/fs.d/ufs/labelit/labelit.c' },
    { path: 'usr/lib/fs/ufs/fsck', severity: 'degraded', why: 'a root that was not unmounted cleanly is not checked before it is mounted', source: 'usr/src/cmd/fs.d/ufs/fsck' },
  ],
};

const MODULES: Record<'pool' | 'label', Array<{ module: string; severity: Severity; why: string }>> = {
  pool: [{ module: 'drv/zfs', severity: 'unusable', why: 'no ZFS: the pool cannot be imported' }],
  label: [{ module: 'fs/ufs', severity: 'unusable', why: 'the UFS root cannot be mounted' }],
};

export async function checkTrampoline(ctx: CheckContext, method: 'pool' | 'label'): Promise<void> {
  const step = 'handover';
  const fixFor = (path: string): string => `keep /${path} and what it needs (add it to the profile's keep list; the closure's missing files come from the gate packages that deliver them)`;
  // init itself: the script, its interpreter, and the exec module for "#!" files.
  for (const p of await ctx.programProblems(TRAMPOLINE_PATH)) ctx.add('init', 'panic', `${p}: the kernel cannot start its init (boot flag -i /${TRAMPOLINE_PATH}), and halts with "Could not start init"`, 'usr/src/uts/common/os/main.c exec_init; usr/src/uts/common/krtld/kobj_bootflags.c', 'add the "trampoline" overlay to the profile');
  for (const p of await ctx.programProblems('sbin/sh')) ctx.add('init', 'panic', `${p}: the trampoline is a /sbin/sh script, so the kernel cannot start its init`, 'usr/src/uts/common/exec/intp/intp.c', fixFor('sbin/sh'));
  const intp = await ctx.moduleProblem('exec/intpexec');
  if (intp) ctx.add('init', 'panic', `${intp}: the kernel cannot exec "#!" files, and the trampoline, its init, is one ("Could not start init")`, 'usr/src/uts/common/os/exec.c (execswnames, usr/src/uts/common/conf/param.c)', 'keep exec/intpexec (kernel/exec/amd64/intpexec)');
  ctx.checked('init', 3);
  for (const n of [...COMMON, ...BY_METHOD[method]]) {
    ctx.checked(step);
    for (const p of await ctx.programProblems(n.path)) ctx.add(step, n.severity, `${p}: ${n.why}`, n.source, fixFor(n.path));
  }
  for (const m of [{ module: 'fs/lofs', severity: 'unusable' as Severity, why: "the kernel's mounts cannot be made visible in the new root" }, ...MODULES[method]]) {
    ctx.checked(step);
    const p = await ctx.moduleProblem(m.module);
    if (p) ctx.add(step, m.severity, `${p}: ${m.why}`, 'usr/src/uts/common/fs/vfs.c (mount loads the file system module by name)', `keep ${m.module}`);
  }
  if (method === 'pool') {
    ctx.checked(step);
    if (!(await ctx.nameToMajor()).has('zfs')) ctx.add(step, 'unusable', 'etc/name_to_major has no line for zfs: /dev/zfs, which libzfs opens for every zpool and zfs command, cannot exist', 'usr/src/lib/libzfs/common/libzfs_util.c libzfs_init (open ZFS_DEV)', 'give the build the driver actions (--manifests) or --state-from');
  }
}
