import { resolve, sep } from 'node:path';
import { ComposeError, InputError, OutputError } from './errors.js';

// Turning what the operating system says (EACCES, ENOSPC, EROFS...) into one line for the user.
// Which path an error is about decides whose problem it is: a file of the proto area is input
// (exit 3), the output directory or a temporary directory is output (exit 5). The pipeline
// registers those directories as it goes; an error on any other path keeps its own message.

export type PathRole = 'input' | 'output' | 'temp';

const roots: Array<{ path: string; role: PathRole; label: string }> = [];

/** Say what a directory is, for the messages of errors on paths below it. */
export function registerPathRole(path: string, role: PathRole, label: string): void {
  roots.push({ path: resolve(path), role, label });
}

function roleOf(path: string): { role: PathRole; label: string } | undefined {
  const abs = resolve(path);
  let best: (typeof roots)[number] | undefined;
  for (const r of roots) {
    if ((abs === r.path || abs.startsWith(r.path + sep)) && (!best || r.path.length > best.path.length)) best = r;
  }
  return best;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'an I/O error',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENAMETOOLONG: 'the name is too long',
};

export interface SystemError extends Error {
  code?: string;
  path?: string;
  syscall?: string;
}

/** A ComposeError for an operating-system error, or undefined when the error is not one. */
export function classifySystemError(err: unknown, fallbackPath?: string): ComposeError | undefined {
  const e = err as SystemError;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || !(e.code in REASONS)) return undefined;
  const reason = `${REASONS[e.code]} (${e.code})`;
  // Writes through a descriptor carry no path: the caller says what was being written.
  const path = e.path ?? fallbackPath;
  const where = path ? roleOf(path) : undefined;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') {
    if (where?.role === 'temp') return new OutputError(`cannot write ${where.label} ${path}: ${reason}; point COMPOSE_TMPDIR (or TMPDIR) at a disk with more room`);
    return new OutputError(`cannot write ${path ?? 'the outputs'}: ${reason}; free some space or write to another disk with -o`);
  }
  if (where?.role === 'input') return new InputError(`cannot read ${where.label} ${path}: ${reason}; make it readable (chmod/chown, or build as a user who can read it)`);
  if (where?.role === 'temp') return new OutputError(`cannot use ${where.label} ${path}: ${reason}; point COMPOSE_TMPDIR (or TMPDIR) at a writable directory`);
  if (where?.role === 'output' || e.code === 'EROFS') return new OutputError(`cannot write ${path ?? 'the outputs'}: ${reason}; pick a writable output directory with -o`);
  if (path && (e.code === 'EACCES' || e.code === 'EPERM')) return new InputError(`cannot ${e.syscall === 'open' || e.syscall === 'scandir' || e.syscall === 'stat' || e.syscall === 'lstat' ? 'read' : 'use'} ${path}: ${reason}`);
  return undefined;
}

/** What a failed tool's stderr says about the environment, as an OutputError, if it says anything. */
export function classifyToolFailure(tool: string, stderr: string, target: string): ComposeError | undefined {
  if (/no space left on device|disk full|ENOSPC|exceeds free space on media/i.test(stderr)) return new OutputError(`${tool} could not write ${target}: no space left on the device; free some space or write to another disk with -o`);
  if (/read-only file system|EROFS/i.test(stderr)) return new OutputError(`${tool} could not write ${target}: the file system is read-only; pick a writable output directory with -o`);
  if (/permission denied|EACCES/i.test(stderr)) return new OutputError(`${tool} could not write ${target}: permission denied; pick a writable output directory with -o`);
  return undefined;
}
