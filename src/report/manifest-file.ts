import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Manifest } from '../emit/manifest.js';
import { InputError } from '../util/errors.js';

// Reading a manifest written by an earlier build, checked against the format emit/manifest.ts
// writes, so a report or diff never works from a half-written or foreign file.

const entrySchema = z.object({
  path: z.string().min(1),
  type: z.enum(['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo']),
  mode: z.string().regex(/^[0-7]{3,5}$/, 'an octal mode such as "0755"'),
  uid: z.number().int().min(0),
  gid: z.number().int().min(0),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  target: z.string().optional(),
  rdev: z.object({ major: z.number().int(), minor: z.number().int() }).optional(),
});

const manifestSchema = z.object({
  profile: z.string(),
  proto: z.string(),
  entries: z.array(entrySchema),
});

/** Check parsed JSON against the manifest format; `file` names it in the error. */
export function parseManifest(raw: unknown, file: string): Manifest {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.map(String).join('.');
    throw new InputError(`${file} is not a compose manifest: ${at ? `"${at}": ` : ''}${issue.message}`);
  }
  return parsed.data;
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
