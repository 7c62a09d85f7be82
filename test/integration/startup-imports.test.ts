import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeDemoProto, tempDir } from '../support/cli.js';
import { CLI, PROJECT } from '../support/paths.js';

// compose loads the packages a command needs, when it needs them: execa (120 modules, 0.13-0.15 s)
// only once a program is started, tar-stream only for a tarball proto. Every run paid for both
// before, `--version` and a tar build included.

const REGISTER = join(PROJECT, 'test/support/record-imports/register.mjs');

/** The packages a CLI run loaded, sorted, and its exit code. */
async function packagesLoaded(args: string[]): Promise<{ packages: string[]; exitCode: number }> {
  const file = join(await tempDir('compose-imports-'), 'loaded.txt');
  const r = await execa('node', ['--import', REGISTER, CLI, ...args], { reject: false, env: { RECORD_IMPORTS: file, SOURCE_DATE_EPOCH: '1767225600' } });
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { packages: [...new Set(lines)].sort(), exitCode: r.exitCode ?? -1 };
}

let proto: string;
beforeAll(async () => {
  proto = await makeDemoProto();
});

describe('what a command loads', () => {
  it('--version loads neither execa nor tar-stream', async () => {
    const { packages, exitCode } = await packagesLoaded(['--version']);
    expect(exitCode).toBe(0);
    // The recorder works: the CLI's own parser is there.
    expect(packages).toContain('commander');
    expect(packages).not.toContain('execa');
    expect(packages).not.toContain('tar-stream');
  });

  it('a tar build from a proto directory starts no program and loads neither', async () => {
    const out = await tempDir();
    const { packages, exitCode } = await packagesLoaded(['build', '-p', 'pureboot', '--format', 'tar', '-o', out, '--quiet', proto]);
    expect(exitCode).toBe(0);
    expect(packages).toContain('yaml');
    expect(packages).not.toContain('execa');
    expect(packages).not.toContain('tar-stream');
  });

  it('an ISO build loads execa when it starts xorriso, and a tarball proto loads tar-stream', async () => {
    const out = await tempDir();
    // A workspace tarball: the proto and, beside it, the package manifests.
    const tarball = join(await tempDir(), 'ws.tar');
    await execa('tar', ['cf', tarball, '-C', join(proto, '../..'), '.']);
    const { packages, exitCode } = await packagesLoaded(['build', '-p', 'pureboot', '--format', 'iso', '--gzip-level', '1', '-o', out, '--quiet', tarball]);
    expect(exitCode).toBe(0);
    expect(packages).toContain('execa');
    expect(packages).toContain('tar-stream');
  });
});
