import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, TESTKERNEL } from './paths.js';

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run the compiled CLI as a user would, never throwing on a non-zero exit. */
export async function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliRun> {
  const r = await execa('node', [CLI, ...args], { reject: false, env: { SOURCE_DATE_EPOCH: '1767225600', ...env }, cwd });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function tempDir(prefix = 'compose-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A fresh demo workspace (with the real stand-in kernel) in a temp directory; returns its proto/root_i386. */
export async function makeDemoProto(): Promise<string> {
  const ws = join(await tempDir(), 'ws');
  const r = await runCli(['demo-proto', ws, '--kernel', TESTKERNEL.unix, '--quiet']);
  if (r.exitCode !== 0) throw new Error(`demo-proto failed: ${r.stderr}`);
  return join(ws, 'proto/root_i386');
}
