import { z } from 'zod';
import { smfFileSchema, type SmfSettings } from '../smf/settings.js';

// The profile file format. Every key is optional in a file; defaults are applied once the
// `extends` chain is merged (see resolve.ts). Unknown keys are errors.

const sizeSpec = z.union([
  z.literal('auto'),
  z.string().regex(/^\d+(\.\d+)?\s*[KMG]i?B?$/i, 'a size such as 512M, 1G or auto'),
  z.number().int().positive(),
]);

const percent = z.union([z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage such as 10%'), z.number().min(0).max(1000)]);

export const profileFileSchema = z.strictObject({
  description: z.string().optional(),
  extends: z.string().min(1).optional(),
  include: z.array(z.string().min(1)).optional(),
  exclude: z.array(z.string().min(1)).optional(),
  overlays: z.array(z.string().min(1)).optional(),
  prune: z.enum(['globs', 'closure']).optional(),
  keep: z.array(z.string().min(1)).optional(),
  hardware: z.array(z.enum(['qemu', 'virtualbox', 'bhyve'])).optional(),
  init: z
    .strictObject({
      mode: z.enum(['launcher', 'smf', 'trampoline']).optional(),
      banner: z.string().optional(),
      shell: z.string().regex(/^\//, 'an absolute path inside the image, such as /usr/bin/ksh93').optional(),
      startup: z.array(z.string()).optional(),
    })
    .optional(),
  boot: z
    .strictObject({
      console: z.enum(['text', 'ttya', 'ttyb']).optional(),
      kernel_args: z.array(z.string()).optional(),
      autoboot_delay: z.number().int().min(-1).max(3600).optional(),
      serial_speed: z.union([z.literal(9600), z.literal(19200), z.literal(38400), z.literal(57600), z.literal(115200)]).optional(),
    })
    .optional(),
  archive: z
    .strictObject({
      format: z.enum(['ufs', 'hsfs', 'cpio']).optional(),
      gzip_level: z.number().int().min(1).max(9).optional(),
    })
    .optional(),
  iso: z
    .strictObject({
      volume_id: z.string().regex(/^[A-Za-z0-9_ .-]{1,32}$/, 'at most 32 letters, digits, spaces, ".", "_" or "-"').optional(),
      bootloader: z.enum(['auto', 'loader', 'grub-legacy', 'grub2']).optional(),
    })
    .optional(),
  ramdisk: z
    .strictObject({
      size: sizeSpec.optional(),
      free: percent.optional(),
      nbpi: z.number().int().min(1024).max(1 << 24).optional(),
      lost_and_found: z.boolean().optional(),
    })
    .optional(),
  // Settings for images that boot through svc.startd (init.mode smf); see src/smf/settings.ts.
  smf: smfFileSchema.optional(),
  // Settings for init.mode trampoline: where the real root is, and its init.
  trampoline: z
    .strictObject({
      root: z
        .string()
        .regex(/^(pool:[A-Za-z][A-Za-z0-9_.:-]*|label:[A-Za-z0-9_.-]{1,6})$/, 'pool:<ZFS pool name> or label:<UFS label of at most 6 characters, as labelit writes them>')
        .optional(),
      init: z.string().regex(/^\/\S+$/, 'an absolute path in the root file system, such as /sbin/init').optional(),
      tries: z.number().int().min(1).max(600).optional(),
    })
    .optional(),
  // A ramdisk root with its data on a ZFS pool (as SmartOS keeps /var and /opt on "zones"): the
  // pool is imported at boot and each dataset mounted on its directory.
  storage: z
    .strictObject({
      pool: z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]*$/, 'a ZFS pool name such as zones'),
      mounts: z.record(z.string(), z.string().regex(/^[A-Za-z][A-Za-z0-9_.:/-]*[^/]$/, 'a dataset of the pool such as zones/var')),
    })
    .optional(),
});

export type ProfileFile = z.infer<typeof profileFileSchema>;

/** The resolved profile every later stage reads. */
export interface Profile {
  name: string;
  /** The profile file and the files it extends, most derived first. */
  files: string[];
  description: string;
  include: string[];
  exclude: string[];
  /** Absolute overlay directories, applied in order. */
  overlays: string[];
  /** `globs`: include/exclude only. `closure`: also keep only the closure of `keep` (ELF and kernel-module dependencies). */
  prune: 'globs' | 'closure';
  /** Closure roots: files, globs, or drivers as drv/<name>. */
  keep: string[];
  /** Machines whose drivers (disk, NIC, console) the closure keeps. */
  hardware: Array<'qemu' | 'virtualbox' | 'bhyve'>;
  /** launcher: init runs the compose launcher; smf: svc.startd; trampoline: the kernel runs the trampoline as init, which hands over to a root on disk. */
  init: { mode: 'launcher' | 'smf' | 'trampoline'; banner: string; shell: string; startup: string[] };
  /** For init.mode trampoline: the root to find (pool:<name> or label:<name>), its init, and how many times to look. */
  trampoline: { root: string; init: string; tries: number };
  /** serialSpeed: set the serial ports' speed in the image's bootenv.rc (undefined: keep the proto's). */
  boot: { console: 'text' | 'ttya' | 'ttyb'; kernelArgs: string[]; autobootDelay: number; serialSpeed?: number };
  ramdisk: { size: 'auto' | number; freePercent: number; nbpi: number; lostAndFound: boolean };
  /** The boot_archive: a UFS image is the only format that can be the root; hsfs and cpio are module archives. */
  archive: { format: 'ufs' | 'hsfs' | 'cpio'; gzipLevel: number };
  iso: { volumeId: string; bootloader: 'auto' | 'loader' | 'grub-legacy' | 'grub2' };
  /** How an init.mode smf image is set up: profile links, site.xml, identity. */
  smf: SmfSettings;
  /** Data on a ZFS pool, mounted on the ramdisk's directories at boot (launcher and smf images). */
  storage?: { pool: string; mounts: Array<{ dir: string; dataset: string }> };
}
