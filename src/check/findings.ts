// What `compose check` reports: one finding per thing a real illumos kernel would trip over, with
// how bad it is, where in the boot it happens, the gate source that makes it so, and the fix.

/**
 * - panic: the kernel panics or stops before init runs.
 * - unusable: it boots, but there is no working console shell.
 * - degraded: a shell works, but something the image is meant to do fails.
 * - note: worth knowing; nothing fails.
 */
export type Severity = 'panic' | 'unusable' | 'degraded' | 'note';

export const SEVERITIES: readonly Severity[] = ['panic', 'unusable', 'degraded', 'note'];

/** The boot sequence, in order; each finding belongs to the step where it would bite. */
export const STEPS = {
  loader: 'the boot loader finds unix, the boot archive and its configuration',
  krtld: 'krtld loads unix, genunix and the modules the kernel loads by name, with their dependencies',
  drivers: 'every driver attached on the way has a major number and its aliases',
  root: 'the ramdisk is mounted as root, with /devices, /dev and the kernel mount points',
  console: 'the console is set up',
  init: '/sbin/init starts',
  handover: 'the trampoline finds the root on a disk and starts its init there',
  sysinit: 'init runs the inittab sysinit entries',
  smf: "init runs the smf entry (the launcher or svc.startd) and what it starts",
  shell: 'the console shell runs',
} as const;

export type StepId = keyof typeof STEPS;
export const STEP_ORDER = Object.keys(STEPS) as StepId[];

/** The steps a trampoline image goes through: its own inittab and launcher never run. */
export const TRAMPOLINE_STEPS: readonly StepId[] = ['loader', 'krtld', 'drivers', 'root', 'console', 'handover'];
/** The steps of an image that boots its own init: there is no hand-over. */
export const INIT_STEPS: readonly StepId[] = STEP_ORDER.filter((s) => s !== 'handover');

export interface Finding {
  severity: Severity;
  step: StepId;
  /** What would happen, naming the file, module or entry at fault. */
  message: string;
  /** The illumos-gate source that makes it so (usr/src/...). */
  source: string;
  /** What to do about it. */
  fix: string;
  /** The rule that found it, where it has a stable name (script preconditions: devfsadm.writable-root). */
  rule?: string;
  /** The script file (image path) and line, for findings about a boot script's command. */
  at?: { file: string; line: number };
}

export interface CheckReport {
  /** What was checked: a proto (with its profile), an image, an ISO, a manifest. */
  target: string;
  findings: Finding[];
  /** Steps with the number of things each verified, so a clean report still says what it looked at. */
  steps: Array<{ step: StepId; title: string; checked: number; findings: number }>;
  /** True when nothing panics and a shell comes up. */
  bootable: boolean;
}

export const isFatal = (f: Finding): boolean => f.severity === 'panic' || f.severity === 'unusable';

/** Collects findings step by step, counting what each step verified. */
export class FindingList {
  readonly findings: Finding[] = [];
  private readonly counts = new Map<StepId, number>();

  add(f: Finding): void {
    // The same fact reached twice (a library two programs miss) is one finding.
    if (this.findings.some((g) => g.step === f.step && g.message === f.message)) return;
    this.findings.push(f);
  }

  checked(step: StepId, n = 1): void {
    this.counts.set(step, (this.counts.get(step) ?? 0) + n);
  }

  /** The report over the steps this kind of image goes through (a trampoline has no inittab of its own). */
  report(target: string, steps: readonly StepId[] = INIT_STEPS): CheckReport {
    const rank = (f: Finding) => STEP_ORDER.indexOf(f.step) * 10 + SEVERITIES.indexOf(f.severity);
    const findings = [...this.findings].sort((a, b) => rank(a) - rank(b));
    return {
      target,
      findings,
      steps: STEP_ORDER.filter((step) => steps.includes(step) || findings.some((f) => f.step === step)).map((step) => ({ step, title: STEPS[step], checked: this.counts.get(step) ?? 0, findings: findings.filter((f) => f.step === step).length })),
      bootable: !findings.some(isFatal),
    };
  }
}

/** The report as text: a line per step, then each finding with its source and fix. */
export function formatReport(r: CheckReport): string {
  const out: string[] = [`boot check of ${r.target}: ${r.bootable ? 'boots to a shell' : 'will NOT boot to a usable shell'}`];
  for (const s of r.steps) {
    const worst = r.findings.find((f) => f.step === s.step);
    const mark = worst ? worst.severity.toUpperCase() : 'ok';
    out.push(`  ${mark.padEnd(8)} ${s.step.padEnd(7)} ${s.title} (${s.checked} checked${s.findings ? `, ${s.findings} finding${s.findings > 1 ? 's' : ''}` : ''})`);
  }
  for (const f of r.findings) {
    out.push('', `${f.severity}: [${f.step}] ${f.message}`, `  source: ${f.source}`, `  fix: ${f.fix}`);
  }
  return `${out.join('\n')}\n`;
}

/** One line per fatal finding, for the build's error message. */
export function fatalSummary(r: CheckReport): string {
  return r.findings
    .filter(isFatal)
    .map((f) => `  ${f.severity}: ${f.message} (${f.source}); fix: ${f.fix}`)
    .join('\n');
}
