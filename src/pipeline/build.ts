import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Profile } from '../profile/schema.js';
import { writeDir } from '../emit/dir.js';
import { buildManifest, hashTree, writeManifest } from '../emit/manifest.js';
import { writeTar } from '../emit/tar.js';
import { readManifestFile } from '../report/manifest-file.js';
import { summarizeAgainstPrevious } from '../report/summary.js';
import { existsSync } from 'node:fs';
import type { Reporter } from '../util/progress.js';
import { UsageError } from '../util/errors.js';
import { composeTree, type ComposedTree } from './compose-tree.js';
import type { Format } from './formats.js';
import { summarizeTree, type TreeSummary } from './summary.js';

export interface BuildOptions {
  proto: string;
  profile: Profile;
  out: string;
  formats: Format[];
  stateFrom?: string;
  manifests?: string;
  noManifests?: boolean;
  testMode?: boolean;
  reportUnused?: boolean;
  epoch?: number;
  reporter: Reporter;
}

export interface BuildOutput {
  format: Format | 'manifest';
  path: string;
}

export interface BuildResult {
  profile: string;
  proto: string;
  outputs: BuildOutput[];
  summary: TreeSummary;
  /** How this build differs from the previous one in the same output directory. */
  change: string;
  notes: string[];
}

export function protoLabel(c: ComposedTree): string {
  return c.input.kind === 'dir' ? c.input.root : c.input.file;
}

/** Compose the tree and write every requested output plus the manifest. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  const { reporter, profile } = opts;
  const outDir = resolve(opts.out);
  const composed = await composeTree(opts);
  const { tree } = composed;
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create the output directory ${opts.out} (${(e as Error).message}); pick another with -o`);
  }
  await hashTree(tree, reporter);
  const outputs: BuildOutput[] = [];
  const notes: string[] = [];
  for (const format of opts.formats) {
    if (format === 'dir') {
      const path = join(outDir, `${profile.name}.root`);
      const r = await writeDir(tree, path, reporter);
      if (r.skippedDevices.length) notes.push(`${r.skippedDevices.length} device node(s) are in the manifest but not in ${path}: creating them needs root`);
      outputs.push({ format, path });
    } else if (format === 'tar') {
      const path = join(outDir, `${profile.name}.tar`);
      await writeTar(tree, path, reporter);
      outputs.push({ format, path });
    }
  }
  const manifestPath = join(outDir, `${profile.name}.manifest.json`);
  const previous = existsSync(manifestPath) ? await readManifestFile(manifestPath).catch(() => undefined) : undefined;
  const manifest = buildManifest(tree, profile.name, protoLabel(composed));
  await writeManifest(manifestPath, manifest);
  outputs.push({ format: 'manifest', path: manifestPath });
  return { profile: profile.name, proto: protoLabel(composed), outputs, summary: summarizeTree(tree), change: summarizeAgainstPrevious(previous, manifest), notes };
}
