// IPS package manifests for the demo workspace, in the gate's .p5m syntax, so `make demo` and the
// tests exercise ownership, modes and kernel state files from manifests. The driver lines follow
// the shapes the gate uses (perms, clone_perms, policy, alias, class); the packages are our own.

const SYSTEM_KERNEL = String.raw`#
# Demo package: the kernel and its core drivers (illumos-compose demo workspace).
#
set name=pkg.fmri value=pkg:/demo/system/kernel@0.5.11
set name=variant.arch value=$(ARCH)
dir  path=kernel group=sys
dir  path=kernel/drv group=sys
dir  path=kernel/drv/$(ARCH64) group=sys
file path=kernel/$(ARCH64)/genunix group=sys mode=0755
file path=platform/i86pc/kernel/$(ARCH64)/unix group=sys mode=0755
driver name=clone
driver name=cn perms="* 0620 root tty"
driver name=conskbd perms="kbd 0666 root sys"
driver name=consms perms="mouse 0666 root sys"
driver name=devinfo perms="devinfo 0640 root sys" \
    perms="devinfo,ro 0444 root sys"
driver name=i8042
driver name=ip perms="ip 0666 root sys" \
    policy="read_priv_set=net_rawaccess write_priv_set=net_rawaccess"
driver name=iwscn
driver name=kb8042 alias=pnpPNP,303
driver name=kstat perms="* 0666 root sys"
driver name=ksyms perms="* 0666 root sys"
driver name=log perms="conslog 0666 root sys" perms="log 0640 root sys"
driver name=mm perms="allkmem 0600 root sys" perms="full 0666 root sys" \
    perms="kmem 0640 root sys" perms="mem 0640 root sys" \
    perms="null 0666 root sys" perms="zero 0666 root sys" \
    policy="allkmem read_priv_set=all write_priv_set=all" \
    policy="kmem read_priv_set=none write_priv_set=all" \
    policy="mem read_priv_set=none write_priv_set=all"
driver name=options
driver name=pseudo alias=zconsnex
driver name=ptm clone_perms="ptmx 0666 root sys"
driver name=pts perms="* 0644 root sys" perms="0 0620 root tty" \
    perms="1 0620 root tty" perms="2 0620 root tty" perms="3 0620 root tty"
$(i386_ONLY)driver name=ramdisk perms="* 0600 root sys" perms="ctl 0644 root sys"
driver name=zfs perms="* 0600 root sys" perms="zfs 0666 root sys"
$(sparc_ONLY)driver name=ramdisk alias=SUNW,ramdisk perms="* 0600 root sys"
driver name=random perms="* 0644 root sys" policy=write_priv_set=sys_devices
driver name=sad perms="admin 0666 root sys" perms="user 0666 root sys"
driver name=sy perms="tty 0666 root tty"
driver name=sysmsg perms="msglog 0600 root sys" perms="sysmsg 0600 root sys"
driver name=tl perms="* 0666 root sys" clone_perms="ticlts 0666 root sys" \
    clone_perms="ticots 0666 root sys" clone_perms="ticotsord 0666 root sys"
driver name=vgatext alias=pciclass,000100 alias=pciclass,030000 alias=pciclass,030001
driver name=wc perms="* 0600 root sys"
`;

const PLATFORM = String.raw`#
# Demo package: i86pc platform drivers.
#
set name=pkg.fmri value=pkg:/demo/system/kernel/platform@0.5.11
driver name=acpinex alias=acpivirtnex
driver name=asy alias=pci11c1,480 alias=pnpPNP,501 perms="* 0666 root sys" \
    perms="*,cu 0600 uucp uucp"
driver name=cpudrv alias=cpu
driver name=isa alias=pciclass,060100 class=sysbus
driver name=npe alias=pciex_root_complex
driver name=pci alias=pciclass,060000 class=pci
driver name=pci_pci alias=pciclass,060400 alias=pciexclass,060400 class=pci
driver name=rootnex
`;

const HARDWARE = String.raw`#
# Demo package: disk and network drivers for virtual machines.
#
set name=pkg.fmri value=pkg:/demo/driver/vm@0.5.11
driver name=ahci alias=pciclass,010601 class=scsi-self-identifying \
    perms="* 0644 root sys"
driver name=e1000g clone_perms="e1000g 0666 root sys" perms="* 0666 root sys" \
    alias=pci8086,100e alias=pci8086,100f alias=pci8086,10d3
driver name=sd perms="* 0640 root sys" alias=scsiclass,00 alias=scsiclass,05 \
    class=scsi
driver name=vioblk alias=pci1af4,1001 clone_perms="vioblk 0666 root sys" \
    perms="* 0666 root sys"
driver name=vioif alias=pci1af4,1 perms="* 0666 root sys"
`;

const CORE_OS = String.raw`#
# Demo package: the core userland's files whose owners and modes matter.
#
set name=pkg.fmri value=pkg:/demo/SUNWcs@0.5.11
dir  path=etc group=sys
dir  path=etc/security group=sys
dir  path=usr group=sys
dir  path=usr/bin
dir  path=usr/sbin
dir  path=sbin group=sys
dir  path=var group=sys
dir  path=var/adm owner=root group=sys mode=0775
file path=etc/group group=sys mode=0644 preserve=true
file path=etc/passwd group=sys mode=0644 preserve=true
file path=etc/shadow group=sys mode=0400 preserve=true
file path=etc/inittab group=sys mode=0644 preserve=true
file path=etc/system group=sys mode=0644 preserve=true
file path=etc/name_to_major group=sys mode=0644 preserve=true
file path=etc/minor_perm group=sys mode=0644 preserve=true
file path=etc/driver_aliases group=sys mode=0644 preserve=true
file path=etc/driver_classes group=sys mode=0644 preserve=true
file path=etc/security/device_policy group=sys mode=0644 preserve=true
file path=etc/security/extra_privs group=sys mode=0644 preserve=true
file path=etc/ioctl.syscon group=sys preserve=true
file path=sbin/init mode=0555
file path=sbin/mount mode=0555
file path=usr/bin/passwd group=sys mode=6555
file path=usr/bin/su group=sys mode=4555
link path=usr/sbin/mount target=../../sbin/mount
hardlink path=usr/bin/ksh93 target=../../usr/lib/isaexec
file path=var/adm/utmpx group=bin mode=0644 preserve=true
link path=bin target=./usr/bin
`;

/** Our own defaults transforms (the gate keeps its in usr/src/pkg/transforms/defaults). */
const DEFAULTS = String.raw`#
# Default attributes for actions that leave them out (illumos-compose demo workspace).
#
<transform file path=.*kernel/drv/.+\.conf -> default mode 0644>
<transform file path=.*kernel/.+ -> default mode 0755>
<transform file -> default mode 0444>
<transform file dir -> default owner root>
<transform file -> default group bin>
<transform dir -> default mode 0755>
<transform dir -> default group bin>
`;

export const DEMO_MANIFESTS: Record<string, string> = {
  'demo-SUNWcs.p5m': CORE_OS,
  'demo-driver-vm.p5m': HARDWARE,
  'demo-system-kernel.p5m': SYSTEM_KERNEL,
  'demo-system-kernel-platform.p5m': PLATFORM,
};

export const DEMO_TRANSFORMS: Record<string, string> = { defaults: DEFAULTS };
