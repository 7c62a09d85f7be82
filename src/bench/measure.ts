import { execa } from 'execa';

export interface Measurement {
  name: string;
  seconds: number;
  /** Peak resident set size in MiB, when it could be measured. */
  peakRssMiB?: number;
  detail?: string;
  /** The command's standard output. */
  stdout?: string;
}

let gnuTime: boolean | undefined;

/**
 * Run a command (through `bash -c` when given a shell line) under GNU time, for wall time and
 * peak RSS (the kernel's maxrss of the child: for a pipeline, of its largest process); without
 * GNU time only wall time is measured.
 */
export async function measureCommand(name: string, cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Measurement> {
  const marker = '@@BENCH@@';
  gnuTime ??= await execa('/usr/bin/time', ['--version'], { reject: false }).then((r) => r.exitCode === 0);
  const start = process.hrtime.bigint();
  const r = gnuTime
    ? await execa('/usr/bin/time', ['-f', `${marker}%e %M`, cmd, ...args], { reject: false, cwd: opts.cwd, env: opts.env })
    : await execa(cmd, args, { reject: false, cwd: opts.cwd, env: opts.env });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.exitCode !== 0) throw new Error(`${name}: ${cmd} exited ${r.exitCode}: ${String(r.stderr).slice(-500)}`);
  const m = gnuTime ? new RegExp(`${marker}([\\d.]+) (\\d+)`).exec(String(r.stderr)) : null;
  return { name, seconds, peakRssMiB: m ? Number(m[2]) / 1024 : undefined, stdout: String(r.stdout) };
}

/** A shell pipeline, measured like a command. */
export function measureShell(name: string, line: string, opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Measurement> {
  return measureCommand(name, 'bash', ['-o', 'pipefail', '-c', line], opts);
}

/** The median of `runs` measurements (each after `before`), with the largest peak RSS seen. */
export async function medianOf(runs: number, measure: () => Promise<Measurement>, before?: () => Promise<void>): Promise<Measurement> {
  const ms: Measurement[] = [];
  for (let i = 0; i < runs; i++) {
    await before?.();
    ms.push(await measure());
  }
  const sorted = [...ms].sort((a, b) => a.seconds - b.seconds);
  const mid = sorted[Math.floor(sorted.length / 2)];
  const rss = ms.map((m) => m.peakRssMiB).filter((x): x is number => x !== undefined);
  return { ...mid, peakRssMiB: rss.length ? Math.max(...rss) : undefined };
}
