// Stand-ins for illumos commands, for running the boot scripts under a POSIX shell here.

/**
 * The booted system's rules the stand-ins enforce before doing what a test tells them, as the
 * illumos commands would (the same preconditions compose check applies, src/bootpath/commands.ts):
 * the root is read-only until "mount -o remount,rw ... /"; devfsadm takes its lock in /etc/dev on
 * the root (so needs both), and makes /dev/zfs only for -i zfs or no class, /dev/dsk for -c disk;
 * zpool and zfs need /dev/zfs, zpool import the /dev/dsk links; a mounted root is busy.
 */
export const SYSTEM_RULES = (sys: string): Record<string, string> => ({
  mount: `for last; do :; done
case "$*" in *remount*) [ "$last" = / ] && touch ${sys}/rw; exit 0;; esac
if [ -e ${sys}/root-mounted ] && [ "$last" = "$(cat ${sys}/root-dir)" ]; then echo "mount: $last is busy" >&2; exit 33; fi`,
  devfsadm: `[ -e ${sys}/rw ] && [ -d ${sys}/etc-dev ] || { echo "devfsadm: open failed for /etc/dev/.devfsadm_dev.lock: Read-only file system" >&2; exit 1; }
case " $* " in *" -i zfs "*|"  ") touch ${sys}/dev-zfs;; esac
case " $* " in *" -c disk "*|"  ") touch ${sys}/dev-dsk;; esac`,
  zpool: `[ -e ${sys}/dev-zfs ] || { echo "internal error: failed to initialize ZFS library" >&2; exit 1; }
if [ "$1" = import ] && ! [ -e ${sys}/dev-dsk ]; then echo "no pools available to import" >&2; exit 1; fi`,
  zfs: `[ -e ${sys}/dev-zfs ] || { echo "internal error: failed to initialize ZFS library" >&2; exit 1; }
if [ "$1" = mount ] && [ -e ${sys}/root-mounted ]; then echo "cannot mount: filesystem already mounted" >&2; exit 1; fi`,
});

