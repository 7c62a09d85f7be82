#!/bin/busybox sh
# linux-reader guest /init (runs as PID 1 inside a static-busybox initramfs under QEMU).
#
# Kernel command line parameters (read from /proc/cmdline; the dotted names keep them out of
# init's environment):
#   lr.fs=TYPE        file-system type given to mount -t (ufs, iso9660, ext4, vfat, ...)
#   lr.opts=OPTS      extra mount options, comma separated (e.g. ufstype=sunx86); "ro" is implied
#   lr.mods=A,B,C     modules to insmod from /lib/modules, in this order
#   lr.hash=0|1       whether to sha256 every regular file (default 1)
#
# Disks: the virtio disk with serial "lr-image" is the image (read-only); the one with serial
# "lr-listing" receives the result. Falls back to vda/vdb when serials are unavailable.
#
# Result format, written from byte 0 of the listing disk:
#   "LINUXREADER 1\n", then per section "@NAME LENGTH\n" + LENGTH bytes + "\n", then "@END 0\n".
# Sections: meta (key=value lines), stat, sha256, errors (stderr of mount/find/stat/sha256sum),
# dmesg. The stat section has one line per entry, fields separated by TAB:
#   rawmode(hex) uid gid nlink size rdevmajor(hex) rdevminor(hex) ino mtime %n %N
# where %n is the path ("./..." relative to the mount point) and %N is the path again, or for a
# symlink "'path' -> 'target'". The host recovers the path unambiguously from the two copies.

/bin/busybox mkdir -p /proc /sys /dev /tmp /mnt /bin /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

log() { echo "linux-reader: $*"; }
kmsg() { echo "linux-reader: $*" > /dev/kmsg 2>/dev/null; }
finish() {
  sync
  log "poweroff"
  poweroff -f
  # Should poweroff fail, exiting PID 1 panics the kernel; panic=-1 + -no-reboot end QEMU.
  exit 1
}

T=$(printf '\t')
W=/tmp/lr
mkdir -p "$W"
: > "$W/meta"; : > "$W/stat"; : > "$W/sha256"; : > "$W/errors"; : > "$W/dmesg"
meta() { echo "$1=$2" >> "$W/meta"; }

FS=""; OPTS=""; MODS=""; HASH=1
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    lr.fs=*) FS="${arg#lr.fs=}" ;;
    lr.opts=*) OPTS="${arg#lr.opts=}" ;;
    lr.mods=*) MODS="${arg#lr.mods=}" ;;
    lr.hash=*) HASH="${arg#lr.hash=}" ;;
  esac
done
log "start fs=$FS opts=$OPTS"
meta version 1
meta kernel "$(uname -r)"
meta uptime_start "$(cut -d' ' -f1 /proc/uptime)"
meta fs "$FS"
meta opts "$OPTS"

for m in $(echo "$MODS" | tr ',' ' '); do
  if ! insmod "/lib/modules/$m.ko" 2>>"$W/errors"; then
    meta insmod_failed "$m"
    log "insmod $m failed"
  fi
done

# Wait (up to ~10 s) for both virtio disks.
i=0
while [ ! -e /sys/block/vda ] || [ ! -e /sys/block/vdb ]; do
  i=$((i + 1))
  [ "$i" -gt 200 ] && break
  sleep 0.05
done
IMG=""; LIST=""
for d in /sys/block/vd*; do
  [ -e "$d" ] || continue
  s=$(cat "$d/serial" 2>/dev/null)
  case "$s" in
    lr-image) IMG=/dev/${d##*/} ;;
    lr-listing) LIST=/dev/${d##*/} ;;
  esac
done
[ -n "$IMG" ] || IMG=/dev/vda
[ -n "$LIST" ] || LIST=/dev/vdb
meta image_dev "$IMG"
meta listing_dev "$LIST"
if [ ! -b "$LIST" ]; then
  log "FATAL: no listing disk ($LIST)"
  dmesg | tail -n 30
  finish
fi

MOPTS=ro,loud
[ -n "$OPTS" ] && MOPTS="$MOPTS,$OPTS"
kmsg "mount begin"
mount -t "$FS" -o "$MOPTS" "$IMG" /mnt 2>>"$W/errors"
MRC=$?
meta mount_rc "$MRC"
log "mount rc=$MRC"
if [ "$MRC" -eq 0 ]; then
  grep " /mnt " /proc/mounts | head -n 1 | sed 's/^/mounts=/' >> "$W/meta"
  cd /mnt || true
  find . -exec stat -c "%f$T%u$T%g$T%h$T%s$T%t$T%T$T%i$T%Y$T%n$T%N" {} + > "$W/stat" 2>>"$W/errors"
  meta find_rc "$?"
  if [ "$HASH" != 0 ]; then
    find . -type f -exec sha256sum {} + > "$W/sha256" 2>>"$W/errors"
    meta sha256_rc "$?"
  fi
  cd /
  kmsg "walk end"
  umount /mnt 2>>"$W/errors"
  meta umount_rc "$?"
fi
kmsg "done"
meta uptime_end "$(cut -d' ' -f1 /proc/uptime)"
dmesg > "$W/dmesg" 2>/dev/null

total=0
for s in meta stat sha256 errors dmesg; do
  n=$(wc -c < "$W/$s")
  total=$((total + n + 32))
done
cap=$(blockdev --getsize64 "$LIST" 2>/dev/null || echo 0)
if [ "$cap" -gt 0 ] && [ "$total" -gt "$cap" ]; then
  log "listing of $total bytes does not fit the $cap-byte listing disk"
  echo "listing_overflow=$total" >> "$W/meta"
  : > "$W/stat"; : > "$W/sha256"
  tail -c 65536 "$W/dmesg" > "$W/dmesg.tail"; mv "$W/dmesg.tail" "$W/dmesg"
fi

{
  echo "LINUXREADER 1"
  for s in meta stat sha256 errors dmesg; do
    echo "@$s $(wc -c < "$W/$s")"
    cat "$W/$s"
    echo
  done
  echo "@END 0"
} > "$LIST"
log "listing written rc=$?"
finish
