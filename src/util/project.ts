import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The installed project's root (holding profiles/ and overlays/), from this module's location. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const PROFILES_DIR = resolve(PROJECT_ROOT, 'profiles');
export const OVERLAYS_DIR = resolve(PROJECT_ROOT, 'overlays');
