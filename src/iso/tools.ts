import { stat } from 'node:fs/promises';
import { InputError, ToolMissingError } from '../util/errors.js';
import { which } from '../util/which.js';

/** The host programs the media writers (ISO, PXE tree, disk image) run, with the Debian package that provides each. */
export const HOST_TOOLS = {
  xorriso: 'xorriso',
  'mkfs.fat': 'dosfstools',
  mmd: 'mtools',
  mcopy: 'mtools',
  'grub-mkimage': 'grub-common',
  sfdisk: 'fdisk',
  'qemu-img': 'qemu-utils',
} as const;

export type HostTool = keyof typeof HOST_TOOLS;

/** The full path of a host tool, or a ToolMissingError naming its Debian package. */
export async function requireTool(tool: HostTool, purpose: string): Promise<string> {
  const found = (await which(tool)) ?? (await whichSbin(tool));
  if (!found) throw new ToolMissingError(tool, HOST_TOOLS[tool], purpose);
  return found;
}

/** mkfs.fat lives in /usr/sbin, which is not on every user's PATH. */
async function whichSbin(tool: string): Promise<string | undefined> {
  for (const dir of ['/usr/sbin', '/sbin']) {
    const p = `${dir}/${tool}`;
    try {
      if ((await stat(p)).isFile()) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** GRUB 2 platform module directories of the build host, and the Debian package of each. */
export const GRUB_PLATFORMS = {
  'i386-pc': { dir: '/usr/lib/grub/i386-pc', debianPackage: 'grub-pc-bin', purpose: 'BIOS boot' },
  'x86_64-efi': { dir: '/usr/lib/grub/x86_64-efi', debianPackage: 'grub-efi-amd64-bin', purpose: 'UEFI boot' },
} as const;

export type GrubPlatform = keyof typeof GRUB_PLATFORMS;

/** The module directory of a GRUB platform, or an InputError naming the package that installs it. */
export async function requireGrubPlatform(platform: GrubPlatform, root = ''): Promise<string> {
  const { dir, debianPackage, purpose } = GRUB_PLATFORMS[platform];
  const path = `${root}${dir}`;
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new InputError(`GRUB 2's ${platform} modules (${path}) are needed for ${purpose} of a --bootloader grub2 ISO but are missing; install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`);
  }
  return path;
}
