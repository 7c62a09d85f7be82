import type { Severity } from '../check/findings.js';

// THE table of kernel modules an amd64 i86pc kernel loads by name on the way from the boot loader
// to a shell on the console of a ramdisk-root image, read from the illumos-gate sources. Modules that are only DT_NEEDED (or _depends_on)
// dependencies of these are not listed: krtld loads them with their parent, and `compose check`
// and closure pruning follow those dependencies from each entry here.
//
// Used by closure pruning (every entry is kept when the proto has it), by `compose check` (each
// missing entry is a finding of its severity; drivers also need their major, aliases and .conf),
// and by the build, which refuses an image with a panic or unusable finding.
//
// How names turn into files: krtld searches /platform/i86pc/kernel, /kernel, /usr/kernel, each
// with the amd64 directory inserted (krtld/kobj.c, sys/modctl.h MOD_DEFPATH). Drivers are loaded
// through their major number, taken from /etc/name_to_major (os/modsubr.c mod_hold_dev_by_major);
// a pseudo driver's node exists only when its kernel/drv/<name>.conf says so. A call through a
// modstub whose return function is 0 panics with "mod_hold_stub: Couldn't load stub module"
// when the module cannot be loaded (intel/ia32/ml/modstubs.s, os/modctl.c mod_hold_stub).

export type ConsoleKind = 'serial' | 'text';

export interface BootModule {
  /** krtld's name: class/module. */
  module: string;
  /** Any one of these may stand in for the module (the PCI root nexus: npe on PCIe, pci otherwise). */
  orModules?: string[];
  severity: Severity;
  /** Only with this kind of console (undefined: always). */
  when?: ConsoleKind;
  /** The gate file and function that load it by name. */
  loadedBy: string;
  /** What happens when it is missing. */
  effect: string;
  /** A driver the kernel binds while booting: it needs an /etc/name_to_major line. */
  major?: boolean;
  /** A pseudo driver whose node comes from kernel/drv/<name>.conf. */
  conf?: boolean;
  /** driver_aliases entries it binds through (a node named otherwise). */
  aliases?: string[];
}

export const BOOT_MODULES: readonly BootModule[] = [
  // krtld and startup
  { module: 'genunix', severity: 'panic', loadedBy: 'usr/src/uts/krtld/kobj.c kobj_init (load_primary: DT_NEEDED of unix)', effect: 'krtld: error during initial load/link phase, then "Unable to boot"' },
  { module: 'fs/specfs', severity: 'panic', loadedBy: 'usr/src/uts/i86pc/os/startup.c startup_modules', effect: 'halt("Can\'t load specfs")' },
  { module: 'fs/devfs', severity: 'panic', loadedBy: 'usr/src/uts/i86pc/os/startup.c startup_modules; usr/src/uts/common/fs/vfs.c vfs_mountdevices', effect: 'halt("Can\'t load devfs")' },
  { module: 'fs/dev', severity: 'panic', loadedBy: 'usr/src/uts/i86pc/os/startup.c startup_modules; usr/src/uts/common/fs/vfs.c vfs_mountdev1', effect: 'halt("Can\'t load dev")' },
  { module: 'fs/procfs', severity: 'panic', loadedBy: 'usr/src/uts/i86pc/os/startup.c startup_modules', effect: 'halt("Can\'t load procfs")' },
  { module: 'sched/TS', severity: 'panic', loadedBy: 'usr/src/uts/common/disp/disp.c dispinit (the default class "TS", usr/src/uts/common/conf/param.c)', effect: 'panic "Couldn\'t load default scheduling class \'TS\'"' },
  { module: 'sched/TS_DPTBL', severity: 'panic', loadedBy: 'usr/src/uts/common/disp/ts.c ts_init, through a modstub (usr/src/uts/intel/ia32/ml/modstubs.s)', effect: 'panic "mod_hold_stub: Couldn\'t load stub module sched/TS_DPTBL"' },
  { module: 'mach/uppc', severity: 'panic', loadedBy: 'usr/src/uts/i86pc/os/mp_implfuncs.c psm_modload (DEFAULT_PSM_MODULE)', effect: 'halt("the operating system does not yet support this hardware") when no PSM module probes' },
  // Bus probing and the device tree
  { module: 'misc/pci_autoconfig', severity: 'panic', loadedBy: 'usr/src/uts/i86pc/os/ddi_impl.c impl_bus_initialprobe', effect: 'panic("failed to load misc/pci_autoconfig")' },
  { module: 'drv/isa', severity: 'panic', loadedBy: 'usr/src/uts/i86pc/os/ddi_impl.c impl_bus_initialprobe', effect: 'panic("failed to load drv/isa")', major: true },
  { module: 'drv/rootnex', severity: 'panic', loadedBy: 'usr/src/uts/common/os/autoconf.c i_ddi_init_root', effect: 'panic "Couldn\'t find major number for \'rootnex\'" or "Could not attach root nexus"', major: true },
  { module: 'drv/options', severity: 'panic', loadedBy: 'usr/src/uts/common/os/autoconf.c i_ddi_init_root (i_ddi_attach_pseudo_node)', effect: 'the /options node is missing: a NULL dereference while booting (read from the code); ldterm and asy also take their ttymodes from it', major: true, conf: true },
  { module: 'drv/pseudo', severity: 'panic', loadedBy: 'usr/src/uts/common/os/autoconf.c i_ddi_init_root (i_ddi_attach_pseudo_node)', effect: 'no pseudo nexus for cn, mm, wc and the rest: a NULL dereference while booting (read from the code)', major: true, conf: true },
  { module: 'drv/clone', severity: 'panic', loadedBy: 'usr/src/uts/common/os/autoconf.c i_ddi_init_root (clone_dip)', effect: 'no clone driver: a NULL dereference while booting (read from the code)', major: true, conf: true },
  // The root file system
  { module: 'drv/ramdisk', severity: 'panic', loadedBy: 'usr/src/uts/i86pc/os/ddi_impl.c impl_setup_ddi and getrootdev (root "/ramdisk:a", usr/src/uts/i86pc/conf/confunix.c)', effect: 'panic("vfs_mountroot: cannot mount root")', major: true },
  { module: 'fs/ufs', severity: 'panic', loadedBy: 'usr/src/uts/common/fs/vfs.c rootconf (fstype "ufs", usr/src/uts/i86pc/conf/confunix.c)', effect: 'panic("Cannot _init ufs module")' },
  { module: 'fs/tmpfs', severity: 'unusable', loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (tmpfs on /etc/svc/volatile)', effect: 'init cannot create /etc/svc/volatile/init.state on the read-only root, takes itself for restarted and runs neither the sysinit entries nor the smf entry (usr/src/cmd/init/init.c st_init); the launcher\'s /tmp and /var/run mounts fail too' },
  { module: 'fs/ctfs', severity: 'degraded', loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/system/contract)', effect: 'init cannot make svc.startd\'s process contract template (contract_make_template fails on /system/contract/process/template), so boot_init runs the smf entry through /sbin/sh as a sysinit entry and waits for it to exit; only then does it print "Absent svc.startd entry or bad contract template" and enter maintenance (usr/src/cmd/init/init.c contracts_init, boot_init). The launcher never exits, so its shell works and init stays in boot_init; svc.startd is not restarted when it dies' },
  { module: 'fs/mntfs', severity: 'degraded', loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/etc/mnttab)', effect: 'no /etc/mnttab: mount and df cannot list mounts, and /etc/fs/ufs/mount exits 32 after remounting (usr/src/cmd/fs.d/ufs/mount/mount.c)' },
  { module: 'fs/objfs', severity: 'note', loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/system/object)', effect: 'no /system/object: mdb and DTrace cannot read kernel symbols' },
  { module: 'fs/bootfs', severity: 'note', loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/system/boot)', effect: 'no /system/boot (the loader\'s extra files)' },
  { module: 'fs/sharefs', severity: 'note', loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/etc/dfs/sharetab)', effect: 'no /etc/dfs/sharetab' },
  // main(): network plumbing and the console
  { module: 'misc/strplumb', severity: 'panic', loadedBy: 'usr/src/uts/common/os/main.c main (strplumb() through a modstub)', effect: 'panic "mod_hold_stub: Couldn\'t load stub module misc/strplumb", also with no network' },
  { module: 'misc/consconfig', severity: 'panic', loadedBy: 'usr/src/uts/common/os/main.c main (consconfig() through a modstub)', effect: 'panic "mod_hold_stub: Couldn\'t load stub module misc/consconfig"' },
  { module: 'drv/conskbd', severity: 'panic', loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c cons_build_upper_layer', effect: 'panic("consconfig: unable to open conskbd device")', major: true, conf: true },
  { module: 'drv/consms', severity: 'panic', loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c cons_build_upper_layer', effect: 'panic("consconfig: unable to open consms device")', major: true, conf: true },
  { module: 'drv/wc', severity: 'panic', loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c cons_build_upper_layer (WC_PATH)', effect: 'panic "consconfig: unable to find wc device"', major: true, conf: true },
  { module: 'drv/iwscn', severity: 'panic', loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c cons_build_upper_layer (IWSCN_PATH)', effect: 'panic("consconfig: unable to find iwscn device")', major: true, conf: true },
  { module: 'drv/asy', severity: 'unusable', when: 'serial', loadedBy: 'usr/src/uts/i86pc/io/consplat.c plat_ttypath; usr/src/uts/common/io/consconfig_dacf.c consconfig_load_drivers', effect: 'no serial console: the kernel boots with no console tty and nothing reaches ttya', major: true },
  { module: 'drv/npe', orModules: ['drv/pci'], severity: 'unusable', when: 'serial', loadedBy: 'usr/src/uts/i86pc/io/consplat.c plat_ttypath (i_ddi_attach_node_hierarchy of /pci@0,0/isa@1/asy@1,3f8)', effect: 'the serial port cannot be reached: its ISA bridge sits below the PCI root nexus (npe binds "pciex_root_complex" on PCIe machines, pci the legacy root bus)', major: true, aliases: ['pciex_root_complex'] },
  { module: 'drv/vgatext', severity: 'unusable', when: 'text', loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c consconfig_load_drivers (the framebuffer path)', effect: 'no text console on the screen', major: true },
  { module: 'drv/i8042', severity: 'unusable', when: 'text', loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c consconfig_load_drivers (usr/src/uts/i86pc/io/consplat.c plat_kbdpath)', effect: 'no PS/2 keyboard controller: the text console takes no input', major: true },
  { module: 'drv/kb8042', severity: 'unusable', when: 'text', loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c consconfig_load_drivers (usr/src/uts/i86pc/io/consplat.c plat_kbdpath)', effect: 'no keyboard: the text console takes no input', major: true },
  // init and the shell
  { module: 'exec/elfexec', severity: 'panic', loadedBy: 'usr/src/uts/common/os/exec.c hold_execsw (execswnames, usr/src/uts/common/conf/param.c)', effect: 'halt("unix: Could not start init")' },
  { module: 'exec/intpexec', severity: 'degraded', loadedBy: 'usr/src/uts/common/os/exec.c hold_execsw ("#!" scripts)', effect: '"#!" scripts cannot be exec\'d (ENOEXEC); a shell falls back to running them itself' },
  { module: 'drv/cn', severity: 'unusable', loadedBy: 'opened through /dev/console and /dev/syscon by init and the smf entry (usr/src/cmd/init/init.c; usr/src/uts/common/io/cons.c)', effect: 'no /dev/console: the smf entry\'s redirection fails and the launcher never runs', major: true, conf: true },
  { module: 'drv/sysmsg', severity: 'unusable', loadedBy: 'opened through /dev/msglog by the inittab smf entry (usr/src/cmd/initpkg/inittab; usr/src/uts/common/io/sysmsg.c)', effect: 'the smf entry\'s >/dev/msglog fails, init restarts it until it gives up (maintenance)', major: true, conf: true },
  { module: 'drv/sad', severity: 'unusable', loadedBy: 'opened through /dev/sad/admin by /sbin/autopush (usr/src/cmd/autopush/autopush.c; usr/src/uts/common/io/sad.c)', effect: 'autopush configures nothing: the console gets no ldterm or ttcompat (no echo, no CR-NL, no ^C)', major: true, conf: true },
  { module: 'strmod/ldterm', severity: 'unusable', loadedBy: 'usr/src/uts/common/io/sad_conf.c sad_ap_verify (fmodsw_find) for etc/iu.ap', effect: 'autopush rejects the console lines of etc/iu.ap: the console gets no line discipline (no echo, no CR-NL, no ^C)' },
  { module: 'strmod/ttcompat', severity: 'unusable', loadedBy: 'usr/src/uts/common/io/sad_conf.c sad_ap_verify (fmodsw_find) for etc/iu.ap', effect: 'autopush rejects the console lines of etc/iu.ap (ldterm is not pushed either)' },
  { module: 'sys/pipe', severity: 'unusable', loadedBy: 'usr/src/uts/intel/ia32/os/syscall.c loadable_syscall (modload("sys", name from etc/name_to_sysnum))', effect: 'pipe(2) sends SIGSYS: the shell dies at its first pipeline or $(...)' },
  { module: 'drv/mm', severity: 'degraded', loadedBy: 'opened through /dev/null, /dev/zero (usr/src/uts/common/io/mem.c)', effect: 'every >/dev/null redirection fails', major: true, conf: true },
  // What the launcher runs
  { module: 'fs/fdfs', severity: 'degraded', loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_getvfssw (mount -F fd; vfs_to_modname "fd" -> "fdfs")', effect: 'no /dev/fd (and so no /dev/stdin, /dev/stdout, /dev/stderr)' },
  { module: 'sys/inst_sync', severity: 'degraded', loadedBy: 'usr/src/uts/intel/ia32/os/syscall.c loadable_syscall (devfsadm calls inst_sync(2), cmd/devfsadm/devfsadm.c)', effect: 'devfsadm dies with SIGSYS before making the rest of /dev' },
  { module: 'drv/devinfo', severity: 'degraded', loadedBy: 'opened as /devices/pseudo/devinfo@0:devinfo by libdevinfo for devfsadm and prtconf (usr/src/uts/common/io/devinfo.c)', effect: 'devfsadm cannot take a device tree snapshot and makes no /dev links', major: true, conf: true },
  { module: 'drv/tl', severity: 'degraded', loadedBy: 'soconfig\'s /dev/ticotsord and /dev/ticlts entries (usr/src/uts/common/fs/sockfs/sockparams.c)', effect: 'no AF_UNIX sockets', major: true, conf: true },
  { module: 'drv/log', severity: 'degraded', loadedBy: 'opened through /dev/conslog by syslog(3C), init\'s fallback for its messages (usr/src/lib/libc/port/gen/syslog.c; usr/src/uts/common/io/log.c)', effect: 'syslog messages are lost', major: true, conf: true },
  { module: 'drv/ptm', severity: 'degraded', loadedBy: 'opened through /dev/ptmx (clone@0:ptm) by posix_openpt (usr/src/lib/libc/port/gen/pt.c; usr/src/uts/common/io/ptm.c)', effect: 'no pseudo-terminals (script, ssh, screen)', major: true },
  { module: 'drv/pts', severity: 'degraded', loadedBy: 'attached by ptm (usr/src/uts/common/io/ptms_conf.c ptms_attach_slave)', effect: 'no pseudo-terminals', major: true },
  { module: 'strmod/ptem', severity: 'note', loadedBy: 'pushed by libc\'s pty code (usr/src/lib/libc/port/gen/pt.c)', effect: 'pseudo-terminals without termio emulation' },
  { module: 'drv/sy', severity: 'note', loadedBy: 'opened through /dev/tty (usr/src/uts/common/io/gentty.c)', effect: 'no /dev/tty', major: true, conf: true },
  { module: 'drv/random', severity: 'note', loadedBy: 'opened through /dev/random, /dev/urandom; libc itself uses getrandom(2) (usr/src/uts/common/io/random.c)', effect: 'no /dev/random for OpenSSL and ssh', major: true },
  { module: 'drv/kstat', severity: 'note', loadedBy: 'opened through /dev/kstat by libkstat (usr/src/uts/common/io/kstat.c)', effect: 'kstat, vmstat and prstat fail', major: true },
  { module: 'drv/ksyms', severity: 'note', loadedBy: 'opened through /dev/ksyms by mdb and DTrace (usr/src/uts/common/io/ksyms.c)', effect: 'no kernel symbols for mdb', major: true },
  { module: 'misc/acpidev', severity: 'note', loadedBy: 'usr/src/uts/i86pc/os/ddi_impl.c impl_bus_initialprobe (result ignored)', effect: 'no ACPI device tree (/fw), CPU and NUMA helpers' },
  { module: 'cpu/cpu.generic', severity: 'note', loadedBy: 'usr/src/uts/i86pc/os/cmi.c cmi_load_generic', effect: 'no machine-check support' },
  { module: 'misc/kcf', severity: 'note', loadedBy: 'usr/src/uts/common/syscall/getrandom.c through a kcf modstub (usr/src/uts/intel/ia32/ml/modstubs.s random_get_pseudo_bytes), called by libc\'s ssp_init in every process', effect: 'getrandom(2) fails; libc falls back to gethrtime for its stack-protector canary (usr/src/lib/libc/port/gen/ssp.c)' },
  { module: 'crypto/swrand', severity: 'note', loadedBy: 'usr/src/uts/common/crypto/core/kcf_cryptoadm.c kcf_soft_config_init (the default software providers); DT_NEEDED of drv/ip', effect: 'no software random provider for the crypto framework, and drv/ip (the network stack) cannot load' },
  { module: 'sys/doorfs', severity: 'note', loadedBy: 'usr/src/uts/intel/ia32/os/syscall.c loadable_syscall (door calls: name-service and syslog doors, devfsadmd)', effect: 'door calls raise SIGSYS; nothing the launcher and a shell run uses them' },
  { module: 'fs/sockfs', severity: 'note', loadedBy: 'modstubs for the socket calls (usr/src/uts/intel/ia32/ml/modstubs.s), DT_NEEDED of tcp, udp, icmp', effect: 'socket calls return 0 without doing anything' },
];

/** Loadable system calls a shell, init and the launcher's commands make (names as in etc/name_to_sysnum). */
export const BOOT_SYSCALLS: ReadonlyArray<{ name: string; module: string; severity: Severity; usedBy: string }> = [
  { name: 'pipe', module: 'sys/pipe', severity: 'unusable', usedBy: 'ksh93 for every pipeline and $(...) (the syscall slot is loadable: usr/src/uts/common/os/sysent.c; its name comes from etc/name_to_sysnum, usr/src/uts/common/os/modctl.c mod_setup)' },
  { name: 'inst_sync', module: 'sys/inst_sync', severity: 'degraded', usedBy: 'devfsadm, to write /etc/path_to_inst (cmd/devfsadm/devfsadm.c)' },
];

/** Every module of the table, with the stand-ins. */
export function bootModuleNames(): string[] {
  return [...new Set(BOOT_MODULES.flatMap((m) => [m.module, ...(m.orModules ?? [])]))];
}

/** A drv/ entry's driver name. */
export const driverName = (module: string): string | undefined => (module.startsWith('drv/') ? module.slice(4) : undefined);
