import { rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** The temporary name an output is written under before it is renamed into place. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.tmp-${process.pid}`);
}

/** Temporary outputs being written; removed if the process exits before they are renamed. */
const pending = new Set<string>();
process.once('exit', () => {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
});

/**
 * Exit on SIGINT/SIGTERM through process.exit, so the 'exit' handlers remove temporary outputs
 * and the tarball spool (a signal's default action would skip them).
 */
export function exitCleanlyOnSignals(): void {
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

/**
 * Write an output atomically: `write` fills a temporary path, which is renamed to the final name
 * only when it succeeds. On failure the temporary file is removed, so bad input never leaves a
 * half-written file under its final name.
 */
export async function writeAtomically<T>(finalPath: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = tempPathFor(finalPath);
  pending.add(tmp);
  try {
    const result = await write(tmp);
    await rename(tmp, finalPath);
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    pending.delete(tmp);
  }
}

/** Replace a directory atomically-ish: build under a temp name, swap, then delete the old one. */
export async function replaceDirAtomically<T>(finalPath: string, build: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = tempPathFor(finalPath);
  await rm(tmp, { recursive: true, force: true });
  pending.add(tmp);
  let result: T;
  try {
    result = await build(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true, maxRetries: 2 }).catch(() => {});
    throw err;
  }
  const old = `${tmp}.old`;
  await rm(old, { recursive: true, force: true });
  await rename(finalPath, old).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  await rename(tmp, finalPath);
  pending.delete(tmp);
  await rm(old, { recursive: true, force: true });
  return result;
}
