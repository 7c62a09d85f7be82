import { readFile } from 'node:fs/promises';
import type { Manifest } from '../emit/manifest.js';
import { InputError } from '../util/errors.js';

// Reading a manifest written by an earlier build, checked against the format emit/manifest.ts
// writes, so a report or diff never works from a half-written or foreign file.

const TYPES = new Set(['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo']);
const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/** The first thing wrong with one entry: [field, message], or undefined. */
function entryProblem(e: unknown): [string, string] | undefined {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return ['', 'an object'];
  const x = e as Record<string, unknown>;
  if (typeof x.path !== 'string' || x.path === '') return ['path', 'a non-empty string'];
  if (typeof x.type !== 'string' || !TYPES.has(x.type)) return ['type', `one of ${[...TYPES].join(', ')}`];
  if (typeof x.mode !== 'string' || !/^[0-7]{3,5}$/.test(x.mode)) return ['mode', 'an octal mode such as "0755"'];
  for (const k of ['uid', 'gid', 'size']) if (!isCount(x[k])) return [k, 'a whole number >= 0'];
  if (x.sha256 !== undefined && (typeof x.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(x.sha256))) return ['sha256', '64 lowercase hex digits'];
  if (x.target !== undefined && typeof x.target !== 'string') return ['target', 'a string'];
  if (x.rdev !== undefined) {
    const r = x.rdev as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || !Number.isInteger(r.major) || !Number.isInteger(r.minor)) return ['rdev', 'an object with whole-number major and minor'];
  }
  return undefined;
}

/**
 * Check parsed JSON against the manifest format; `file` names it in the error. Checked in place,
 * without a copy: a manifest of 100,000 entries is large enough for that to matter.
 */
export function parseManifest(raw: unknown, file: string): Manifest {
  const fail = (at: string, message: string): never => {
    throw new InputError(`${file} is not a compose manifest: ${at ? `"${at}": ` : ''}${message}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('', 'expected a JSON object');
  const m = raw as Record<string, unknown>;
  if (typeof m.profile !== 'string') fail('profile', 'a string');
  if (typeof m.proto !== 'string') fail('proto', 'a string');
  if (!Array.isArray(m.entries)) fail('entries', 'an array');
  (m.entries as unknown[]).forEach((e, i) => {
    const p = entryProblem(e);
    if (p) fail(p[0] ? `entries.${i}.${p[0]}` : `entries.${i}`, p[1]);
  });
  return raw as Manifest;
}

/** Read and check a manifest file. */
export async function readManifestFile(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the manifest ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file} is not valid JSON (${(e as Error).message}); give the <profile>.manifest.json a build wrote`);
  }
  return parseManifest(raw, file);
}
