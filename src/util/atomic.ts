import { rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** The temporary name an output is written under before it is renamed into place. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.tmp-${process.pid}`);
}

/**
 * Write an output atomically: `write` fills a temporary path, which is renamed to the final name
 * only when it succeeds. On failure the temporary file is removed, so bad input never leaves a
 * half-written file under its final name.
 */
export async function writeAtomically<T>(finalPath: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = tempPathFor(finalPath);
  try {
    const result = await write(tmp);
    await rename(tmp, finalPath);
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Replace a directory atomically-ish: build under a temp name, swap, then delete the old one. */
export async function replaceDirAtomically<T>(finalPath: string, build: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = tempPathFor(finalPath);
  await rm(tmp, { recursive: true, force: true });
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
  await rm(old, { recursive: true, force: true });
  return result;
}
