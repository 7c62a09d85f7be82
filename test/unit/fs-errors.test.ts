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

describe('each code, said in words', () => {
  it.each([
    ['ENOSPC', 'no space left on the device'],
    ['EDQUOT', 'the disk quota is exhausted'],
    ['EROFS', 'the file system is read-only'],
    ['EACCES', 'permission denied'],
    ['EPERM', 'operation not permitted'],
    ['EMFILE', 'too many open files'],
    ['ENFILE', 'too many open files in the system'],
    ['EIO', 'an I/O error'],
    ['ENOTDIR', 'a part of the path is not a directory'],
    ['EISDIR', 'it is a directory'],
    ['ENAMETOOLONG', 'the name is too long'],
  ])('%s', (code, words) => {
    const path = join(out, 'x');
    const e = classifySystemError(err(code, path));
    expect(e, code).toBeInstanceOf(OutputError);
    expect(e?.message).toContain(`${path}: ${words} (${code})`);
  });
});

describe('whose path it is', () => {
  it('the innermost registered directory decides (an output directory inside the proto area is output)', () => {
    const inner = join(proto, 'build-out');
    registerPathRole(inner, 'output', 'the output directory');
    expect(classifySystemError(err('EACCES', join(inner, 'x.tar')))).toBeInstanceOf(OutputError);
    expect(classifySystemError(err('EACCES', join(proto, 'x')))).toBeInstanceOf(InputError);
    // A sibling whose name only starts with the proto's is not inside it.
    expect(classifySystemError(err('EIO', `${proto}-other/x`))).toBeUndefined();
  });

  it('the spool: a permission problem asks for another temporary directory', () => {
    expect(classifySystemError(err('EACCES', join(spool, 'm')))?.message).toBe(`cannot use the spool directory ${join(spool, 'm')}: permission denied (EACCES); point COMPOSE_TMPDIR (or TMPDIR) at a writable directory`);
  });

  it('a full disk under the proto area is still the output\'s problem; with no path at all, the outputs', () => {
    expect(classifySystemError(err('ENOSPC', join(proto, 'x')))?.message).toBe(`cannot write ${join(proto, 'x')}: no space left on the device (ENOSPC); free some space or write to another disk with -o`);
    expect(classifySystemError(err('EDQUOT'))?.message).toBe('cannot write the outputs: the disk quota is exhausted (EDQUOT); free some space or write to another disk with -o');
    expect(classifySystemError(err('EROFS'))?.message).toBe('cannot write the outputs: the file system is read-only (EROFS); pick a writable output directory with -o');
  });

  it('EPERM and EACCES elsewhere: reading for open, scandir, stat and lstat, using for the rest', () => {
    for (const syscall of ['open', 'scandir', 'stat', 'lstat']) expect(classifySystemError(err('EPERM', '/x/y', syscall))?.message, syscall).toBe('cannot read /x/y: operation not permitted (EPERM)');
    expect(classifySystemError(err('EPERM', '/x/y', 'chmod'))?.message).toBe('cannot use /x/y: operation not permitted (EPERM)');
    expect(classifySystemError(err('EIO', '/x/y'))).toBeUndefined();
  });

  it('what is not an operating-system error is left alone', () => {
    for (const v of [null, undefined, 0, 'EIO', { code: 5 }, { message: 'x' }]) expect(classifySystemError(v)).toBeUndefined();
  });

  it('a tool\'s words, exactly', () => {
    expect(classifyToolFailure('xorriso', 'write error: No space left on device', 'x.iso')?.message).toBe('xorriso could not write x.iso: no space left on the device; free some space or write to another disk with -o');
    expect(classifyToolFailure('mcopy', 'EROFS', 'efi.img')?.message).toBe('mcopy could not write efi.img: the file system is read-only; pick a writable output directory with -o');
    expect(classifyToolFailure('qemu-img', 'open: EACCES', 'x.qcow2')?.message).toBe('qemu-img could not write x.qcow2: permission denied; pick a writable output directory with -o');
  });
});
