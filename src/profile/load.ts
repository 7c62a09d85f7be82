import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ProfileError } from '../util/errors.js';
import { PROFILES_DIR } from '../util/project.js';
import { profileFileSchema, type ProfileFile } from './schema.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface LoadedProfileFile {
  file: string;
  data: ProfileFile;
}

function looksLikePath(ref: string): boolean {
  return ref.includes('/') || EXTENSIONS.includes(extname(ref));
}

/**
 * Find a profile by reference: a path (relative to `baseDir`) or the name of a built-in profile
 * under profiles/. `from` names who asked, for the error message.
 */
export function findProfile(ref: string, baseDir: string, from: string): string {
  if (looksLikePath(ref)) {
    const p = isAbsolute(ref) ? ref : resolve(baseDir, ref);
    if (existsSync(p) && statSync(p).isFile()) return p;
    throw new ProfileError(`${from}: profile file ${p} does not exist`);
  }
  for (const ext of EXTENSIONS) {
    const p = resolve(PROFILES_DIR, ref + ext);
    if (existsSync(p)) return p;
  }
  throw new ProfileError(`${from}: there is no profile named "${ref}"; run "compose profiles" to list them, or give a path to a profile file`);
}

function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (at ? `${at}.${k}` : k));
    return `${file}: unknown key ${keys.map((k) => `"${k}"`).join(', ')}; see the profile format in README.md`;
  }
  return `${file}: key "${at || '(top level)'}": ${issue.message}`;
}

/** Read and validate one profile file (YAML or JSON); does not follow `extends`. */
export function loadProfileFile(file: string): LoadedProfileFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProfileError(`${file}: cannot read the profile (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    throw new ProfileError(`${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}${where} (${(e as Error).message.split('\n')[0]})`);
  }
  if (raw === null || raw === undefined) raw = {};
  const parsed = profileFileSchema.safeParse(raw);
  if (!parsed.success) throw new ProfileError(describeIssue(file, parsed.error.issues[0]));
  return { file, data: parsed.data };
}

/** The chain of files from the profile itself up through every `extends`, most derived first. */
export function loadProfileChain(ref: string, cwd = process.cwd()): LoadedProfileFile[] {
  const chain: LoadedProfileFile[] = [];
  let file = findProfile(ref, cwd, 'profile');
  for (;;) {
    if (chain.some((c) => c.file === file)) {
      throw new ProfileError(`${chain[chain.length - 1].file}: "extends" makes a cycle (${[...chain.map((c) => basename(c.file)), basename(file)].join(' -> ')})`);
    }
    const loaded = loadProfileFile(file);
    chain.push(loaded);
    if (!loaded.data.extends) return chain;
    file = findProfile(loaded.data.extends, dirname(file), `${file}: key "extends"`);
  }
}
