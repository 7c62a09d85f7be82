import type { Profile } from '../profile/schema.js';
import type { Reporter } from '../util/progress.js';
import { composeTree } from './compose-tree.js';
import { protoLabel } from './build.js';
import { summarizeTree, type TreeSummary } from './summary.js';

export interface PlanResult {
  profile: Profile;
  proto: string;
  protoEntries: number;
  pruned: { entries: number; bytes: number };
  placed: string[];
  stateFiles: Array<{ path: string; source: string; from?: string }>;
  image: TreeSummary;
}

/** What a build would produce, without writing anything. */
export async function plan(opts: { proto: string; profile: Profile; stateFrom?: string; testMode?: boolean; epoch?: number; reporter: Reporter }): Promise<PlanResult> {
  const c = await composeTree(opts);
  return {
    profile: opts.profile,
    proto: protoLabel(c),
    protoEntries: c.protoEntries,
    pruned: { entries: c.pruned.removed, bytes: c.pruned.removedBytes },
    placed: c.placed,
    stateFiles: c.stateFiles,
    image: summarizeTree(c.tree),
  };
}
