import { ProfileError } from '../util/errors.js';

// Drivers for the virtual machines an image is usually booted in, so a profile can say
// `hardware: [qemu]` instead of listing modules. Each list covers the machine's default disk
// controller, network card, console and bridges, plus the virtio devices it offers; module
// dependencies (misc/sata, misc/scsi, misc/mac, misc/virtio, misc/blkdev...) follow from DT_NEEDED.
//
// Sources and assumptions:
// - QEMU: the i440fx machine ("pc") has PIIX IDE (illumos ata + cmdk, ATAPI through sd) and an
//   e1000 NIC (82540EM, pci8086,100e); q35 has AHCI SATA (ahci + sd) and an e1000e NIC (82574L,
//   pciex8086,10d3), which e1000g drives (both ids are aliases in
//   usr/src/pkg/manifests/driver-network-e1000g.p5m). virtio-blk and virtio-net are vioblk and
//   vioif; virtio-scsi is vioscsi on newer gates; NVMe is nvme. Serial console: asy; PS/2 keyboard:
//   i8042 + kb8042; VGA text console: vgatext. PCI and PCIe bridges: pci_pci, pcieb.
// - VirtualBox: default NIC Intel PRO/1000 MT Desktop (82540EM) -> e1000g; default storage AHCI
//   (ahci + sd) with the DVD on IDE (ata); PCnet is pcn.
// - bhyve: virtio-blk (vioblk), virtio-net (vioif), AHCI (ahci + sd), NVMe (nvme), LPC UART
//   (asy). bhyve guests have no PS/2 keyboard; the serial console is the normal console.
// Modules a gate does not build (vioscsi on an old gate) are skipped.

export const HARDWARE_NAMES = ['qemu', 'virtualbox', 'bhyve'] as const;
export type HardwareName = (typeof HARDWARE_NAMES)[number];

export const HARDWARE_DRIVERS: Readonly<Record<HardwareName, readonly string[]>> = {
  qemu: ['drv/ahci', 'drv/sd', 'drv/ata', 'drv/cmdk', 'drv/vioblk', 'drv/vioscsi', 'drv/nvme', 'drv/e1000g', 'drv/vioif', 'misc/virtio', 'drv/asy', 'drv/i8042', 'drv/kb8042', 'drv/vgatext', 'drv/pci_pci', 'drv/pcieb'],
  virtualbox: ['drv/ahci', 'drv/sd', 'drv/ata', 'drv/cmdk', 'drv/e1000g', 'drv/pcn', 'drv/vioif', 'misc/virtio', 'drv/asy', 'drv/i8042', 'drv/kb8042', 'drv/vgatext', 'drv/pci_pci', 'drv/pcieb'],
  bhyve: ['drv/vioblk', 'drv/vioif', 'misc/virtio', 'drv/ahci', 'drv/sd', 'drv/nvme', 'drv/asy', 'drv/pci_pci', 'drv/pcieb'],
};

/** The driver modules for a set of machines, without duplicates, in a stable order. */
export function hardwareModules(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const list = HARDWARE_DRIVERS[n as HardwareName];
    if (!list) throw new ProfileError(`key "hardware": unknown machine "${n}"; known: ${HARDWARE_NAMES.join(', ')}`);
    for (const m of list) out.add(m);
  }
  return [...out];
}
