/**
 * bhyve command lines for FreeBSD and illumos hosts (--vm bhyve --print only:
 * bhyve does not exist on Linux). Options as documented in FreeBSD's bhyve(8)
 * (usr.sbin/bhyve/bhyve.8, freebsd-src main, 2025):
 *   -c <cpus> -m <size>M      vCPUs and memory (a bare number would also mean MiB)
 *   -H                        yield the vCPU on HLT (else an idle guest spins a host CPU)
 *   -P                        exit on PAUSE
 *   -s 0,hostbridge           host bridge in slot 0, which most guests need
 *   -s 31,lpc                 LPC bridge: COM1-4 and the boot ROM hang off it
 *   -l com1,stdio             COM1 on bhyve's stdin/stdout, stdout redirected to the log
 *                             (or com1,/dev/nmdm0A with `cat /dev/nmdm0B >log` for a detached run)
 *   -l bootrom,<rom>          UEFI firmware (edk2-bhyve); without it bhyveload would be needed
 *   -s 3,ahci-cd,<iso>        the image as an AHCI ATAPI CD; virtio-blk,<img>,ro as a disk
 * bhyve exits 1 on a guest power-off (0 on reboot) and leaves the VM instance in
 * the kernel, so the VM is destroyed with bhyvectl afterwards. The stand-in
 * kernel's isa-debug-exit port does not exist there: it falls back to ACPI power-off.
 */
import { bhyveBootrom } from './firmware.js';
import { shellLine, type VmSettings } from './vm.js';

export function bhyveArgs(s: VmSettings, name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  // A disk image as a virtio-blk disk (what bhyve guests use, and illumos' vioblk drives), read
  // only; an ISO as an AHCI CD.
  const disk = s.as === 'disk' ? `3,virtio-blk,${s.iso},ro` : `3,ahci-cd,${s.iso}`;
  return [
    '-c', String(s.cpus),
    '-m', `${s.memoryMiB}M`,
    '-H', '-P',
    '-s', '0,hostbridge',
    '-s', '31,lpc',
    '-l', 'com1,stdio',
    '-l', `bootrom,${bhyveBootrom(s.firmware, env)}`,
    '-s', disk,
    name,
  ];
}

/** The commands --print shows: run bhyve with COM1 going to the log, then free the VM. */
export function describeBhyve(s: VmSettings, name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    `${shellLine(['bhyve', ...bhyveArgs(s, name, env)])} >${shellLine([s.log])}`,
    shellLine(['bhyvectl', '--destroy', `--vm=${name}`]),
  ];
}
