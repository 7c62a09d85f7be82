import { findWorkspaceManifests, loadManifests, type ManifestSet } from '../manifest/load.js';
import { I386_DEFINES } from '../manifest/macros.js';
import { describeInference, inferMacros, scanMacroLines, type MacroInference, type MacroLine } from '../manifest/infer-macros.js';
import { cachedMacroLines, manifestSetStore, rememberMacroLines } from '../cache/manifest-cache.js';
import type { BuildCache } from '../cache/build-cache.js';
import type { ProtoInput } from '../proto/locate.js';
import type { StagedTree } from '../stage/tree.js';
import type { Reporter } from '../util/progress.js';

// Which package manifests a build uses, and with which macro values: --manifests, else the
// workspace's usr/src/pkg/manifests (beside a proto directory, or inside a workspace tarball),
// unless --no-manifests. Build-machine macros are taken from --define, else inferred from the
// proto's own paths (infer-macros.ts).

export interface ManifestChoice {
  manifests?: string;
  noManifests?: boolean;
  /** --define NAME=VALUE, already parsed. */
  defines?: Record<string, string>;
}

export interface ManifestSource {
  set: ManifestSet;
  /** What the proto said about the build-machine macros (none when every macro had a value). */
  inference: MacroInference;
  /** Macro values the user gave. */
  defined: Record<string, string>;
}

export function manifestsDirFor(choice: ManifestChoice, input: ProtoInput, tarballManifests: string | undefined, reporter: Reporter): string | undefined {
  if (choice.manifests) return choice.manifests;
  if (choice.noManifests) return undefined;
  const found = input.kind === 'dir' ? findWorkspaceManifests(input.root) : tarballManifests;
  if (found) reporter.note(`using package manifests from ${input.kind === 'dir' ? found : `the workspace tarball (usr/src/pkg/manifests)`}`);
  return found;
}

/** The lines macros are inferred from: from the cache when no manifest changed. */
async function macroLines(dir: string, known: Readonly<Record<string, string>>, cache: BuildCache | undefined): Promise<MacroLine[]> {
  const kept = cachedMacroLines(cache, dir, known);
  if (kept) return kept;
  const start = Date.now();
  const read: string[] = [];
  const lines = await scanMacroLines(dir, known, read);
  rememberMacroLines(cache, dir, known, read, lines, start);
  return lines;
}

/** Load the manifests with the user's and the inferred macro values. `tree` is the staged proto, before any pruning. */
export async function loadManifestSource(dir: string, tree: StagedTree, defined: Record<string, string>, reporter: Reporter, cache?: BuildCache): Promise<ManifestSource> {
  const known = { ...I386_DEFINES, ...defined };
  const lines = await macroLines(dir, known, cache);
  const inference = lines.length ? inferMacros(lines, tree.entries().map((e) => e.path), known) : { values: {}, inferred: [], ambiguous: [] };
  for (const n of describeInference(inference)) reporter.note(n);
  const set = await loadManifests(dir, { reporter, defines: { ...inference.values, ...defined }, store: manifestSetStore(cache) });
  return { set, inference, defined };
}
