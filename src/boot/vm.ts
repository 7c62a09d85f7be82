/** What the boot tester needs from a hypervisor, and the shared settings of a test VM. */
import type { Firmware } from './firmware.js';

export type VmKind = 'qemu' | 'virtualbox' | 'bhyve';
/** How the image reaches the VM: as a CD, as a hard disk, or over the network (a PXE tree served by TFTP). */
export type AttachAs = 'cdrom' | 'disk' | 'pxe';
export type Accel = 'tcg' | 'kvm';

export interface VmSettings {
  /** Absolute path of the image. */
  iso: string;
  /** Absolute path of the serial log. */
  log: string;
  firmware: Firmware;
  as: AttachAs;
  /** The disk image's format (as 'disk'). */
  diskFormat?: 'raw' | 'qcow2' | 'vmdk' | 'vdi';
  /** The network boot program for this firmware, relative to the tree (as 'pxe'). */
  pxeBootFile?: string;
  memoryMiB: number;
  cpus: number;
}

export interface VmExit {
  /** Exit status of the hypervisor process (QEMU), if it exited normally. */
  code: number | null;
  /** The signal that ended it, if any ("SIGTERM" when we stopped it). */
  signal: string | null;
  /** Its standard error, or why it could not be started. */
  stderr: string;
  /** Whether the boot tester stopped it (rather than the guest or a crash). */
  stoppedByUs: boolean;
}

export interface RunningVm {
  /** Resolves once the VM is gone, for whatever reason. Never rejects. */
  readonly exited: Promise<VmExit>;
  /** Stop the VM; resolves when it is gone. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface VmDriver {
  readonly kind: VmKind;
  /** Commands that would run, shell-quoted, one per line (for --print). */
  describe(): Promise<string[]>;
  /** Check that the tools and firmware are there, before anything is created. */
  preflight(): Promise<void>;
  /** Start the VM; scratch files go into workDir. */
  start(workDir: string): Promise<RunningVm>;
  /** Undo what start() registered outside workDir. Safe to call twice or after a failed start. */
  cleanup(): Promise<void>;
  /** Last resort on a second Ctrl-C: stop the VM synchronously. */
  killNow(): void;
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one word for a POSIX shell. */
export function shellQuote(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** A stable VM name for printed commands (bhyve wants it alphanumeric; dashes are accepted). */
export function stableVmName(profile: string | undefined): string {
  const clean = (profile ?? '').replace(/[^A-Za-z0-9-]/g, '');
  return clean ? `compose-${clean}` : 'compose-boot-test';
}
