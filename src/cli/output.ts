import { ComposeError, EXIT } from '../util/errors.js';

/** Print a machine-readable result on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Turn any failure into one line on stderr and an exit code. Known failures carry their own code;
 * anything else is an internal error (exit 1), with the stack only when COMPOSE_DEBUG is set.
 */
export function reportFailure(err: unknown): number {
  if (err instanceof ComposeError) {
    process.stderr.write(`compose: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  if (process.env.COMPOSE_DEBUG) process.stderr.write(`${e?.stack ?? String(err)}\n`);
  process.stderr.write(`compose: internal error: ${e?.message ?? String(err)} (set COMPOSE_DEBUG=1 for details, and please report it)\n`);
  return EXIT.internal;
}
