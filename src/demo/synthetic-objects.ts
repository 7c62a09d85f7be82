import { posix } from 'node:path';
import { isKernelPath } from '../closure/kernel.js';
import { buildSyntheticElf } from '../elf/write-synthetic.js';
import { filler } from './demo-files.js';

// Stand-in objects for a proto area that has no illumos build behind it: well-formed ELF files
// with the dependencies the gate's objects have (the kernel modules' DT_NEEDED from their
// Makefiles' -N flags, the libraries programs link), padded with filler to a realistic size. The
// closure walk and `compose check` read them exactly as they read real objects; nothing runs them.

/** DT_NEEDED of kernel modules, from the -N flags in usr/src/uts/{intel,i86pc}/<module>/Makefile. */
export const KERNEL_MODULE_NEEDS: Readonly<Record<string, readonly string[]>> = {
  unix: ['genunix'],
  'fs/ufs': ['fs/specfs', 'misc/fssnap_if'],
  'fs/specfs': ['fs/fifofs'],
  'fs/dev': ['fs/devfs', 'misc/dls'],
  'misc/dls': ['misc/mac'],
  'fs/procfs': ['fs/namefs'],
  'misc/pci_autoconfig': ['misc/acpica', 'misc/pcie'],
  'misc/pcie': ['misc/acpica', 'misc/busra'],
  'drv/isa': ['misc/acpica', 'misc/busra', 'misc/pci_autoconfig'],
  'mach/uppc': ['misc/acpica'],
  'mach/pcplusmp': ['misc/acpica'],
  'mach/apix': ['misc/acpica'],
  'drv/rootnex': ['misc/iommulib', 'misc/acpica'],
  'drv/npe': ['misc/acpica', 'misc/pcie'],
  'drv/pci': ['misc/pcihp'],
  'misc/pcihp': ['misc/busra', 'misc/hpcsvc'],
  'drv/pci_pci': ['misc/pcie', 'misc/pcihp'],
  'drv/pcieb': ['misc/pcie'],
  'misc/consconfig': ['dacf/consconfig_dacf'],
  'dacf/consconfig_dacf': ['misc/usbser'],
  'misc/usbser': ['misc/usba'],
  'drv/wc': ['misc/tem', 'dacf/consconfig_dacf'],
  'misc/tem': ['dacf/consconfig_dacf'],
  'drv/conskbd': ['misc/kbtrans'],
  'drv/kb8042': ['misc/kbtrans'],
  'drv/vgatext': ['misc/gfx_private'],
  'misc/gfx_private': ['misc/pci_autoconfig'],
  'sys/pipe': ['fs/fifofs'],
  'drv/tl': ['drv/ip'],
  'drv/ip': ['misc/md5', 'crypto/swrand', 'misc/hook', 'misc/neti'],
  'crypto/swrand': ['misc/kcf', 'misc/sha1'],
  'misc/md5': ['misc/kcf'],
  'misc/sha1': ['misc/kcf'],
  'misc/neti': ['misc/hook'],
  'drv/tcp': ['drv/ip', 'fs/sockfs'],
  'drv/udp': ['drv/ip', 'fs/sockfs'],
  'fs/sockfs': ['drv/ip'],
  'drv/random': ['misc/kcf'],
  'drv/ptsl': ['drv/ptc'],
  'drv/sd': ['misc/scsi', 'misc/cmlb'],
  'drv/ahci': ['misc/sata'],
  'drv/vioblk': ['misc/virtio', 'misc/blkdev'],
  'drv/vioif': ['misc/virtio', 'misc/mac'],
  'drv/e1000g': ['misc/mac'],
};

/** Libraries programs link beside libc (their Makefiles' LDLIBS). */
export const PROGRAM_NEEDS: Readonly<Record<string, readonly string[]>> = {
  ksh93: ['libshell.so.1', 'libcmd.so.1', 'libdll.so.1', 'libast.so.1', 'libsum.so.1', 'libc.so.1'],
  devfsadm: ['libdevinfo.so.1', 'libnvpair.so.1', 'libc.so.1'],
  init: ['libcontract.so.1', 'libscf.so.1', 'libc.so.1'],
  mount: ['libcmdutils.so.1', 'libc.so.1'],
  soconfig: ['libsocket.so.1', 'libnsl.so.1', 'libc.so.1'],
  zpool: ['libzfs.so.1', 'libnvpair.so.1', 'libuutil.so.1', 'libumem.so.1', 'libc.so.1'],
  zfs: ['libzfs.so.1', 'libzfs_core.so.1', 'libnvpair.so.1', 'libuutil.so.1', 'libumem.so.1', 'libc.so.1'],
  fstyp: ['libfstyp.so.1', 'libnvpair.so.1', 'libc.so.1'],
};

/** Libraries' own needs (the rest need only libc). */
export const LIBRARY_NEEDS: Readonly<Record<string, readonly string[]>> = {
  'libshell.so.1': ['libcmd.so.1', 'libdll.so.1', 'libast.so.1', 'libsum.so.1', 'libc.so.1'],
  'libcmd.so.1': ['libast.so.1', 'libsum.so.1', 'libc.so.1'],
  'libscf.so.1': ['libuutil.so.1', 'libnvpair.so.1', 'libc.so.1'],
  'libsocket.so.1': ['libnsl.so.1', 'libc.so.1'],
  'libzfs.so.1': ['libzfs_core.so.1', 'libnvpair.so.1', 'libuutil.so.1', 'libumem.so.1', 'libdevinfo.so.1', 'libc.so.1'],
  'libzfs_core.so.1': ['libnvpair.so.1', 'libc.so.1'],
  'libfstyp.so.1': ['libnvpair.so.1', 'libc.so.1'],
  'libc.so.1': [],
  'ld.so.1': [],
};

/** A kernel module's krtld name from its image path: kernel/drv/amd64/sd -> drv/sd. */
export function moduleNameOf(path: string): string | undefined {
  const m = /^(?:kernel|usr\/kernel|platform\/[^/]+\/kernel)\/(?:([^/]+)\/)?(?:amd64\/)?([^/]+)$/.exec(path);
  if (!m) return undefined;
  return m[1] && m[1] !== 'amd64' ? `${m[1]}/${m[2]}` : m[2];
}

const is64 = (path: string): boolean => /(^|\/)(amd64|64)(\/|$)/.test(path);
const PROGRAM_DIRS = /^(s?bin|usr\/s?bin|usr\/bin\/(amd64|i86)|lib\/svc\/(bin|method)|usr\/lib\/fs\/[^/]+|etc\/fs\/[^/]+|usr\/lib)\/[^/]+$/;

/** Whether a proto path would be an ELF object in a real build (and so gets a synthetic one). */
export function isObjectPath(path: string): boolean {
  if (path.endsWith('.conf')) return false;
  if (isKernelPath(path)) return true;
  const base = posix.basename(path);
  return /\.so(\.\d+)*$/.test(base) || base === 'ld.so.1' || PROGRAM_DIRS.test(path);
}

/** A synthetic object for an image path, at least `size` bytes long (filler after the ELF data). */
export function syntheticObject(path: string, size = 0): Buffer {
  const base = posix.basename(path);
  let elf: Buffer;
  if (isKernelPath(path)) {
    const name = moduleNameOf(path) ?? base;
    elf = name === 'unix' ? buildSyntheticElf({ type: 'exec', needed: [...KERNEL_MODULE_NEEDS.unix] }) : buildSyntheticElf({ type: 'rel', needed: [...(KERNEL_MODULE_NEEDS[name] ?? [])] });
  } else if (/\.so(\.\d+)*$/.test(base) || base === 'ld.so.1') {
    elf = buildSyntheticElf({ type: 'dyn', elfClass: is64(path) ? 64 : 32, soname: base, needed: [...(LIBRARY_NEEDS[base] ?? ['libc.so.1'])] });
  } else {
    const class64 = is64(path);
    elf = buildSyntheticElf({ type: 'exec', elfClass: class64 ? 64 : 32, interp: class64 ? '/usr/lib/amd64/ld.so.1' : '/usr/lib/ld.so.1', needed: [...(PROGRAM_NEEDS[base] ?? ['libc.so.1'])] });
  }
  if (elf.length >= size) return elf;
  return Buffer.concat([elf, filler(path, size - elf.length)]);
}
