import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { ARCHIVE_PLACEMENT } from '../../archive/boot-archive.js';
import { bootConfig, loaderConf } from '../configs.js';
import { makeEfiImage } from '../efi-image.js';
import { deterministicDiskUuid, espOnlySystemArea, hybridProblem, illumosSystemArea, writeSystemArea, SECTOR } from '../illumos-hybrid.js';
import { stagedFile } from '../pick.js';
import type { BootCatalog } from '../types.js';
import { writeGenerated, type Backend, type BackendContext, type BackendPlan } from './backend.js';

export const LOADER_EFI_IMAGE = 'boot/efiboot.img';

/** A FAT volume serial derived from the image's inputs: fixed for the same inputs, not shared by all images. */
export const volumeSerialFor = (seed: string): string => createHash('sha256').update(`fat:${seed}`).digest('hex').slice(0, 8);

/** Where boot/efiboot.img sits in the written ISO, from its El Torito entry. */
function espLocation(catalog: BootCatalog, imageBytes: number): { start: number; sectors: number } {
  const entry = catalog.entries.find((e) => e.platform === 'uefi' && e.path === `/${LOADER_EFI_IMAGE}`);
  if (!entry) throw new Error(`the written ISO has no UEFI El Torito entry for /${LOADER_EFI_IMAGE}`);
  return { start: entry.lba * (2048 / SECTOR), sectors: Math.ceil(imageBytes / SECTOR) };
}

/**
 * The illumos loader from the proto's boot/: El Torito BIOS entry boot/cdboot (which loads
 * /boot/loader), El Torito UEFI entry boot/efiboot.img holding loader64.efi (and loader32.efi), the
 * configuration in boot/loader.conf and boot/config, and the hybrid MBR illumos writes for USB sticks.
 */
export const loaderBackend: Backend = {
  archivePath: ARCHIVE_PLACEMENT.loader,
  loadsHash: true,
  async prepare(ctx: BackendContext): Promise<BackendPlan> {
    const { root, tree } = ctx;
    await root.copyStagedSubtree(tree, 'boot');
    await writeGenerated(ctx, 'boot/loader.conf', loaderConf(ctx.boot, ctx.archive), `the profile's loader settings`);
    const config = bootConfig(ctx.boot.console);
    if (config !== null) await writeGenerated(ctx, 'boot/config', config, `"-h" (serial console for isoboot)`);

    const efiFiles = [{ name: 'EFI/BOOT/BOOTX64.EFI', source: root.hostPath('boot/loader64.efi') }];
    if (stagedFile(tree, 'boot/loader32.efi')) efiFiles.push({ name: 'EFI/BOOT/BOOTIA32.EFI', source: root.hostPath('boot/loader32.efi') });
    const replacing = await root.has(LOADER_EFI_IMAGE);
    const { bytes: espBytes } = await makeEfiImage(root.hostPath(LOADER_EFI_IMAGE), efiFiles, {
      epoch: ctx.epoch,
      volumeSerial: volumeSerialFor(ctx.seed),
      workDir: ctx.scratch,
    });
    if (replacing) ctx.reporter.note(`ISO: ${LOADER_EFI_IMAGE} from the staged tree is replaced by a FAT image made from boot/loader64.efi`);

    // BIOS disk boot needs illumos' pmbr and isoboot; without them the MBR only points UEFI at the ESP.
    let hybrid: { pmbr: Buffer; isoboot: Buffer } | null = null;
    if (stagedFile(tree, 'boot/pmbr') && stagedFile(tree, 'boot/isoboot')) {
      const pmbr = await readFile(root.hostPath('boot/pmbr'));
      const isoboot = await readFile(root.hostPath('boot/isoboot'));
      const problem = hybridProblem(pmbr, isoboot);
      if (problem) ctx.reporter.warn(`the ISO will not boot from a USB stick under BIOS: ${problem}`);
      else hybrid = { pmbr, isoboot };
    } else {
      ctx.reporter.note('ISO: no boot/pmbr and boot/isoboot in the staged tree, so it boots as a disk (USB stick) under UEFI only');
    }

    return {
      mkisofsBootArgs: [
        '-b', 'boot/cdboot', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table',
        '-eltorito-alt-boot', '-e', LOADER_EFI_IMAGE, '-no-emul-boot',
      ],
      async finish(iso, catalog) {
        const esp = espLocation(catalog, espBytes);
        const area = hybrid ? illumosSystemArea({ ...hybrid, esp, diskUuid: deterministicDiskUuid(`disk:${ctx.seed}`) }) : espOnlySystemArea(esp);
        await writeSystemArea(iso, area);
      },
      bootsAs: { biosCdrom: true, biosDisk: hybrid !== null, uefiCdrom: true, uefiDisk: true },
    };
  },
};
