// What a PXE tree says about itself: pxe.json for programs (compose boot-test --pxe reads the
// boot file per firmware from it), README for the person setting up DHCP and TFTP.

export const PXE_INFO_FILE = 'pxe.json';

export interface PxeInfo {
  profile: string;
  loader: 'loader' | 'grub2';
  /** The network boot program to name in DHCP, relative to the tree, per firmware. */
  bootFiles: { bios: string; uefi: string };
  /** The boot archive, relative to the tree, and the SHA-1 of the image inside it. */
  archive: string;
  sha1: string;
}

/** The README of a PXE tree: the boot files and the DHCP server lines that hand them out. */
export function dhcpReadme(info: PxeInfo): string {
  const { bios, uefi } = info.bootFiles;
  return `${[
    `Network boot tree of the "${info.profile}" image, written by illumos-compose.`,
    '',
    'Serve this directory as the root of a TFTP server, and have DHCP name the boot file for',
    "the machine's firmware (DHCP option 93, client architecture):",
    `  BIOS (architecture 0):                ${bios}`,
    `  UEFI x86-64 (architecture 7 or 9):    ${uefi}`,
    `Everything else (${info.loader === 'grub2' ? 'grub.cfg' : 'boot/, loader.conf'}, the kernel, the boot archive) is fetched by TFTP`,
    'from the same server.',
    '',
    'dnsmasq, DHCP and TFTP in one (replace the path):',
    '  enable-tftp',
    `  tftp-root=/srv/tftp/${info.profile}.pxe`,
    '  dhcp-match=set:efi64,option:client-arch,7',
    '  dhcp-match=set:efi64,option:client-arch,9',
    `  dhcp-boot=tag:efi64,${uefi}`,
    `  dhcp-boot=tag:!efi64,${bios}`,
    '',
    'ISC dhcpd, with a TFTP server (tftpd-hpa) serving this directory at 192.0.2.10:',
    '  option arch code 93 = unsigned integer 16;',
    '  next-server 192.0.2.10;',
    `  if option arch = 00:07 or option arch = 00:09 { filename "${uefi}"; }`,
    `  else { filename "${bios}"; }`,
    '',
    'The machine needs memory for the whole uncompressed archive, as with the ISO.',
    'To try it in QEMU: compose boot-test --pxe <this directory> [--firmware uefi]',
  ].join('\n')}\n`;
}
