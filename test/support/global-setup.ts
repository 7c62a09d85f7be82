import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../../src/util/which.js';
import { PROJECT, TESTKERNEL } from './paths.js';

/**
 * Build what the tests run: the compiled CLI (dist/) and the stand-in test kernel. Both builds are
 * quick and deterministic, so every run starts from the current sources.
 */
/** What the integration tests need; some skip without it, which CI must never allow. */
const REQUIRED_IN_CI = ['qemu-system-x86_64', 'gcc', 'xorriso', 'grub-mkimage', 'grub-mkrescue', 'grub-file', 'grub-fstest', 'mformat', 'busybox', 'fls', 'xmllint', 'unshare', 'setpriv', 'sfdisk', 'sgdisk', 'qemu-img', 'file', 'shellcheck'];
const REQUIRED_FILES_IN_CI = ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'];

export default async function setup(): Promise<() => void> {
  // Every temporary file of the run (the tests' directories, the CLI's spools) goes in one
  // directory, removed at the end, so runs leave nothing behind in /tmp.
  const runTmp = mkdtempSync(join(tmpdir(), 'compose-tests-'));
  process.env.TMPDIR = runTmp;
  if (process.env.CI) {
    const missing = [...(await Promise.all(REQUIRED_IN_CI.map(async (t) => ((await which(t)) ? undefined : t)))), ...REQUIRED_FILES_IN_CI.filter((f) => !existsSync(f))].filter(Boolean);
    if (missing.length) throw new Error(`CI is set but these are missing, so tests would be skipped: ${missing.join(', ')}; run scripts/install-deps.sh`);
  }
  // Under StrykerJS the sandbox is built once, from the instrumented sources (buildCommand in
  // stryker.config.json), not before every mutant's run.
  if (!process.env.COMPOSE_PREBUILT) {
    await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: PROJECT, stdio: 'inherit' });
    await execa('bash', ['testkernel/build.sh', TESTKERNEL.dir], { cwd: PROJECT, stdio: 'inherit' });
  }
  return () => rmSync(runTmp, { recursive: true, force: true });
}
