import type { Profile } from '../profile/schema.js';
import type { CheckReport } from '../check/findings.js';
import { composeTree, type ComposedTree, type ComposeTreeOptions } from './compose-tree.js';
import { checkComposed, protoLabel } from './build.js';
import { summarizeTree, type TreeSummary } from './summary.js';

export interface PlanResult {
  profile: Profile;
  proto: string;
  protoEntries: number;
  pruned: { entries: number; bytes: number };
  placed: string[];
  stateFiles: Array<{ path: string; source: string; from?: string }>;
  manifests?: { dir: string; actions: number; drivers: number; entriesWithMetadata: number; unmentioned: string[]; setid: string[]; warnings: string[]; macros: NonNullable<ComposedTree['manifests']>['macros'] };
  image: TreeSummary;
  /** The boot check of the tree the build would write. */
  check: CheckReport;
}

/** What a build would produce, without writing anything. */
export async function plan(opts: ComposeTreeOptions): Promise<PlanResult> {
  const c = await composeTree(opts);
  const check = await checkComposed(c, opts.profile);
  const m = c.manifests;
  return {
    profile: opts.profile,
    proto: protoLabel(c),
    protoEntries: c.protoEntries,
    pruned: { entries: c.pruned.removed, bytes: c.pruned.removedBytes },
    placed: c.placed,
    stateFiles: c.stateFiles,
    manifests: m && { dir: m.dir, actions: m.actions, drivers: m.drivers, entriesWithMetadata: m.metadata.entriesWithMetadata, unmentioned: m.metadata.unmentioned, setid: m.metadata.setid, warnings: m.warnings, macros: m.macros },
    image: summarizeTree(c.tree),
    check,
  };
}
