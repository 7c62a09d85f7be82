import { run } from '../util/children.js';
import { requireGrubPlatform, requireTool, type GrubPlatform } from './tools.js';

/**
 * GRUB modules built into our core images. Nothing else of GRUB goes on the ISO (no module
 * directory), so everything grub.cfg uses must be here: gzio above all, or GRUB would hand the
 * kernel the gzip'd archive without a word (verified: the module then arrives as fs=gzip).
 */
const COMMON_MODULES = ['iso9660', 'part_msdos', 'part_gpt', 'normal', 'serial', 'terminal', 'multiboot', 'multiboot2', 'gzio', 'echo', 'test', 'configfile', 'search', 'search_fs_uuid', 'boot'];

export const GRUB_CORE_MODULES: Record<GrubPlatform, string[]> = {
  // biosdisk reads the CD or USB stick through the BIOS.
  'i386-pc': ['biosdisk', ...COMMON_MODULES],
  // fat: the ESP the firmware started us from.
  'x86_64-efi': ['fat', ...COMMON_MODULES],
};

const FORMATS: Record<GrubPlatform, string> = {
  // cdboot.img + diskboot.img + core: bootable as El Torito no-emulation image and, with
  // xorriso's --grub2-mbr/--grub2-boot-info, from the ISO's MBR as a disk.
  'i386-pc': 'i386-pc-eltorito',
  'x86_64-efi': 'x86_64-efi',
};

/** Build a GRUB 2 core image with our modules and an embedded early config (grub-mkimage is reproducible). */
export async function makeGrubImage(platform: GrubPlatform, out: string, earlyCfgPath: string): Promise<void> {
  const [mkimage, moduleDir] = await Promise.all([requireTool('grub-mkimage', 'to build the GRUB 2 boot images'), requireGrubPlatform(platform)]);
  await run(mkimage, ['-d', moduleDir, '-O', FORMATS[platform], '-p', '/boot/grub', '-c', earlyCfgPath, '-o', out, ...GRUB_CORE_MODULES[platform]]);
}
