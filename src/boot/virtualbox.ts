/**
 * VirtualBox driver, through VBoxManage: a throw-away VM whose COM1 is written
 * to the log file, started headless, then powered off and deleted, always.
 *
 * VirtualBox cannot attach an ISO as a hard disk, so --as disk converts it to a
 * temporary VDI (convertfromraw). An ISO attached as a DVD stays in VirtualBox's
 * media registry after the VM is deleted, and a later run with a rebuilt ISO at
 * the same path would then fail on its changed UUID: hence closemedium.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../util/children.js';
import { ComposeError, ToolMissingError } from '../util/errors.js';
import { which } from '../util/which.js';
import { shellLine, type RunningVm, type VmDriver, type VmExit, type VmSettings } from './vm.js';

export const VBOXMANAGE = 'VBoxManage';
const POLL_MS = 1000;
const SYNC_TIMEOUT_MS = 15_000;

export interface VboxPlan {
  name: string;
  /** Commands that create and configure the VM, in order. */
  setup: string[][];
  start: string[];
  poweroff: string[];
  /** Commands that remove everything again (errors ignored). */
  teardown: string[][];
}

/** The VBoxManage argument lists for one test VM; workDir holds the VM folder and the VDI. */
export function vboxPlan(s: VmSettings, name: string, workDir: string): VboxPlan {
  const disk = s.as === 'disk';
  const vdi = join(workDir, `${name}.vdi`);
  const setup: string[][] = [
    ['createvm', '--name', name, '--ostype', 'Solaris11_64', '--basefolder', workDir, '--register'],
    [
      'modifyvm', name,
      '--memory', String(s.memoryMiB),
      '--cpus', String(s.cpus),
      '--ioapic', 'on',
      '--firmware', s.firmware === 'uefi' ? 'efi' : 'bios',
      '--uart1', '0x3F8', '4',
      '--uartmode1', 'file', s.log,
      '--boot1', disk ? 'disk' : 'dvd', '--boot2', 'none', '--boot3', 'none', '--boot4', 'none',
    ],
    ['storagectl', name, '--name', 'SATA', '--add', 'sata', '--controller', 'IntelAhci', '--portcount', '1'],
  ];
  // A raw image is converted to a VDI of the VM's own; a VDI or VMDK is attached as it is (in
  // "immutable" mode, so the guest's writes go to a differencing image the VM's deletion removes).
  const native = disk && (s.diskFormat === 'vdi' || s.diskFormat === 'vmdk');
  if (disk && !native) setup.push(['convertfromraw', s.iso, vdi, '--format', 'VDI']);
  setup.push([
    'storageattach', name, '--storagectl', 'SATA', '--port', '0', '--device', '0',
    '--type', disk ? 'hdd' : 'dvddrive', '--medium', disk ? (native ? s.iso : vdi) : s.iso,
    ...(native ? ['--mtype', 'immutable'] : []),
  ]);
  const teardown: string[][] = [['unregistervm', name, '--delete']];
  if (!disk) teardown.push(['closemedium', 'dvd', s.iso]);
  if (native) teardown.push(['closemedium', 'disk', s.iso]);
  return {
    name,
    setup,
    start: ['startvm', name, '--type', 'headless'],
    poweroff: ['controlvm', name, 'poweroff'],
    teardown,
  };
}

/** Every command of a run, as --print shows them (watching the log happens between startvm and poweroff). */
export function describeVbox(plan: VboxPlan): string[] {
  return [...plan.setup, plan.start, plan.poweroff, ...plan.teardown].map((a) => shellLine([VBOXMANAGE, ...a]));
}

/** VMState from `showvminfo --machinereadable`. */
export function parseVmState(text: string): string | undefined {
  return /^VMState="([^"]*)"/m.exec(text)?.[1];
}

const RUNNING_STATES = new Set(['running', 'starting', 'paused', 'restoring', 'stopping', 'saving', 'onlinesnapshotting', 'livesnapshotting', 'teleporting', 'settingup']);

export class VirtualBoxDriver implements VmDriver {
  readonly kind = 'virtualbox' as const;
  private plan: VboxPlan | undefined;
  private registered = false;
  private running = false;
  private cleaned = false;

  constructor(
    private readonly settings: VmSettings,
    /** Unique per run, so parallel runs do not clash. */
    private readonly name: string,
  ) {}

  async describe(): Promise<string[]> {
    return describeVbox(vboxPlan(this.settings, this.name, join(tmpdir(), this.name)));
  }

  async preflight(): Promise<void> {
    if (!(await which(VBOXMANAGE))) throw new ToolMissingError(VBOXMANAGE, 'virtualbox', 'for --vm virtualbox');
  }

  async start(workDir: string): Promise<RunningVm> {
    const plan = vboxPlan(this.settings, this.name, workDir);
    this.plan = plan;
    for (const args of plan.setup) {
      if (args[0] === 'createvm') this.registered = true; // from here on, cleanup must unregister
      await vbox(args);
    }
    await vbox(plan.start);
    this.running = true;

    let stopping = false;
    let state = 'running';
    const exited: Promise<VmExit> = (async () => {
      // startvm returns once the VM runs: poll its state to see it power off by itself.
      for (;;) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        const r = await run(VBOXMANAGE, ['showvminfo', plan.name, '--machinereadable'], { reject: false });
        state = parseVmState(String(r.stdout)) ?? (r.exitCode === 0 ? 'unknown' : 'gone');
        if (!RUNNING_STATES.has(state)) break;
      }
      this.running = false;
      return { code: null, signal: null, stderr: `VM state ${state}`, stoppedByUs: stopping };
    })();
    return {
      exited,
      stop: async () => {
        if (!stopping && this.running) {
          stopping = true;
          await run(VBOXMANAGE, plan.poweroff, { reject: false });
        }
        await exited;
      },
    };
  }

  async cleanup(): Promise<void> {
    if (this.cleaned || !this.plan || !this.registered) return;
    this.cleaned = true;
    if (this.running) await run(VBOXMANAGE, this.plan.poweroff, { reject: false });
    for (const args of this.plan.teardown) await run(VBOXMANAGE, args, { reject: false });
  }

  killNow(): void {
    if (this.cleaned || !this.plan || !this.registered) return;
    this.cleaned = true;
    for (const args of [this.plan.poweroff, ...this.plan.teardown]) {
      spawnSync(VBOXMANAGE, args, { stdio: 'ignore', timeout: SYNC_TIMEOUT_MS });
    }
  }
}

async function vbox(args: string[]): Promise<void> {
  const r = await run(VBOXMANAGE, args, { reject: false });
  if (r.exitCode !== 0) {
    const why = String(r.stderr || r.stdout || r.shortMessage).split('\n').find((l) => l.trim() !== '') ?? 'failed';
    throw new ComposeError(`${VBOXMANAGE} ${args[0]} failed: ${why.replace(/^VBoxManage: error: /, '')}`, 1);
  }
}
