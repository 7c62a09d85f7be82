import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PROFILES_DIR } from '../util/project.js';
import { resolveProfile } from './resolve.js';

export interface ProfileSummary {
  name: string;
  file: string;
  description: string;
  extends: string[];
  init: string;
}

/** Every built-in profile, resolved (so a broken built-in is reported, not hidden). */
export function listBuiltinProfiles(): ProfileSummary[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f)))
    .sort()
    .map((f) => {
      const p = resolveProfile(join(PROFILES_DIR, f));
      return { name: p.name, file: p.files[0], description: p.description, extends: p.files.slice(1), init: p.init.mode };
    });
}
