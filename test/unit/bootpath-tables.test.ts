import { describe, expect, it } from 'vitest';

// The boot-path tables pinned whole: every entry's name, severity, the illumos-gate file it
// cites and the text compose check prints for it. boot-tables.test.ts pins the severities at a
// glance; this file pins the words, so an edited effect, source or fix shows here, in review.
// The modules are imported inside the tests, so a table that cannot even be built (an error
// while the module loads) fails a test here rather than only the file's collection.

const tables = async () => ({
  ...(await import('../../src/bootpath/kernel-modules.js')),
  ...(await import('../../src/bootpath/programs.js')),
  ...(await import('../../src/bootpath/commands.js')),
});

const MODULES = [
  {
    module: 'genunix',
    severity: 'panic',
    loadedBy: 'usr/src/uts/krtld/kobj.c kobj_init (load_primary: DT_NEEDED of unix)',
    effect: 'krtld: error during initial load/link phase, then "Unable to boot"',
  },
  {
    module: 'fs/specfs',
    severity: 'panic',
    loadedBy: 'usr/src/uts/i86pc/os/startup.c startup_modules',
    effect: 'halt("Can\'t load specfs")',
  },
  {
    module: 'fs/devfs',
    severity: 'panic',
    loadedBy: 'usr/src/uts/i86pc/os/startup.c startup_modules; usr/src/uts/common/fs/vfs.c vfs_mountdevices',
    effect: 'halt("Can\'t load devfs")',
  },
  {
    module: 'fs/dev',
    severity: 'panic',
    loadedBy: 'usr/src/uts/i86pc/os/startup.c startup_modules; usr/src/uts/common/fs/vfs.c vfs_mountdev1',
    effect: 'halt("Can\'t load dev")',
  },
  {
    module: 'fs/procfs',
    severity: 'panic',
    loadedBy: 'usr/src/uts/i86pc/os/startup.c startup_modules',
    effect: 'halt("Can\'t load procfs")',
  },
  {
    module: 'sched/TS',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/disp/disp.c dispinit (the default class "TS", usr/src/uts/common/conf/param.c)',
    effect: 'panic "Couldn\'t load default scheduling class \'TS\'"',
  },
  {
    module: 'sched/TS_DPTBL',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/disp/ts.c ts_init, through a modstub (usr/src/uts/intel/ia32/ml/modstubs.s)',
    effect: 'panic "mod_hold_stub: Couldn\'t load stub module sched/TS_DPTBL"',
  },
  {
    module: 'mach/uppc',
    severity: 'panic',
    loadedBy: 'usr/src/uts/i86pc/os/mp_implfuncs.c psm_modload (DEFAULT_PSM_MODULE)',
    effect: 'halt("the operating system does not yet support this hardware") when no PSM module probes',
  },
  {
    module: 'misc/pci_autoconfig',
    severity: 'panic',
    loadedBy: 'usr/src/uts/i86pc/os/ddi_impl.c impl_bus_initialprobe',
    effect: 'panic("failed to load misc/pci_autoconfig")',
  },
  {
    module: 'drv/isa',
    severity: 'panic',
    loadedBy: 'usr/src/uts/i86pc/os/ddi_impl.c impl_bus_initialprobe',
    effect: 'panic("failed to load drv/isa")',
    major: true,
  },
  {
    module: 'drv/rootnex',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/os/autoconf.c i_ddi_init_root',
    effect: 'panic "Couldn\'t find major number for \'rootnex\'" or "Could not attach root nexus"',
    major: true,
  },
  {
    module: 'drv/options',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/os/autoconf.c i_ddi_init_root (i_ddi_attach_pseudo_node)',
    effect: 'the /options node is missing: a NULL dereference while booting (read from the code); ldterm and asy also take their ttymodes from it',
    major: true,
    conf: true,
  },
  {
    module: 'drv/pseudo',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/os/autoconf.c i_ddi_init_root (i_ddi_attach_pseudo_node)',
    effect: 'no pseudo nexus for cn, mm, wc and the rest: a NULL dereference while booting (read from the code)',
    major: true,
    conf: true,
  },
  {
    module: 'drv/clone',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/os/autoconf.c i_ddi_init_root (clone_dip)',
    effect: 'no clone driver: a NULL dereference while booting (read from the code)',
    major: true,
    conf: true,
  },
  {
    module: 'drv/ramdisk',
    severity: 'panic',
    loadedBy: 'usr/src/uts/i86pc/os/ddi_impl.c impl_setup_ddi and getrootdev (root "/ramdisk:a", usr/src/uts/i86pc/conf/confunix.c)',
    effect: 'panic("vfs_mountroot: cannot mount root")',
    major: true,
  },
  {
    module: 'fs/ufs',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/fs/vfs.c rootconf (fstype "ufs", usr/src/uts/i86pc/conf/confunix.c)',
    effect: 'panic("Cannot _init ufs module")',
  },
  {
    module: 'fs/tmpfs',
    severity: 'unusable',
    loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (tmpfs on /etc/svc/volatile)',
    effect: 'init cannot create /etc/svc/volatile/init.state on the read-only root, takes itself for restarted and runs neither the sysinit entries nor the smf entry (usr/src/cmd/init/init.c st_init); the launcher\'s /tmp and /var/run mounts fail too',
  },
  {
    module: 'fs/ctfs',
    severity: 'degraded',
    loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/system/contract)',
    effect: 'init cannot make svc.startd\'s process contract template (contract_make_template fails on /system/contract/process/template), so boot_init runs the smf entry through /sbin/sh as a sysinit entry and waits for it to exit; only then does it print "Absent svc.startd entry or bad contract template" and enter maintenance (usr/src/cmd/init/init.c contracts_init, boot_init). The launcher never exits, so its shell works and init stays in boot_init; svc.startd is not restarted when it dies',
  },
  {
    module: 'fs/mntfs',
    severity: 'degraded',
    loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/etc/mnttab)',
    effect: 'no /etc/mnttab: mount and df cannot list mounts, and /etc/fs/ufs/mount exits 32 after remounting (usr/src/cmd/fs.d/ufs/mount/mount.c)',
  },
  {
    module: 'fs/objfs',
    severity: 'note',
    loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/system/object)',
    effect: 'no /system/object: mdb and DTrace cannot read kernel symbols',
  },
  {
    module: 'fs/bootfs',
    severity: 'note',
    loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/system/boot)',
    effect: 'no /system/boot (the loader\'s extra files)',
  },
  {
    module: 'fs/sharefs',
    severity: 'note',
    loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_mountroot (/etc/dfs/sharetab)',
    effect: 'no /etc/dfs/sharetab',
  },
  {
    module: 'misc/strplumb',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/os/main.c main (strplumb() through a modstub)',
    effect: 'panic "mod_hold_stub: Couldn\'t load stub module misc/strplumb", also with no network',
  },
  {
    module: 'misc/consconfig',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/os/main.c main (consconfig() through a modstub)',
    effect: 'panic "mod_hold_stub: Couldn\'t load stub module misc/consconfig"',
  },
  {
    module: 'drv/conskbd',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c cons_build_upper_layer',
    effect: 'panic("consconfig: unable to open conskbd device")',
    major: true,
    conf: true,
  },
  {
    module: 'drv/consms',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c cons_build_upper_layer',
    effect: 'panic("consconfig: unable to open consms device")',
    major: true,
    conf: true,
  },
  {
    module: 'drv/wc',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c cons_build_upper_layer (WC_PATH)',
    effect: 'panic "consconfig: unable to find wc device"',
    major: true,
    conf: true,
  },
  {
    module: 'drv/iwscn',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c cons_build_upper_layer (IWSCN_PATH)',
    effect: 'panic("consconfig: unable to find iwscn device")',
    major: true,
    conf: true,
  },
  {
    module: 'drv/asy',
    severity: 'unusable',
    when: 'serial',
    loadedBy: 'usr/src/uts/i86pc/io/consplat.c plat_ttypath; usr/src/uts/common/io/consconfig_dacf.c consconfig_load_drivers',
    effect: 'no serial console: the kernel boots with no console tty and nothing reaches ttya',
    major: true,
  },
  {
    module: 'drv/npe',
    orModules: ['drv/pci'],
    severity: 'unusable',
    when: 'serial',
    loadedBy: 'usr/src/uts/i86pc/io/consplat.c plat_ttypath (i_ddi_attach_node_hierarchy of /pci@0,0/isa@1/asy@1,3f8)',
    effect: 'the serial port cannot be reached: its ISA bridge sits below the PCI root nexus (npe binds "pciex_root_complex" on PCIe machines, pci the legacy root bus)',
    major: true,
    aliases: ['pciex_root_complex'],
  },
  {
    module: 'drv/vgatext',
    severity: 'unusable',
    when: 'text',
    loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c consconfig_load_drivers (the framebuffer path)',
    effect: 'no text console on the screen',
    major: true,
  },
  {
    module: 'drv/i8042',
    severity: 'unusable',
    when: 'text',
    loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c consconfig_load_drivers (usr/src/uts/i86pc/io/consplat.c plat_kbdpath)',
    effect: 'no PS/2 keyboard controller: the text console takes no input',
    major: true,
  },
  {
    module: 'drv/kb8042',
    severity: 'unusable',
    when: 'text',
    loadedBy: 'usr/src/uts/common/io/consconfig_dacf.c consconfig_load_drivers (usr/src/uts/i86pc/io/consplat.c plat_kbdpath)',
    effect: 'no keyboard: the text console takes no input',
    major: true,
  },
  {
    module: 'exec/elfexec',
    severity: 'panic',
    loadedBy: 'usr/src/uts/common/os/exec.c hold_execsw (execswnames, usr/src/uts/common/conf/param.c)',
    effect: 'halt("unix: Could not start init")',
  },
  {
    module: 'exec/intpexec',
    severity: 'degraded',
    loadedBy: 'usr/src/uts/common/os/exec.c hold_execsw ("#!" scripts)',
    effect: '"#!" scripts cannot be exec\'d (ENOEXEC); a shell falls back to running them itself',
  },
  {
    module: 'drv/cn',
    severity: 'unusable',
    loadedBy: 'opened through /dev/console and /dev/syscon by init and the smf entry (usr/src/cmd/init/init.c; usr/src/uts/common/io/cons.c)',
    effect: 'no /dev/console: the smf entry\'s redirection fails and the launcher never runs',
    major: true,
    conf: true,
  },
  {
    module: 'drv/sysmsg',
    severity: 'unusable',
    loadedBy: 'opened through /dev/msglog by the inittab smf entry (usr/src/cmd/initpkg/inittab; usr/src/uts/common/io/sysmsg.c)',
    effect: 'the smf entry\'s >/dev/msglog fails, init restarts it until it gives up (maintenance)',
    major: true,
    conf: true,
  },
  {
    module: 'drv/sad',
    severity: 'unusable',
    loadedBy: 'opened through /dev/sad/admin by /sbin/autopush (usr/src/cmd/autopush/autopush.c; usr/src/uts/common/io/sad.c)',
    effect: 'autopush configures nothing: the console gets no ldterm or ttcompat (no echo, no CR-NL, no ^C)',
    major: true,
    conf: true,
  },
  {
    module: 'strmod/ldterm',
    severity: 'unusable',
    loadedBy: 'usr/src/uts/common/io/sad_conf.c sad_ap_verify (fmodsw_find) for etc/iu.ap',
    effect: 'autopush rejects the console lines of etc/iu.ap: the console gets no line discipline (no echo, no CR-NL, no ^C)',
  },
  {
    module: 'strmod/ttcompat',
    severity: 'unusable',
    loadedBy: 'usr/src/uts/common/io/sad_conf.c sad_ap_verify (fmodsw_find) for etc/iu.ap',
    effect: 'autopush rejects the console lines of etc/iu.ap (ldterm is not pushed either)',
  },
  {
    module: 'sys/pipe',
    severity: 'unusable',
    loadedBy: 'usr/src/uts/intel/ia32/os/syscall.c loadable_syscall (modload("sys", name from etc/name_to_sysnum))',
    effect: 'pipe(2) sends SIGSYS: the shell dies at its first pipeline or $(...)',
  },
  {
    module: 'drv/mm',
    severity: 'degraded',
    loadedBy: 'opened through /dev/null, /dev/zero (usr/src/uts/common/io/mem.c)',
    effect: 'every >/dev/null redirection fails',
    major: true,
    conf: true,
  },
  {
    module: 'fs/fdfs',
    severity: 'degraded',
    loadedBy: 'usr/src/uts/common/fs/vfs.c vfs_getvfssw (mount -F fd; vfs_to_modname "fd" -> "fdfs")',
    effect: 'no /dev/fd (and so no /dev/stdin, /dev/stdout, /dev/stderr)',
  },
  {
    module: 'sys/inst_sync',
    severity: 'degraded',
    loadedBy: 'usr/src/uts/intel/ia32/os/syscall.c loadable_syscall (devfsadm calls inst_sync(2), cmd/devfsadm/devfsadm.c)',
    effect: 'devfsadm dies with SIGSYS before making the rest of /dev',
  },
  {
    module: 'drv/devinfo',
    severity: 'degraded',
    loadedBy: 'opened as /devices/pseudo/devinfo@0:devinfo by libdevinfo for devfsadm and prtconf (usr/src/uts/common/io/devinfo.c)',
    effect: 'devfsadm cannot take a device tree snapshot and makes no /dev links',
    major: true,
    conf: true,
  },
  {
    module: 'drv/tl',
    severity: 'degraded',
    loadedBy: 'soconfig\'s /dev/ticotsord and /dev/ticlts entries (usr/src/uts/common/fs/sockfs/sockparams.c)',
    effect: 'no AF_UNIX sockets',
    major: true,
    conf: true,
  },
  {
    module: 'drv/log',
    severity: 'degraded',
    loadedBy: 'opened through /dev/conslog by syslog(3C), init\'s fallback for its messages (usr/src/lib/libc/port/gen/syslog.c; usr/src/uts/common/io/log.c)',
    effect: 'syslog messages are lost',
    major: true,
    conf: true,
  },
  {
    module: 'drv/ptm',
    severity: 'degraded',
    loadedBy: 'opened through /dev/ptmx (clone@0:ptm) by posix_openpt (usr/src/lib/libc/port/gen/pt.c; usr/src/uts/common/io/ptm.c)',
    effect: 'no pseudo-terminals (script, ssh, screen)',
    major: true,
  },
  {
    module: 'drv/pts',
    severity: 'degraded',
    loadedBy: 'attached by ptm (usr/src/uts/common/io/ptms_conf.c ptms_attach_slave)',
    effect: 'no pseudo-terminals',
    major: true,
  },
  {
    module: 'strmod/ptem',
    severity: 'note',
    loadedBy: 'pushed by libc\'s pty code (usr/src/lib/libc/port/gen/pt.c)',
    effect: 'pseudo-terminals without termio emulation',
  },
  {
    module: 'drv/sy',
    severity: 'note',
    loadedBy: 'opened through /dev/tty (usr/src/uts/common/io/gentty.c)',
    effect: 'no /dev/tty',
    major: true,
    conf: true,
  },
  {
    module: 'drv/random',
    severity: 'note',
    loadedBy: 'opened through /dev/random, /dev/urandom; libc itself uses getrandom(2) (usr/src/uts/common/io/random.c)',
    effect: 'no /dev/random for OpenSSL and ssh',
    major: true,
  },
  {
    module: 'drv/kstat',
    severity: 'note',
    loadedBy: 'opened through /dev/kstat by libkstat (usr/src/uts/common/io/kstat.c)',
    effect: 'kstat, vmstat and prstat fail',
    major: true,
  },
  {
    module: 'drv/ksyms',
    severity: 'note',
    loadedBy: 'opened through /dev/ksyms by mdb and DTrace (usr/src/uts/common/io/ksyms.c)',
    effect: 'no kernel symbols for mdb',
    major: true,
  },
  {
    module: 'misc/acpidev',
    severity: 'note',
    loadedBy: 'usr/src/uts/i86pc/os/ddi_impl.c impl_bus_initialprobe (result ignored)',
    effect: 'no ACPI device tree (/fw), CPU and NUMA helpers',
  },
  {
    module: 'cpu/cpu.generic',
    severity: 'note',
    loadedBy: 'usr/src/uts/i86pc/os/cmi.c cmi_load_generic',
    effect: 'no machine-check support',
  },
  {
    module: 'misc/kcf',
    severity: 'note',
    loadedBy: 'usr/src/uts/common/syscall/getrandom.c through a kcf modstub (usr/src/uts/intel/ia32/ml/modstubs.s random_get_pseudo_bytes), called by libc\'s ssp_init in every process',
    effect: 'getrandom(2) fails; libc falls back to gethrtime for its stack-protector canary (usr/src/lib/libc/port/gen/ssp.c)',
  },
  {
    module: 'crypto/swrand',
    severity: 'note',
    loadedBy: 'usr/src/uts/common/crypto/core/kcf_cryptoadm.c kcf_soft_config_init (the default software providers); DT_NEEDED of drv/ip',
    effect: 'no software random provider for the crypto framework, and drv/ip (the network stack) cannot load',
  },
  {
    module: 'sys/doorfs',
    severity: 'note',
    loadedBy: 'usr/src/uts/intel/ia32/os/syscall.c loadable_syscall (door calls: name-service and syslog doors, devfsadmd)',
    effect: 'door calls raise SIGSYS; nothing the launcher and a shell run uses them',
  },
  {
    module: 'fs/sockfs',
    severity: 'note',
    loadedBy: 'modstubs for the socket calls (usr/src/uts/intel/ia32/ml/modstubs.s), DT_NEEDED of tcp, udp, icmp',
    effect: 'socket calls return 0 without doing anything',
  },
];

const SYSCALLS = [
  {
    name: 'pipe',
    module: 'sys/pipe',
    severity: 'unusable',
    usedBy: 'ksh93 for every pipeline and $(...) (the syscall slot is loadable: usr/src/uts/common/os/sysent.c; its name comes from etc/name_to_sysnum, usr/src/uts/common/os/modctl.c mod_setup)',
  },
  {
    name: 'inst_sync',
    module: 'sys/inst_sync',
    severity: 'degraded',
    usedBy: 'devfsadm, to write /etc/path_to_inst (cmd/devfsadm/devfsadm.c)',
  },
];

const PROGRAMS = [
  {
    path: 'sbin/init',
    severity: 'panic',
    effect: 'the kernel cannot start init ("exec(/sbin/init) failed", then halt "unix: Could not start init")',
    source: 'usr/src/uts/common/os/main.c exec_init; usr/src/cmd/init/init.c',
  },
  {
    path: 'sbin/sh',
    severity: 'unusable',
    effect: 'init runs every inittab entry through /sbin/sh -c: nothing runs',
    source: 'usr/src/cmd/init/init.c (SH, execle("/sbin/sh", "INITSH", "-c", ...))',
  },
  {
    path: 'sbin/autopush',
    severity: 'unusable',
    effect: 'the console gets no ldterm or ttcompat: no echo, no CR-NL, no ^C',
    source: 'usr/src/cmd/autopush/autopush.c',
    opens: [
      {
        path: 'dev/sad/admin',
        severity: 'unusable',
        effect: 'autopush exits without configuring anything, so the console gets no ldterm or ttcompat (no echo, no CR-NL, no ^C)',
      },
    ],
  },
  {
    path: 'sbin/soconfig',
    severity: 'degraded',
    effect: 'no socket configuration: socket(3SOCKET) calls fail',
    source: 'usr/src/cmd/cmd-inet/usr.sbin/soconfig.c',
  },
  {
    path: 'usr/sbin/devfsadm',
    severity: 'degraded',
    effect: '/dev holds only the links the image ships',
    source: 'usr/src/cmd/devfsadm/devfsadm.c',
    opens: [
      {
        path: 'usr/lib/devfsadm/linkmod/SUNW_misc_link.so',
        severity: 'degraded',
        effect: 'devfsadm finds no link modules ("NO_MODULES") and makes no /dev links',
      },
    ],
  },
  {
    path: 'etc/fs/ufs/mount',
    severity: 'degraded',
    effect: 'root stays read-only',
    source: 'usr/src/cmd/fs.d/ufs/mount/mount.c',
  },
  {
    path: 'sbin/mount',
    severity: 'degraded',
    effect: 'the launcher cannot mount /tmp, /var/run or /dev/fd',
    source: 'usr/src/cmd/fs.d/mount.c',
  },
  {
    path: 'usr/bin/setpgrp',
    severity: 'degraded',
    effect: 'the console shell has no controlling terminal: no ^C, no job control',
    source: 'usr/src/cmd/setpgrp/setpgrp.c; usr/src/cmd/init/init.c startd_run (no new session)',
  },
  {
    path: 'sbin/uadmin',
    severity: 'note',
    effect: 'a --test-mode image cannot power itself off',
    source: 'usr/src/cmd/uadmin/uadmin.c',
  },
  {
    path: 'lib/svc/bin/svc.startd',
    severity: 'unusable',
    effect: 'no SMF: nothing starts, no console login',
    source: 'usr/src/cmd/svc/startd',
  },
  {
    path: 'lib/svc/bin/svc.configd',
    severity: 'unusable',
    effect: 'svc.startd has no repository: no services start',
    source: 'usr/src/cmd/svc/configd',
  },
];

const LINKS = [
  {
    module: 'usr/lib/devfsadm/linkmod/SUNW_disk_link.so',
    class: 'disk',
    links: ['dev/dsk/', 'dev/rdsk/'],
    source: 'usr/src/cmd/devfsadm/disk_link.c (disk_cbt: class "disk", dsk or rdsk by the ",raw" minor)',
  },
  {
    module: 'usr/lib/devfsadm/linkmod/SUNW_zfs_link.so',
    class: 'pseudo',
    driver: 'zfs',
    links: ['dev/zfs'],
    source: 'usr/src/cmd/devfsadm/zfs_link.c (zfs_create_cbt: class "pseudo", driver "zfs", devfsadm_mklink("zfs"))',
  },
  {
    module: 'usr/lib/devfsadm/linkmod/SUNW_misc_link.so',
    class: 'pseudo',
    links: ['dev/null', 'dev/zero', 'dev/console', 'dev/ptmx', 'dev/tty'],
    source: 'usr/src/cmd/devfsadm/misc_link.c',
  },
];

const REDIRECTS = {
  deviceMissing: {
    id: 'redirect.device',
    severity: 'degraded',
    source: 'usr/src/uts/common/fs/dev/sdev_subr.c (a /dev lookup miss makes no link before devfsadm runs); usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major',
    fix: 'keep the /dev links the build adds (src/devlinks/table.ts) and their drivers, or make the link (devfsadm) before this line',
  },
  readMissing: {
    id: 'redirect.read',
    severity: 'degraded',
    source: 'usr/src/cmd/ksh (redirection "<": open fails, the command does not run)',
    fix: 'keep the file in the image',
  },
  writeNoDir: {
    id: 'redirect.no-directory',
    severity: 'degraded',
    source: 'usr/src/cmd/ksh (redirection ">": open fails, the command does not run)',
    fix: 'ship the directory in the image, or write somewhere that exists',
  },
  writeReadOnly: {
    id: 'redirect.read-only',
    severity: 'degraded',
    source: 'usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot (ROOT_INIT: the ramdisk root is read-only until remounted)',
    fix: 'write to a tmpfs (/etc/svc/volatile, or /tmp and /var/run once mounted), or remount the root read-write before this line',
  },
  sourceMissing: {
    id: 'source.missing',
    severity: 'unusable',
    source: 'usr/src/cmd/ksh (the "." special built-in: a missing file ends a non-interactive shell)',
    fix: 'keep the sourced file in the image (compose writes the launcher\'s and trampoline\'s settings files)',
  },
};

const RULES = [
  {
    name: 'devfsadm',
    programs: ['usr/sbin/devfsadm'],
    severity: 'degraded',
    effect: '/dev holds only the links the image ships',
    source: 'usr/src/cmd/devfsadm/devfsadm.c',
    preconditions: [
      {
        id: 'devfsadm.writable-root',
        severity: 'unusable',
        source: 'usr/src/cmd/devfsadm/devfsadm.c enter_dev_lock (open /etc/dev/.devfsadm_dev.lock O_CREAT|O_RDWR, exits 1 on failure); usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot (ROOT_INIT: VFS_RDONLY); usr/src/uts/common/fs/dev/sdev_subr.c',
        fix: 'remount the root read-write before devfsadm runs (/etc/fs/ufs/mount -o remount,rw /devices/ramdisk:a /), as the launcher does',
      },
      {
        id: 'devfsadm.etc-dev',
        severity: 'unusable',
        source: 'usr/src/cmd/devfsadm/devfsadm.c set_lock_root (s_mkdirp of /etc/dev), enter_dev_lock; usr/src/pkg/manifests/SUNWcs.p5m (dir etc/dev)',
        fix: 'keep etc/dev in the image (SUNWcs delivers it; closure pruning keeps it)',
      },
    ],
  },
  {
    name: 'zpool',
    programs: ['usr/sbin/zpool', 'sbin/zpool'],
    severity: 'unusable',
    effect: 'no pool can be imported',
    source: 'usr/src/cmd/zpool/zpool_main.c',
    preconditions: [
      {
        id: 'zpool.dev-zfs',
        severity: 'unusable',
        source: 'usr/src/uts/common/sys/fs/zfs.h (ZFS_DEV "/dev/zfs"); usr/src/lib/libzfs/common/libzfs_util.c libzfs_init; usr/src/cmd/devfsadm/zfs_link.c',
        fix: 'run devfsadm for the zfs driver first ("devfsadm -i zfs", or plain devfsadm; -c disk does not make it) with usr/lib/devfsadm/linkmod/SUNW_zfs_link.so kept, on a writable root',
      },
      {
        id: 'zpool.zfs-driver',
        severity: 'unusable',
        source: 'usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major; usr/src/uts/common/fs/zfs/zfs_ioctl.c',
        fix: 'keep drv/zfs (kernel/drv/amd64/zfs) and give the build the driver actions (--manifests) so etc/name_to_major names zfs',
      },
      {
        id: 'zpool.import-disks',
        severity: 'unusable',
        source: 'usr/src/lib/libzutil/common/zutil_import.c (zpool_find_import searches /dev/dsk); usr/src/cmd/devfsadm/disk_link.c',
        fix: 'run devfsadm (plain, or -c disk) with SUNW_disk_link.so kept, on a writable root, before zpool import',
      },
    ],
  },
  {
    name: 'zfs',
    programs: ['usr/sbin/zfs', 'sbin/zfs'],
    severity: 'unusable',
    effect: 'no dataset can be mounted',
    source: 'usr/src/cmd/zfs/zfs_main.c',
    preconditions: [
      {
        id: 'zfs.dev-zfs',
        severity: 'unusable',
        source: 'usr/src/uts/common/sys/fs/zfs.h (ZFS_DEV "/dev/zfs"); usr/src/lib/libzfs/common/libzfs_util.c libzfs_init; usr/src/cmd/devfsadm/zfs_link.c',
        fix: 'run devfsadm for the zfs driver first ("devfsadm -i zfs", or plain devfsadm; -c disk does not make it) with usr/lib/devfsadm/linkmod/SUNW_zfs_link.so kept, on a writable root',
      },
      {
        id: 'zfs.zfs-driver',
        severity: 'unusable',
        source: 'usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major; usr/src/uts/common/fs/zfs/zfs_ioctl.c',
        fix: 'keep drv/zfs (kernel/drv/amd64/zfs) and give the build the driver actions (--manifests) so etc/name_to_major names zfs',
      },
      {
        id: 'zfs.mount-busy',
        severity: 'degraded',
        source: 'usr/src/cmd/zfs/zfs_main.c share_mount_one ("filesystem already mounted"); usr/src/uts/common/os/exit.c restart_init',
        fix: 'test whether the dataset is mounted already (a restarted script finds it so) and go on with it',
      },
      {
        id: 'zfs.mount-point',
        severity: 'unusable',
        source: 'usr/src/lib/libzfs/common/libzfs_mount.c zfs_mount (mkdirp of the mount point)',
        fix: 'ship the mount point directory in the image (the ramdisk root is read-only until remounted)',
      },
    ],
  },
  {
    name: 'mount',
    programs: ['sbin/mount', 'usr/sbin/mount'],
    severity: 'degraded',
    effect: 'nothing can be mounted',
    source: 'usr/src/cmd/fs.d/mount.c',
    preconditions: [
      {
        id: 'mount.fs-module',
        severity: 'unusable',
        source: 'usr/src/uts/common/fs/vfs.c domount, vfs_getvfssw (modload("fs", vfs_to_modname(type)))',
        fix: 'keep the file system\'s kernel module (the profile\'s keep list: fs/<type>)',
      },
      {
        id: 'mount.fs-program',
        severity: 'unusable',
        source: 'usr/src/cmd/fs.d/mount.c doexec (execs /usr/lib/fs/<type>/mount, else /etc/fs/<type>/mount)',
        fix: 'keep /usr/lib/fs/<type>/mount (or /etc/fs/<type>/mount) for the type mounted',
      },
      {
        id: 'mount.point-missing',
        severity: 'unusable',
        source: 'usr/src/uts/common/fs/vfs.c domount (lookupname of the mount point: ENOENT)',
        fix: 'ship the mount point as a directory in the image (the ramdisk root is read-only, so it cannot be made at boot until remounted)',
      },
      {
        id: 'mount.point-busy',
        severity: 'degraded',
        source: 'usr/src/uts/common/fs/vfs.c domount (EBUSY: "vn_vfswlock" on a covered vnode without MS_OVERLAY)',
        fix: 'test whether it is mounted already (a restarted script finds it so), or unmount it first',
      },
      {
        id: 'mount.remount-not-mounted',
        severity: 'degraded',
        source: 'usr/src/uts/common/fs/vfs.c domount (MS_REMOUNT needs a mounted file system)',
        fix: 'remount only what is mounted',
      },
    ],
  },
  {
    name: 'umount',
    programs: ['sbin/umount', 'usr/sbin/umount'],
    severity: 'degraded',
    effect: 'nothing can be unmounted',
    source: 'usr/src/cmd/fs.d/umount.c',
    preconditions: [],
  },
  {
    name: 'chroot',
    programs: ['usr/sbin/chroot'],
    severity: 'unusable',
    effect: 'the hand-over "exec chroot /a <init>" fails',
    source: 'usr/src/cmd/chroot/chroot.c',
    preconditions: [
      {
        id: 'chroot.target-program',
        severity: 'unusable',
        source: 'usr/src/cmd/chroot/chroot.c (chroot(2), then execv of the command: "not found" exits 127); usr/src/uts/common/os/exit.c restart_init',
        fix: 'test that the new root has the program ([ -x "$ROOT$INIT" ]) before handing over to it',
      },
      {
        id: 'chroot.root-mounted',
        severity: 'unusable',
        source: 'usr/src/cmd/chroot/chroot.c',
        fix: 'mount the root on the directory before chroot runs into it',
      },
    ],
  },
  {
    name: 'fsck',
    programs: ['usr/sbin/fsck', 'usr/lib/fs/ufs/fsck'],
    severity: 'degraded',
    effect: 'a root that was not unmounted cleanly is not checked',
    source: 'usr/src/cmd/fs.d/fsck.c',
    preconditions: [
      {
        id: 'fsck.raw-device',
        severity: 'degraded',
        source: 'usr/src/cmd/fs.d/ufs/fsck/setup.c (fsck_ufs opens the character device; a block device in /dev/dsk is refused when mounted, "not a character device")',
        fix: 'give fsck the raw device (/dev/rdsk/...)',
      },
      {
        id: 'fsck.fs-program',
        severity: 'degraded',
        source: 'usr/src/cmd/fs.d/fsck.c (execs /usr/lib/fs/<type>/fsck)',
        fix: 'keep /usr/lib/fs/<type>/fsck',
      },
    ],
  },
  {
    name: 'fstyp',
    programs: ['usr/sbin/fstyp'],
    severity: 'unusable',
    effect: 'no file system type can be told',
    source: 'usr/src/cmd/fstyp/fstyp.c',
    preconditions: [
      {
        id: 'fstyp.ufs-module',
        severity: 'unusable',
        source: 'usr/src/cmd/fstyp/fstyp.c (dlopen of /usr/lib/fs/<type>/fstyp.so.1 for each type)',
        fix: 'keep /usr/lib/fs/ufs/fstyp.so.1',
      },
    ],
  },
  {
    name: 'labelit',
    programs: ['usr/sbin/labelit'],
    severity: 'unusable',
    effect: 'no UFS label can be read',
    source: 'usr/src/cmd/fs.d/labelit.c',
    preconditions: [
      {
        id: 'labelit.fs-program',
        severity: 'unusable',
        source: 'usr/src/cmd/fs.d/labelit.c (execs /usr/lib/fs/<type>/labelit)',
        fix: 'keep /usr/lib/fs/ufs/labelit',
      },
    ],
  },
  {
    name: 'mkdir',
    programs: ['usr/bin/mkdir'],
    severity: 'degraded',
    effect: 'no directory can be made',
    source: 'usr/src/cmd/mkdir/mkdir.c',
    preconditions: [
      {
        id: 'mkdir.read-only',
        severity: 'degraded',
        source: 'usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot (the ramdisk root is read-only until remounted)',
        fix: 'remount the root read-write first, or ship the directory in the image',
      },
    ],
  },
  {
    name: 'touch',
    programs: ['usr/bin/touch'],
    severity: 'degraded',
    effect: 'no file can be made',
    source: 'usr/src/cmd/touch/touch.c',
    preconditions: [
      {
        id: 'touch.read-only',
        severity: 'degraded',
        source: 'usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot (the ramdisk root is read-only until remounted)',
        fix: 'write it to a tmpfs (/etc/svc/volatile, /tmp once mounted), or remount the root read-write first',
      },
    ],
  },
  {
    name: 'autopush',
    programs: ['sbin/autopush'],
    severity: 'unusable',
    effect: 'the console gets no ldterm or ttcompat: no echo, no CR-NL, no ^C',
    source: 'usr/src/cmd/autopush/autopush.c',
    preconditions: [
      {
        id: 'autopush.sad-admin',
        severity: 'unusable',
        source: 'usr/src/cmd/autopush/autopush.c (open ADMINDEV "/dev/sad/admin"); usr/src/uts/common/io/sad.c',
        fix: 'keep the /dev/sad/admin link the build adds (src/devlinks) and drv/sad with its major',
      },
    ],
  },
  {
    name: 'bootadm',
    programs: ['usr/sbin/bootadm', 'sbin/bootadm'],
    severity: 'degraded',
    effect: 'the boot archive cannot be checked or updated',
    source: 'usr/src/cmd/boot/bootadm/bootadm.c',
    preconditions: [
      {
        id: 'bootadm.create-ramdisk',
        severity: 'degraded',
        source: 'usr/src/cmd/boot/bootadm/bootadm.c is_boot_archive (stat of boot/solaris/bin/create_ramdisk: "not a boot archive based Solaris instance")',
        fix: 'keep boot/solaris/bin/create_ramdisk, or turn svc:/system/boot-archive off (the smf profile does)',
      },
      {
        id: 'bootadm.unix',
        severity: 'degraded',
        source: 'usr/src/cmd/boot/bootadm/bootadm_upgrade.c get_boot_cap (unix must be an ELF object of at least 8192 bytes of the class bootadm expects, with the multiboot header)',
        fix: 'keep platform/i86pc/kernel/amd64/unix as the gate builds it',
      },
    ],
  },
  {
    name: 'reboot',
    programs: ['usr/sbin/reboot', 'sbin/reboot'],
    severity: 'degraded',
    effect: 'the system cannot be rebooted',
    source: 'usr/src/cmd/halt/halt.c',
    preconditions: [
      {
        id: 'reboot.during-boot',
        severity: 'unusable',
        source: 'usr/src/cmd/svc/milestone/fs-usr (bootadm update-archive, then reboot, when /etc/svc/volatile/boot_archive_needs_update exists); usr/src/cmd/halt/halt.c',
        fix: 'find what asks for the reboot (for the boot archive: svc:/system/boot-archive, which the smf overlay makes succeed at once on a ramdisk)',
      },
    ],
  },
];

describe('the boot-path tables, entry by entry', () => {
  it('kernel modules loaded by name', async () => {
    const { BOOT_MODULES } = await tables();
    expect(BOOT_MODULES).toEqual(MODULES);
  });

  it('loadable system calls', async () => {
    const { BOOT_SYSCALLS } = await tables();
    expect(BOOT_SYSCALLS).toEqual(SYSCALLS);
  });

  it('programs on the way to a shell, with what they open by name', async () => {
    const { BOOT_PROGRAMS } = await tables();
    expect(BOOT_PROGRAMS).toEqual(PROGRAMS);
  });

  it('devfsadm link modules', async () => {
    const { LINK_MODULES } = await tables();
    expect(LINK_MODULES).toEqual(LINKS);
  });

  it('the shell\'s own redirection rules', async () => {
    const { REDIRECT_RULES } = await tables();
    expect(REDIRECT_RULES).toEqual(REDIRECTS);
  });

  it('command rules and their preconditions (the checks themselves are tested in bootpath-commands.test.ts)', async () => {
    const { COMMAND_RULES } = await tables();
    const shape = COMMAND_RULES.map(({ name, programs, severity, effect, source, preconditions }) => ({
      name,
      programs,
      severity,
      effect,
      source,
      preconditions: preconditions.map(({ id, severity: s, source: src, fix }) => ({ id, severity: s, source: src, fix })),
    }));
    expect(shape).toEqual(RULES);
  });
});
