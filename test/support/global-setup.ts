import { execa } from 'execa';
import { PROJECT, TESTKERNEL } from './paths.js';

/**
 * Build what the tests run: the compiled CLI (dist/) and the stand-in test kernel. Both builds are
 * quick and deterministic, so every run starts from the current sources.
 */
export default async function setup(): Promise<void> {
  await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: PROJECT, stdio: 'inherit' });
  await execa('bash', ['testkernel/build.sh', TESTKERNEL.dir], { cwd: PROJECT, stdio: 'inherit' });
}
