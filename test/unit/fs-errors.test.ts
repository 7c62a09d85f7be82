import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, OutputError } from '../../src/util/errors.js';
import { classifySystemError, classifyToolFailure, registerPathRole } from '../../src/util/fs-errors.js';

// Whose problem an operating-system error is decides the exit code: the proto's (input, 3) or the
// output's and the spool's (5). Each code and each role on its own.

const base = mkdtempSync(join(tmpdir(), 'compose-fs-errors-'));
const proto = join(base, 'proto');
const out = join(base, 'out');
const spool = join(base, 'spool');
registerPathRole(proto, 'input', 'the proto area');
registerPathRole(out, 'output', 'the output directory');
registerPathRole(spool, 'temp', 'the spool directory');
const err = (code: string, path?: string, syscall = 'open') => Object.assign(new Error(code), { code, path, syscall });

describe('operating-system errors', () => {
  it('EROFS on the output directory is an output error (exit 5), and so is EROFS anywhere else', () => {
    const e = classifySystemError(err('EROFS', join(out, 'x.ufs')));
    expect(e).toBeInstanceOf(OutputError);
    expect(e?.exitCode).toBe(5);
    expect(e?.message).toBe(`cannot write ${join(out, 'x.ufs')}: the file system is read-only (EROFS); pick a writable output directory with -o`);
    expect(classifySystemError(err('EROFS', '/elsewhere/file'))).toBeInstanceOf(OutputError);
  });

  it('on the proto area the same errors are input errors (exit 3)', () => {
    for (const code of ['EACCES', 'EROFS', 'EIO']) {
      const e = classifySystemError(err(code, join(proto, 'etc/shadow')));
      expect(e, code).toBeInstanceOf(InputError);
      expect(e?.exitCode, code).toBe(3);
      expect(e?.message, code).toMatch(new RegExp(`^cannot read the proto area ${proto}/etc/shadow: .* \\(${code}\\); make it readable`));
    }
  });

  it('a full disk is the output\'s problem, the spool\'s when it is the spool', () => {
    expect(classifySystemError(err('ENOSPC', join(proto, 'a')))).toBeInstanceOf(OutputError);
    expect(classifySystemError(err('ENOSPC', join(spool, 'm')))?.message).toMatch(/^cannot write the spool directory .*: no space left on the device \(ENOSPC\); point COMPOSE_TMPDIR/);
    expect(classifySystemError(err('ENOSPC'), join(out, 'x.iso'))?.message).toBe(`cannot write ${join(out, 'x.iso')}: no space left on the device (ENOSPC); free some space or write to another disk with -o`);
  });

  it('EACCES on a path of no known role is an input error only when it names a path; unknown codes are not classified', () => {
    expect(classifySystemError(err('EACCES', '/x/y', 'open'))?.message).toBe('cannot read /x/y: permission denied (EACCES)');
    expect(classifySystemError(err('EACCES', '/x/y', 'rename'))?.message).toBe('cannot use /x/y: permission denied (EACCES)');
    expect(classifySystemError(err('EACCES'))).toBeUndefined();
    expect(classifySystemError(err('EBADF', '/x'))).toBeUndefined();
    expect(classifySystemError('not an error')).toBeUndefined();
  });

  it('a tool\'s stderr: full disk, read-only, permission', () => {
    expect(classifyToolFailure('xorriso', 'libburn : SORRY : Image size exceeds free space on media', 'x.iso')?.message).toMatch(/^xorriso could not write x\.iso: no space left/);
    expect(classifyToolFailure('mcopy', 'mcopy: Read-only file system', 'efi.img')).toBeInstanceOf(OutputError);
    expect(classifyToolFailure('qemu-img', 'Permission denied', 'x.qcow2')?.exitCode).toBe(5);
    expect(classifyToolFailure('xorriso', 'some other failure', 'x.iso')).toBeUndefined();
  });
});
