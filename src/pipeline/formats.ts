import { UsageError } from '../util/errors.js';

/**
 * dir and tar: the tree. ufs: the root file system image. archive: the boot_archive (the image
 * gzip'd) and its hash, what a loader needs to boot it over the network. iso: a bootable ISO,
 * which holds the boot_archive, so the archive is written with it.
 */
export const FORMATS = ['dir', 'tar', 'ufs', 'archive', 'iso'] as const;
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
