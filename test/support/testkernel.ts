/**
 * Helpers to build and boot the stand-in "unix" test kernel (testkernel/) under QEMU:
 * directly through QEMU's own multiboot-1 loader (-kernel/-initrd, about 0.2 s), or
 * from a GRUB rescue ISO (multiboot 1 or 2, BIOS or UEFI).
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseKernelReport, type KernelReport } from '../../src/boot/kernel-report.js';
import { PROJECT } from './paths.js';

/** QEMU's exit status after the kernel wrote 16 to isa-debug-exit (TESTKERNEL DONE). */
export const TESTKERNEL_EXIT_OK = 33;
/** Every QEMU run is killed after this long. */
export const QEMU_TIMEOUT_MS = 60_000;

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export async function hasCommand(cmd: string): Promise<boolean> {
  const r = await execa('sh', ['-c', 'command -v "$1"', 'sh', cmd], { reject: false });
  return r.exitCode === 0;
}

/** Build testkernel/ into outDir and return the path of the ELF64 "unix". */
export async function buildTestKernel(outDir: string): Promise<string> {
  await execa('bash', [join(PROJECT, 'testkernel/build.sh'), outDir], { cwd: PROJECT });
  return join(outDir, 'unix');
}

/** Deterministic pseudo-random bytes (xorshift32), so failures can be reproduced. */
export function seededBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A minimal but valid "newc" cpio archive holding one file. */
export function newcCpio(name: string, data: Buffer): Buffer {
  const pad4 = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  const entry = (n: string, mode: number, body: Buffer, ino: number): Buffer => {
    const nameBytes = Buffer.from(n + '\0');
    const fields = [ino, mode, 0, 0, 1, 0, body.length, 0, 0, 0, 0, nameBytes.length, 0];
    const header = '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
    return Buffer.concat([pad4(Buffer.concat([Buffer.from(header), nameBytes])), pad4(body)]);
  };
  return Buffer.concat([entry(name, 0o100644, data, 1), entry('TRAILER!!!', 0, Buffer.alloc(0), 0)]);
}

export interface BootResult {
  exitCode: number | undefined;
  timedOut: boolean;
  durationMs: number;
  log: string;
  report: KernelReport;
  /** QEMU's own stderr, for failure messages. */
  stderr: string;
}

const QEMU_COMMON = [
  '-accel', 'tcg',
  '-machine', 'q35',
  '-nodefaults',
  '-display', 'none',
  '-vga', 'none',
  '-no-reboot',
  '-monitor', 'none',
  '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
];

async function runQemu(args: string[], logFile: string): Promise<BootResult> {
  const started = Date.now();
  const r = await execa('qemu-system-x86_64', [...args, '-serial', `file:${logFile}`], {
    reject: false,
    timeout: QEMU_TIMEOUT_MS,
    forceKillAfterDelay: 2000,
    stdin: 'ignore',
  });
  const log = existsSync(logFile) ? await readFile(logFile, 'utf8') : '';
  return {
    exitCode: r.exitCode,
    timedOut: r.timedOut,
    durationMs: Date.now() - started,
    log,
    report: parseKernelReport(log),
    stderr: String(r.stderr ?? ''),
  };
}

export interface InitrdModule {
  path: string;
  /** Text after the path in the module string, e.g. "type=rootfs". */
  args?: string | undefined;
}

/**
 * Boot a multiboot kernel with QEMU's built-in loader. QEMU passes "<kernel path> <append>"
 * as the command line and "<module path> <args>" as each module string.
 */
export async function bootWithQemuLoader(opts: {
  kernel: string;
  append?: string;
  modules: InitrdModule[];
  logFile: string;
  memoryMiB?: number;
}): Promise<BootResult> {
  // -initrd separates modules with ",": a literal comma is written ",,".
  const initrd = opts.modules
    .map((m) => (m.args ? `${m.path} ${m.args}` : m.path).replace(/,/g, ',,'))
    .join(',');
  const args = [...QEMU_COMMON, '-m', String(opts.memoryMiB ?? 256), '-kernel', opts.kernel];
  if (opts.append !== undefined) args.push('-append', opts.append);
  if (opts.modules.length > 0) args.push('-initrd', initrd);
  return runQemu(args, opts.logFile);
}

export interface GrubIsoModule {
  /** File to put on the ISO. */
  source: string;
  /** Absolute path on the ISO. */
  isoPath: string;
  /** Module string words after the file name (GRUB 2 drops the first word). */
  words?: string;
}

/** Build a GRUB 2 rescue ISO (BIOS + UEFI) that boots the kernel with multiboot 1 or 2. */
export async function makeGrubIso(opts: {
  workDir: string;
  iso: string;
  kernel: string;
  kernelIsoPath: string;
  kernelWords: string;
  protocol: 'mb1' | 'mb2';
  modules: GrubIsoModule[];
}): Promise<void> {
  const root = join(opts.workDir, 'isoroot');
  const place = async (src: string, isoPath: string): Promise<void> => {
    const dest = join(root, isoPath);
    await mkdir(join(dest, '..'), { recursive: true });
    await copyFile(src, dest);
  };
  await place(opts.kernel, opts.kernelIsoPath);
  for (const m of opts.modules) await place(m.source, m.isoPath);
  const [mbCmd, modCmd] = opts.protocol === 'mb1' ? ['multiboot', 'module'] : ['multiboot2', 'module2'];
  const cfg = [
    'serial --unit=0 --speed=115200',
    'terminal_input serial',
    'terminal_output serial',
    'set timeout=0',
    'set default=0',
    'menuentry "testkernel" {',
    `  ${mbCmd} ${opts.kernelIsoPath} ${opts.kernelWords}`,
    // --nounzip: the kernel must see the bytes of the file, not GRUB's decompression of it.
    ...opts.modules.map((m) => `  ${modCmd} --nounzip ${m.isoPath}${m.words ? ' ' + m.words : ''}`),
    '  boot',
    '}',
    '',
  ].join('\n');
  await mkdir(join(root, 'boot/grub'), { recursive: true });
  await writeFile(join(root, 'boot/grub/grub.cfg'), cfg);
  await execa('grub-mkrescue', ['-o', opts.iso, root], { all: true });
}

/** Boot an ISO as a CD-ROM under SeaBIOS or OVMF. */
export async function bootIso(opts: {
  iso: string;
  firmware: 'bios' | 'uefi';
  logFile: string;
  workDir: string;
}): Promise<BootResult> {
  const args = [...QEMU_COMMON, '-m', '512'];
  if (opts.firmware === 'uefi') {
    const vars = join(opts.workDir, 'OVMF_VARS.fd'); // OVMF writes to its variable store
    await copyFile(OVMF_VARS, vars);
    args.push(
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    );
  }
  args.push('-drive', `file=${opts.iso},media=cdrom,if=ide,readonly=on`, '-boot', 'd');
  return runQemu(args, opts.logFile);
}

/** A readable failure message: exit status and the tail of the serial log. */
export function describeBoot(r: BootResult): string {
  const tail = r.log.split('\n').slice(-40).join('\n');
  return `exit=${r.exitCode} timedOut=${r.timedOut} after ${r.durationMs} ms\n--- serial log (tail) ---\n${tail}\n--- qemu stderr ---\n${r.stderr}`;
}
