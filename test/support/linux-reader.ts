/**
 * An independent reader of file-system images: the Debian Linux kernel (not installed, only
 * downloaded and partly extracted) boots under QEMU TCG with a static-busybox initramfs, mounts
 * the image read-only and lists the whole tree (type, mode, owner, link count, size, sha256,
 * symlink target, device numbers) onto a second virtio disk that the host then parses.
 *
 * Used to prove that images written by our own code (UFS, ISO9660, ...) are readable by code we
 * did not write. See test/support/linux-reader/init.sh for the guest side and its output format.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';

// ---------------------------------------------------------------------------------------------
// Public types

export type LinuxFsType =
  | 'ufs'
  | 'iso9660'
  | 'ext4'
  | 'ext3'
  | 'ext2'
  | 'vfat'
  | 'msdos'
  | 'udf'
  | 'squashfs';

export type LinuxEntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface LinuxEntry {
  /** Relative to the file system's root, no leading slash; '' is the root directory itself. */
  path: string;
  type: LinuxEntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  /** st_size (for symlinks: the length of the target as the kernel reports it). */
  size: number;
  /** Inode number as the Linux driver reports it (hard links share it). */
  ino: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** Regular files only (unless hashing was turned off): lowercase hex. */
  sha256?: string;
  /** Symlinks only. */
  target?: string;
  /** Character and block devices only. */
  rdev?: { major: number; minor: number };
}

export interface ReadImageOptions {
  fstype: LinuxFsType;
  /** Extra mount options, comma-separated, e.g. 'ufstype=sunx86'. 'ro' is always added. */
  options?: string;
  /** Kill QEMU after this many milliseconds (default 120 000). */
  timeoutMs?: number;
  /** sha256 every regular file (default true). */
  hash?: boolean;
  /** Size of the listing disk in MiB (default 64). */
  listingDiskMiB?: number;
  /** Guest memory in MiB (default 512). */
  memoryMiB?: number;
  /** Keep the run's temporary directory (serial log, listing disk) and report its path. */
  keepTemp?: boolean;
}

export interface ReadImageResult {
  /** Sorted by path. Empty if the mount failed. */
  entries: LinuxEntry[];
  /** Whether `mount -t fstype -o ro,options` succeeded. */
  mountOk: boolean;
  /** stderr of mount, when it failed (e.g. "mount: mounting /dev/vda on /mnt failed: Invalid argument"). */
  mountError?: string;
  /** The whole kernel log (dmesg), timestamps stripped. */
  kernelLog: string[];
  /**
   * Kernel messages logged from the start of the mount to the end of the walk and umount, minus
   * unrelated noise (clocksource etc.): driver complaints such as "ufs: ufs_fill_super(): fs needs
   * fsck", "ufs: error (device vda): ufs_check_page: bad entry in directory ...", "ISOFS: Unable to
   * identify CD-ROM format.", I/O errors; but also informational lines like "EXT4-fs (vda):
   * mounted filesystem ..." or "ISO 9660 Extensions: RRIP_1991A". The mount is done "loud" (busybox
   * otherwise passes MS_SILENT, which hides the reason a mount fails).
   */
  warnings: string[];
  /**
   * stderr lines of insmod, mount, find, stat and sha256sum in the guest (unreadable entries, I/O
   * errors). Note that busybox find stays silent when the kernel fails to read a directory: such
   * corruption shows up only in `warnings` (and as missing entries).
   */
  walkErrors: string[];
  /** Lines of the listing the host could not parse (e.g. names containing a newline). */
  parseErrors: string[];
  /** key=value facts the guest recorded (kernel release, exit codes, device names, uptimes). */
  meta: Record<string, string>;
  /** Text QEMU's serial port received (the guest's progress messages). */
  serialLog: string;
  /** Wall time of the QEMU run. */
  durationMs: number;
  /** The temp dir, when keepTemp was set. */
  tempDir?: string;
}

export interface LinuxReaderArtifacts {
  vmlinuz: string;
  initramfs: string;
}

export interface PrepareOptions {
  /**
   * Override the kernel package: a versioned one (linux-image-6.1.0-56-amd64) or a meta package
   * whose dependency is used (default linux-image-amd64; env LINUX_READER_KERNEL_PACKAGE).
   */
  kernelPackage?: string;
  /** Print progress to stderr. */
  verbose?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Configuration

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = resolve(HERE, '../..');
const INIT_SCRIPT = join(HERE, 'linux-reader', 'init.sh');
const BUSYBOX = '/bin/busybox';
const QEMU = 'qemu-system-x86_64';
/** Bump when the layout of the extracted kernel directory changes. */
const KERNEL_LAYOUT_VERSION = 1;
/** Bump when the initramfs layout changes (the init script and inputs are hashed anyway). */
const INITRAMFS_LAYOUT_VERSION = 1;

/** Modules every run loads (their dependencies are added automatically). */
const BASE_MODULES = ['virtio_pci', 'virtio_blk'];

/**
 * Modules per file-system type. Dependencies from .modinfo are added automatically; crc32c is
 * only a soft dependency of ext4/jbd2 (requested by crypto name at mount time, and there is no
 * modprobe in the guest), so it is listed explicitly.
 */
const FS_MODULES: Record<LinuxFsType, string[]> = {
  ufs: ['ufs'],
  iso9660: ['cdrom', 'isofs', 'nls_utf8'],
  ext4: ['crc32c_generic', 'ext4'],
  ext3: ['crc32c_generic', 'ext4'],
  ext2: ['crc32c_generic', 'ext4'],
  vfat: ['vfat', 'nls_cp437', 'nls_ascii', 'nls_utf8', 'nls_iso8859_1'],
  msdos: ['msdos', 'nls_cp437', 'nls_ascii'],
  udf: ['udf', 'nls_utf8'],
  squashfs: ['squashfs'],
};

/** Modules whose absence is fatal; the others are dropped (with their fs type) if missing. */
const REQUIRED_MODULES = new Set([
  'virtio_ring',
  'virtio',
  'virtio_pci_modern_dev',
  'virtio_pci_legacy_dev',
  'virtio_pci',
  'virtio_blk',
  'ufs',
  'isofs',
  'cdrom',
]);

/** Where downloaded and extracted artifacts are kept: $COMPOSE_CACHE_DIR/linux-reader or <repo>/.cache/linux-reader. */
export function linuxReaderCacheDir(): string {
  const root = process.env.COMPOSE_CACHE_DIR ? resolve(process.env.COMPOSE_CACHE_DIR) : join(PROJECT_ROOT, '.cache');
  return join(root, 'linux-reader');
}

// ---------------------------------------------------------------------------------------------
// Errors and tool checks

export class LinuxReaderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LinuxReaderError';
  }
}

async function which(cmd: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      await access(p, fsc.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

async function requireTool(cmd: string, debianPackage: string): Promise<string> {
  const p = await which(cmd);
  if (!p) {
    throw new LinuxReaderError(
      `linux-reader needs \`${cmd}\`, which is not installed: apt-get install --no-install-recommends ${debianPackage}`,
    );
  }
  return p;
}

/** True for an ELF file without a PT_INTERP program header (i.e. statically linked). */
function isStaticElf(buf: Buffer): boolean {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const phoff = is64 ? Number(le ? buf.readBigUInt64LE(0x20) : buf.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > buf.length) return false;
    if (u32(off) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

async function checkBusybox(): Promise<Buffer> {
  let bin: Buffer;
  try {
    bin = await readFile(BUSYBOX);
  } catch {
    throw new LinuxReaderError(
      `linux-reader needs a static busybox at ${BUSYBOX}: apt-get install --no-install-recommends busybox-static`,
    );
  }
  if (!isStaticElf(bin)) {
    throw new LinuxReaderError(
      `${BUSYBOX} is not statically linked (the "busybox" package?); linux-reader needs the Debian package busybox-static: apt-get install --no-install-recommends busybox-static`,
    );
  }
  return bin;
}

function log(opts: PrepareOptions, msg: string): void {
  if (opts.verbose || process.env.LINUX_READER_VERBOSE) process.stderr.write(`linux-reader: ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Kernel package: resolve, download, extract

interface KernelManifest {
  layout: number;
  package: string;
  version: string;
  release: string;
  vmlinuz: string;
  /** Module name -> file name in modules/, its depends= list. */
  modules: Record<string, { file: string; depends: string[] }>;
  /** Module names that are built into this kernel (modules.builtin). */
  builtin: string[];
}

function aptUpdateHint(detail: string): LinuxReaderError {
  return new LinuxReaderError(
    `linux-reader could not find the Debian kernel package (linux-image-amd64) in the apt cache. ` +
      `Has \`apt-get update\` been run on this machine? Run \`apt-get update\` (as root) and retry.\n${detail}`.trim(),
  );
}

/**
 * A fingerprint of apt's package lists (names, sizes, mtimes): the answer of apt-cache only
 * changes when `apt-get update` changes them. apt-cache takes ~0.5 s here (no pkgcache.bin), so
 * the answer is remembered in the cache keyed by this fingerprint.
 */
async function aptListsStamp(): Promise<string | undefined> {
  const dir = '/var/lib/apt/lists';
  try {
    const h = createHash('sha256');
    for (const name of (await readdir(dir)).sort()) {
      const st = await stat(join(dir, name));
      if (st.isFile()) h.update(`${name}\0${st.size}\0${st.mtimeMs}\n`);
    }
    return h.digest('hex');
  } catch {
    return undefined;
  }
}

async function resolveKernelPackage(cache: string, opts: PrepareOptions): Promise<{ pkg: string; version: string }> {
  const meta = opts.kernelPackage ?? process.env.LINUX_READER_KERNEL_PACKAGE ?? 'linux-image-amd64';
  const stamp = await aptListsStamp();
  const memoFile = join(cache, 'apt-resolve.json');
  type Memo = { stamp: string; meta: string; pkg: string; version: string };
  const memo = await readJson<Memo>(memoFile);
  if (stamp && memo?.stamp === stamp && memo.meta === meta) return { pkg: memo.pkg, version: memo.version };

  await requireTool('apt-cache', 'apt');
  const show = async (pkg: string) => {
    const r = await execa('apt-cache', ['show', '--no-all-versions', pkg], { reject: false });
    if (r.exitCode !== 0 || !/^Package:/m.test(r.stdout)) throw aptUpdateHint(`apt-cache show ${pkg}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  let pkg: string;
  let version: string | undefined;
  const text = await show(meta);
  // The meta package depends on exactly one versioned kernel package: "Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)".
  const dep = /^Depends:.*?\b(linux-image-\d[^\s,()]*)(?:\s*\(=\s*([^)\s]+)\))?/m.exec(text);
  if (dep?.[1]) {
    pkg = dep[1];
    version = dep[2];
  } else {
    pkg = meta; // already a versioned kernel package
  }
  if (!version || pkg === meta) {
    const v = /^Version:\s*(\S+)/m.exec(pkg === meta ? text : await show(pkg));
    if (!v?.[1]) throw aptUpdateHint(`no Version for ${pkg}`);
    version = v[1];
  }
  if (stamp) {
    await mkdir(cache, { recursive: true });
    const tmp = `${memoFile}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, JSON.stringify({ stamp, meta, pkg, version } satisfies Memo) + '\n');
    await rename(tmp, memoFile);
  }
  return { pkg, version };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._+-]/g, '_');
}

const normModName = (s: string) => s.replace(/-/g, '_');

/** depends= from a .ko's .modinfo section, via objcopy (no kmod/modinfo on the host). */
async function moduleDepends(ko: string): Promise<{ name: string; depends: string[] }> {
  // objcopy cannot write to a pipe (it wants a seekable output), so go through a file.
  const out = `${ko}.modinfo`;
  await execa('objcopy', ['-O', 'binary', '--only-section=.modinfo', ko, out]);
  const fields = (await readFile(out)).toString('latin1').split('\0');
  await rm(out, { force: true });
  let name = normModName(basename(ko, '.ko'));
  let depends: string[] = [];
  for (const f of fields) {
    if (f.startsWith('name=')) name = normModName(f.slice(5));
    else if (f.startsWith('depends=')) depends = f.slice(8).split(',').filter(Boolean).map(normModName);
  }
  return { name, depends };
}

/** tar pattern for a module name: file names may use '-' where module names use '_'. */
function modulePattern(name: string): string {
  return `*/${name.replace(/[-_]/g, '[-_]')}.ko`;
}

/**
 * Extracts the members matching the patterns from the .deb's data tarball into dir, in one pass.
 * Patterns that match nothing are not an error (the caller checks what it got).
 */
async function extractFromDeb(deb: string, dir: string, patterns: string[]): Promise<void> {
  // buffer: false, or execa would keep (and, past maxBuffer, truncate) the whole data tarball.
  const r = await execa('dpkg-deb', ['--fsys-tarfile', deb], { buffer: false }).pipe(
    'tar',
    ['-x', '-C', dir, '--wildcards', '--wildcards-match-slash', '--', ...patterns],
    { reject: false },
  );
  const problems = r.stderr
    .split('\n')
    .filter((l) => l && !/Not found in archive|Exiting with failure status due to previous errors/.test(l));
  if (problems.length || (r.exitCode !== 0 && r.exitCode !== 2)) {
    throw new LinuxReaderError(`extracting from ${basename(deb)} failed (tar exit ${r.exitCode}):\n${r.stderr}`);
  }
}

async function findFiles(dir: string, pred: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await findFiles(p, pred)));
    else if (pred(e.name)) out.push(p);
  }
  return out;
}

/**
 * Modules known to be dependencies of the roots in Debian's 6.1 kernel, extracted in the first
 * pass to save another pass over the archive (the real closure is still computed from .modinfo).
 */
const LIKELY_DEPENDENCIES = ['jbd2', 'mbcache', 'crc16', 'fat', 'crc_itu_t'];

async function downloadAndExtractKernel(
  cache: string,
  pkg: string,
  version: string,
  finalDir: string,
  opts: PrepareOptions,
): Promise<KernelManifest> {
  await requireTool('apt-get', 'apt');
  await requireTool('dpkg-deb', 'dpkg');
  await requireTool('tar', 'tar');
  await requireTool('objcopy', 'binutils');
  await mkdir(cache, { recursive: true });
  const work = await mkdtemp(join(cache, 'tmp-kernel-'));
  try {
    const dl = join(work, 'dl');
    await mkdir(dl);
    const t0 = Date.now();
    const r = await execa('apt-get', ['download', `${pkg}=${version}`], { cwd: dl, reject: false, all: true });
    const debs = (await readdir(dl)).filter((f) => f.endsWith('.deb'));
    if (r.exitCode !== 0 || debs.length !== 1) {
      if (/Unable to locate|No packages found|Can't select|has no installation candidate/.test(r.all ?? '')) {
        throw aptUpdateHint(r.all ?? '');
      }
      throw new LinuxReaderError(`apt-get download ${pkg}=${version} failed (exit ${r.exitCode}):\n${r.all ?? ''}`);
    }
    const deb = join(dl, debs[0]!);
    log(opts, `downloaded ${debs[0]} in ${Date.now() - t0} ms`);

    // Pass 1: the kernel, its config, modules.builtin, the wanted modules and their likely deps.
    const t1 = Date.now();
    const staging = join(work, 'x');
    await mkdir(staging);
    const wanted = new Set<string>([...BASE_MODULES, ...REQUIRED_MODULES, ...Object.values(FS_MODULES).flat()]);
    await extractFromDeb(deb, staging, [
      './boot/vmlinuz-*',
      './boot/config-*',
      './lib/modules/*/modules.builtin',
      ...[...wanted, ...LIKELY_DEPENDENCIES].map(modulePattern),
    ]);
    const vmlinuz = (await findFiles(join(staging, 'boot'), (n) => n.startsWith('vmlinuz-')).catch(() => []))[0];
    if (!vmlinuz) throw new LinuxReaderError(`${debs[0]} contains no boot/vmlinuz-*`);
    const release = basename(vmlinuz).replace(/^vmlinuz-/, '');
    const config = join(staging, 'boot', `config-${release}`);
    const builtin = new Set<string>();
    const builtinFile = join(staging, 'lib', 'modules', release, 'modules.builtin');
    for (const line of (await readFile(builtinFile, 'utf8').catch(() => '')).split('\n')) {
      if (line.endsWith('.ko')) builtin.add(normModName(basename(line, '.ko')));
    }

    // Dependency closure from .modinfo, with another pass for whatever is still missing.
    const modules: KernelManifest['modules'] = {};
    const paths = new Map<string, string>();
    const searched = new Set<string>([...wanted, ...LIKELY_DEPENDENCIES]);
    let missing: string[] = [];
    for (;;) {
      for (const ko of await findFiles(staging, (n) => n.endsWith('.ko'))) {
        const name = normModName(basename(ko, '.ko'));
        if (!paths.has(name)) paths.set(name, ko);
      }
      for (let changed = true; changed; ) {
        changed = false;
        for (const n of [...wanted]) {
          if (modules[n] || builtin.has(n) || !paths.has(n)) continue;
          const { depends } = await moduleDepends(paths.get(n)!);
          modules[n] = { file: `${n}.ko`, depends };
          for (const d of depends) wanted.add(d);
          changed = true;
        }
      }
      const unresolved = [...wanted].filter((n) => !modules[n] && !builtin.has(n));
      const toFetch = unresolved.filter((n) => !searched.has(n));
      if (toFetch.length === 0) {
        missing = unresolved; // searched for by name once already: not in this package
        break;
      }
      for (const n of toFetch) searched.add(n);
      await extractFromDeb(deb, staging, toFetch.map(modulePattern));
    }
    const fatal = missing.filter((n) => REQUIRED_MODULES.has(n));
    if (fatal.length) {
      throw new LinuxReaderError(`${debs[0]} lacks required modules (not built in either): ${fatal.join(', ')}`);
    }
    if (missing.length) log(opts, `modules not available (their fs types will be unsupported): ${missing.join(', ')}`);

    // Assemble the final directory and rename it into place.
    const out = join(work, 'out');
    await mkdir(join(out, 'modules'), { recursive: true });
    await copyFile(vmlinuz, join(out, 'vmlinuz'));
    await copyFile(config, join(out, 'config')).catch(() => {});
    for (const [name, info] of Object.entries(modules)) {
      await copyFile(paths.get(name)!, join(out, 'modules', info.file));
    }
    const manifest: KernelManifest = {
      layout: KERNEL_LAYOUT_VERSION,
      package: pkg,
      version,
      release,
      vmlinuz: 'vmlinuz',
      modules,
      builtin: [...builtin].sort(),
    };
    await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    try {
      await rename(out, finalDir);
    } catch (e) {
      // Another process finished first: use its copy.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    }
    log(opts, `extracted kernel ${release} and ${Object.keys(modules).length} modules in ${Date.now() - t1} ms`);
    return (await readJson<KernelManifest>(join(finalDir, 'manifest.json'))) ?? manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A cached kernel directory to fall back on when apt is unusable (offline, no lists). */
async function anyCachedKernel(kernels: string): Promise<{ dir: string; manifest: KernelManifest } | undefined> {
  let names: string[] = [];
  try {
    names = (await readdir(kernels)).sort().reverse();
  } catch {
    return undefined;
  }
  for (const n of names) {
    const manifest = await readJson<KernelManifest>(join(kernels, n, 'manifest.json'));
    if (manifest?.layout === KERNEL_LAYOUT_VERSION) return { dir: join(kernels, n), manifest };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Initramfs: a gzip'd newc cpio written here (deterministic: sorted, uid/gid 0, mtime 0)

interface CpioEntry {
  name: string; // without leading slash
  mode: number; // full st_mode
  data?: Buffer;
  rdev?: [number, number];
}

function cpioNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const pad4 = () => {
    const n = (4 - (offset % 4)) % 4;
    if (n) push(Buffer.alloc(n));
  };
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  const header = (ino: number, e: CpioEntry, size: number) => {
    const name = Buffer.from(e.name + '\0', 'utf8');
    const isDir = (e.mode & 0o170000) === 0o040000;
    push(
      Buffer.from(
        '070701' +
          hex(ino) +
          hex(e.mode) +
          hex(0) + // uid
          hex(0) + // gid
          hex(isDir ? 2 : 1) +
          hex(0) + // mtime
          hex(size) +
          hex(0) + // devmajor
          hex(0) + // devminor
          hex(e.rdev?.[0] ?? 0) +
          hex(e.rdev?.[1] ?? 0) +
          hex(name.length) +
          hex(0), // check
        'ascii',
      ),
    );
    push(name);
    pad4();
  };
  let ino = 1;
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    header(ino++, e, e.data?.length ?? 0);
    if (e.data) {
      push(e.data);
      pad4();
    }
  }
  header(0, { name: 'TRAILER!!!', mode: 0 }, 0);
  return Buffer.concat(parts);
}

async function buildInitramfs(
  cache: string,
  kernelDir: string,
  manifest: KernelManifest,
  busybox: Buffer,
): Promise<string> {
  const init = await readFile(INIT_SCRIPT);
  const files = [...new Set(Object.values(manifest.modules).map((m) => m.file))].sort();
  const mods: Array<[string, Buffer]> = [];
  for (const f of files) mods.push([f, await readFile(join(kernelDir, 'modules', f))]);

  const h = createHash('sha256');
  h.update(`layout ${INITRAMFS_LAYOUT_VERSION}\n`);
  h.update(init);
  h.update(busybox);
  for (const [f, b] of mods) h.update(`${f}\n`).update(b);
  const key = h.digest('hex').slice(0, 16);
  const out = join(cache, 'initramfs', `initramfs-${manifest.release}-${key}.cpio.gz`);
  try {
    await stat(out);
    return out;
  } catch {
    /* build it */
  }

  const entries: CpioEntry[] = [
    { name: 'bin', mode: 0o040755 },
    { name: 'dev', mode: 0o040755 },
    { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    { name: 'dev/null', mode: 0o020666, rdev: [1, 3] },
    { name: 'lib', mode: 0o040755 },
    { name: 'lib/modules', mode: 0o040755 },
    { name: 'mnt', mode: 0o040755 },
    { name: 'proc', mode: 0o040755 },
    { name: 'sys', mode: 0o040755 },
    { name: 'tmp', mode: 0o041777 },
    { name: 'bin/busybox', mode: 0o100755, data: busybox },
    { name: 'bin/sh', mode: 0o120777, data: Buffer.from('busybox') },
    { name: 'init', mode: 0o100755, data: init },
    ...mods.map(([f, b]) => ({ name: `lib/modules/${f}`, mode: 0o100644, data: b })),
  ];
  const gz = gzipSync(cpioNewc(entries), { level: 9 });
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, gz);
  await rename(tmp, out);
  // Drop initramfs images of older inputs (older than an hour, so no concurrent run needs them).
  for (const f of await readdir(dirname(out))) {
    const p = join(dirname(out), f);
    if (p === out || !/^initramfs-.*\.cpio\.gz$/.test(f)) continue;
    const st = await stat(p).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 3600_000) await rm(p, { force: true });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// prepareLinuxReader

interface Prepared extends LinuxReaderArtifacts {
  manifest: KernelManifest;
}

let preparing: Promise<Prepared> | undefined;

async function prepareInternal(opts: PrepareOptions): Promise<Prepared> {
  await requireTool(QEMU, 'qemu-system-x86');
  const busybox = await checkBusybox();
  const cache = linuxReaderCacheDir();
  const kernels = join(cache, 'kernel');

  let kernelDir: string;
  let manifest: KernelManifest | undefined;
  let resolved: { pkg: string; version: string } | undefined;
  try {
    resolved = await resolveKernelPackage(cache, opts);
  } catch (e) {
    const cached = await anyCachedKernel(kernels);
    if (!cached) throw e;
    log(opts, `apt lookup failed, using cached ${cached.manifest.package} ${cached.manifest.version}: ${(e as Error).message}`);
    kernelDir = cached.dir;
    manifest = cached.manifest;
  }
  if (resolved) {
    kernelDir = join(kernels, safeName(`${resolved.pkg}_${resolved.version}`));
    manifest = await readJson<KernelManifest>(join(kernelDir, 'manifest.json'));
    if (manifest?.layout !== KERNEL_LAYOUT_VERSION) {
      if (manifest) await rm(kernelDir, { recursive: true, force: true });
      await mkdir(kernels, { recursive: true });
      manifest = await downloadAndExtractKernel(cache, resolved.pkg, resolved.version, kernelDir, opts);
    }
  }
  const initramfs = await buildInitramfs(cache, kernelDir!, manifest!, busybox);
  return { vmlinuz: join(kernelDir!, manifest!.vmlinuz), initramfs, manifest: manifest! };
}

/**
 * Makes sure the Debian kernel and the reader's initramfs are in the cache (downloading and
 * extracting the kernel package on first use) and returns their paths. Idempotent; concurrent
 * calls in one process share the work, concurrent processes are safe (atomic renames).
 */
export async function prepareLinuxReader(opts: PrepareOptions = {}): Promise<LinuxReaderArtifacts> {
  const p = await preparedWithManifest(opts);
  return { vmlinuz: p.vmlinuz, initramfs: p.initramfs };
}

async function preparedWithManifest(opts: PrepareOptions = {}): Promise<Prepared> {
  if (opts.kernelPackage) return prepareInternal(opts);
  if (!preparing) {
    preparing = prepareInternal(opts);
    preparing.catch(() => {
      preparing = undefined;
    });
  }
  return preparing;
}

// ---------------------------------------------------------------------------------------------
// readImage

/** Module names for an fs type, dependencies first. */
function loadOrder(manifest: KernelManifest, fstype: LinuxFsType): string[] {
  const roots = [...BASE_MODULES, ...FS_MODULES[fstype]];
  const builtin = new Set(manifest.builtin);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, requiredBy: string) => {
    if (state.get(n) === 'done' || builtin.has(n)) return;
    if (state.get(n) === 'visiting') throw new LinuxReaderError(`module dependency cycle at ${n}`);
    const info = manifest.modules[n];
    if (!info) {
      throw new LinuxReaderError(
        `module ${n} (needed for ${requiredBy}) is not in the extracted kernel ${manifest.release}; fs type ${fstype} is unsupported`,
      );
    }
    state.set(n, 'visiting');
    for (const d of info.depends) visit(d, n);
    state.set(n, 'done');
    order.push(basename(info.file, '.ko'));
  };
  for (const r of roots) visit(r, fstype);
  return order;
}

function qemuDrivePath(p: string): string {
  return p.replace(/,/g, ',,');
}

const MOUNT_OPTIONS_RE = /^[A-Za-z0-9_.,=:/+@-]*$/;

/**
 * Boots the Debian kernel under QEMU TCG with `image` as a read-only virtio disk, mounts it with
 * `mount -t fstype -o ro,loud,options`, and returns every entry of the tree with its metadata and
 * sha256, plus the kernel's messages about the mount. A failed mount is reported (mountOk false,
 * mountError, warnings), not thrown; a QEMU failure, timeout or missing listing throws
 * LinuxReaderError. Takes about 5 s for a small image, ~13 s for 20 000 entries.
 */
export async function readImage(image: string, opts: ReadImageOptions): Promise<ReadImageResult> {
  const prepared = await preparedWithManifest();
  const { fstype } = opts;
  if (!(fstype in FS_MODULES)) throw new LinuxReaderError(`unsupported fstype ${String(fstype)}`);
  const options = opts.options ?? '';
  if (!MOUNT_OPTIONS_RE.test(options)) {
    throw new LinuxReaderError(`mount options must match ${MOUNT_OPTIONS_RE} (no spaces/quotes): ${options}`);
  }
  const imagePath = resolve(image);
  const st = await stat(imagePath).catch(() => undefined);
  if (!st?.isFile()) throw new LinuxReaderError(`image ${imagePath} does not exist or is not a regular file`);
  const mods = loadOrder(prepared.manifest, fstype);
  const timeoutMs = opts.timeoutMs ?? 120_000;

  const tmp = await mkdtemp(join(tmpdir(), 'linux-reader-'));
  const serialFile = join(tmp, 'serial.log');
  const listingFile = join(tmp, 'listing.raw');
  try {
    const fh = await open(listingFile, 'w');
    await fh.truncate((opts.listingDiskMiB ?? 64) * 1024 * 1024);
    await fh.close();

    const append = [
      'console=ttyS0',
      'panic=-1',
      'quiet',
      'loglevel=3',
      `lr.fs=${fstype}`,
      ...(options ? [`lr.opts=${options}`] : []),
      `lr.mods=${mods.join(',')}`,
      `lr.hash=${opts.hash === false ? 0 : 1}`,
    ].join(' ');
    const args = [
      '-accel', 'tcg',
      '-machine', 'q35',
      '-m', String(opts.memoryMiB ?? 512),
      '-smp', '1',
      '-nodefaults',
      '-display', 'none',
      '-vga', 'none',
      '-no-reboot',
      '-monitor', 'none',
      '-serial', `file:${serialFile}`,
      '-kernel', prepared.vmlinuz,
      '-initrd', prepared.initramfs,
      '-append', append,
      '-drive', `file=${qemuDrivePath(imagePath)},format=raw,if=none,id=lrimage,readonly=on`,
      '-device', 'virtio-blk-pci,drive=lrimage,serial=lr-image',
      '-drive', `file=${qemuDrivePath(listingFile)},format=raw,if=none,id=lrlisting`,
      '-device', 'virtio-blk-pci,drive=lrlisting,serial=lr-listing',
    ];
    const t0 = Date.now();
    const run = await execa(QEMU, args, {
      reject: false,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      stdin: 'ignore',
      all: true,
    });
    const durationMs = Date.now() - t0;
    const serialLog = (await readFile(serialFile, 'utf8').catch(() => '')).replace(/\r/g, '');
    const tail = serialLog.split('\n').slice(-40).join('\n');
    if (run.timedOut) {
      throw new LinuxReaderError(`QEMU did not finish within ${timeoutMs} ms (killed). Serial log tail:\n${tail}`);
    }
    if (run.exitCode !== 0) {
      throw new LinuxReaderError(`QEMU exited with ${run.exitCode}: ${run.all ?? ''}\nSerial log tail:\n${tail}`);
    }
    const listing = await readListing(listingFile);
    if (!listing) {
      throw new LinuxReaderError(`the guest wrote no listing (QEMU exit ${run.exitCode}). Serial log tail:\n${tail}`);
    }
    const result = parseListing(listing);
    if (result.meta.listing_overflow) {
      throw new LinuxReaderError(
        `the listing (${result.meta.listing_overflow} bytes) does not fit the listing disk; pass a larger listingDiskMiB`,
      );
    }
    return {
      ...result,
      serialLog,
      durationMs,
      ...(opts.keepTemp ? { tempDir: tmp } : {}),
    };
  } finally {
    if (!opts.keepTemp) await rm(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Listing parser

async function readListing(file: string): Promise<Map<string, Buffer> | undefined> {
  const buf = await readFile(file);
  const magic = Buffer.from('LINUXREADER 1\n');
  if (!buf.subarray(0, magic.length).equals(magic)) return undefined;
  const sections = new Map<string, Buffer>();
  let off = magic.length;
  for (;;) {
    const nl = buf.indexOf(0x0a, off);
    if (nl < 0) return undefined;
    const m = /^@(\S+) (\d+)$/.exec(buf.subarray(off, nl).toString('latin1'));
    if (!m) return undefined;
    const name = m[1]!;
    if (name === 'END') return sections;
    const len = Number(m[2]);
    const start = nl + 1;
    if (start + len + 1 > buf.length) return undefined;
    sections.set(name, buf.subarray(start, start + len));
    off = start + len + 1;
  }
}

function lines(b: Buffer | undefined): Buffer[] {
  if (!b || b.length === 0) return [];
  const out: Buffer[] = [];
  let s = 0;
  for (;;) {
    const nl = b.indexOf(0x0a, s);
    if (nl < 0) {
      if (s < b.length) out.push(b.subarray(s));
      return out;
    }
    out.push(b.subarray(s, nl));
    s = nl + 1;
  }
}

/** "./a/b" -> "a/b", "." -> "". */
function relPath(p: string): string {
  if (p === '.') return '';
  return p.startsWith('./') ? p.slice(2) : p;
}

/** Kernel messages unrelated to the file system that may show up while it is mounted. */
const KERNEL_NOISE = /^(tsc|clocksource|sched_clock|random|hrtimer|workqueue|rcu|NMI watchdog|input|platform|e1000|intel_rapl|ACPI):/;

const TYPE_BY_FMT: Record<number, LinuxEntryType> = {
  0o100000: 'file',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o020000: 'char',
  0o060000: 'block',
  0o010000: 'fifo',
  0o140000: 'socket',
};

/**
 * Splits "%n\t%N" into path and symlink target. For non-symlinks the rest is "P\tP"; for symlinks
 * "P\t'P' -> 'T'". Both copies of P must agree, which makes the split unambiguous.
 */
function splitNames(rest: Buffer, isLink: boolean): { path: Buffer; target?: Buffer } | undefined {
  if (!isLink) {
    if (rest.length % 2 !== 1) return undefined;
    const p = (rest.length - 1) / 2;
    if (rest[p] !== 0x09 || !rest.subarray(0, p).equals(rest.subarray(p + 1))) return undefined;
    return { path: rest.subarray(0, p) };
  }
  const arrow = Buffer.from("' -> '");
  for (let p = rest.indexOf(0x09); p >= 0; p = rest.indexOf(0x09, p + 1)) {
    const path = rest.subarray(0, p);
    if (rest[p + 1] !== 0x27) continue;
    if (!rest.subarray(p + 2, p + 2 + p).equals(path)) continue;
    if (!rest.subarray(2 * p + 2, 2 * p + 2 + arrow.length).equals(arrow)) continue;
    if (rest[rest.length - 1] !== 0x27) continue;
    const tStart = 2 * p + 2 + arrow.length;
    if (tStart > rest.length - 1) continue;
    return { path, target: rest.subarray(tStart, rest.length - 1) };
  }
  return undefined;
}

function parseListing(sections: Map<string, Buffer>): Omit<ReadImageResult, 'serialLog' | 'durationMs' | 'tempDir'> {
  const meta: Record<string, string> = {};
  for (const l of lines(sections.get('meta'))) {
    const s = l.toString('utf8');
    const i = s.indexOf('=');
    if (i > 0) meta[s.slice(0, i)] = s.slice(i + 1);
  }
  const parseErrors: string[] = [];

  const sha = new Map<string, string>();
  for (const l of lines(sections.get('sha256'))) {
    const s = l.toString('utf8');
    const m = /^([0-9a-f]{64}) {2}(.*)$/s.exec(s);
    if (!m) {
      parseErrors.push(`sha256: ${s}`);
      continue;
    }
    sha.set(relPath(m[2]!), m[1]!);
  }

  const entries: LinuxEntry[] = [];
  for (const l of lines(sections.get('stat'))) {
    // 9 fixed fields, then "%n\t%N".
    const fields: string[] = [];
    let s = 0;
    for (let i = 0; i < 9; i++) {
      const t = l.indexOf(0x09, s);
      if (t < 0) break;
      fields.push(l.subarray(s, t).toString('latin1'));
      s = t + 1;
    }
    if (fields.length !== 9) {
      parseErrors.push(`stat: ${l.toString('utf8')}`);
      continue;
    }
    const [rawMode, uid, gid, nlink, size, major, minor, ino, mtime] = fields as [
      string, string, string, string, string, string, string, string, string,
    ];
    const mode = parseInt(rawMode, 16);
    const type = TYPE_BY_FMT[mode & 0o170000];
    const names = type ? splitNames(l.subarray(s), type === 'symlink') : undefined;
    if (!type || !names) {
      parseErrors.push(`stat: ${l.toString('utf8')}`);
      continue;
    }
    const path = relPath(names.path.toString('utf8'));
    const e: LinuxEntry = {
      path,
      type,
      mode: mode & 0o7777,
      uid: Number(uid),
      gid: Number(gid),
      nlink: Number(nlink),
      size: Number(size),
      ino: Number(ino),
      mtime: Number(mtime),
    };
    if (type === 'file' && sha.has(path)) e.sha256 = sha.get(path)!;
    if (type === 'symlink' && names.target) e.target = names.target.toString('utf8');
    if (type === 'char' || type === 'block') e.rdev = { major: parseInt(major, 16), minor: parseInt(minor, 16) };
    entries.push(e);
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const kernelLog = lines(sections.get('dmesg')).map((l) => l.toString('utf8').replace(/^\[\s*\d+\.\d+\]\s?/, ''));
  const begin = kernelLog.findIndex((l) => l.includes('linux-reader: mount begin'));
  const end = kernelLog.findIndex((l) => l.includes('linux-reader: done'));
  const warnings =
    begin < 0
      ? []
      : kernelLog
          .slice(begin + 1, end < 0 ? undefined : end)
          .filter((l) => l.trim() !== '' && !l.startsWith('linux-reader: ') && !KERNEL_NOISE.test(l));
  const walkErrors = lines(sections.get('errors'))
    .map((l) => l.toString('utf8'))
    .filter(Boolean);
  const mountOk = meta.mount_rc === '0';
  const result: Omit<ReadImageResult, 'serialLog' | 'durationMs' | 'tempDir'> = {
    entries,
    mountOk,
    kernelLog,
    warnings,
    walkErrors,
    parseErrors,
    meta,
  };
  if (!mountOk) result.mountError = walkErrors.filter((l) => /mount/i.test(l)).join('\n') || `mount exit ${meta.mount_rc ?? '?'}`;
  return result;
}

/** Convenience: entries keyed by path. */
export function entriesByPath(entries: LinuxEntry[]): Map<string, LinuxEntry> {
  return new Map(entries.map((e) => [e.path, e]));
}
