// The boot loader configuration files, as pure functions of the profile's boot settings and the
// archive's placement, so each can be tested byte for byte.

import { UsageError } from '../util/errors.js';
import type { ArchiveFormat } from './types.js';

export type ConsoleName = 'text' | 'ttya' | 'ttyb';

/** What every boot loader configuration is made from (the profile's `boot` section and its name). */
export interface BootSettings {
  profileName: string;
  console: ConsoleName;
  /** Extra kernel arguments; an item may hold several words ("-m milestone=none"). */
  kernelArgs: string[];
  /** Seconds before the default entry boots; -1 = boot at once (the loader's meaning). */
  autobootDelay: number;
  /**
   * The serial console's line settings as the kernel will take them (the image's bootenv.rc,
   * overlay/bootenv.ts): every boot loader runs the port at the same speed, so the console does
   * not turn to garbage when the kernel takes it over.
   */
  serialMode: string;
}

/** Where the archive lives on the ISO (absolute ISO paths) and what is inside it. */
export interface ArchivePlacement {
  path: string;
  /** The SHA-1 file dboot checks the archive against; null loads no hash module. */
  hashPath: string | null;
  format: ArchiveFormat;
}

/** The serial speed of a mode string such as "9600,8,n,1,-". */
export function serialSpeed(boot: BootSettings): number {
  const speed = Number(/^\s*(\d+)/.exec(boot.serialMode)?.[1]);
  if (!Number.isInteger(speed) || speed <= 0) throw new UsageError(`the serial console mode "${boot.serialMode}" (ttyX-mode in boot/solaris/bootenv.rc) does not start with a line speed`);
  return speed;
}

/** The kernel the illumos loader boots: kernel="i86pc/kernel/${ISADIR}" + bootfile="unix" under /platform. */
export const KERNEL_ISO_PATH = '/platform/i86pc/kernel/amd64/unix';
/** The GRUB-era kernel path: GRUB legacy sets $ISADIR to amd64 on 64-bit CPUs. */
export const GRUB_LEGACY_KERNEL_PATH = '/platform/i86pc/kernel/$ISADIR/unix';

/** The kernel flags of the debug entry: kmdb loaded (-k) and entered early (-d), verbose boot (-v). */
export const DEBUG_FLAGS = ['-kv', '-d'];

const serialUnit = (c: ConsoleName): number => (c === 'ttyb' ? 1 : 0);

/** Profile kernel arguments as single words, in order. */
export function kernelArgWords(args: string[]): string[] {
  return args.flatMap((a) => a.trim().split(/\s+/)).filter((w) => w !== '');
}

/**
 * Kernel arguments that depend on the archive format. krtld mounts the ramdisk as UFS unless the
 * `fstype` boot property says otherwise (uts/common/fs/vfs.c getrootfs), so an HSFS root needs
 * fstype=hsfs (HSFS has a mountroot; no distribution is known to boot this way: untested).
 */
export function formatKernelArgs(format: ArchiveFormat): string[] {
  return format === 'hsfs' ? ['-B', 'fstype=hsfs'] : [];
}

/** GRUB legacy's and GRUB 2's `timeout`: they have no "boot at once, uninterruptibly", so -1 becomes 0. */
const grubTimeout = (delay: number): number => Math.max(0, delay);

interface MenuEntry {
  title: string;
  flags: string[];
  console: ConsoleName;
}

/**
 * The menu both GRUBs show: one entry per console (text, ttya, and ttyb when the profile uses it)
 * and a kmdb/verbose debug entry on the profile's console. The profile's console is the default.
 */
export function menuEntries(boot: BootSettings): { entries: MenuEntry[]; defaultIndex: number } {
  const consoles: ConsoleName[] = boot.console === 'ttyb' ? ['text', 'ttya', 'ttyb'] : ['text', 'ttya'];
  const name = boot.profileName;
  const entries: MenuEntry[] = consoles.map((c) => ({
    title: c === 'text' ? `illumos ${name} (text console)` : `illumos ${name} (serial console ${c})`,
    flags: [],
    console: c,
  }));
  entries.push({ title: `illumos ${name} (kmdb, verbose: ${DEBUG_FLAGS.join(' ')}, console ${boot.console})`, flags: DEBUG_FLAGS, console: boot.console });
  return { entries, defaultIndex: consoles.indexOf(boot.console) };
}

// ---------------------------------------------------------------------------------------------
// The illumos loader

/**
 * A loader.conf value: the loader's conf parser (boot/forth/support.4th) takes printable ASCII
 * between double quotes, with `\` escaping the next character.
 */
function loaderValue(value: string, what: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new UsageError(`${what} "${value}" holds a character the illumos loader's loader.conf cannot carry (only printable ASCII)`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * boot/loader.conf for a live image whose root file system is the boot archive.
 *
 * Why this file: the loader reads /boot/defaults/loader.conf, then loader_conf_files
 * ("/boot/loader.conf /boot/loader.conf.local"), then /boot/conf.d/* and /boot/transient.conf
 * (boot/forth/loader.4th `start`, defaults/loader.conf). A proto area ships no boot/loader.conf
 * (bootadm or an installer writes it), so writing it overrides only the defaults and leaves both
 * later layers, loader.conf.local and conf.d/, to an overlay that wants to change our settings.
 *
 * Kernel arguments go in the loader variable `boot-args` (named in defaults/loader.conf;
 * forth/loader.4th `parse-boot-args` turns its -s/-v/-k/-d/-r/-a into the menu's boot_* toggles
 * and `set-boot-args` rebuilds it for the kernel command line).
 *
 * Console: `console` is the loader's own console, `os_console` makes the loader put console= on
 * the kernel command line (common/multiboot2.c update_cmdline), `ttyX-mode` sets the line speed
 * of both.
 */
export function loaderConf(boot: BootSettings, archive: ArchivePlacement): string {
  const lines = [
    `# Written by illumos-compose for profile "${boot.profileName}": the boot archive (${archive.format}) is`,
    '# the root file system, loaded into memory as a ramdisk. The loader reads this file after',
    '# /boot/defaults/loader.conf; /boot/loader.conf.local and /boot/conf.d/* can still override it.',
    `console=${loaderValue(boot.console, 'console')}`,
  ];
  if (boot.console !== 'text') {
    lines.push(`os_console=${loaderValue(boot.console, 'console')}`);
    lines.push(`${boot.console}-mode=${loaderValue(boot.serialMode, 'serial mode')}`);
  }
  lines.push(`autoboot_delay=${loaderValue(String(boot.autobootDelay), 'autoboot_delay')}`);
  // Every archive format is passed as type=rootfs: dboot makes the ramdisk from the rootfs module
  // and krtld's bootrd probes UFS, HSFS and cpio on it (only UFS can be the live root, though).
  lines.push('boot_archive_load="YES"', 'boot_archive_type="rootfs"', `boot_archive_name=${loaderValue(archive.path, 'archive path')}`);
  if (archive.hashPath) {
    lines.push('boot_archive.hash_load="YES"', 'boot_archive.hash_type="hash"', `boot_archive.hash_name=${loaderValue(archive.hashPath, 'hash path')}`);
  } else {
    lines.push('boot_archive.hash_load="NO"');
  }
  const args = [...formatKernelArgs(archive.format), ...kernelArgWords(boot.kernelArgs)];
  if (args.length > 0) lines.push(`boot-args=${loaderValue(args.join(' '), 'kernel arguments')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * boot/config, read by isoboot and gptzfsboot (PATH_CONFIG) before they start the loader: `-h`
 * puts those early stages on the serial console (COM1, i.e. ttya). null = no file needed.
 */
export function bootConfig(console: ConsoleName): string | null {
  return console === 'ttya' ? '-h\n' : null;
}

// ---------------------------------------------------------------------------------------------
// GRUB legacy (0.97, the illumos GRUB of 2008-2016 proto areas)

/** The console boot property as GRUB-era illumos took it (input-/output-device for the old console code). */
function legacyConsoleProperty(c: ConsoleName, mode: string): string {
  if (c === 'text') return 'console=text';
  return `console=${c},input-device=${c},output-device=${c},${c}-mode="${mode}"`;
}

/**
 * boot/grub/menu.lst. GRUB legacy passes the `kernel$` line to the kernel as written (the file
 * name included), expands $ISADIR, and decompresses a gzip'd `module$` itself. The hash file is not
 * loaded: GRUB-era kernels predate the typed hash module, and dboot's legacy rule would take an
 * untyped second module as the hash only on newer kernels.
 */
export function menuLst(boot: BootSettings, archive: ArchivePlacement): string {
  const { entries, defaultIndex } = menuEntries(boot);
  const extra = [...formatKernelArgs(archive.format), ...kernelArgWords(boot.kernelArgs)];
  const delay = grubTimeout(boot.autobootDelay);
  const lines = [
    `# Written by illumos-compose for profile "${boot.profileName}": the boot archive (${archive.format}) is`,
    '# the root file system, loaded into memory as a ramdisk.',
    `default ${defaultIndex}`,
    `timeout ${delay}`,
  ];
  if (boot.console !== 'text') {
    lines.push(`serial --unit=${serialUnit(boot.console)} --speed=${serialSpeed(boot)}`);
    lines.push(`terminal --timeout=${delay} serial console`);
  }
  for (const e of entries) {
    const words = [GRUB_LEGACY_KERNEL_PATH, ...e.flags, '-B', legacyConsoleProperty(e.console, boot.serialMode), ...extra];
    lines.push('', `title ${e.title}`, `kernel$ ${words.join(' ')}`, `module$ ${archive.path}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// GRUB 2 (the build host's Debian GRUB)

/** A word of GRUB 2 script: bare when safe, else single-quoted (GRUB has no escapes inside '...'). */
export function grubWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The console boot property for GRUB 2. No ttyX-mode here: GRUB 2 backslash-escapes every quote
 * it puts on a multiboot command line, and an unquoted "115200,8,n,1,-" would be cut at the first
 * comma, so the kernel takes its line speed from bootenv.rc in the archive; GRUB's own `serial`
 * line runs at that same speed (BootSettings.serialMode).
 */
const grub2ConsoleProperty = (c: ConsoleName): string => `console=${c}`;

/**
 * boot/grub/grub.cfg.
 *
 * - BIOS boots with `multiboot`, which every illumos unix accepts; UEFI with `multiboot2`, the only
 *   protocol that hands dboot the EFI system table and ACPI tags it needs on a UEFI machine.
 * - GRUB 2 drops the file name from the command line and the module strings, and dboot takes the
 *   first word as the name (then `type=`), so every path is written twice.
 * - gzio: GRUB decompresses a gzip'd module as it loads it. That is what we want: dboot hashes the
 *   module as loaded and compares it with boot_archive.hash, the SHA-1 of the uncompressed image,
 *   and krtld cannot read a gzip'd ramdisk anyway. gzio is built into our GRUB images, so the
 *   insmod cannot fail; it is written out to make the choice visible.
 */
export function grubCfg(boot: BootSettings, archive: ArchivePlacement): string {
  const { entries, defaultIndex } = menuEntries(boot);
  const extra = [...formatKernelArgs(archive.format), ...kernelArgWords(boot.kernelArgs)];
  const unit = boot.console === 'ttyb' ? 1 : 0;
  const lines = [
    `# Written by illumos-compose for profile "${boot.profileName}": the boot archive (${archive.format}) is`,
    '# the root file system, loaded into memory as a ramdisk. Paths are repeated on purpose:',
    '# GRUB 2 drops the first word of multiboot command lines and module strings.',
    `serial --unit=${unit} --speed=${serialSpeed(boot)}`,
    'terminal_input serial console',
    'terminal_output serial console',
    `set timeout=${grubTimeout(boot.autobootDelay)}`,
    `set default=${defaultIndex}`,
    '# GRUB gunzips the archive as it loads it: dboot receives, and hashes, the uncompressed image.',
    'insmod gzio',
  ];
  const modules = (cmd: string): string[] => {
    const out = [`${cmd} ${archive.path} ${archive.path} type=rootfs`];
    if (archive.hashPath) out.push(`${cmd} ${archive.hashPath} ${archive.hashPath} type=hash`);
    return out;
  };
  for (const e of entries) {
    const args = [...e.flags, '-B', grub2ConsoleProperty(e.console), ...extra].map(grubWord).join(' ');
    const kernel = `${KERNEL_ISO_PATH} ${KERNEL_ISO_PATH} ${args}`;
    lines.push(
      '',
      `menuentry ${grubWord(e.title)} {`,
      '\tif [ "$grub_platform" = "efi" ]; then',
      `\t\tmultiboot2 ${kernel}`,
      ...modules('module2').map((l) => `\t\t${l}`),
      '\telse',
      `\t\tmultiboot ${kernel}`,
      ...modules('module').map((l) => `\t\t${l}`),
      '\tfi',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The config embedded in our GRUB 2 core images. It finds the ISO by its file-system UUID (GRUB
 * reads it from the volume's modification date, which we set), as grub-mkrescue does: searching
 * for /boot/grub/grub.cfg instead could pick another disk's GRUB on the machine.
 */
export function grubEarlyCfg(isoUuid: string): string {
  return [`search --no-floppy --set=root --fs-uuid ${isoUuid}`, 'set prefix=($root)/boot/grub', 'configfile $prefix/grub.cfg', ''].join('\n');
}
