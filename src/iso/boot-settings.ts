import type { Profile } from '../profile/schema.js';
import { BOOTENV_PATH, serialModeOf } from '../overlay/bootenv.js';
import { readStagedText } from '../state/read-staged.js';
import type { StagedTree } from '../stage/tree.js';
import type { BootSettings } from './configs.js';
import { trampolineBootFlags } from '../overlay/trampoline.js';

/**
 * What every boot loader configuration (ISO, PXE tree, disk image) says about the boot: the
 * profile's console, kernel arguments and menu delay, and the serial line speed the kernel will
 * use, read from the image's bootenv.rc so the loader talks at the same speed.
 */
export async function bootSettingsFor(tree: StagedTree, profile: Profile): Promise<BootSettings> {
  return {
    profileName: profile.name,
    console: profile.boot.console,
    // A trampoline image's init is the trampoline: the kernel is told so on its command line.
    kernelArgs: profile.init.mode === 'trampoline' ? [...trampolineBootFlags(), ...profile.boot.kernelArgs] : profile.boot.kernelArgs,
    autobootDelay: profile.boot.autobootDelay,
    serialMode: serialModeOf(await readStagedText(tree, BOOTENV_PATH), profile.boot.console === 'ttyb' ? 'ttyb' : 'ttya'),
  };
}
