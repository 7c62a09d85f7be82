import type { Profile } from '../profile/schema.js';
import type { Reporter } from '../util/progress.js';
import { composeTree } from './compose-tree.js';
import type { SmfBuildOptions } from '../smf/options.js';
import { protoLabel } from './build.js';
import { summarizeTree, type TreeSummary } from './summary.js';

export interface PlanResult {
  profile: Profile;
  proto: string;
  protoEntries: number;
  pruned: { entries: number; bytes: number };
  placed: string[];
  stateFiles: Array<{ path: string; source: string; from?: string }>;
  manifests?: { dir: string; actions: number; drivers: number; entriesWithMetadata: number; unmentioned: string[]; setid: string[]; warnings: string[] };
  image: TreeSummary;
}

/** What a build would produce, without writing anything. */
export async function plan(opts: SmfBuildOptions & { adjuncts?: string[]; proto: string; profile: Profile; stateFrom?: string; manifests?: string; noManifests?: boolean; testMode?: boolean; reportUnused?: boolean; epoch?: number; reporter: Reporter }): Promise<PlanResult> {
  const c = await composeTree(opts);
  const m = c.manifests;
  return {
    profile: opts.profile,
    proto: protoLabel(c),
    protoEntries: c.protoEntries,
    pruned: { entries: c.pruned.removed, bytes: c.pruned.removedBytes },
    placed: c.placed,
    stateFiles: c.stateFiles,
    manifests: m && { dir: m.dir, actions: m.actions, drivers: m.drivers, entriesWithMetadata: m.metadata.entriesWithMetadata, unmentioned: m.metadata.unmentioned, setid: m.metadata.setid, warnings: m.warnings },
    image: summarizeTree(c.tree),
  };
}
