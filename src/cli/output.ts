import { ComposeError, EXIT } from '../util/errors.js';
import { classifySystemError } from '../util/fs-errors.js';

/** Print a machine-readable result on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Turn any failure into one line on stderr and an exit code. Known failures carry their own code;
 * anything else is an internal error (exit 1), with the stack only when COMPOSE_DEBUG is set.
 */
export function reportFailure(err: unknown): number {
  // What the operating system refused (a full disk, a read-only or unreadable path) is the
  // user's environment, not a bug.
  const known = err instanceof ComposeError ? err : classifySystemError(err) ?? classifySystemError((err as { cause?: unknown })?.cause);
  if (known) {
    process.stderr.write(`compose: ${known.message}\n`);
    return known.exitCode;
  }
  const e = err as Error;
  if (process.env.COMPOSE_DEBUG) process.stderr.write(`${e?.stack ?? String(err)}\n`);
  process.stderr.write(`compose: internal error: ${e?.message ?? String(err)} (set COMPOSE_DEBUG=1 for details, and please report it)\n`);
  return EXIT.internal;
}

/**
 * A reader that closes the pipe early (`compose inspect --json | head -1`) is normal: stop quietly
 * instead of dying on EPIPE.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}
