/**
 * The stand-in "unix" test kernel (testkernel/) describes on its serial console
 * what the loader handed it.  This module turns that serial log into a typed
 * report, and computes on the host the same size/FNV-1a-32/CRC-32 the kernel
 * prints for each module, so a boot test can compare the two.
 *
 * Kernel line formats (after removing \r and ANSI escapes; other lines are
 * ignored).  <s> fields are printed with control bytes as \xNN and a
 * backslash as \\ ; parseKernelReport undoes that.
 *
 *   TESTKERNEL START proto=<mb1|mb2|unknown> magic=0x<8 hex> info=0x<8 hex>
 *   MBI flags=0x<8 hex>                                  (multiboot 1 only)
 *   LOADER <s>                                           (if the loader names itself)
 *   CMDLINE <s>                                          (if a command line was passed)
 *   MEM lower=<KiB> upper=<KiB>
 *   EFI64 systab=0x<16 hex>                              (multiboot 2 on UEFI)
 *   EFI32 systab=0x<8 hex>
 *   ACPI rsdp=<v1|v2|v1+v2>
 *   MODULES <n>
 *   MODULE <i> string=<s> size=<dec> fnv=0x<8 hex> crc32=0x<8 hex> fs=<kind>
 *   UFS <i> fs_size=<dec> fs_ncg=<dec> fs_bsize=<dec> fs_fsize=<dec> clean=0x<2 hex> state_ok=<yes|no>
 *   UFSDIR <i> <ino> <name s>                            (each root directory entry)
 *   UFSDIR <i> END count=<n>                             (listing complete)
 *   UFSERR <i> <reason>                                  (listing stopped)
 *   ISO9660 <i> volid=<s>
 *   ISOERR <i> <reason>
 *   MODERR <reason>
 *   COMPOSE-BOOT-OK <profile>
 *   TESTKERNEL FAIL <reason>
 *   TESTKERNEL DONE
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';

export type ModuleFs =
  | 'ufs'
  | 'ufs-mtb'
  | 'ufs2'
  | 'iso9660'
  | 'cpio'
  | 'gzip'
  | 'zstd'
  | 'xz'
  | 'unknown';

const MODULE_FS: readonly ModuleFs[] = [
  'ufs',
  'ufs-mtb',
  'ufs2',
  'iso9660',
  'cpio',
  'gzip',
  'zstd',
  'xz',
  'unknown',
];

export interface UfsDirEntry {
  ino: number;
  name: string;
}

export interface UfsReport {
  fsSize: number;
  ncg: number;
  bsize: number;
  fsize: number;
  /** fs_clean byte (1 = FSCLEAN, 2 = FSSTABLE, ...). */
  clean: number;
  /** fs_state + fs_time == FSOKAY (mod 2^32). */
  stateOk: boolean;
  /** Root directory entries in on-disk order, including "." and "..". */
  rootEntries: UfsDirEntry[];
  /** True once "UFSDIR <i> END" was seen, i.e. the whole root directory was read. */
  complete: boolean;
  /** The count the kernel printed on the END line. */
  endCount?: number;
}

export interface ModuleReport {
  index: number;
  /** The module string as the loader passed it (GRUB 2 drops the first word). */
  string: string;
  size: number;
  /** "0x" + 8 lowercase hex digits. */
  fnv: string;
  /** "0x" + 8 lowercase hex digits. */
  crc32: string;
  fs: ModuleFs;
  ufs?: UfsReport;
  iso9660?: { volid: string };
  /** UFSERR / ISOERR reasons for this module. */
  errors: string[];
}

export interface KernelReport {
  started: boolean;
  proto?: 'mb1' | 'mb2';
  /** Boot magic as printed, e.g. "0x2badb002". */
  magic?: string;
  loader?: string;
  cmdline?: string;
  memLowerKiB?: number;
  memUpperKiB?: number;
  /** EFI64 system table address ("0x" + 16 hex digits) when booted by multiboot 2 on UEFI. */
  efi64SystemTable?: string;
  /** Number of modules the loader reported ("MODULES <n>"). */
  moduleCount?: number;
  modules: ModuleReport[];
  /** Profile name after COMPOSE-BOOT-OK. */
  bootOk?: string;
  done: boolean;
  /** TESTKERNEL FAIL and MODERR reasons. */
  failures: string[];
}

// CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), charset selection (ESC ( B) and
// other two-byte escapes, as emitted by GRUB's and OVMF's terminal output.
const ANSI_RE =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-~]|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;

/** Remove ANSI escape sequences and carriage returns. */
export function stripTerminalNoise(text: string): string {
  return text.replace(ANSI_RE, '').replace(/\r/g, '');
}

/** Undo the kernel's escaping: \\ -> \ and \xNN -> that byte. */
export function unescapeKernelString(s: string): string {
  return s.replace(/\\(\\|x[0-9a-fA-F]{2})/g, (_m, e: string) =>
    e === '\\' ? '\\' : String.fromCharCode(parseInt(e.slice(1), 16)),
  );
}

const MODULE_RE =
  /^MODULE (\d+) string=(.*) size=(\d+) fnv=(0x[0-9a-f]{8}) crc32=(0x[0-9a-f]{8}) fs=(\S+)$/;
const UFS_RE =
  /^UFS (\d+) fs_size=(\d+) fs_ncg=(\d+) fs_bsize=(\d+) fs_fsize=(\d+) clean=0x([0-9a-f]+) state_ok=(yes|no)$/;
const UFSDIR_END_RE = /^UFSDIR (\d+) END count=(\d+)$/;
const UFSDIR_RE = /^UFSDIR (\d+) (\d+) (.*)$/;

function emptyReport(): KernelReport {
  return { started: false, modules: [], done: false, failures: [] };
}

/**
 * Parse the serial output of the test kernel.  Unrelated lines (firmware,
 * GRUB) are ignored; if the log holds several boots, the last one wins.
 */
export function parseKernelReport(serialText: string): KernelReport {
  let report = emptyReport();
  const byIndex = new Map<number, ModuleReport>();
  const moduleAt = (i: number): ModuleReport | undefined => byIndex.get(i);

  for (const raw of stripTerminalNoise(serialText).split('\n')) {
    let line = raw.trimStart(); // keep trailing blanks: they may belong to a string
    // Firmware output may be left on the same line as our first line.
    const start = line.indexOf('TESTKERNEL START ');
    if (start > 0) line = line.slice(start);
    if (line.length === 0) continue;

    let m: RegExpExecArray | null;
    if (line.startsWith('TESTKERNEL START ')) {
      report = emptyReport();
      byIndex.clear();
      report.started = true;
      const proto = /\bproto=(\S+)/.exec(line)?.[1];
      if (proto === 'mb1' || proto === 'mb2') report.proto = proto;
      const magic = /\bmagic=(0x[0-9a-f]+)/.exec(line)?.[1];
      if (magic !== undefined) report.magic = magic;
      continue;
    }
    if (!report.started) continue;

    if (line === 'TESTKERNEL DONE') {
      report.done = true;
    } else if (line.startsWith('TESTKERNEL FAIL')) {
      report.failures.push(line.slice('TESTKERNEL FAIL'.length).trim());
    } else if (line.startsWith('MODERR ')) {
      report.failures.push(line.slice('MODERR '.length));
    } else if (line === 'LOADER' || line.startsWith('LOADER ')) {
      report.loader = unescapeKernelString(line.slice('LOADER '.length));
    } else if (line === 'CMDLINE' || line.startsWith('CMDLINE ')) {
      report.cmdline = unescapeKernelString(line.slice('CMDLINE '.length));
    } else if ((m = /^MEM lower=(\d+) upper=(\d+)$/.exec(line))) {
      report.memLowerKiB = Number(m[1]);
      report.memUpperKiB = Number(m[2]);
    } else if ((m = /^EFI64 systab=(0x[0-9a-f]+)$/.exec(line))) {
      report.efi64SystemTable = m[1]!;
    } else if ((m = /^MODULES (\d+)$/.exec(line))) {
      report.moduleCount = Number(m[1]);
    } else if ((m = MODULE_RE.exec(line))) {
      const fs = m[6] as ModuleFs;
      const mod: ModuleReport = {
        index: Number(m[1]),
        string: unescapeKernelString(m[2]!),
        size: Number(m[3]),
        fnv: m[4]!,
        crc32: m[5]!,
        fs: MODULE_FS.includes(fs) ? fs : 'unknown',
        errors: [],
      };
      byIndex.set(mod.index, mod);
      report.modules.push(mod);
    } else if ((m = UFS_RE.exec(line))) {
      const mod = moduleAt(Number(m[1]));
      if (mod) {
        mod.ufs = {
          fsSize: Number(m[2]),
          ncg: Number(m[3]),
          bsize: Number(m[4]),
          fsize: Number(m[5]),
          clean: parseInt(m[6]!, 16),
          stateOk: m[7] === 'yes',
          rootEntries: [],
          complete: false,
        };
      }
    } else if ((m = UFSDIR_END_RE.exec(line))) {
      const ufs = moduleAt(Number(m[1]))?.ufs;
      if (ufs) {
        ufs.complete = true;
        ufs.endCount = Number(m[2]);
      }
    } else if ((m = UFSDIR_RE.exec(line))) {
      moduleAt(Number(m[1]))?.ufs?.rootEntries.push({
        ino: Number(m[2]),
        name: unescapeKernelString(m[3]!),
      });
    } else if ((m = /^(?:UFSERR|ISOERR) (\d+) (.*)$/.exec(line))) {
      moduleAt(Number(m[1]))?.errors.push(m[2]!);
    } else if ((m = /^ISO9660 (\d+) volid=(.*)$/.exec(line))) {
      const mod = moduleAt(Number(m[1]));
      if (mod) mod.iso9660 = { volid: unescapeKernelString(m[2]!) };
    } else if ((m = /^COMPOSE-BOOT-OK (\S+)$/.exec(line))) {
      report.bootOk = unescapeKernelString(m[1]!);
    }
  }
  return report;
}

// ---------------------------------------------------------------------------
// Host-side checksums, formatted exactly like the kernel's.

export interface Checksums {
  size: number;
  /** FNV-1a-32, "0x" + 8 lowercase hex digits. */
  fnv: string;
  /** CRC-32 (IEEE, as zlib), "0x" + 8 lowercase hex digits. */
  crc32: string;
}

export function formatHex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1aUpdate(h: number, data: Uint8Array): number {
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, FNV_PRIME);
  return h >>> 0;
}

// zlib.crc32 exists from Node 20.15/22.2; keep a table version for older 20.x.
let crcTable: Uint32Array | undefined;
function crc32Fallback(data: Uint8Array, prev: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let c = ~prev >>> 0;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function crc32Update(data: Uint8Array, prev: number): number {
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  return native ? native(data, prev) : crc32Fallback(data, prev);
}

/** Incremental form of the kernel's checksums. */
export class KernelChecksum {
  private size = 0;
  private fnv = FNV_OFFSET;
  private crc = 0;

  update(chunk: Uint8Array): this {
    this.size += chunk.length;
    this.fnv = fnv1aUpdate(this.fnv, chunk);
    this.crc = crc32Update(chunk, this.crc);
    return this;
  }

  digest(): Checksums {
    return { size: this.size, fnv: formatHex32(this.fnv), crc32: formatHex32(this.crc) };
  }
}

export function checksumBuffer(buf: Uint8Array): Checksums {
  return new KernelChecksum().update(buf).digest();
}

export interface ChecksumFileOptions {
  /**
   * Checksum the gunzipped content instead of the file bytes: GRUB 2
   * decompresses gzip modules before the kernel sees them (unless --nounzip).
   */
  gunzip?: boolean;
  /** Read size; default 1 MiB. */
  chunkSize?: number;
}

/** Checksums of a file, streamed in chunks (the file is never read whole). */
export async function checksumFile(path: string, options: ChecksumFileOptions = {}): Promise<Checksums> {
  const sum = new KernelChecksum();
  const file = createReadStream(path, { highWaterMark: options.chunkSize ?? 1 << 20 });
  // pipeline() forwards a read error of the file to the gunzip stream we iterate.
  const source: AsyncIterable<Buffer> = options.gunzip
    ? pipeline(file, zlib.createGunzip(), () => {})
    : file;
  try {
    for await (const chunk of source) sum.update(chunk);
  } finally {
    file.destroy();
  }
  return sum.digest();
}
