/**
 * Helpers for the ISO writer's tests: fixture staged trees, deterministic boot archives, reading
 * ISOs back with xorriso and mtools, and booting them under QEMU (BIOS/UEFI × CD/disk).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeBootArchive } from '../../src/archive/boot-archive.js';
import { parseKernelReport, type KernelReport } from '../../src/boot/kernel-report.js';
import { mergeChain } from '../../src/profile/resolve.js';
import type { Profile } from '../../src/profile/schema.js';
import { readDirTree } from '../../src/proto/dir-reader.js';
import type { StagedTree } from '../../src/stage/tree.js';
import { PROJECT } from './paths.js';

export const ISO_FIXTURES = join(PROJECT, 'test/fixtures/iso');
export const EPOCH = 1767225600; // 2026-01-01T00:00:00Z
export const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1', TZ: 'UTC' };

export async function isoTempDir(prefix = 'compose-iso-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A resolved profile with the boot settings under test (defaults from the profile resolver). */
export function isoProfile(boot: Partial<Profile['boot']> = {}, name = 'isotest'): Profile {
  const p = mergeChain([{ file: `/profiles/${name}.yaml`, data: {} }]);
  return { ...p, boot: { ...p.boot, console: 'ttya', ...boot } };
}

/** A staged tree from a fixture proto's boot/ (or nothing), plus the kernel at its usual path. */
export async function stageIsoTree(fixture: 'loader' | 'grub-legacy' | null, kernel: string | Buffer): Promise<StagedTree> {
  const root = fixture ? join(ISO_FIXTURES, fixture) : await isoTempDir('compose-iso-empty-');
  const tree = await readDirTree(root, { origin: 'proto', mtime: EPOCH });
  if (!fixture) await rm(root, { recursive: true });
  const kernelEntry = { path: 'platform/i86pc/kernel/amd64/unix', type: 'file' as const, mode: 0o755, uid: 0, gid: 0, mtime: EPOCH };
  if (typeof kernel === 'string') tree.put({ ...kernelEntry, size: (await readFile(kernel)).length, source: { kind: 'host', path: kernel, origin: 'proto' } });
  else tree.put({ ...kernelEntry, size: kernel.length, source: { kind: 'generated', data: kernel, generator: 'test kernel stand-in' } });
  return tree;
}

/**
 * A deterministic "image" of `bytes` bytes (text-like, so gzip shrinks it) and the boot archive
 * made from it by makeBootArchive: gzip'd archive + .hash of the uncompressed image.
 */
export async function makeTestArchive(dir: string, bytes: number, seed = 1): Promise<{ image: string; path: string; hashPath: string; sha1: string }> {
  const image = join(dir, `image-${seed}.ufs`);
  const out = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = i % 4096 < 2048 ? 0x61 + (x % 16) : 0; // half letters, half zeros
  }
  await writeFile(image, out);
  const ba = await makeBootArchive(image, join(dir, `boot_archive-${seed}`));
  return { image, path: ba.archive, hashPath: ba.hashFile, sha1: ba.sha1 };
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Extract a whole ISO with xorriso (no mounting) into `dir`. */
export async function extractIso(iso: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await execa('xorriso', ['-no_rc', '-osirrox', 'on', '-indev', iso, '-extract', '/', dir]);
}

/** Every file and symlink in the ISO as xorriso lists it (no directories), without the leading slash. */
export async function listIso(iso: string): Promise<string[]> {
  const r = await execa('xorriso', ['-no_rc', '-indev', iso, '-find', '/', '-exec', 'lsdl', '--'], { all: true });
  const paths: string[] = [];
  for (const line of String(r.all).split('\n')) {
    const m = /^([-lbcps])\S*\s.*?'\/(.*?)'(?: -> '.*')?$/.exec(line);
    if (m) paths.push(m[2]!);
  }
  return paths.sort();
}

export interface GptPartition {
  /** Type GUID in its usual text form, upper case. */
  type: string;
  firstLba: number;
  lastLba: number;
}

export const ESP_TYPE_GUID = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';

/** The GPT of a disk image with 512-byte sectors, read straight from the bytes. */
export async function readGpt(image: string): Promise<GptPartition[]> {
  const head = (await readFile(image)).subarray(0, 64 * 1024);
  if (head.subarray(512, 520).toString('latin1') !== 'EFI PART') return [];
  const entriesLba = Number(head.readBigUInt64LE(512 + 72));
  const count = head.readUInt32LE(512 + 80);
  const size = head.readUInt32LE(512 + 84);
  const guid = (b: Buffer): string => {
    const h = (x: Buffer) => x.toString('hex').toUpperCase();
    const r = (x: Buffer) => h(Buffer.from(x).reverse());
    return `${r(b.subarray(0, 4))}-${r(b.subarray(4, 6))}-${r(b.subarray(6, 8))}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
  };
  const out: GptPartition[] = [];
  for (let i = 0; i < count; i++) {
    const e = head.subarray(entriesLba * 512 + i * size, entriesLba * 512 + (i + 1) * size);
    if (e.length < 48 || e.subarray(0, 16).every((b) => b === 0)) continue;
    out.push({ type: guid(e.subarray(0, 16)), firstLba: Number(e.readBigUInt64LE(32)), lastLba: Number(e.readBigUInt64LE(40)) });
  }
  return out;
}

export async function elToritoReport(iso: string, mode: 'plain' | 'as_mkisofs' = 'plain'): Promise<string> {
  // as_mkisofs exits 32 ("SORRY") when it cannot propose options for every system-area byte.
  const r = await execa('xorriso', ['-no_rc', '-indev', iso, '-report_el_torito', mode], { all: true, reject: false });
  return String(r.all);
}

/** `mdir -/ -b` of a FAT image (or of a FAT at a byte offset inside a disk image: "iso@@offset"). */
export async function fatListing(image: string): Promise<string[]> {
  const r = await execa('mdir', ['-i', image, '-/', '-b', '::/'], { env: MTOOLS_ENV });
  return String(r.stdout)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

export async function fatRead(image: string, name: string): Promise<Buffer> {
  const r = await execa('mcopy', ['-i', image, `::/${name}`, '-'], { env: MTOOLS_ENV, encoding: 'buffer' });
  return Buffer.from(r.stdout);
}

/** A GRUB config for a stand-in loader: serial console, a line naming the platform, then `body`. */
async function writeStandinCfg(path: string, body: string[]): Promise<string> {
  await writeFile(path, ['serial --unit=0 --speed=115200', 'terminal_input serial', 'terminal_output serial', 'echo "STANDIN-LOADER $grub_platform"', ...body, 'boot', ''].join('\n'));
  return path;
}

const STANDIN_MODULES = ['normal', 'serial', 'terminal', 'multiboot', 'echo', 'test', 'boot'];

/**
 * GRUB 2 images that stand in for the illumos loader's cdboot and loader64.efi, so the loader
 * backend's El Torito entries and EFI system partition can be booted for real: each prints
 * "STANDIN-LOADER <platform>", finds the medium by its boot/loader.conf and boots the test kernel
 * with the archive at the loader's place.
 */
export async function makeLoaderStandins(dir: string): Promise<{ cdboot: string; loader64: string }> {
  const cfg = await writeStandinCfg(join(dir, 'standin.cfg'), [
    'search --no-floppy --set=root --file /boot/loader.conf',
    'multiboot ($root)/platform/i86pc/kernel/amd64/unix /platform/i86pc/kernel/amd64/unix -B standin=loader',
    'module --nounzip ($root)/platform/i86pc/amd64/boot_archive /platform/i86pc/amd64/boot_archive type=rootfs',
  ]);
  const mods = ['iso9660', 'fat', 'part_msdos', 'part_gpt', 'search', 'search_fs_file', ...STANDIN_MODULES];
  const cdboot = join(dir, 'cdboot');
  const loader64 = join(dir, 'loader64.efi');
  await execa('grub-mkimage', ['-O', 'i386-pc-eltorito', '-p', '/boot/grub', '-c', cfg, '-o', cdboot, 'biosdisk', ...mods]);
  await execa('grub-mkimage', ['-O', 'x86_64-efi', '-p', '/boot/grub', '-c', cfg, '-o', loader64, ...mods]);
  return { cdboot, loader64 };
}

/**
 * GRUB network images standing in for the loader's pxeboot and loader64.efi: they do what the
 * loader does over the network, reading boot/loader.conf from the TFTP server that gave them
 * (printed on the console), then the kernel and the archive.
 */
export async function makeNetLoaderStandins(dir: string): Promise<{ pxeboot: string; loader64: string }> {
  const cfg = await writeStandinCfg(join(dir, 'standin-net.cfg'), [
    'set root=(tftp)',
    'cat /boot/loader.conf',
    'multiboot /platform/i86pc/kernel/amd64/unix /platform/i86pc/kernel/amd64/unix -B standin=pxe',
    'module --nounzip /platform/i86pc/amd64/boot_archive /platform/i86pc/amd64/boot_archive type=rootfs',
  ]);
  const mods = ['net', 'tftp', 'cat', ...STANDIN_MODULES];
  const pxeboot = join(dir, 'pxeboot');
  const loader64 = join(dir, 'loader64-net.efi');
  await execa('grub-mkimage', ['-O', 'i386-pc-pxe', '-p', '(tftp)/boot/grub', '-c', cfg, '-o', pxeboot, 'pxe', ...mods]);
  await execa('grub-mkimage', ['-O', 'x86_64-efi', '-p', '(tftp)/boot/grub', '-c', cfg, '-o', loader64, 'efinet', ...mods]);
  return { pxeboot, loader64 };
}

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** Every QEMU run is killed after this long. */
export const BOOT_TIMEOUT_MS = 90_000;
/** QEMU's exit status once the test kernel wrote to isa-debug-exit. */
export const TESTKERNEL_EXIT_OK = 33;

export interface IsoBootResult {
  firmware: 'bios' | 'uefi';
  media: 'cdrom' | 'disk';
  exitCode: number | undefined;
  timedOut: boolean;
  durationMs: number;
  log: string;
  report: KernelReport;
  stderr: string;
}

/** Boot an ISO under SeaBIOS or OVMF, as a CD-ROM or as a hard disk (a USB stick written with dd). */
export async function bootIsoImage(opts: { iso: string; firmware: 'bios' | 'uefi'; media: 'cdrom' | 'disk'; workDir: string }): Promise<IsoBootResult> {
  const tag = `${opts.firmware}-${opts.media}`;
  const logFile = join(opts.workDir, `serial-${tag}.log`);
  const args = [
    '-accel', 'tcg', '-machine', 'q35', '-m', '512', '-nodefaults', '-display', 'none', '-vga', 'none',
    '-no-reboot', '-monitor', 'none', '-serial', `file:${logFile}`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
  if (opts.firmware === 'uefi') {
    const vars = join(opts.workDir, `OVMF_VARS-${tag}.fd`); // OVMF writes to its variable store
    await copyFile(OVMF_VARS, vars);
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`);
  }
  if (opts.media === 'cdrom') args.push('-drive', `file=${opts.iso},media=cdrom,if=ide,readonly=on`, '-boot', 'd');
  else args.push('-drive', `file=${opts.iso},format=raw,if=ide,snapshot=on`);
  const started = Date.now();
  const r = await execa('qemu-system-x86_64', args, { reject: false, timeout: BOOT_TIMEOUT_MS, forceKillAfterDelay: 2000, stdin: 'ignore' });
  const log = existsSync(logFile) ? await readFile(logFile, 'utf8') : '';
  return {
    firmware: opts.firmware,
    media: opts.media,
    exitCode: r.exitCode,
    timedOut: r.timedOut,
    durationMs: Date.now() - started,
    log,
    report: parseKernelReport(log),
    stderr: String(r.stderr ?? ''),
  };
}

export function describeIsoBoot(r: IsoBootResult): string {
  const tail = r.log.replace(/\x1b\[[0-9;?=]*[A-Za-z]/g, '').split('\n').slice(-25).join('\n');
  return `${r.firmware} ${r.media}: exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''} after ${r.durationMs} ms\n${r.stderr}\n--- serial log tail ---\n${tail}`;
}
