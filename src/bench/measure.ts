import { execa } from 'execa';

export interface Measurement {
  name: string;
  seconds: number;
  /** Peak resident set size in MiB, when it could be measured. */
  peakRssMiB?: number;
  detail?: string;
}

/**
 * Run a command under GNU time to get wall time and peak RSS (the kernel's maxrss of the child);
 * without GNU time only wall time is measured.
 */
export async function measureCommand(name: string, cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Measurement> {
  const marker = '@@BENCH@@';
  const useTime = await execa('/usr/bin/time', ['--version'], { reject: false }).then((r) => r.exitCode === 0);
  const start = process.hrtime.bigint();
  const r = useTime
    ? await execa('/usr/bin/time', ['-f', `${marker}%e %M`, cmd, ...args], { reject: false, cwd: opts.cwd, env: opts.env, all: true })
    : await execa(cmd, args, { reject: false, cwd: opts.cwd, env: opts.env, all: true });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.exitCode !== 0) throw new Error(`${name}: ${cmd} exited ${r.exitCode}: ${String(r.all).slice(-500)}`);
  const m = useTime ? new RegExp(`${marker}([\\d.]+) (\\d+)`).exec(String(r.all)) : null;
  return { name, seconds, peakRssMiB: m ? Number(m[2]) / 1024 : undefined, detail: String(r.stdout).trim().split('\n').pop() };
}
