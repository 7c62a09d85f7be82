import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The full path of a program on PATH, or undefined. */
export async function which(program: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, program);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
