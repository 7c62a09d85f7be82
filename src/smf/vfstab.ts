// etc/vfstab for a ramdisk root. SMF's filesystem/usr method remounts "/" read-write with the
// options of the vfstab line for "/" (the kernel mounts the ramdisk read-only), and fails the boot
// when there is no such line; filesystem/minimal and filesystem/local mount the "yes" lines. The
// pseudo file systems are the lines every illumos vfstab carries; the kernel itself has mounted
// most of them already, so they say "no".

export const VFSTAB_PATH = 'etc/vfstab';

/** One vfstab line: device to mount, device to fsck, mount point, type, fsck pass, mount at boot, options. */
export type VfstabLine = [string, string, string, string, string, string, string];

export const RAMDISK_VFSTAB: readonly VfstabLine[] = [
  ['/devices/ramdisk:a', '-', '/', 'ufs', '-', 'no', 'rw,nologging'],
  ['/devices', '-', '/devices', 'devfs', '-', 'no', '-'],
  ['/proc', '-', '/proc', 'proc', '-', 'no', '-'],
  ['ctfs', '-', '/system/contract', 'ctfs', '-', 'no', '-'],
  ['objfs', '-', '/system/object', 'objfs', '-', 'no', '-'],
  ['sharefs', '-', '/etc/dfs/sharetab', 'sharefs', '-', 'no', '-'],
  ['fd', '-', '/dev/fd', 'fd', '-', 'no', '-'],
  ['swap', '-', '/tmp', 'tmpfs', '-', 'yes', '-'],
];

const HEADER: VfstabLine[] = [
  ['#device', 'device', 'mount', 'FS', 'fsck', 'mount', 'mount'],
  ['#to mount', 'to fsck', 'point', 'type', 'pass', 'at boot', 'options'],
];

/** The file text, columns aligned with spaces (vfstab fields are separated by any white space). */
export function vfstabText(lines: readonly VfstabLine[] = RAMDISK_VFSTAB): string {
  const rows = [...HEADER, ...lines];
  const widths = HEADER[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const format = (r: readonly string[]) => r.map((f, i) => (i === r.length - 1 ? f : f.padEnd(widths[i] + 1))).join('');
  return ['# Written by illumos-compose: the root is the boot ramdisk.', ...HEADER.map(format), '#', ...lines.map(format), ''].join('\n');
}
