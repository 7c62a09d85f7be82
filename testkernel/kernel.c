/*
 * kernel.c - the stand-in "unix" used by illumos-compose's boot tests.
 *
 * It is started by a multiboot-1 or multiboot-2 loader (QEMU -kernel, GRUB,
 * later the illumos loader), describes on COM1 what it was handed (loader,
 * command line, modules with checksums and a guess of their format, the root
 * directory of a Solaris UFS boot archive, the volume id of an ISO 9660 one)
 * and then switches QEMU off.  The line formats are parsed by
 * src/boot/kernel-report.ts; change both together.
 *
 * Rules for this file: 32-bit freestanding code, no libgcc (so no 64-bit
 * division or modulo: 64-bit values are only added, multiplied, shifted and
 * compared), and every read of a module is bounds-checked against its size so
 * that a corrupt image produces an error line instead of a hang or a fault.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long uptr;

#define MB1_BOOT_MAGIC  0x2BADB002u
#define MB2_BOOT_MAGIC  0x36D76289u

#define MAX_MODULES     64
#define MAX_STRING      4096            /* longest loader string we print */
#define MAX_DIR_ENTRIES 512             /* UFSDIR lines per module */
#define DEFAULT_PROFILE "demo"

/* ------------------------------------------------------------------------ */
/* Helpers the compiler may call on its own in freestanding mode.           */

void *memset(void *dst, int c, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

void *
memset(void *dst, int c, unsigned long n)
{
	volatile u8 *d = dst;           /* volatile: keep gcc from calling memset */

	while (n--)
		*d++ = (u8)c;
	return dst;
}

void *
memcpy(void *dst, const void *src, unsigned long n)
{
	volatile u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

int
memcmp(const void *a, const void *b, unsigned long n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Port I/O and the COM1 console.                                           */

static inline void
outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8
inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define COM1 0x3F8

static void
serial_init(void)
{
	outb(COM1 + 1, 0x00);   /* no interrupts: we poll */
	outb(COM1 + 3, 0x80);   /* DLAB on to set the divisor */
	outb(COM1 + 0, 0x01);   /* divisor 1 = 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);   /* 8N1, DLAB off */
	outb(COM1 + 2, 0xC7);   /* FIFOs on and cleared */
	outb(COM1 + 4, 0x03);   /* DTR, RTS */
}

static void
serial_putc(u8 c)
{
	u32 spins = 0;

	/* Bounded wait: a missing or stuck UART must not hang the test. */
	while ((inb(COM1 + 5) & 0x20) == 0 && spins < 1000000)
		spins++;
	outb(COM1, c);
}

static void
put_char(char c)
{
	if (c == '\n')
		serial_putc('\r');      /* terminals want CRLF; parsers strip \r */
	serial_putc((u8)c);
}

static void
put_str(const char *s)
{
	while (*s)
		put_char(*s++);
}

static void
put_hex(u32 v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	int shift;

	for (shift = (digits - 1) * 4; shift >= 0; shift -= 4)
		put_char(hex[(v >> shift) & 0xF]);
}

/* "0x" and exactly 8 lowercase hex digits: the format of every checksum. */
static void
put_hex32(u32 v)
{
	put_str("0x");
	put_hex(v, 8);
}

static void
put_hex64(u64 v)
{
	put_str("0x");
	put_hex((u32)(v >> 32), 8);
	put_hex((u32)v, 8);
}

static void
put_dec(u32 v)
{
	char buf[10];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);        /* 32-bit division only */
		v /= 10;
	} while (v != 0);
	while (n > 0)
		put_char(buf[--n]);
}

/*
 * Print bytes from a loader or a file system.  Everything printable (including
 * UTF-8 bytes >= 0x80) goes out as is; control bytes would break the line
 * protocol, so they become \xNN, and a backslash becomes \\ to stay reversible.
 */
static void
put_escaped(const u8 *s, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++) {
		u8 b = s[i];

		if (b == '\\') {
			put_str("\\\\");
		} else if (b < 0x20 || b == 0x7F) {
			put_str("\\x");
			put_hex(b, 2);
		} else {
			serial_putc(b);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Leaving QEMU.                                                            */

static void __attribute__((noreturn))
power_off(u32 debug_exit_value)
{
	/* isa-debug-exit: QEMU exits with status (value << 1) | 1. */
	outl(0xF4, debug_exit_value);
	/* No such device: ACPI S5 on q35 (ICH9 PM base 0x600), then on i440fx. */
	outw(0x604, 0x2000);
	outw(0xB004, 0x2000);
	for (;;)
		__asm__ volatile("cli; hlt");
}

#define EXIT_OK         16      /* QEMU exit status 33 */
#define EXIT_BAD_MAGIC  17      /* QEMU exit status 35 */

/* ------------------------------------------------------------------------ */
/* Little-endian reads from physical memory (paging is off).                */

static inline const u8 *
phys(u32 addr)
{
	return (const u8 *)(uptr)addr;
}

static inline u32
rd16(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8);
}

static inline u32
rd32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

static inline u64
rd64(const u8 *p)
{
	return (u64)rd32(p) | ((u64)rd32(p + 4) << 32);
}

/* Length of a NUL-terminated string, but never more than max bytes. */
static u32
bounded_strlen(const u8 *s, u32 max)
{
	u32 n = 0;

	while (n < max && s[n] != 0)
		n++;
	return n;
}

/* ------------------------------------------------------------------------ */
/* What the loader handed over, collected before anything is printed.       */

struct text {
	const u8 *s;
	u32 len;
	int present;
};

struct module {
	const u8 *data;
	u32 size;
	struct text string;
};

struct bootinfo {
	const char *proto;
	u32 magic;
	u32 info;
	u32 mb1_flags;
	struct text loader;
	struct text cmdline;
	int has_mem;
	u32 mem_lower, mem_upper;
	int has_efi64;
	u64 efi64_systab;
	int has_efi32;
	u32 efi32_systab;
	int acpi_old, acpi_new;
	u32 nmodules;                   /* as reported by the loader */
	struct module modules[MAX_MODULES];
};

static struct bootinfo bi;

static void
text_from_cstr(struct text *t, u32 addr, u32 max)
{
	t->present = 1;
	if (addr == 0) {                /* some loaders pass no string at all */
		t->s = 0;
		t->len = 0;
		return;
	}
	t->s = phys(addr);
	t->len = bounded_strlen(t->s, max < MAX_STRING ? max : MAX_STRING);
}

static void
add_module(u32 start, u32 end, u32 string_addr, u32 string_max)
{
	struct module *m;

	bi.nmodules++;
	if (bi.nmodules > MAX_MODULES)
		return;
	m = &bi.modules[bi.nmodules - 1];
	m->data = phys(start);
	m->size = end > start ? end - start : 0;        /* mod_end is exclusive */
	text_from_cstr(&m->string, string_addr, string_max);
}

/* Multiboot 1 information structure (flags say which fields are valid). */
static void
collect_mb1(u32 info)
{
	const u8 *mbi = phys(info);
	u32 flags = rd32(mbi);
	u32 i, count, table;

	bi.mb1_flags = flags;
	if (flags & (1u << 0)) {
		bi.has_mem = 1;
		bi.mem_lower = rd32(mbi + 4);
		bi.mem_upper = rd32(mbi + 8);
	}
	if (flags & (1u << 2))
		text_from_cstr(&bi.cmdline, rd32(mbi + 16), MAX_STRING);
	if (flags & (1u << 9))
		text_from_cstr(&bi.loader, rd32(mbi + 64), MAX_STRING);
	if (flags & (1u << 3)) {
		count = rd32(mbi + 20);
		table = rd32(mbi + 24);
		for (i = 0; i < count && i < 1024; i++) {
			const u8 *e = phys(table + i * 16);

			add_module(rd32(e), rd32(e + 4), rd32(e + 8), MAX_STRING);
		}
	}
}

/* Multiboot 2: a list of 8-byte aligned tags after an 8-byte header. */
static void
collect_mb2(u32 info)
{
	const u8 *base = phys(info);
	u32 total = rd32(base);
	u32 off = 8;

	if (total > (1u << 20))         /* nonsense; read no further than 1 MiB */
		total = 1u << 20;
	while (off + 8 <= total) {
		const u8 *tag = base + off;
		u32 type = rd32(tag), size = rd32(tag + 4);

		if (type == 0 || size < 8 || size > total - off)
			break;          /* end tag, or a broken list: stop safely */
		switch (type) {
		case 1:         /* boot command line */
			text_from_cstr(&bi.cmdline, info + off + 8, size - 8);
			break;
		case 2:         /* boot loader name */
			text_from_cstr(&bi.loader, info + off + 8, size - 8);
			break;
		case 3:         /* module: start, end, string */
			if (size >= 16)
				add_module(rd32(tag + 8), rd32(tag + 12), info + off + 16, size - 16);
			break;
		case 4:         /* basic memory information */
			if (size >= 16) {
				bi.has_mem = 1;
				bi.mem_lower = rd32(tag + 8);
				bi.mem_upper = rd32(tag + 12);
			}
			break;
		case 11:        /* EFI 32-bit system table pointer */
			if (size >= 12) {
				bi.has_efi32 = 1;
				bi.efi32_systab = rd32(tag + 8);
			}
			break;
		case 12:        /* EFI 64-bit system table pointer: dboot needs it */
			if (size >= 16) {
				bi.has_efi64 = 1;
				bi.efi64_systab = rd64(tag + 8);
			}
			break;
		case 14:
			bi.acpi_old = 1;
			break;
		case 15:
			bi.acpi_new = 1;
			break;
		default:
			break;
		}
		off += (size + 7) & ~7u;
	}
}

/* ------------------------------------------------------------------------ */
/* Checksums: FNV-1a-32 and CRC-32 (IEEE 802.3, as zlib.crc32 computes).    */

static u32 crc_table[256];

static void
crc_init(void)
{
	u32 i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static void
checksum(const u8 *p, u32 n, u32 *fnv_out, u32 *crc_out)
{
	u32 fnv = 0x811C9DC5u, crc = 0xFFFFFFFFu, i;

	for (i = 0; i < n; i++) {
		fnv = (fnv ^ p[i]) * 0x01000193u;
		crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
	}
	*fnv_out = fnv;
	*crc_out = ~crc;
}

/* ------------------------------------------------------------------------ */
/* Bounds-checked access to a module.                                       */

/* True if [off, off+len) lies inside the module. 64-bit so nothing wraps. */
static int
in_module(const struct module *m, u64 off, u64 len)
{
	return off <= m->size && len <= (u64)m->size - off;
}

static int
bytes_at(const struct module *m, u32 off, const char *magic, u32 len)
{
	return in_module(m, off, len) && memcmp(m->data + off, magic, len) == 0;
}

static int
u32_at(const struct module *m, u32 off, u32 value)
{
	return in_module(m, off, 4) && rd32(m->data + off) == value;
}

/* ------------------------------------------------------------------------ */
/* Format detection from magic numbers.                                     */

#define SBOFF           8192u           /* UFS primary superblock */
#define UFS2_SBOFF      65536u          /* where newer UFS2 puts it */
#define FS_MAGIC_OFF    0x55Cu          /* fs_magic inside the superblock */
#define FS_MAGIC        0x00011954u     /* Solaris / UFS1 */
#define MTB_UFS_MAGIC   0x00DECADEu     /* Solaris multi-terabyte UFS */
#define FS_UFS2_MAGIC   0x19540119u
#define ISO_VD_OFF      32768u          /* ISO 9660 volume descriptors */

enum fs_kind {
	FS_UNKNOWN, FS_UFS, FS_UFS_MTB, FS_UFS2, FS_ISO9660,
	FS_GZIP, FS_ZSTD, FS_XZ, FS_CPIO
};

/* The names printed after "fs=". */
static const char *const fs_names[] = {
	"unknown", "ufs", "ufs-mtb", "ufs2", "iso9660",
	"gzip", "zstd", "xz", "cpio"
};

static enum fs_kind
detect_fs(const struct module *m)
{
	/* File systems first: their magic is deep inside, so it is specific. */
	if (u32_at(m, SBOFF + FS_MAGIC_OFF, FS_MAGIC))
		return FS_UFS;
	if (u32_at(m, SBOFF + FS_MAGIC_OFF, MTB_UFS_MAGIC))
		return FS_UFS_MTB;
	if (u32_at(m, SBOFF + FS_MAGIC_OFF, FS_UFS2_MAGIC) ||
	    u32_at(m, UFS2_SBOFF + FS_MAGIC_OFF, FS_UFS2_MAGIC))
		return FS_UFS2;
	if (bytes_at(m, ISO_VD_OFF + 1, "CD001", 5))
		return FS_ISO9660;
	if (bytes_at(m, 0, "\x1f\x8b", 2))
		return FS_GZIP;
	if (bytes_at(m, 0, "\x28\xb5\x2f\xfd", 4))
		return FS_ZSTD;
	if (bytes_at(m, 0, "\xfd" "7zXZ\0", 6))
		return FS_XZ;
	if (bytes_at(m, 0, "07070", 5))         /* odc 070707, newc 070701/2 */
		return FS_CPIO;
	return FS_UNKNOWN;
}

/* ------------------------------------------------------------------------ */
/* Solaris UFS: superblock summary and the root directory listing.          */

struct ufs {
	const struct module *m;
	u32 idx;                /* module index, for the output lines */
	u32 iblkno, cgoffset, cgmask, size, ncg, bsize, fsize, ipg, fpg;
	u32 bshift;             /* log2(fs_bsize) */
	u32 nindir;             /* block pointers per indirect block */
	u32 entries;            /* directory entries listed so far */
};

#define UFS_ROOTINO     2u
#define UFS_INODE_SIZE  128u
#define UFS_NDADDR      12u             /* direct block pointers */
#define DIRBLKSIZ       512u            /* entries never cross these chunks */
#define FSOKAY          0x7C269D38u
#define IFMT            0xF000u
#define IFDIR           0x4000u

static void
ufs_err(const struct ufs *fs, const char *why)
{
	put_str("UFSERR ");
	put_dec(fs->idx);
	put_char(' ');
	put_str(why);
	put_char('\n');
}

/* Same, with one or two numbers appended (" <label>=<value>"; label2 may be 0). */
static void
ufs_err_vals(const struct ufs *fs, const char *why, const char *label1, u32 v1,
    const char *label2, u32 v2)
{
	put_str("UFSERR ");
	put_dec(fs->idx);
	put_char(' ');
	put_str(why);
	put_char(' ');
	put_str(label1);
	put_char('=');
	put_dec(v1);
	if (label2 != 0) {
		put_char(' ');
		put_str(label2);
		put_char('=');
		put_dec(v2);
	}
	put_char('\n');
}

static void
ufs_err_val(const struct ufs *fs, const char *why, const char *label, u32 v)
{
	ufs_err_vals(fs, why, label, v, 0, 0);
}

static int
is_pow2_between(u32 v, u32 lo, u32 hi)
{
	return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

/* Print the UFS summary line and check the geometry we are about to use. */
static int
ufs_read_super(struct ufs *fs)
{
	const u8 *sb = fs->m->data + SBOFF;     /* detect_fs checked 1376+4 bytes */
	u32 time = rd32(sb + 0x20), state = rd32(sb + 0x84);
	u32 clean = sb[0xD1];

	fs->iblkno = rd32(sb + 0x10);
	fs->cgoffset = rd32(sb + 0x18);
	fs->cgmask = rd32(sb + 0x1C);
	fs->size = rd32(sb + 0x24);
	fs->ncg = rd32(sb + 0x2C);
	fs->bsize = rd32(sb + 0x30);
	fs->fsize = rd32(sb + 0x34);
	fs->ipg = rd32(sb + 0xB8);
	fs->fpg = rd32(sb + 0xBC);

	put_str("UFS ");
	put_dec(fs->idx);
	put_str(" fs_size=");
	put_dec(fs->size);
	put_str(" fs_ncg=");
	put_dec(fs->ncg);
	put_str(" fs_bsize=");
	put_dec(fs->bsize);
	put_str(" fs_fsize=");
	put_dec(fs->fsize);
	put_str(" clean=0x");
	put_hex(clean, 2);
	put_str(" state_ok=");
	put_str(state + time == FSOKAY ? "yes" : "no");     /* mod 2^32 */
	put_char('\n');

	if (!is_pow2_between(fs->bsize, 4096, 65536)) {
		ufs_err_val(fs, "bad superblock", "fs_bsize", fs->bsize);
		return -1;
	}
	if (!is_pow2_between(fs->fsize, 512, fs->bsize) || fs->bsize / fs->fsize > 8) {
		ufs_err_val(fs, "bad superblock", "fs_fsize", fs->fsize);
		return -1;
	}
	if (fs->ncg == 0 || fs->ipg == 0 || fs->fpg == 0) {
		ufs_err(fs, "bad superblock: fs_ncg, fs_ipg or fs_fpg is zero");
		return -1;
	}
	if (fs->iblkno >= fs->fpg) {
		ufs_err_val(fs, "bad superblock", "fs_iblkno", fs->iblkno);
		return -1;
	}
	fs->nindir = fs->bsize / 4;
	for (fs->bshift = 0; (1u << fs->bshift) < fs->bsize; fs->bshift++)
		;
	return 0;
}

/* First fragment of cylinder group c, including the old rotational stagger. */
static u64
ufs_cgstart(const struct ufs *fs, u32 c)
{
	return (u64)fs->fpg * c + (u64)fs->cgoffset * (c & ~fs->cgmask);
}

/* Pointer to inode ino, or 0 (after an error line) if it is not in the image. */
static const u8 *
ufs_inode(const struct ufs *fs, u32 ino)
{
	u32 cg = ino / fs->ipg;
	u64 off;

	if (cg >= fs->ncg) {
		ufs_err_val(fs, "inode beyond last cylinder group", "ino", ino);
		return 0;
	}
	off = (ufs_cgstart(fs, cg) + fs->iblkno) * fs->fsize +
	    (u64)(ino % fs->ipg) * UFS_INODE_SIZE;
	if (!in_module(fs->m, off, UFS_INODE_SIZE)) {
		ufs_err_val(fs, "inode outside image", "ino", ino);
		return 0;
	}
	return fs->m->data + (u32)off;
}

/* Fragment number of logical block lbn of an inode; 0 after an error line. */
static u32
ufs_bmap(const struct ufs *fs, const u8 *ip, u32 lbn)
{
	u32 ind, ptr;
	u64 off;

	if (lbn < UFS_NDADDR)
		ptr = rd32(ip + 40 + lbn * 4);
	else if (lbn - UFS_NDADDR < fs->nindir) {
		ind = rd32(ip + 88);            /* single indirect block */
		if (ind == 0) {
			ufs_err_val(fs, "missing indirect block for directory block", "lbn", lbn);
			return 0;
		}
		off = (u64)ind * fs->fsize + (u64)(lbn - UFS_NDADDR) * 4;
		if (!in_module(fs->m, off, 4)) {
			ufs_err_val(fs, "indirect block outside image", "frag", ind);
			return 0;
		}
		ptr = rd32(fs->m->data + (u32)off);
	} else {
		ufs_err_val(fs, "directory needs a double indirect block", "lbn", lbn);
		return 0;
	}
	if (ptr == 0)
		ufs_err_val(fs, "hole in directory", "lbn", lbn);
	return ptr;
}

/*
 * List one 512-byte directory chunk (old 4.2BSD entries: u32 ino, u16 reclen,
 * u16 namlen, name).  Every reclen is checked before it is used to advance,
 * which is what keeps a corrupt directory from looping forever.
 */
static int
ufs_list_chunk(struct ufs *fs, const u8 *chunk, u32 dir_off)
{
	u32 o = 0;

	while (o < DIRBLKSIZ) {
		const u8 *d = chunk + o;
		u32 ino, reclen, namlen;

		if (DIRBLKSIZ - o < 8) {
			ufs_err_val(fs, "truncated directory entry", "offset", dir_off + o);
			return -1;
		}
		ino = rd32(d);
		reclen = rd16(d + 4);
		namlen = rd16(d + 6);
		if (reclen < 8 || (reclen & 3) != 0 || reclen > DIRBLKSIZ - o) {
			ufs_err_vals(fs, "bad", "d_reclen", reclen, "offset", dir_off + o);
			return -1;
		}
		if (ino != 0) {
			if (namlen == 0 || namlen > 255 || 8 + namlen > reclen) {
				ufs_err_vals(fs, "bad", "d_namlen", namlen, "offset", dir_off + o);
				return -1;
			}
			if (fs->entries == MAX_DIR_ENTRIES) {
				ufs_err_val(fs, "listing stopped: too many entries", "max", MAX_DIR_ENTRIES);
				return -1;
			}
			fs->entries++;
			put_str("UFSDIR ");
			put_dec(fs->idx);
			put_char(' ');
			put_dec(ino);
			put_char(' ');
			put_escaped(d + 8, namlen);
			put_char('\n');
		}
		o += reclen;
	}
	return 0;
}

static int
ufs_list_root(struct ufs *fs)
{
	const u8 *ip = ufs_inode(fs, UFS_ROOTINO);
	u64 size, max_size;
	u32 nblocks, lbn, chunk, ptr, len;

	if (ip == 0)
		return -1;
	if ((rd16(ip) & IFMT) != IFDIR) {
		ufs_err_val(fs, "root inode is not a directory", "mode", rd16(ip));
		return -1;
	}
	if (rd16(ip + 2) == 0) {
		ufs_err(fs, "root inode has link count 0");
		return -1;
	}
	size = rd64(ip + 8);
	/* The size must fit the image and what one indirect level can map. */
	max_size = (u64)(UFS_NDADDR + fs->nindir) * fs->bsize;
	if (size == 0 || size > fs->m->size || size > max_size) {
		ufs_err_vals(fs, "bad root directory size", "high32", (u32)(size >> 32),
		    "low32", (u32)size);
		return -1;
	}
	if ((size & (DIRBLKSIZ - 1)) != 0) {
		ufs_err_val(fs, "root directory size not a multiple of 512", "size", (u32)size);
		return -1;
	}
	nblocks = (u32)((size + fs->bsize - 1) >> fs->bshift);
	for (lbn = 0; lbn < nblocks; lbn++) {
		u32 done = lbn * fs->bsize;
		u64 off;

		ptr = ufs_bmap(fs, ip, lbn);
		if (ptr == 0)
			return -1;
		len = (u32)size - done < fs->bsize ? (u32)size - done : fs->bsize;
		off = (u64)ptr * fs->fsize;
		if (!in_module(fs->m, off, len)) {
			ufs_err_val(fs, "directory block outside image", "frag", ptr);
			return -1;
		}
		for (chunk = 0; chunk < len; chunk += DIRBLKSIZ) {
			if (ufs_list_chunk(fs, fs->m->data + (u32)off + chunk, done + chunk) != 0)
				return -1;
		}
	}
	return 0;
}

static void
report_ufs(const struct module *m, u32 idx)
{
	struct ufs fs;

	memset(&fs, 0, sizeof(fs));
	fs.m = m;
	fs.idx = idx;
	if (ufs_read_super(&fs) != 0 || ufs_list_root(&fs) != 0)
		return;
	put_str("UFSDIR ");
	put_dec(idx);
	put_str(" END count=");
	put_dec(fs.entries);
	put_char('\n');
}

/* ------------------------------------------------------------------------ */
/* ISO 9660: the volume id from the primary volume descriptor.              */

static void
report_iso9660(const struct module *m, u32 idx)
{
	u32 off, len;

	/* Descriptors are 2 KiB sectors from sector 16, ended by type 255. */
	for (off = ISO_VD_OFF; off < ISO_VD_OFF + 64 * 2048; off += 2048) {
		if (!in_module(m, off, 2048) || !bytes_at(m, off + 1, "CD001", 5) ||
		    m->data[off] == 255)
			break;
		if (m->data[off] != 1)
			continue;
		len = 32;                       /* volume id: d-characters, space padded */
		while (len > 0 && m->data[off + 40 + len - 1] == ' ')
			len--;
		put_str("ISO9660 ");
		put_dec(idx);
		put_str(" volid=");
		put_escaped(m->data + off + 40, len);
		put_char('\n');
		return;
	}
	put_str("ISOERR ");
	put_dec(idx);
	put_str(" no primary volume descriptor\n");
}

/* ------------------------------------------------------------------------ */
/* Output.                                                                  */

static void
report_module(const struct module *m, u32 idx)
{
	enum fs_kind fs = detect_fs(m);
	u32 fnv, crc;

	checksum(m->data, m->size, &fnv, &crc);
	put_str("MODULE ");
	put_dec(idx);
	put_str(" string=");
	put_escaped(m->string.s, m->string.len);
	put_str(" size=");
	put_dec(m->size);
	put_str(" fnv=");
	put_hex32(fnv);
	put_str(" crc32=");
	put_hex32(crc);
	put_str(" fs=");
	put_str(fs_names[fs]);
	put_char('\n');

	if (fs == FS_UFS)
		report_ufs(m, idx);
	else if (fs == FS_ISO9660)
		report_iso9660(m, idx);
}

static void
report_text(const char *label, const struct text *t)
{
	if (!t->present)
		return;
	put_str(label);
	put_char(' ');
	put_escaped(t->s, t->len);
	put_char('\n');
}

/*
 * The boot test's success marker.  "compose.profile=NAME" anywhere in the
 * command line (ended by a blank or a comma, as in -B lists) names the
 * profile; otherwise it is "demo".
 */
static void
report_boot_ok(void)
{
	static const char key[] = "compose.profile=";
	const u32 klen = sizeof(key) - 1;
	const struct text *c = &bi.cmdline;
	u32 i, n;

	put_str("COMPOSE-BOOT-OK ");
	for (i = 0; c->present && i + klen <= c->len; i++) {
		if (memcmp(c->s + i, key, klen) != 0 || (i > 0 && c->s[i - 1] != ' ' && c->s[i - 1] != ','))
			continue;
		for (n = 0; i + klen + n < c->len && n < 64; n++) {
			u8 b = c->s[i + klen + n];

			if (b == ' ' || b == ',')
				break;
		}
		if (n > 0) {
			put_escaped(c->s + i + klen, n);
			put_char('\n');
			return;
		}
	}
	put_str(DEFAULT_PROFILE "\n");
}

static void
report(void)
{
	u32 i, shown;

	if (bi.magic == MB1_BOOT_MAGIC) {
		put_str("MBI flags=");
		put_hex32(bi.mb1_flags);
		put_char('\n');
	}
	report_text("LOADER", &bi.loader);
	report_text("CMDLINE", &bi.cmdline);
	if (bi.has_mem) {
		put_str("MEM lower=");
		put_dec(bi.mem_lower);
		put_str(" upper=");
		put_dec(bi.mem_upper);
		put_char('\n');
	}
	if (bi.has_efi64) {
		put_str("EFI64 systab=");
		put_hex64(bi.efi64_systab);
		put_char('\n');
	}
	if (bi.has_efi32) {
		put_str("EFI32 systab=");
		put_hex32(bi.efi32_systab);
		put_char('\n');
	}
	if (bi.acpi_old || bi.acpi_new) {
		put_str("ACPI rsdp=");
		put_str(bi.acpi_old && bi.acpi_new ? "v1+v2" : bi.acpi_new ? "v2" : "v1");
		put_char('\n');
	}

	put_str("MODULES ");
	put_dec(bi.nmodules);
	put_char('\n');
	shown = bi.nmodules < MAX_MODULES ? bi.nmodules : MAX_MODULES;
	for (i = 0; i < shown; i++)
		report_module(&bi.modules[i], i);
	if (shown < bi.nmodules) {
		put_str("MODERR only the first ");
		put_dec(MAX_MODULES);
		put_str(" modules are reported\n");
	}
}

void kmain(u32 magic, u32 info) __attribute__((noreturn));

void
kmain(u32 magic, u32 info)
{
	serial_init();
	crc_init();

	if (magic == MB1_BOOT_MAGIC)
		bi.proto = "mb1";
	else if (magic == MB2_BOOT_MAGIC)
		bi.proto = "mb2";
	else
		bi.proto = "unknown";
	bi.magic = magic;
	bi.info = info;

	put_str("\nTESTKERNEL START proto=");
	put_str(bi.proto);
	put_str(" magic=");
	put_hex32(magic);
	put_str(" info=");
	put_hex32(info);
	put_char('\n');

	if (magic == MB1_BOOT_MAGIC)
		collect_mb1(info);
	else if (magic == MB2_BOOT_MAGIC)
		collect_mb2(info);
	else {
		put_str("TESTKERNEL FAIL unknown boot magic\n");
		power_off(EXIT_BAD_MAGIC);
	}

	report();
	report_boot_ok();
	put_str("TESTKERNEL DONE\n");
	power_off(EXIT_OK);
}
