import type { Profile } from '../profile/schema.js';
import { shellQuote } from './generated.js';

// Persistent storage for a ramdisk root (the profile's storage key): /etc/compose/storage (the
// "storage" overlay) imports the pool and mounts the datasets; compose writes its settings.

export const STORAGE_PATH = 'etc/compose/storage';
export const STORAGE_CONF_PATH = 'etc/compose/storage.conf';

/** What the storage script runs, kept by closure pruning when the proto has them. */
export const STORAGE_KEEP: readonly string[] = [
  'usr/sbin/zpool',
  'sbin/zpool',
  'usr/sbin/zfs',
  'sbin/zfs',
  'usr/lib/fs/zfs/mount',
  'drv/zfs',
  'usr/sbin/devfsadm',
  'usr/lib/devfsadm/linkmod/SUNW_zfs_link.so',
  'usr/lib/devfsadm/linkmod/SUNW_disk_link.so',
  'sbin/mount',
  'usr/sbin/mount',
];

/** The storage script's settings file. */
export function storageConfig(storage: NonNullable<Profile['storage']>): string {
  return [
    '# Written by illumos-compose from the profile\'s storage key; read by /etc/compose/storage.',
    `STORAGE_POOL=${shellQuote(storage.pool)}`,
    `STORAGE_MOUNTS=${shellQuote(storage.mounts.map((m) => `${m.dir}=${m.dataset}`).join(' '))}`,
    '',
  ].join('\n');
}
