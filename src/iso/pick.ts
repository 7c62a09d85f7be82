import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';
import type { Bootloader, BootloaderChoice } from './types.js';

/** The kernel every backend boots, as an image path. */
export const KERNEL_PATH = 'platform/i86pc/kernel/amd64/unix';

/**
 * Files each backend takes from the staged tree. The loader's BIOS chain is cdboot (El Torito) →
 * /boot/loader, which reads /boot/defaults/loader.conf (kernel, module_path, loader_conf_files:
 * without it our loader.conf is never read); loader64.efi is the UEFI loader.
 */
export const BACKEND_FILES: Record<Bootloader, { required: string[]; optional: string[] }> = {
  loader: {
    required: ['boot/cdboot', 'boot/loader', 'boot/loader64.efi', 'boot/defaults/loader.conf'],
    optional: ['boot/loader32.efi', 'boot/pmbr', 'boot/isoboot'],
  },
  'grub-legacy': { required: ['boot/grub/stage2_eltorito'], optional: [] },
  grub2: { required: [], optional: [] },
};

/** The regular file at an image path (through symlinks and hardlinks), or undefined. */
export function stagedFile(tree: StagedTree, path: string): StagedEntry | undefined {
  const e = tree.resolve(path);
  if (!e) return undefined;
  const owner = e.type === 'hardlink' ? tree.contentOwner(e) : e;
  return owner.type === 'file' ? owner : undefined;
}

const has = (tree: StagedTree, path: string): boolean => stagedFile(tree, path) !== undefined;

/** Choose the boot loader from what the staged tree's boot/ holds, and say why. */
export function pickBootloader(tree: StagedTree): { bootloader: Bootloader; picked: string } {
  const cdboot = has(tree, 'boot/cdboot');
  const efi = has(tree, 'boot/loader64.efi');
  if (cdboot && efi) {
    return { bootloader: 'loader', picked: 'the staged tree has boot/cdboot and boot/loader64.efi: the illumos loader (BIOS and UEFI)' };
  }
  if (has(tree, 'boot/grub/stage2_eltorito') && !cdboot) {
    return { bootloader: 'grub-legacy', picked: 'the staged tree has boot/grub/stage2_eltorito and no boot/cdboot: a GRUB-era proto area, booted by its own GRUB legacy (BIOS only)' };
  }
  const why = cdboot
    ? 'the staged tree has boot/cdboot but no boot/loader64.efi'
    : 'the staged tree has neither the illumos loader (boot/cdboot, boot/loader64.efi) nor GRUB legacy (boot/grub/stage2_eltorito)';
  return { bootloader: 'grub2', picked: `${why}: booting with the build host's GRUB 2 (BIOS and UEFI)` };
}

/** Resolve --bootloader and check the staged tree has what that backend needs. */
export function resolveBootloader(tree: StagedTree, choice: BootloaderChoice): { bootloader: Bootloader; picked: string } {
  const resolved = choice === 'auto' ? pickBootloader(tree) : { bootloader: choice, picked: `--bootloader ${choice} was given` };
  const missing = [KERNEL_PATH, ...BACKEND_FILES[resolved.bootloader].required].filter((p) => !has(tree, p));
  if (missing.length > 0) {
    throw new InputError(
      `the ${resolved.bootloader} ISO needs ${missing.join(', ')} in the staged tree, but ${missing.length === 1 ? 'it is' : 'they are'} missing (${resolved.picked}); ` +
        (resolved.bootloader === 'grub2' ? 'check the proto area' : 'use a proto area that has them, or pick another --bootloader'),
    );
  }
  return resolved;
}
