import { run } from '../util/children.js';
import { requireGrubPlatform, requireTool, type GrubPlatform } from './tools.js';

/**
 * GRUB modules built into our core images. Nothing else of GRUB goes on the media (no module
 * directory), so everything grub.cfg uses must be here: gzio above all, or GRUB would hand the
 * kernel the gzip'd archive without a word (verified: the module then arrives as fs=gzip).
 */
const COMMON_MODULES = ['normal', 'serial', 'terminal', 'multiboot', 'multiboot2', 'gzio', 'echo', 'test', 'configfile', 'search', 'search_fs_uuid', 'boot'];

/** Where the core image boots from: the ISO (CD or USB stick), a GPT disk, or the network. */
export type GrubMedium = 'cdrom' | 'disk' | 'pxe';

const MODULES: Record<GrubMedium, Record<GrubPlatform, string[]>> = {
  // biosdisk reads the CD or USB stick through the BIOS; fat: the ESP the firmware started us from.
  cdrom: { 'i386-pc': ['biosdisk', 'iso9660', 'part_msdos', 'part_gpt'], 'x86_64-efi': ['fat', 'iso9660', 'part_msdos', 'part_gpt'] },
  // The boot partition is FAT on a GPT disk.
  disk: { 'i386-pc': ['biosdisk', 'part_gpt', 'fat'], 'x86_64-efi': ['part_gpt', 'fat'] },
  // pxe: the BIOS's PXE stack (UNDI); efinet: the firmware's network protocol; files come by TFTP.
  pxe: { 'i386-pc': ['pxe', 'net', 'tftp'], 'x86_64-efi': ['efinet', 'net', 'tftp'] },
};

export const GRUB_CORE_MODULES: Record<GrubPlatform, string[]> = {
  'i386-pc': [...MODULES.cdrom['i386-pc'], ...COMMON_MODULES],
  'x86_64-efi': [...MODULES.cdrom['x86_64-efi'], ...COMMON_MODULES],
};

const FORMATS: Record<GrubMedium, Record<GrubPlatform, string>> = {
  // cdboot.img + diskboot.img + core: bootable as El Torito no-emulation image and, with
  // xorriso's --grub2-mbr/--grub2-boot-info, from the ISO's MBR as a disk.
  cdrom: { 'i386-pc': 'i386-pc-eltorito', 'x86_64-efi': 'x86_64-efi' },
  // diskboot.img + core, loaded by boot.img from the GPT's BIOS boot partition (disk/grub-bios.ts).
  disk: { 'i386-pc': 'i386-pc', 'x86_64-efi': 'x86_64-efi' },
  // pxeboot.img + core: a PXE network boot program.
  pxe: { 'i386-pc': 'i386-pc-pxe', 'x86_64-efi': 'x86_64-efi' },
};

/**
 * Build a GRUB 2 core image for a medium with our modules and, when given, an embedded early
 * config (grub-mkimage is reproducible). The prefix is /boot/grub on the device GRUB booted from.
 */
export async function makeGrubImage(platform: GrubPlatform, out: string, earlyCfgPath?: string, medium: GrubMedium = 'cdrom'): Promise<void> {
  const [mkimage, moduleDir] = await Promise.all([requireTool('grub-mkimage', 'to build the GRUB 2 boot images'), requireGrubPlatform(platform)]);
  const config = earlyCfgPath ? ['-c', earlyCfgPath] : [];
  await run(mkimage, ['-d', moduleDir, '-O', FORMATS[medium][platform], '-p', '/boot/grub', ...config, '-o', out, ...MODULES[medium][platform], ...COMMON_MODULES]);
}
