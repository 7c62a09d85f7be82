import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const PROJECT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const CLI = join(PROJECT, 'dist/cli/main.js');
export const TESTKERNEL = { dir: join(PROJECT, 'build/testkernel'), unix: join(PROJECT, 'build/testkernel/unix') };
