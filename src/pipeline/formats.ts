import { UsageError } from '../util/errors.js';

/**
 * dir and tar: the tree. ufs: the root file system image. archive: the boot_archive (the image
 * gzip'd) and its hash. The boot media hold the boot_archive, so it is written with them: iso (a
 * bootable ISO), pxe (a network boot tree) and disk (a GPT disk image to dd onto a disk or stick).
 */
export const FORMATS = ['dir', 'tar', 'ufs', 'archive', 'iso', 'pxe', 'disk'] as const;

/** The formats that carry the boot_archive. */
export const BOOT_MEDIA: readonly Format[] = ['iso', 'pxe', 'disk'];
export type Format = (typeof FORMATS)[number];

/** Parse a --format list such as "dir,tar". */
export function parseFormats(spec: string): Format[] {
  const items = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`--format is empty; give one or more of ${FORMATS.join(', ')}`);
  for (const f of items) {
    if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format "${f}" is not a known format; use one or more of ${FORMATS.join(', ')}, separated by commas`);
  }
  return [...new Set(items)] as Format[];
}
