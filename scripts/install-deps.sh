#!/usr/bin/env bash
# Install what illumos-compose and its tests need on a Debian machine: the media and boot-test
# tools from apt, then the npm packages. As root it installs; otherwise it says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  qemu-system-x86 ovmf            # boot tests (QEMU under TCG, UEFI firmware)
  xorriso mtools dosfstools       # ISO 9660 and the EFI system partition image
  grub-pc-bin grub-efi-amd64-bin grub-common   # the grub2 backend and grub-fstest
  busybox-static cpio             # the Linux reader's initramfs
  pigz                            # the benchmark's compression floor (tar | pigz)
  sleuthkit makefs e2fsprogs      # independent readers and benchmark peers
  libxml2-utils                   # xmllint, to validate generated SMF profiles in tests
  time                            # GNU time, for the benchmark's peak RSS figures
  file                            # file(1): the trampoline test's stand-in fstyp reads a disk's superblock
  util-linux                      # setpriv (QEMU dies with boot-test) and unshare (the reliability tests)
  fdisk gdisk qemu-utils          # disk images: sfdisk writes the GPT, sgdisk checks it, qemu-img converts
  gcc binutils make               # the stand-in test kernel
  shellcheck                      # lints the boot scripts the overlays ship (ksh dialect)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "illumos-compose needs these Debian packages; as root run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 4
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
