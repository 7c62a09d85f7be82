/**
 * QEMU driver: one qemu-system-x86_64 process, no display, the serial console
 * written to the log file (a file, never a pty nobody reads: a full pty blocks
 * the guest), and isa-debug-exit so the stand-in kernel can end the run
 * (status 33 = finished, 35 = bad boot magic).
 */
import { access, constants, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import type { ChildProcess } from 'node:child_process';
import { track } from '../util/children.js';
import { ToolMissingError, UsageError } from '../util/errors.js';
import { which } from '../util/which.js';
import { findOvmf, ovmfForPrint, type OvmfPair } from './firmware.js';
import { shellLine, type Accel, type RunningVm, type VmDriver, type VmExit, type VmSettings } from './vm.js';

export const QEMU = 'qemu-system-x86_64';
export const QEMU_PACKAGE = 'qemu-system-x86';
/** Exit statuses of QEMU when the stand-in kernel writes to isa-debug-exit. */
export const QEMU_EXIT_KERNEL_DONE = 33;
export const QEMU_EXIT_BAD_MAGIC = 35;
/** After SIGTERM, QEMU gets this long before SIGKILL. */
const KILL_GRACE_MS = 2000;

export interface QemuSettings extends VmSettings {
  accel: Accel;
  /** OVMF code and the writable per-run copy of the VARS template (UEFI only). */
  ovmf?: { code: string; varsCopy: string };
}

/** -drive/-pflash values are comma-separated option lists: a comma in a path is written ",,". */
const optPath = (p: string): string => p.replace(/,/g, ',,');

/** The QEMU arguments (without the program name). */
export function qemuArgs(s: QemuSettings): string[] {
  const args = [
    '-accel', s.accel,
    '-machine', 'q35',
    '-m', String(s.memoryMiB),
    '-smp', String(s.cpus),
    '-nodefaults',
    '-display', 'none',
    '-vga', 'none',
    '-no-reboot',
    '-monitor', 'none',
    // The legacy -serial syntax takes the rest of the word as the path: no comma escaping.
    '-serial', `file:${s.log}`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
  if (s.firmware === 'uefi') {
    if (!s.ovmf) throw new Error('internal: UEFI boot without OVMF files');
    args.push(
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${optPath(s.ovmf.code)}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${optPath(s.ovmf.varsCopy)}`,
    );
  }
  if (s.as === 'cdrom') {
    args.push('-drive', `file=${optPath(s.iso)},media=cdrom,if=ide,readonly=on`, '-boot', 'd');
  } else if (s.as === 'pxe') {
    // QEMU's user network: its DHCP server names the boot file, its TFTP server serves the tree.
    // The e1000 has iPXE option ROMs for both firmwares (QEMU's pxe-e1000.rom, efi-e1000.rom).
    if (!s.pxeBootFile) throw new Error('internal: PXE boot without a boot file');
    args.push('-netdev', `user,id=net0,tftp=${optPath(s.iso)},bootfile=${optPath(s.pxeBootFile)}`, '-device', 'e1000,netdev=net0', '-boot', 'n');
  } else {
    // IDE hard disks refuse readonly=on; snapshot=on keeps the guest's writes off the image.
    args.push('-drive', `file=${optPath(s.iso)},format=${s.diskFormat ?? 'raw'},if=ide,snapshot=on`);
  }
  return args;
}

/** --accel kvm needs a usable /dev/kvm (and then runs with the default CPU: -cpu host aborts on nested hosts). */
export async function checkAccel(accel: Accel, kvmDevice = '/dev/kvm'): Promise<void> {
  if (accel !== 'kvm') return;
  try {
    await access(kvmDevice, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `--accel kvm needs ${kvmDevice}, which this machine does not have; use --accel tcg`
        : `--accel kvm needs read/write access to ${kvmDevice} (join the "kvm" group, or use --accel tcg)`,
    );
  }
}

const SPAWN_OPTIONS = {
  stdin: 'ignore',
  stdout: 'ignore',
  stderr: 'pipe',
  reject: false,
  forceKillAfterDelay: KILL_GRACE_MS,
} as const;

export class QemuDriver implements VmDriver {
  readonly kind = 'qemu' as const;
  private child: ResultPromise<typeof SPAWN_OPTIONS> | undefined;
  private stopping = false;

  constructor(
    private readonly settings: VmSettings & { accel: Accel },
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  describe(): Promise<string[]> {
    return describeQemu(this.settings, this.env);
  }

  async preflight(): Promise<void> {
    if (!(await which(QEMU))) throw new ToolMissingError(QEMU, QEMU_PACKAGE, 'to boot-test an image');
    await checkAccel(this.settings.accel);
    if (this.settings.firmware === 'uefi') await findOvmf(this.env);
  }

  async start(workDir: string): Promise<RunningVm> {
    let ovmf: QemuSettings['ovmf'];
    if (this.settings.firmware === 'uefi') {
      const pair = await findOvmf(this.env);
      // OVMF writes its variable store: never hand it the system template.
      const varsCopy = join(workDir, 'OVMF_VARS.fd');
      await copyFile(pair.vars, varsCopy);
      ovmf = { code: pair.code, varsCopy };
    }
    const args = qemuArgs({ ...this.settings, ovmf });
    // QEMU must not outlive boot-test, even one killed with SIGKILL (which runs no handler): on
    // Linux, setpriv(1) from util-linux sets the parent-death signal and execs QEMU in its place.
    const setpriv = process.platform === 'linux' ? await which('setpriv') : undefined;
    // Loaded here rather than when compose starts (see util/children.ts).
    const { execa } = await import('execa');
    const child = setpriv ? execa(setpriv, ['--pdeathsig', 'SIGKILL', '--', QEMU, ...args], SPAWN_OPTIONS) : execa(QEMU, args, SPAWN_OPTIONS);
    track(child as unknown as ChildProcess);
    this.child = child;
    const exited: Promise<VmExit> = child.then((r) => ({
      code: r.exitCode ?? null,
      signal: r.signal ?? null,
      // A failed spawn has no stderr of its own: use execa's reason.
      stderr: String(r.stderr ?? '').trim() || (r.exitCode === undefined && !r.signal ? (r.shortMessage ?? '') : ''),
      stoppedByUs: this.stopping,
    }));
    return {
      exited,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          this.stopping = true;
          child.kill('SIGTERM'); // execa sends SIGKILL after KILL_GRACE_MS
        }
        await exited;
      },
    };
  }

  async cleanup(): Promise<void> {
    // Nothing is registered outside the work directory.
  }

  killNow(): void {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      this.stopping = true;
      c.kill('SIGKILL');
    }
  }
}

/** The command line --print shows; the VARS copy lives next to the log. */
export async function describeQemu(s: VmSettings & { accel: Accel }, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  if (s.firmware === 'bios') return [shellLine([QEMU, ...qemuArgs(s)])];
  const pair: OvmfPair = await ovmfForPrint(env);
  const varsCopy = `${s.log}.OVMF_VARS.fd`;
  return [shellLine(['cp', pair.vars, varsCopy]), shellLine([QEMU, ...qemuArgs({ ...s, ovmf: { code: pair.code, varsCopy } })])];
}
