import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';
import { driverDirs, findDriverModule } from './modules.js';

// The drivers a ramdisk-root boot to a shell cannot do without. Each must be in the image and in
// name_to_major: the kernel binds a driver to its devices only through its major number.

export const BOOT_DRIVERS: ReadonlyArray<{ names: string[]; why: string }> = [
  { names: ['rootnex'], why: 'the root nexus: every device hangs below it' },
  { names: ['pseudo'], why: 'the nexus of all pseudo devices (cn, mm, ramdisk...)' },
  { names: ['ramdisk'], why: 'holds the root file system: the kernel mounts root from the ramdisk only if rootdev has its major' },
  { names: ['cn'], why: '/dev/console, /dev/syscon and /dev/systty, which init opens' },
  { names: ['mm'], why: '/dev/null, /dev/zero and /dev/kmem' },
  { names: ['sy'], why: '/dev/tty, the controlling terminal' },
  { names: ['log'], why: '/dev/log and /dev/conslog, where kernel and syslog messages go' },
  { names: ['sysmsg'], why: '/dev/sysmsg and /dev/msglog, the console message path init and the launcher write to' },
  { names: ['clone'], why: 'clone opens (/dev/ptmx and every STREAMS clone device)' },
  { names: ['devinfo'], why: 'the device tree snapshot libdevinfo, devfsadm and prtconf read' },
  { names: ['options'], why: 'the /options node holding boot properties' },
  { names: ['kstat'], why: '/dev/kstat, read by libkstat users (ps, prstat, vmstat...)' },
  { names: ['ksyms'], why: '/dev/ksyms, the kernel symbol table for mdb and DTrace' },
  { names: ['random'], why: '/dev/random and /dev/urandom' },
  { names: ['ptm'], why: 'the pseudo-terminal manager (/dev/ptmx) shells and ssh open' },
  { names: ['pts'], why: 'pseudo-terminal subsidiaries (/dev/pts/N)' },
  { names: ['npe', 'pci'], why: 'the PCI nexus (npe or pci): disks, NICs and the ISA bridge sit below it' },
  { names: ['isa'], why: 'the ISA nexus the serial ports and the i8042 controller sit on' },
  { names: ['asy'], why: 'the serial port driver for a serial console (ttya)' },
];

/** A VGA console's keyboard needs all of these; without them only the serial console works. */
export const KEYBOARD_DRIVERS = ['i8042', 'kb8042', 'conskbd'];

export interface BootDriverCheck {
  /** One line per missing requirement: which driver, what is missing, why it matters. */
  problems: string[];
  warnings: string[];
}

export interface BootDriverOptions {
  extraDriverPaths?: string[];
}

/** Check the boot drivers without throwing (for `compose plan`). */
export function findBootDriverProblems(tree: StagedTree, nameToMajor: ReadonlyMap<string, number>, opts: BootDriverOptions = {}): BootDriverCheck {
  const dirs = driverDirs(opts.extraDriverPaths);
  const status = (name: string) => ({ inImage: findDriverModule(tree, name, dirs) !== undefined, hasMajor: nameToMajor.has(name) });
  const problems: string[] = [];
  for (const req of BOOT_DRIVERS) {
    const states = req.names.map((n) => ({ name: n, ...status(n) }));
    if (states.some((s) => s.inImage && s.hasMajor)) continue;
    const what = states
      .map((s) => `${s.name}: ${!s.inImage && !s.hasMajor ? 'module not in the image and no name_to_major entry' : !s.inImage ? `module not in the image (looked in ${dirs.join(', ')})` : 'no name_to_major entry'}`)
      .join('; ');
    problems.push(`${req.names.join(' or ')} — ${req.why} (${what})`);
  }
  const warnings: string[] = [];
  const kb = KEYBOARD_DRIVERS.map((n) => ({ n, ...status(n) }));
  const missingKb = kb.filter((k) => !(k.inImage && k.hasMajor)).map((k) => k.n);
  if (missingKb.length) warnings.push(`no VGA console keyboard (${missingKb.join(', ')} missing from the image or name_to_major): only a serial console (asy) will take input`);
  return { problems, warnings };
}

/**
 * Make sure the image can boot to a shell: every driver in BOOT_DRIVERS in the image and in
 * name_to_major. Throws one InputError listing each missing driver and why it matters.
 */
export function checkBootDrivers(tree: StagedTree, nameToMajor: ReadonlyMap<string, number>, opts: BootDriverOptions = {}): BootDriverCheck {
  const check = findBootDriverProblems(tree, nameToMajor, opts);
  if (check.problems.length) {
    throw new InputError(`the image lacks drivers a ramdisk boot needs:\n  ${check.problems.join('\n  ')}\nkeep their modules in the profile (kernel/drv/amd64, platform/i86pc/kernel/drv/amd64) and make sure their driver actions are in the manifests, or use --state-from`);
  }
  return check;
}
