#!/usr/bin/env bash
# build.sh OUTDIR - build the stand-in "unix" test kernel.
#
# Writes:
#   OUTDIR/unix        ELF64 (like illumos' unix) carrying a multiboot-1 header
#                      with a.out kludge fields and a multiboot-2 header
#   OUTDIR/unix.elf32  the same image as linked (ELF32, with symbols)
#   OUTDIR/obj/        intermediate objects
# The result is byte-for-byte reproducible: sources are compiled by relative
# name, no build id, no .comment/.note sections, no timestamps.
# Tools: CC (gcc), LD (ld), OBJCOPY (objcopy); grub-file is used for a check
# when present.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi

src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
obj="$out/obj"
mkdir -p "$obj"

CC=${CC:-gcc}
LD=${LD:-ld}
OBJCOPY=${OBJCOPY:-objcopy}
export LC_ALL=C

CFLAGS=(-m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector
	-fno-asynchronous-unwind-tables -nostdlib -O2
	-Wall -Wextra -fno-tree-loop-distribute-patterns)

LDFLAGS=(-m elf_i386 -T linker.ld -nostdlib --build-id=none -static)
# binutils >= 2.39 warns about our single RWX segment; that is intended here.
# (grep reads all of the help text: with pipefail, grep -q could SIGPIPE ld.)
if "$LD" --help 2>/dev/null | grep -c -- --no-warn-rwx-segments >/dev/null; then
	LDFLAGS+=(--no-warn-rwx-segments)
fi

# Compile from the source directory with relative names so that no absolute
# path ends up in the symbol table.
cd "$src"
"$CC" "${CFLAGS[@]}" -c boot.S -o "$obj/boot.o"
"$CC" "${CFLAGS[@]}" -c kernel.c -o "$obj/kernel.o"
# ld fails on any undefined symbol (e.g. __udivdi3): no libgcc is linked.
"$LD" "${LDFLAGS[@]}" -o "$out/unix.elf32" "$obj/boot.o" "$obj/kernel.o"
"$OBJCOPY" -O elf64-x86-64 "$out/unix.elf32" "$out/unix.tmp"
mv -f "$out/unix.tmp" "$out/unix"

# --- checks ------------------------------------------------------------------

# The multiboot-1 a.out kludge tells the loader to copy the file bytes that
# precede and follow the header verbatim to load_addr..load_end_addr.  Check
# that those bytes in the ELF64 file really are the linked image.
kludge_check() {
	local file=$1 off i
	local -a w
	# The first 8 KiB as little-endian u32 words; the header is 4-byte aligned.
	# shellcheck disable=SC2207
	w=($(od -A n -t u4 -v -N 8192 "$file"))
	for ((i = 0; i + 8 <= ${#w[@]}; i++)); do
		[ "${w[i]}" -eq $((0x1BADB002)) ] || continue
		[ $(((w[i] + w[i + 1] + w[i + 2]) & 0xFFFFFFFF)) -eq 0 ] || continue
		off=$((i * 4))
		local flags=${w[i + 1]} haddr=${w[i + 3]} laddr=${w[i + 4]} lend=${w[i + 5]}
		if [ $((flags & 0x10000)) -eq 0 ]; then
			echo "build.sh: $file: multiboot-1 header lacks the a.out kludge flag" >&2
			return 1
		fi
		local start=$((off - (haddr - laddr))) len=$((lend - laddr))
		"$OBJCOPY" -O binary "$out/unix.elf32" "$obj/image.bin"
		if [ "$start" -lt 0 ] ||
			! cmp -s <(tail -c +$((start + 1)) "$file" | head -c "$len") "$obj/image.bin"; then
			echo "build.sh: $file: a.out kludge fields do not describe the file layout" >&2
			return 1
		fi
		echo "build.sh: multiboot-1 header at file offset $off, kludge load $(printf '0x%x' "$laddr")+$len bytes: ok"
		return 0
	done
	echo "build.sh: $file: no multiboot-1 header in the first 8 KiB" >&2
	return 1
}
kludge_check "$out/unix"

if command -v grub-file >/dev/null 2>&1; then
	grub-file --is-x86-multiboot "$out/unix" ||
		{ echo "build.sh: grub-file: $out/unix is not multiboot-1" >&2; exit 1; }
	grub-file --is-x86-multiboot2 "$out/unix" ||
		{ echo "build.sh: grub-file: $out/unix is not multiboot-2" >&2; exit 1; }
	echo "build.sh: grub-file: multiboot-1 and multiboot-2 headers: ok"
else
	echo "build.sh: note: grub-file not found, multiboot header check by grub skipped"
fi

echo "build.sh: wrote $out/unix ($(wc -c <"$out/unix") bytes)"
