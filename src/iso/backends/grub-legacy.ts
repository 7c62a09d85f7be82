import { ARCHIVE_PLACEMENT } from '../../archive/boot-archive.js';
import { menuLst } from '../configs.js';
import { stagedFile } from '../pick.js';
import { writeGenerated, type Backend, type BackendContext, type BackendPlan } from './backend.js';

/** The 32-bit kernel GRUB legacy boots on a CPU without long mode ($ISADIR empty). */
const KERNEL32_PATH = 'platform/i86pc/kernel/unix';

/**
 * GRUB legacy from a GRUB-era proto's boot/grub: El Torito BIOS entry stage2_eltorito and
 * boot/grub/menu.lst. It has no UEFI support and stage2_eltorito cannot boot from a disk, so the
 * ISO boots from CD/DVD under BIOS only.
 */
export const grubLegacyBackend: Backend = {
  archivePath: ARCHIVE_PLACEMENT.grub,
  loadsHash: false,
  async prepare(ctx: BackendContext): Promise<BackendPlan> {
    await ctx.root.copyStagedSubtree(ctx.tree, 'boot');
    await writeGenerated(ctx, 'boot/grub/menu.lst', menuLst(ctx.boot, ctx.archive), `the profile's GRUB menu`);
    if (stagedFile(ctx.tree, KERNEL32_PATH)) await ctx.root.putStagedFile(ctx.tree, KERNEL32_PATH, KERNEL32_PATH);
    return {
      mkisofsBootArgs: ['-b', 'boot/grub/stage2_eltorito', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
      bootsAs: { biosCdrom: true, biosDisk: false, uefiCdrom: false, uefiDisk: false },
    };
  },
};
