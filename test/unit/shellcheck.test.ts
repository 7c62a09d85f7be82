import { execa } from 'execa';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { which } from '../../src/util/which.js';
import { PROJECT } from '../support/paths.js';

// The boot scripts the overlays ship are linted as ksh (illumos' /sbin/sh is ksh93), every
// warning and style note included; a deliberate exception is a "# shellcheck disable=" line
// beside it, saying why.

function scripts(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...scripts(p));
    else if (readFileSync(p, 'utf8').startsWith('#!/sbin/sh')) out.push(p);
  }
  return out.sort();
}

describe('the overlays\' boot scripts', async () => {
  const found = scripts(join(PROJECT, 'overlays'));
  const shellcheck = await which('shellcheck');

  it('are all found', () => {
    expect(found.map((p) => relative(PROJECT, p))).toEqual([
      'overlays/pureboot/etc/compose/launcher',
      'overlays/smf/lib/svc/method/boot-archive',
      'overlays/smf/lib/svc/method/compose-boot-ok',
      'overlays/storage/etc/compose/storage',
      'overlays/trampoline/etc/compose/trampoline',
    ]);
  });

  it.skipIf(!shellcheck)('pass shellcheck in the ksh dialect, style notes included', async () => {
    const r = await execa('shellcheck', ['--shell=ksh', '--severity=style', '--format=gcc', ...found], { reject: false });
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
