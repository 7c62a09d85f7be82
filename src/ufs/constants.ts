// Fixed numbers of the illumos/Solaris UFS on-disk format (x86, little-endian), as described in
// /work/shared/docs/ufs-format.md. Everything here is a property of the format, not a choice.

/** Byte offset and size of the primary superblock. */
export const SBOFF = 8192;
export const SBSIZE = 8192;
/** Boot block area at the start of the device. */
export const BBSIZE = 8192;

export const FS_MAGIC = 0x011954;
export const CG_MAGIC = 0x090255;
/** fs_state + fs_time must equal this (32-bit) for the superblock to count as clean. */
export const FSOKAY = 0x7c269d38;

export const FSACTIVE = 0;
export const FSCLEAN = 1;
export const FSSTABLE = 2;
/** fs_flags bit: some file is larger than 2^31 - 1 bytes. */
export const FSLARGEFILES = 0x01;
export const MAXOFF32 = 0x7fffffff;
export const FS_OPTTIME = 0;
export const FS_OPTSPACE = 1;
export const FS_DYNAMICPOSTBLFMT = 1;

/** sizeof(struct fs) on illumos, used for fs_sbsize. */
export const SIZEOF_FS = 1380;
/** sizeof(struct cg) including its one-byte cg_space tail, used by CGSIZE. */
export const SIZEOF_CG = 172;
/** offsetof(struct cg, cg_space): where the cg tables start. */
export const CG_SPACE_OFF = 168;
/** sizeof(struct csum): {ndir, nbfree, nifree, nffree}. */
export const CSUM_SIZE = 16;

export const DINODE_SIZE = 128;
/** Direct and indirect block pointers per inode. */
export const NDADDR = 12;
export const NIADDR = 3;

export const UFSROOTINO = 2;
export const LOSTFOUNDINO = 3;

/** ic_suid/ic_sgid value meaning "the id is in the 32-bit ic_uid/ic_gid". */
export const UID_LONG = 0xffff;

export const DEV_BSIZE = 512;
export const DIRBLKSIZ = 512;
export const MAXNAMLEN = 255;
/** MAXPATHLEN: a symlink target plus its NUL must fit. */
export const MAXPATHLEN = 1024;

// Inode type bits (ic_smode & IFMT).
export const IFMT = 0o170000;
export const IFIFO = 0o010000;
export const IFCHR = 0o020000;
export const IFDIR = 0o040000;
export const IFBLK = 0o060000;
export const IFREG = 0o100000;
export const IFLNK = 0o120000;
export const IFSHAD = 0o130000;
export const IFSOCK = 0o140000;
export const IFATTRDIR = 0o160000;
export const PERM_BITS = 0o7777;

/** ic_nlink is a signed 16-bit field. */
export const MAXLINK = 32767;

// Device number encodings (sys/mkdev.h): the old SVR3 16-bit form and the 32-bit SVR4 form.
export const O_BITSMINOR = 8;
export const O_MAXMAJ = 0x7f;
export const O_MAXMIN = 0xff;
export const L_BITSMINOR32 = 18;
export const L_MAXMAJ32 = 0x3fff;
export const L_MAXMIN32 = 0x3ffff;
