import { existsSync } from 'node:fs';
import { chmod, link, mkdir, rm, symlink, utimes, lutimes, writeFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../util/errors.js';
import { PROJECT_ROOT } from '../util/project.js';
import { ILLUMOS_INITTAB } from './inittab.js';
import { writeDemoFiles, type DemoFile } from './demo-files.js';
import { DEMO_MANIFESTS, DEMO_TRANSFORMS } from './demo-manifests.js';
import { SMF_DEMO_FILES, SMF_DEMO_SYMLINKS } from './demo-adjunct.js';
import { buildSyntheticElf } from '../elf/write-synthetic.js';
import { syntheticObject } from './synthetic-objects.js';

// A small synthetic proto area shaped like proto/root_i386 from an illumos-gate build, for the
// demo and the tests on machines that have no illumos build. Binaries are stand-ins (synthetic ELF
// objects with the gate's dependencies, padded with filler), except
// platform/i86pc/kernel/amd64/unix, which is the project's freestanding test kernel so the demo
// image really boots in QEMU.

export const DEFAULT_TEST_KERNEL = resolve(PROJECT_ROOT, 'build/testkernel/unix');

// The kernel modules, programs and libraries are synthetic ELF objects (synthetic-objects.ts) with
// the dependencies the gate's have, so dependency closure and `compose check` work on the demo as
// on a real proto area. The set is what a ramdisk boot to a shell on ttya needs (the table in
// src/bootpath/kernel-modules.ts and their DT_NEEDED dependencies) plus a few hardware drivers.

/** Pseudo and hardware drivers in kernel/drv/amd64, each with a driver.conf. */
const KERNEL_DRIVERS = [
  'asy', 'clone', 'cn', 'conskbd', 'consms', 'devinfo', 'e1000g', 'i8042', 'ip', 'iwscn', 'kb8042', 'kstat', 'ksyms', 'log', 'mm', 'options',
  'pci_pci', 'pseudo', 'ptm', 'pts', 'ramdisk', 'random', 'sad', 'sd', 'sy', 'sysmsg', 'tl', 'vgatext', 'vioblk', 'vioif', 'ahci', 'wc', 'zfs',
];
const PLATFORM_DRIVERS = ['acpinex', 'cpudrv', 'isa', 'npe', 'pci', 'rootnex'];
const FS_MODULES = ['ufs', 'tmpfs', 'procfs', 'devfs', 'dev', 'ctfs', 'objfs', 'mntfs', 'sharefs', 'specfs', 'sockfs', 'bootfs', 'hsfs', 'fifofs', 'namefs', 'lofs'];
const MISC_MODULES = [
  'acpica', 'blkdev', 'busra', 'cmlb', 'consconfig', 'fssnap_if', 'gfx_private', 'gld', 'hook', 'hpcsvc', 'iommulib', 'kbtrans', 'kcf', 'mac', 'dls', 'md5', 'neti',
  'pci_autoconfig', 'pcie', 'pcihp', 'sata', 'scsi', 'sha1', 'strplumb', 'tem', 'tlimod', 'usba', 'usbser', 'virtio',
];
const OTHER_MODULES = [
  'kernel/sched/amd64/TS', 'kernel/sched/amd64/TS_DPTBL', 'kernel/sys/amd64/doorfs', 'kernel/sys/amd64/portfs', 'kernel/sys/amd64/pipe', 'kernel/sys/amd64/inst_sync',
  'kernel/strmod/amd64/ldterm', 'kernel/strmod/amd64/ttcompat', 'kernel/strmod/amd64/ptem', 'kernel/exec/amd64/elfexec', 'kernel/exec/amd64/intpexec',
  'kernel/crypto/amd64/swrand', 'usr/kernel/fs/amd64/fdfs', 'platform/i86pc/kernel/mach/amd64/uppc', 'platform/i86pc/kernel/mach/amd64/pcplusmp',
  'platform/i86pc/kernel/mach/amd64/apix', 'platform/i86pc/kernel/misc/amd64/acpidev', 'platform/i86pc/kernel/dacf/amd64/consconfig_dacf',
  'platform/i86pc/kernel/cpu/amd64/cpu.generic',
];
const USR_BIN = ['cat', 'cp', 'date', 'echo', 'expr', 'grep', 'ls', 'mkdir', 'more', 'mv', 'ps', 'rm', 'sed', 'setpgrp', 'sleep', 'strchg', 'strconf', 'uname', 'vi', 'wc'];
// chroot, fstyp, clri (labelit), zpool and zfs: what the trampoline profile runs.
const USR_SBIN = ['chroot', 'clri', 'devfsadm', 'fstyp', 'ifconfig', 'modinfo', 'prtconf', 'shutdown', 'umount'];
const SBIN = ['init', 'autopush', 'soconfig', 'uadmin', 'mount', 'zpool', 'zfs'];
const LIBS = [
  'libc.so.1', 'libnsl.so.1', 'libsocket.so.1', 'libm.so.2', 'libcmdutils.so.1', 'libnvpair.so.1', 'libscf.so.1', 'libuutil.so.1', 'libumem.so.1',
  'libshell.so.1', 'libast.so.1', 'libcmd.so.1', 'libdll.so.1', 'libsum.so.1', 'libcontract.so.1', 'libdevinfo.so.1', 'libzfs.so.1', 'libzfs_core.so.1',
  'libfstyp.so.1',
];

const stateFiles: DemoFile[] = [
  // The kernel state files as an upstream proto leaves them: nearly empty.
  { path: 'etc/name_to_major', mode: 0o644, text: 'md 85\ndevinfo 88\nasy 106\ndid 239\n' },
  { path: 'etc/driver_aliases', mode: 0o644, text: 'asy "pci11c1,480"\n' },
  { path: 'etc/driver_classes', mode: 0o644, text: '#\n# driver_classes: filled by add_drv\n#\n' },
  { path: 'etc/minor_perm', mode: 0o644, text: 'devinfo:devinfo 0640 root sys\ndevinfo:devinfo,ro 0444 root sys\nasy:* 0666 root sys\nasy:*,cu 0600 uucp uucp\nmd:* 0640 root sys\nmd:admin 0644 root sys\n' },
  { path: 'etc/security/device_policy', mode: 0o644, text: '#\n# Device policy\n#\n*\t\tread_priv_set=none\t\twrite_priv_set=none\nmd:admin\twrite_priv_set=sys_config\n' },
  { path: 'etc/security/extra_privs', mode: 0o644, text: '#\n# Extra privileges for drivers\n#\n' },
  { path: 'etc/path_to_inst', mode: 0o444, text: '#path_to_inst_bootstrap_1\n' },
  { path: 'etc/mach', mode: 0o644, text: 'pcplusmp\napix\nxpv_psm\n' },
  // Part of usr/src/uts/intel/os/name_to_sysnum: the numbers are the gate's, the list is short.
  { path: 'etc/name_to_sysnum', mode: 0o644, text: 'syscall\t\t0\nexit\t\t1\npsecflags\t2\nread\t\t3\nwrite\t\t4\nopen\t\t5\nclose\t\t6\nexec\t\t11\nchdir\t\t12\ngetpid\t\t20\nmount\t\t21\npipe\t\t42\nioctl\t\t54\nmsgsys\t\t49\nwaitsys\t\t107\ninst_sync\t176\nportfs\t\t182\ndoorfs\t\t201\n' },
  { path: 'etc/system', mode: 0o644, text: '*\n* /etc/system: kernel tunables (none set in the demo)\n*\n' },
];

const etcFiles: DemoFile[] = [
  { path: 'etc/inittab', mode: 0o644, text: ILLUMOS_INITTAB },
  { path: 'etc/passwd', mode: 0o644, text: 'root:x:0:0:Super-User:/root:/usr/bin/bash\ndaemon:x:1:1::/:\nbin:x:2:2::/usr/bin:\nsys:x:3:3::/:\nadm:x:4:4:Admin:/var/adm:\nuucp:x:5:5:uucp Admin:/usr/lib/uucp:\nnobody:x:60001:60001:NFS Anonymous Access User:/:\n' },
  { path: 'etc/group', mode: 0o644, text: 'root::0:\nother::1:root\nbin::2:root,daemon\nsys::3:root,bin,adm\nadm::4:root,daemon\nuucp::5:root\ntty::7:root,adm\nstaff::10:\nnobody::60001:\n' },
  { path: 'etc/shadow', mode: 0o400, text: 'root:$5$demo$notarealhash:6445::::::\ndaemon:NP:6445::::::\nbin:NP:6445::::::\nsys:NP:6445::::::\nadm:NP:6445::::::\nuucp:NP:6445::::::\nnobody:*LK*:6445::::::\n' },
  // The i386 lines of usr/src/cmd/netadm/iu.ap.sh that matter here: the console drivers and ptys.
  { path: 'etc/iu.ap', mode: 0o644, text: '# /dev/console and /dev/contty autopush setup\n#\n#       major minor   lastminor       modules\n\n\twc\t-1\t0\tldterm ttcompat\n\tasy\t-1\t0\tldterm ttcompat\n\tptsl\t0\t47\tldterm ttcompat\n' },
  { path: 'etc/ioctl.syscon', mode: 0o644, text: '2502:1805:bd:8a3b:0:3:1c:7f:15:4:0:0:0:11:13:1a:19:12:f:17:16:14:8\n' },
  { path: 'etc/dacf.conf', mode: 0o644, text: '#\n# dacf.conf (demo): no rules\n#\n' },
  { path: 'etc/sock2path.d/system%2Fkernel', mode: 0o644, text: '\t2\t2\t0\ttcp\n\t2\t1\t0\tudp\n\t1\t2\t0\t/dev/ticotsord\n\t1\t6\t0\t/dev/ticotsord\n\t1\t1\t0\t/dev/ticlts\n' },
  { path: 'etc/default/init', mode: 0o644, text: 'TZ=UTC\nCMASK=022\n' },
  { path: 'etc/motd', mode: 0o644, text: 'The illumos Project\n' },
  { path: 'boot/solaris/bootenv.rc', mode: 0o644, text: 'setprop ata-dma-enabled 1\nsetprop ttya-mode 9600,8,n,1,-\nsetprop ttyb-mode 9600,8,n,1,-\n' },
];

/** A synthetic object, padded to a size that depends on its name so the demo archive looks real. */
const object = (path: string, mode: number, size: number): DemoFile => ({ path, mode, data: syntheticObject(path, size) });

function demoFiles(kernel: string): DemoFile[] {
  const files: DemoFile[] = [...stateFiles, ...etcFiles];
  files.push({ path: 'platform/i86pc/kernel/amd64/unix', mode: 0o755, copyFrom: kernel });
  files.push(object('kernel/amd64/genunix', 0o755, 1_600_000));
  for (const d of KERNEL_DRIVERS) {
    files.push(object(`kernel/drv/amd64/${d}`, 0o755, 9_000 + d.length * 1_337));
    files.push({ path: `kernel/drv/${d}.conf`, mode: 0o644, text: `# ${d}.conf\nname="${d}" parent="pseudo" instance=0;\n` });
  }
  for (const d of PLATFORM_DRIVERS) files.push(object(`platform/i86pc/kernel/drv/amd64/${d}`, 0o755, 12_000 + d.length * 911));
  for (const m of FS_MODULES) files.push(object(`kernel/fs/amd64/${m}`, 0o755, 20_000 + m.length * 2_111));
  for (const m of MISC_MODULES) files.push(object(`kernel/misc/amd64/${m}`, 0o755, 15_000 + m.length * 1_777));
  for (const m of OTHER_MODULES) files.push(object(m, 0o755, 11_000));
  files.push(object('usr/lib/isaexec', 0o555, 13_000));
  files.push(object('usr/bin/amd64/ksh93', 0o555, 160_000));
  files.push(object('usr/bin/i86/ksh93', 0o555, 150_000));
  for (const b of USR_BIN) files.push(object(`usr/bin/${b}`, 0o555, 20_000 + b.length * 3_001));
  for (const b of USR_SBIN) files.push(object(`usr/sbin/${b}`, 0o555, 25_000 + b.length * 2_003));
  for (const b of SBIN) files.push(object(`sbin/${b}`, 0o555, 18_000 + b.length * 3_999));
  files.push({ ...object('usr/bin/passwd', 0o6555, 30_000) });
  files.push({ ...object('usr/bin/su', 0o4555, 28_000) });
  // mount(8) runs the file system's own mount program: /usr/lib/fs/<type>/mount, else /etc/fs/<type>/mount.
  files.push(object('etc/fs/ufs/mount', 0o555, 30_000));
  for (const t of ['ufs', 'tmpfs', 'fd', 'lofs']) files.push(object(`usr/lib/fs/${t}/mount`, 0o555, 22_000));
  for (const t of ['labelit', 'fsck']) files.push(object(`usr/lib/fs/ufs/${t}`, 0o555, 24_000));
  files.push(object('usr/lib/fs/ufs/fstyp.so.1', 0o555, 21_000));
  files.push(object('usr/lib/devfsadm/linkmod/SUNW_misc_link.so', 0o755, 40_000));
  files.push(object('usr/lib/devfsadm/linkmod/SUNW_disk_link.so', 0o755, 38_000));
  files.push(object('usr/lib/devfsadm/linkmod/SUNW_zfs_link.so', 0o755, 21_000));
  files.push(object('lib/ld.so.1', 0o755, 400_000));
  files.push(object('lib/amd64/ld.so.1', 0o755, 450_000));
  // SMF's programs are small real ELF objects that need what the gate does not build (libxml2,
  // zlib), so the smf profile's library check has something to find, or to miss without the
  // demo adjunct. Like the gate's: svc.startd (via libbe) and svccfg need both.
  files.push({ path: 'lib/svc/bin/svc.startd', mode: 0o555, data: buildSyntheticElf({ type: 'exec', needed: ['libxml2.so.2', 'libz.so.1'] }) });
  files.push({ path: 'lib/svc/bin/svc.configd', mode: 0o555, data: buildSyntheticElf({ type: 'exec', needed: [] }) });
  for (const l of LIBS) {
    files.push(object(`lib/${l}`, 0o755, 50_000 + l.length * 4_999));
    files.push(object(`lib/amd64/${l}`, 0o755, 60_000 + l.length * 4_999));
  }
  files.push({ path: 'usr/share/man/man1/ls.1', mode: 0o444, text: '.TH LS 1\n.SH NAME\nls \\- list directory contents\n' });
  files.push({ path: 'usr/share/lib/zoneinfo/UTC', mode: 0o644, size: 118 });
  files.push({ path: 'var/adm/utmpx', mode: 0o644, text: '' });
  files.push(...SMF_DEMO_FILES);
  return files;
}

const SYMLINKS: Array<[string, string]> = [
  ['bin', './usr/bin'],
  ['lib/64', 'amd64'],
  ['usr/lib/64', 'amd64'],
  ['usr/lib/libc.so.1', '../../lib/libc.so.1'],
  ['usr/lib/amd64/libc.so.1', '../../../lib/amd64/libc.so.1'],
  ['usr/lib/ld.so.1', '../../lib/ld.so.1'],
  ['usr/lib/amd64/ld.so.1', '../../../lib/amd64/ld.so.1'],
  // As the gate installs them (SUNWcs.mf): the mount and autopush commands live in /sbin.
  ['usr/sbin/mount', '../../sbin/mount'],
  ['etc/mount', '../sbin/mount'],
  ['usr/sbin/autopush', '../../sbin/autopush'],
  ['sbin/sh', '../usr/bin/i86/ksh93'],
  // As SUNWcs.mf and system-file-system-zfs.mf install them.
  ['usr/sbin/labelit', './clri'],
  ['usr/sbin/zpool', '../../sbin/zpool'],
  ['usr/sbin/zfs', '../../sbin/zfs'],
  ['usr/lib/fs/zfs/mount', '../../../../sbin/zfs'],
  ['etc/svc/profile/generic.xml', 'generic_limited_net.xml'],
  ['dev/stdin', './fd/0'],
  ['dev/stdout', './fd/1'],
  ['dev/stderr', './fd/2'],
  ...SMF_DEMO_SYMLINKS,
];

/** Hardlinks the gate installs: isaexec shared by the ksh93 names. */
const HARDLINKS: Array<[string, string]> = [
  // The zfs module is both a driver and a file system (system-file-system-zfs.mf).
  ['kernel/fs/amd64/zfs', 'kernel/drv/amd64/zfs'],
  ['usr/bin/ksh93', 'usr/lib/isaexec'],
  ['usr/bin/ksh', 'usr/lib/isaexec'],
  ['usr/bin/rksh', 'usr/lib/isaexec'],
  ['usr/bin/sh', 'usr/lib/isaexec'],
];

const EMPTY_DIRS = ['usr/src', 'var/tmp', 'export/home', 'opt', 'etc/svc/volatile', 'etc/svc/profile', 'etc/dev', 'boot/acpi/tables', 'platform/i86pc/ucode'];

const DEMO_PROFILE = `# The demo image: pureboot on the demo proto area, booted by the stand-in test kernel.
description: pureboot on the demo workspace (its unix is the stand-in test kernel)
extends: pureboot
boot:
  autoboot_delay: 0
`;

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  return (await readdir(dir)).length === 0;
}

/**
 * Write a demo workspace under `dir` (which must be empty or missing), laid out like an
 * illumos-gate workspace: the proto area in proto/root_i386 and package manifests in
 * usr/src/pkg/manifests (with our defaults transforms in usr/src/pkg/transforms). Timestamps are
 * SOURCE_DATE_EPOCH (or a fixed date), so the demo is the same on every machine.
 */
export async function writeDemoWorkspace(dir: string, opts: { kernel?: string; mtime?: number; force?: boolean } = {}): Promise<{ files: number; root: string; manifests: string; profile: string }> {
  const kernel = resolve(opts.kernel ?? DEFAULT_TEST_KERNEL);
  if (!existsSync(kernel)) {
    throw new InputError(`the stand-in test kernel ${kernel} does not exist; build it with "make testkernel" or pass --kernel <file>`);
  }
  const ws = resolve(dir);
  if (!(await isEmptyOrMissing(ws))) {
    if (!opts.force) throw new UsageError(`${dir} is not empty; give a new directory or --force to replace it`);
    await rm(ws, { recursive: true, force: true });
  }
  const manifests = join(ws, 'usr/src/pkg/manifests');
  await mkdir(manifests, { recursive: true });
  await mkdir(join(ws, 'usr/src/pkg/transforms'), { recursive: true });
  for (const [name, text] of Object.entries(DEMO_MANIFESTS)) await writeFile(join(manifests, name), text);
  for (const [name, text] of Object.entries(DEMO_TRANSFORMS)) await writeFile(join(ws, 'usr/src/pkg/transforms', name), text);
  // The stand-in kernel prints COMPOSE-BOOT-OK demo, as the launcher of a profile named demo would.
  await writeFile(join(ws, 'demo.yaml'), DEMO_PROFILE);
  const r = await writeDemoProto(join(ws, 'proto/root_i386'), kernel, opts.mtime);
  return { ...r, manifests, profile: join(ws, 'demo.yaml') };
}

async function writeDemoProto(root: string, kernel: string, mtimeOpt?: number): Promise<{ files: number; root: string }> {
  const mtime = mtimeOpt ?? 1767225600; // 2026-01-01T00:00:00Z
  const files = demoFiles(kernel);
  await writeDemoFiles(root, files, mtime);
  for (const [to, from] of HARDLINKS) await link(join(root, from), join(root, to));
  for (const [path, target] of SYMLINKS) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await symlink(target, join(root, path));
    await lutimes(join(root, path), mtime, mtime);
  }
  for (const d of EMPTY_DIRS) await mkdir(join(root, d), { recursive: true });
  // Pin every directory's timestamp, deepest first (creating children touches parents).
  const dirs: string[] = [];
  const collect = async (d: string) => {
    dirs.push(d);
    for (const e of await readdir(d, { withFileTypes: true })) if (e.isDirectory()) await collect(join(d, e.name));
  };
  await collect(root);
  for (const d of dirs.reverse()) {
    await chmod(d, 0o755);
    await utimes(d, mtime, mtime);
  }
  return { files: files.length + HARDLINKS.length + SYMLINKS.length, root };
}
