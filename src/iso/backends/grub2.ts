import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARCHIVE_PLACEMENT } from '../../archive/boot-archive.js';
import { InputError } from '../../util/errors.js';
import { grubCfg, grubEarlyCfg } from '../configs.js';
import { makeEfiImage } from '../efi-image.js';
import { makeGrubImage } from '../grub-image.js';
import { GRUB_PLATFORMS, requireGrubPlatform, requireTool } from '../tools.js';
import { writeGenerated, type Backend, type BackendContext, type BackendPlan } from './backend.js';
import { volumeSerialFor } from './loader.js';

export const GRUB2_BIOS_IMAGE = 'boot/grub/eltorito.img';
export const GRUB2_EFI_IMAGE = 'boot/efiboot.img';

/** GRUB's MBR for hybrid ISOs: loads the core image from the El Torito boot image's address. */
async function hybridMbr(): Promise<string> {
  const path = join(await requireGrubPlatform('i386-pc'), 'boot_hybrid.img');
  const ok = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!ok) throw new InputError(`${path} is missing; reinstall the Debian package "${GRUB_PLATFORMS['i386-pc'].debianPackage}"`);
  return path;
}

/**
 * The build host's GRUB 2, for proto areas without a boot loader of their own (the demo proto).
 * Only GRUB's two core images go on the ISO, with every module they need built in:
 * boot/grub/eltorito.img (BIOS, El Torito and, via GRUB's hybrid MBR, USB stick) and
 * boot/efiboot.img holding BOOTX64.EFI (UEFI, El Torito and, via a GPT ESP entry, USB stick).
 * The xorriso options are the ones grub-mkrescue uses.
 */
export const grub2Backend: Backend = {
  archivePath: ARCHIVE_PLACEMENT.loader,
  loadsHash: true,
  async prepare(ctx: BackendContext): Promise<BackendPlan> {
    await Promise.all([
      requireTool('grub-mkimage', 'to build the GRUB 2 boot images'),
      requireGrubPlatform('i386-pc'),
      requireGrubPlatform('x86_64-efi'),
    ]);
    const mbr = await hybridMbr();
    await writeGenerated(ctx, 'boot/grub/grub.cfg', grubCfg(ctx.boot, ctx.archive), `the profile's GRUB menu`);
    const early = join(ctx.scratch, 'early.cfg');
    await writeFile(early, grubEarlyCfg(ctx.isoUuid));
    const efiApp = join(ctx.scratch, 'BOOTX64.EFI');
    // The two core images do not depend on each other: made at once, and both finished (the
    // scratch directory is removed after) before a failure of either is reported.
    const made = await Promise.allSettled([makeGrubImage('i386-pc', ctx.root.hostPath(GRUB2_BIOS_IMAGE), early), makeGrubImage('x86_64-efi', efiApp, early)]);
    for (const m of made) if (m.status === 'rejected') throw m.reason;
    await makeEfiImage(ctx.root.hostPath(GRUB2_EFI_IMAGE), [{ name: 'EFI/BOOT/BOOTX64.EFI', source: efiApp }], {
      epoch: ctx.epoch,
      volumeSerial: volumeSerialFor(ctx.seed),
      workDir: ctx.scratch,
    });
    return {
      mkisofsBootArgs: [
        '-b', GRUB2_BIOS_IMAGE, '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table',
        // Patch the core image's and the MBR's pointers to it, so a BIOS boots the ISO as a disk.
        '--grub2-boot-info', '--grub2-mbr', mbr,
        '-eltorito-alt-boot', '-e', GRUB2_EFI_IMAGE, '-no-emul-boot',
        // Expose the FAT image as the EFI system partition of a GPT, for UEFI disk boot.
        '-efi-boot-part', '--efi-boot-image',
        '--protective-msdos-label',
      ],
      bootsAs: { biosCdrom: true, biosDisk: true, uefiCdrom: true, uefiDisk: true },
    };
  },
};
