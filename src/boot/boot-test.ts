/**
 * `compose boot-test`: boot an image in a VM, watch its serial console, and
 * decide pass/fail from what it prints (and, for the stand-in test kernel, from
 * what it says the loader handed it).
 *
 * planBootTest() validates options into a plan without side effects;
 * BootTestRun.run() boots and watches; interrupt()/killNow() let the CLI's
 * signal handlers stop the VM and clean up.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { access, constants, mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ComposeError, InputError, UsageError } from '../util/errors.js';
import { describeBhyve } from './bhyve.js';
import {
  archiveChecksums,
  checkArchive,
  checkKernelFailures,
  checkManifest,
  loadManifest,
  type Check,
  type ManifestLike,
} from './checks.js';
import { SerialMatcher, showPattern, type ExpectMatch, type FailMatch } from './expect.js';
import type { Firmware } from './firmware.js';
import { parseKernelReport, type Checksums, type KernelReport } from './kernel-report.js';
import { LogTail } from './log-tail.js';
import { QemuDriver } from './qemu.js';
import { VirtualBoxDriver } from './virtualbox.js';
import { gzipIsize, isoArchiveSize, memoryForArchive, MIN_MEMORY_MIB, type ArchiveSize } from './image-memory.js';
import { sniffImage, type ImageKind } from './image-kind.js';
import { stableVmName, type Accel, type AttachAs, type RunningVm, type VmDriver, type VmExit, type VmKind, type VmSettings } from './vm.js';

export const DEFAULT_FAIL_PATTERNS = ['panic', 'failed to mount ramdisk', 'hash mismatch'] as const;
/** Without --memory, the image's archive decides (image-memory.ts); never less than this. */
export const DEFAULT_MEMORY_MIB = MIN_MEMORY_MIB;
export const DEFAULT_TIMEOUT_S = 300;
const POLL_MS = 100;
/** After the last expectation matched, the guest gets this long to power off by itself. */
const GRACE_MS = 2000;
const LAST_LINES = 15;

/** The options as the CLI received them (strings, unvalidated). */
export interface BootTestRequest {
  iso: string;
  firmware?: string;
  as?: string;
  vm?: string;
  accel?: string;
  expect?: string[];
  fail?: string[];
  /** false with --no-default-fail. */
  defaultFail?: boolean;
  timeout?: string;
  memory?: string;
  cpus?: string;
  log?: string;
  profile?: string;
  checkArchive?: string;
  checkManifest?: string;
  /** --print: only show the commands; the image need not exist yet. */
  print?: boolean;
  /** --pxe: the image is a PXE tree, booted over QEMU's network. */
  pxe?: boolean;
}

export type ProfileSource = 'option' | 'manifest' | 'file name' | 'none';

export interface BootTestPlan {
  iso: string;
  vm: VmKind;
  /** null for hypervisors that choose their own acceleration. */
  accel: Accel | null;
  settings: VmSettings;
  expect: RegExp[];
  fail: RegExp[];
  /** Set when the default expectation is used: a COMPOSE-BOOT-OK line naming another profile fails. */
  wrongProfile?: RegExp;
  profile?: string;
  profileSource: ProfileSource;
  timeoutMs: number;
  checkArchive?: string;
  manifest?: { path: string; data: ManifestLike };
  /** VM name for VirtualBox/bhyve. */
  vmName: string;
  /** Where the memory size came from, and the archive that decided it. */
  memory: { source: 'option' | 'image' | 'default'; archive?: ArchiveSize; needMiB?: number };
}

function choice<T extends string>(option: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${option} must be one of ${allowed.join(', ')}, not "${value}"`);
}

function positiveNumber(option: string, value: string | undefined, fallback: number, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const min = opts.min ?? 0;
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n < min || (opts.integer && !Number.isInteger(n)) || (opts.max !== undefined && n > opts.max)) {
    const kind = opts.integer ? 'a whole number' : 'a number';
    const range = opts.max !== undefined ? ` from ${Math.max(min, 1)} to ${opts.max}` : min > 0 ? ` of at least ${min}` : ' greater than 0';
    throw new UsageError(`${option} must be ${kind}${range}, not "${value}"`);
  }
  return n;
}

export function compilePattern(option: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new UsageError(`${option} "${source}" is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** What compose names its boot media: <profile>.iso, .img, .qcow2, .vmdk, .vdi, .pxe. */
const IMAGE_EXTENSION = /\.(iso|img|qcow2|vmdk|vdi|pxe)$/i;

/** "out/pureboot.iso" -> "pureboot", or undefined when the name does not look like a profile. */
export function guessProfile(iso: string): string | undefined {
  const name = basename(iso).replace(IMAGE_EXTENSION, '');
  return PROFILE_NAME.test(name) ? name : undefined;
}

/** The default expectation: the image's boot marker, for this profile if known. */
export function defaultExpectation(profile: string | undefined): { expect: RegExp; wrongProfile?: RegExp } {
  if (profile === undefined) return { expect: /COMPOSE-BOOT-OK \S+/ };
  const p = escapeRegExp(profile);
  return { expect: new RegExp(`COMPOSE-BOOT-OK ${p}(?:\\s|$)`), wrongProfile: new RegExp(`COMPOSE-BOOT-OK (?!${p}(?:\\s|$))\\S`) };
}

/** Where the serial log goes without --log: next to the image, else in a fresh temp directory. */
export async function defaultLogPath(iso: string, vm: VmKind, firmware: Firmware, as: AttachAs): Promise<string> {
  const name = `${basename(iso).replace(IMAGE_EXTENSION, '')}.${vm}-${firmware}-${as}.log`;
  try {
    await access(dirname(iso), constants.W_OK);
    return join(dirname(iso), name);
  } catch {
    return join(await mkdtemp(join(tmpdir(), 'compose-boot-log-')), name);
  }
}

/** An image can be attached only as what it is: an ISO as a CD or a disk (hybrid), a disk image as a disk, a PXE tree over the network. */
function checkAttach(given: string, kind: ImageKind, as: AttachAs): void {
  if (kind.kind === 'pxe' && as !== 'pxe') throw new UsageError(`${given} is a PXE tree: boot it with --pxe (over QEMU's network), not --as ${as}`);
  if (kind.kind !== 'pxe' && as === 'pxe') throw new UsageError(`--pxe boots a PXE tree (a directory written by --format pxe); ${given} is ${kind.kind === 'iso' ? 'an ISO' : `a ${kind.format} disk image`}`);
  if (kind.kind === 'disk' && as === 'cdrom') throw new UsageError(`${given} is a ${kind.format} disk image: boot it with --as disk`);
}

/**
 * The boot archive an image carries, for the memory it needs: inside an ISO, inside a PXE tree,
 * or, for a disk image, the <profile>.boot_archive the same build wrote beside it.
 */
async function archiveSizeOf(path: string, kind: ImageKind): Promise<ArchiveSize | undefined> {
  if (kind.kind === 'iso') return isoArchiveSize(path);
  const file = kind.kind === 'pxe' ? join(path, kind.info.archive) : join(dirname(path), `${basename(path).replace(/\.(img|qcow2|vmdk|vdi)$/i, '')}.boot_archive`);
  const uncompressed = await gzipIsize(file);
  return uncompressed === undefined ? undefined : { path: kind.kind === 'pxe' ? kind.info.archive : basename(file), compressed: (await stat(file)).size, uncompressed };
}

/** Validate the request into a plan. Throws UsageError/InputError; creates nothing (but a temp log directory if needed). */
export async function planBootTest(req: BootTestRequest): Promise<BootTestPlan> {
  const firmware = choice('--firmware', req.firmware, ['bios', 'uefi'] as const, 'bios');
  const askedAs = req.pxe ? 'pxe' : req.as === undefined ? undefined : choice('--as', req.as, ['cdrom', 'disk', 'pxe'] as const, 'cdrom');
  if (req.pxe && req.as !== undefined && req.as !== 'pxe') throw new UsageError(`--pxe boots a PXE tree over the network; it cannot be combined with --as ${req.as}`);
  const vm = choice('--vm', req.vm, ['qemu', 'virtualbox', 'bhyve'] as const, 'qemu');
  if (req.accel !== undefined && vm !== 'qemu') throw new UsageError(`--accel applies to --vm qemu only (${vm} chooses its own acceleration)`);
  const accel = vm === 'qemu' ? choice('--accel', req.accel, ['tcg', 'kvm'] as const, 'tcg') : null;
  if (vm === 'bhyve' && !req.print) throw new UsageError('--vm bhyve runs on FreeBSD and illumos hosts only: use it with --print to get the command line');

  const timeoutS = positiveNumber('--timeout', req.timeout, DEFAULT_TIMEOUT_S);
  let memoryMiB = positiveNumber('--memory', req.memory, DEFAULT_MEMORY_MIB, { integer: true, min: 16 });
  const cpus = positiveNumber('--cpus', req.cpus, 1, { integer: true, max: 255 });

  const iso = resolve(req.iso);
  // What the image is decides how it is attached (unless --as or --pxe says), and the disk format.
  // --print shows the same command a run would use when the image is there to read.
  const kind: ImageKind | undefined = !req.print || existsSync(iso) ? await sniffImage(req.iso, iso) : undefined;
  const as: AttachAs = askedAs ?? (kind?.kind === 'disk' ? 'disk' : kind?.kind === 'pxe' ? 'pxe' : 'cdrom');
  if (kind) checkAttach(req.iso, kind, as);
  const diskFormat = kind?.kind === 'disk' ? kind.format : undefined;
  const pxeBootFile = kind?.kind === 'pxe' ? kind.info.bootFiles[firmware] : undefined;
  if (as === 'pxe' && vm !== 'qemu') throw new UsageError(`a PXE tree boots with QEMU's built-in DHCP and TFTP server: use --vm qemu (or serve ${req.iso} with dnsmasq, see its README)`);
  if (vm === 'virtualbox' && diskFormat === 'qcow2') throw new UsageError(`VirtualBox cannot read qcow2 images: build with --disk-format vdi (or vmdk) for --vm virtualbox`);
  if (vm === 'bhyve' && as === 'disk' && diskFormat !== undefined && diskFormat !== 'raw') throw new UsageError(`bhyve reads raw disk images only: build with --disk-format raw (<profile>.img) for --vm bhyve`);

  // The archive's size decides the memory unless --memory does; an unreadable image is left to the VM.
  const memory: BootTestPlan['memory'] = { source: req.memory !== undefined ? 'option' : 'default' };
  if (kind) {
    memory.archive = await archiveSizeOf(iso, kind).catch(() => undefined);
    if (memory.archive) {
      memory.needMiB = memoryForArchive(memory.archive.uncompressed);
      if (req.memory === undefined) [memoryMiB, memory.source] = [memory.needMiB, 'image'];
    }
  }

  const userExpect = (req.expect ?? []).map((s) => compilePattern('--expect', s));
  const fail = [
    ...(req.defaultFail === false ? [] : DEFAULT_FAIL_PATTERNS.map((s) => new RegExp(s))),
    ...(req.fail ?? []).map((s) => compilePattern('--fail', s)),
  ];

  let checkArchivePath: string | undefined;
  if (req.checkArchive !== undefined) {
    checkArchivePath = resolve(req.checkArchive);
    const st = await stat(checkArchivePath).catch(() => undefined);
    if (!st?.isFile()) throw new InputError(`the boot archive ${req.checkArchive} (--check-archive) does not exist or is not a file`);
  }
  const manifest = req.checkManifest !== undefined ? { path: resolve(req.checkManifest), data: await loadManifest(req.checkManifest) } : undefined;

  let profile: string | undefined;
  let profileSource: ProfileSource = 'none';
  if (req.profile !== undefined) {
    if (req.profile.trim() === '') throw new UsageError('--profile must not be empty');
    [profile, profileSource] = [req.profile, 'option'];
  } else if (manifest?.data.profile) {
    [profile, profileSource] = [manifest.data.profile, 'manifest'];
  } else {
    profile = guessProfile(iso);
    if (profile !== undefined) profileSource = 'file name';
  }

  let expect = userExpect;
  let wrongProfile: RegExp | undefined;
  if (expect.length === 0) {
    const d = defaultExpectation(profile);
    expect = [d.expect];
    wrongProfile = d.wrongProfile;
  }

  const log = req.log !== undefined ? resolve(req.log) : req.print ? join(dirname(iso), `${basename(iso).replace(IMAGE_EXTENSION, '')}.${vm}-${firmware}-${as}.log`) : await defaultLogPath(iso, vm, firmware, as);
  // A run's VirtualBox VM gets a unique name so parallel runs cannot clash; printed commands get a stable one.
  const vmName = vm === 'bhyve' || req.print ? stableVmName(profile) : `compose-boot-${process.pid}-${randomBytes(3).toString('hex')}`;

  return {
    iso,
    vm,
    accel,
    settings: { iso, log, firmware, as, memoryMiB, cpus, diskFormat, pxeBootFile },
    expect,
    fail: wrongProfile ? [...fail, wrongProfile] : fail,
    wrongProfile,
    profile,
    profileSource,
    timeoutMs: timeoutS * 1000,
    checkArchive: checkArchivePath,
    manifest,
    vmName,
    memory,
  };
}

export function driverFor(plan: BootTestPlan, env: NodeJS.ProcessEnv = process.env): VmDriver | undefined {
  if (plan.vm === 'qemu') return new QemuDriver({ ...plan.settings, accel: plan.accel ?? 'tcg' }, env);
  if (plan.vm === 'virtualbox') return new VirtualBoxDriver(plan.settings, plan.vmName);
  return undefined;
}

/** The commands the run would execute (--print). */
export async function describePlan(plan: BootTestPlan, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  if (plan.vm === 'bhyve') return describeBhyve(plan.settings, plan.vmName, env);
  return driverFor(plan, env)!.describe();
}

// ---------------------------------------------------------------------------

export type Verdict = 'pass' | 'fail' | 'timeout' | 'vm-died' | 'error';

export interface BootTestResult {
  verdict: Verdict;
  reason: string;
  exitCode: number;
  log: string;
  iso: string;
  firmware: Firmware;
  as: AttachAs;
  vm: VmKind;
  accel: Accel | null;
  profile: string | null;
  profileSource: ProfileSource;
  /** Guest memory in MiB, and whether --memory or the image's boot archive chose it. */
  memoryMiB: number;
  memorySource: 'option' | 'image' | 'default';
  expectations: string[];
  timings: {
    /** From the start of the command to the VM's launch (setup: firmware copy, VM registration). */
    startMs: number;
    /** The rest are from the VM's launch. */
    firstOutputMs: number | null;
    /** Per expectation; null if it never matched. */
    matchedMs: Array<number | null>;
    totalMs: number;
  };
  matched: Array<{ pattern: string; line: string; atMs: number }>;
  failedOn?: { pattern: string; line: string; atMs: number };
  qemuExit?: { code: number | null; signal: string | null; stoppedByUs: boolean };
  vmExit?: { detail: string; stoppedByUs: boolean };
  /** The last lines of the console, when the test did not pass. */
  lastLines?: string[];
  kernel?: KernelReport;
  checks?: Check[];
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const round = (ms: number): number => Math.round(ms);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

export class BootTestRun {
  private aborted: NodeJS.Signals | undefined;
  private wake: (() => void) | undefined;
  private workDir: string | undefined;
  private preflighted = false;
  readonly driver: VmDriver;

  constructor(
    readonly plan: BootTestPlan,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const d = driverFor(plan, env);
    if (!d) throw new UsageError(`--vm ${plan.vm} cannot run here; use --print`);
    this.driver = d;
  }

  /** A signal arrived: stop waiting, stop the VM, clean up, and report an interrupted run. */
  interrupt(signal: NodeJS.Signals): void {
    this.aborted ??= signal;
    this.wake?.();
  }

  /** Second signal: no more waiting. */
  killNow(): void {
    this.driver.killNow();
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(t);
        res();
      }
      this.wake = done;
    });
  }

  /** Check tools and firmware (ToolMissingError, UsageError) before anything is created. */
  async preflight(): Promise<void> {
    if (this.preflighted) return;
    await this.driver.preflight();
    this.preflighted = true;
  }

  async run(): Promise<BootTestResult> {
    const t0 = performance.now();
    const plan = this.plan;
    await this.preflight();

    await mkdir(dirname(plan.settings.log), { recursive: true });
    await writeFile(plan.settings.log, ''); // never read a previous run's log
    // Checksum the archive while the VM boots; its errors surface after the boot.
    const archive = plan.checkArchive ? archiveChecksums(plan.checkArchive) : undefined;
    archive?.catch(() => {});

    const matcher = new SerialMatcher({ expect: plan.expect, fail: plan.fail, keepLines: LAST_LINES });
    const tail = new LogTail(plan.settings.log);
    let vm: RunningVm | undefined;
    let vmExit: VmExit | undefined;
    let startError: unknown;
    let timedOut = false;
    let startedAt = performance.now();
    const rel = (): number => performance.now() - startedAt;
    const pump = async (): Promise<void> => {
      const text = await tail.read();
      if (text) matcher.feed(text, rel());
      else matcher.idle(rel());
    };

    this.workDir = await mkdtemp(join(tmpdir(), 'compose-boot-'));
    try {
      if (!this.aborted) {
        try {
          vm = await this.driver.start(this.workDir);
        } catch (err) {
          startError = err;
        }
      }
      startedAt = performance.now();
      if (vm) {
        void vm.exited.then((e) => {
          vmExit = e;
          this.wake?.();
        });
        for (;;) {
          await pump();
          if (this.aborted || matcher.failed || matcher.done || vmExit) break;
          if (rel() >= plan.timeoutMs) {
            timedOut = true;
            break;
          }
          await this.sleep(Math.min(POLL_MS, plan.timeoutMs - rel()));
        }
        if (matcher.done && !matcher.failed && !this.aborted) {
          // Let a guest that powers off by itself (test kernel, --test-mode) finish writing.
          const until = rel() + GRACE_MS;
          while (!vmExit && !this.aborted && !matcher.failed && rel() < until) {
            await this.sleep(POLL_MS);
            await pump();
          }
        }
        await vm.stop();
        vmExit = await vm.exited;
        await pump();
        matcher.end(rel());
      }
    } finally {
      // Also when watching failed: never leave the VM running.
      if (vm) await vm.stop().catch(() => {});
      await this.driver.cleanup().catch(() => {});
      await rm(this.workDir, { recursive: true, force: true }).catch(() => {});
    }
    const totalMs = rel();

    const base = this.baseResult(matcher, t0, startedAt, totalMs, vmExit);
    const finish = (verdict: Verdict, reason: string, exitCode: number, extra: Partial<BootTestResult> = {}): BootTestResult => ({
      verdict,
      reason,
      exitCode,
      ...base,
      ...extra,
    });
    if (startError !== undefined) {
      const msg = startError instanceof Error ? startError.message : String(startError);
      return finish('error', `could not start the VM: ${msg}`, startError instanceof ComposeError ? startError.exitCode : 1);
    }
    if (this.aborted) {
      return finish('error', `interrupted by ${this.aborted}`, SIGNAL_EXIT[this.aborted] ?? 130, { lastLines: matcher.lastLines() });
    }

    const logText = await readFile(plan.settings.log, 'utf8').catch(() => '');
    const kernel = logText.includes('TESTKERNEL START') ? parseKernelReport(logText) : undefined;
    const checks = await this.runChecks(kernel, archive);
    const report: Partial<BootTestResult> = { ...(kernel ? { kernel } : {}), ...(checks.length ? { checks } : {}) };

    const failed = matcher.failed;
    if (failed) {
      return finish('fail', this.failReason(failed), 1, { failedOn: failed, lastLines: matcher.lastLines(), ...report });
    }
    if (matcher.done) {
      const bad = checks.filter((c) => !c.ok);
      if (bad.length === 0) {
        const n = plan.expect.length;
        return finish('pass', `all ${n} expectation${n === 1 ? '' : 's'} matched in ${seconds(matcher.matches.at(-1)?.atMs ?? 0)}`, 0, report);
      }
      return finish('fail', `${bad.length} check${bad.length === 1 ? '' : 's'} failed: ${bad[0]!.detail}`, 1, report);
    }
    const waiting = this.waitingFor(matcher);
    if (timedOut) {
      const last = matcher.lastLines(5).map((l) => l.trim());
      const lines = last.length ? `the last lines were: ${last.join(' | ')}` : 'the console printed nothing';
      return finish('timeout', `timed out after ${plan.timeoutMs / 1000} s waiting for ${waiting}; ${lines}`, 1, { lastLines: matcher.lastLines(), ...report });
    }
    return finish('vm-died', this.diedReason(vmExit, waiting), 1, { lastLines: matcher.lastLines(), ...report });
  }

  private baseResult(matcher: SerialMatcher, t0: number, startedAt: number, totalMs: number, vmExit: VmExit | undefined): Omit<BootTestResult, 'verdict' | 'reason' | 'exitCode'> {
    const plan = this.plan;
    const byIndex = new Map<number, ExpectMatch>(matcher.matches.map((m) => [m.index, m]));
    const r: Omit<BootTestResult, 'verdict' | 'reason' | 'exitCode'> = {
      log: plan.settings.log,
      iso: plan.iso,
      firmware: plan.settings.firmware,
      as: plan.settings.as,
      vm: plan.vm,
      accel: plan.accel,
      profile: plan.profile ?? null,
      profileSource: plan.profileSource,
      memoryMiB: plan.settings.memoryMiB,
      memorySource: plan.memory.source,
      expectations: plan.expect.map(showPattern),
      timings: {
        startMs: round(startedAt - t0),
        firstOutputMs: matcher.firstOutputMs === undefined ? null : round(matcher.firstOutputMs),
        matchedMs: plan.expect.map((_, i) => (byIndex.has(i) ? round(byIndex.get(i)!.atMs) : null)),
        totalMs: round(totalMs),
      },
      matched: matcher.matches.map((m) => ({ pattern: m.pattern, line: m.line, atMs: round(m.atMs) })),
    };
    if (vmExit && plan.vm === 'qemu') r.qemuExit = { code: vmExit.code, signal: vmExit.signal, stoppedByUs: vmExit.stoppedByUs };
    else if (vmExit) r.vmExit = { detail: vmExit.stderr, stoppedByUs: vmExit.stoppedByUs };
    return r;
  }

  private async runChecks(kernel: KernelReport | undefined, archive: Promise<{ sums: Checksums; gzipped: boolean }> | undefined): Promise<Check[]> {
    const report = kernel ?? parseKernelReport('');
    const checks: Check[] = [];
    if (kernel) checks.push(...checkKernelFailures(kernel));
    if (archive && this.plan.checkArchive) checks.push(...checkArchive(report, { path: this.plan.checkArchive, ...(await archive) }));
    if (this.plan.manifest) checks.push(...checkManifest(report, this.plan.manifest.data));
    return checks;
  }

  private waitingFor(matcher: SerialMatcher): string {
    const i = matcher.matches.length;
    const n = this.plan.expect.length;
    return `${showPattern(this.plan.expect[i]!)}${n > 1 ? ` (expectation ${i + 1} of ${n})` : ''}`;
  }

  private failReason(f: FailMatch): string {
    const plan = this.plan;
    if (plan.wrongProfile && f.pattern === showPattern(plan.wrongProfile)) {
      const how = plan.profileSource === 'file name' ? ` (guessed from the file name: pass --profile)` : plan.profileSource === 'manifest' ? ' (from the manifest)' : '';
      return `the image reports "${f.line.trim()}", but profile "${plan.profile}" was expected${how}`;
    }
    return `fail pattern ${f.pattern} matched at ${seconds(f.atMs)}: ${f.line.trim()}`;
  }

  private diedReason(e: VmExit | undefined, waiting: string): string {
    if (!e) return `the VM stopped before ${waiting} matched`;
    if (this.plan.vm !== 'qemu') return `the VM stopped (${e.stderr}) before ${waiting} matched`;
    const status = e.signal ? `on signal ${e.signal}` : `with status ${e.code}`;
    const stderr = e.stderr.trim() ? `; its stderr: ${e.stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
    return `QEMU exited ${status} before ${waiting} matched${stderr}`;
  }
}
