/*
 * boot.S - entry point and boot headers of the stand-in "unix" test kernel.
 *
 * The image carries two headers so that every loader we care about can start it:
 *   - a multiboot-1 header with the a.out kludge fields (flag bit 16), because
 *     the final file is ELF64 and QEMU's -kernel loader (and GRUB's "multiboot")
 *     only accept ELF64 through the kludge, exactly as with illumos' unix;
 *   - a multiboot-2 header (GRUB's "multiboot2", BIOS or UEFI), which loads the
 *     ELF program headers.
 * Both loaders enter _start in 32-bit protected mode with paging off,
 * EAX = boot magic and EBX = physical address of the boot information.
 */

#define MB1_MAGIC       0x1BADB002
#define MB1_PAGE_ALIGN  0x00000001      /* modules on 4 KiB boundaries */
#define MB1_MEMINFO     0x00000002      /* ask for mem_lower/mem_upper */
#define MB1_AOUT_KLUDGE 0x00010000      /* load addresses come from this header */
#define MB1_FLAGS       (MB1_PAGE_ALIGN | MB1_MEMINFO | MB1_AOUT_KLUDGE)

#define MB2_MAGIC       0xE85250D6
#define MB2_ARCH_I386   0

#define STACK_SIZE      16384

        .section .multiboot, "a"

        /* Multiboot 1: must lie, 4-byte aligned, in the first 8 KiB of the file. */
        .balign 4
mb1_header:
        .long   MB1_MAGIC
        .long   MB1_FLAGS
        .long   -(MB1_MAGIC + MB1_FLAGS)
        .long   mb1_header              /* header_addr */
        .long   __load_start            /* load_addr: first byte to load */
        .long   _edata                  /* load_end_addr: end of file-backed data */
        .long   _end                    /* bss_end_addr: loader zeroes up to here */
        .long   _start                  /* entry_addr */

        /* Multiboot 2: 8-byte aligned, in the first 32 KiB of the file. */
        .balign 8
mb2_header:
        .long   MB2_MAGIC
        .long   MB2_ARCH_I386
        .long   mb2_header_end - mb2_header
        .long   -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
        /* end tag: type 0, flags 0, size 8 */
        .short  0
        .short  0
        .long   8
mb2_header_end:

        .text
        .globl  _start
        .type   _start, @function
_start:
        cli
        cld
        /* Keep the loader's values away from the rep stos below. */
        movl    %eax, %esi
        movl    %ebx, %ebp

        /* Zero .bss ourselves: not every loader honours bss_end_addr/p_memsz. */
        movl    $__bss_start, %edi
        movl    $_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb

        movl    $stack_top, %esp
        xorl    %eax, %eax
        pushl   %eax                    /* keep the stack 16-byte aligned at the call */
        pushl   %eax
        pushl   %ebp                    /* kmain(magic, info) */
        pushl   %esi
        call    kmain

        /* kmain never returns; stop here if it ever does. */
1:      cli
        hlt
        jmp     1b
        .size   _start, . - _start

        .bss
        .balign 16
stack_bottom:
        .skip   STACK_SIZE
stack_top:

        .section .note.GNU-stack, "", @progbits
