import type { Profile } from '../profile/schema.js';
import { shellQuote } from './generated.js';

// The trampoline (init.mode trampoline): the kernel runs /etc/compose/trampoline (from the
// trampoline overlay) as init, which finds the root on a disk and hands over to its init.

export const TRAMPOLINE_PATH = 'etc/compose/trampoline';
export const TRAMPOLINE_CONF_PATH = 'etc/compose/trampoline.conf';
/** Where the trampoline mounts the root it finds (the script's ROOT). */
export const TRAMPOLINE_ROOT_DIR = 'a';

/**
 * The boot flag that makes the kernel run the trampoline instead of /sbin/init: "-i <path>" sets
 * krtld's initname (usr/src/uts/common/krtld/kobj_bootflags.c), which main() execs as process 1.
 */
export const trampolineBootFlags = (): string[] => ['-i', `/${TRAMPOLINE_PATH}`];

/** The trampoline's settings file, sourced by the script. */
export function trampolineConfig(profile: Profile): string {
  return [
    '# Written by illumos-compose from the profile; read by /etc/compose/trampoline.',
    `TRAMPOLINE_ROOT=${shellQuote(profile.trampoline.root)}`,
    `TRAMPOLINE_INIT=${shellQuote(profile.trampoline.init)}`,
    `TRAMPOLINE_TRIES=${profile.trampoline.tries}`,
    '',
  ].join('\n');
}

/** How the trampoline finds its root: a ZFS pool or a labelled UFS. */
export function trampolineMethod(profile: Profile): 'pool' | 'label' {
  return profile.trampoline.root.startsWith('label:') ? 'label' : 'pool';
}
