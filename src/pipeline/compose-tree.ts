import type { Profile } from '../profile/schema.js';
import { locateProto, type ProtoInput } from '../proto/locate.js';
import { stageProto } from '../proto/stage-proto.js';
import type { StagedTree } from '../stage/tree.js';
import { applyOverlays } from '../overlay/apply-overlays.js';
import { putGeneratedFile } from '../overlay/generated.js';
import { LAUNCHER_PATH, hasStartdEntry, launcherInittab } from '../overlay/inittab.js';
import { LAUNCHER_CONF_PATH, STARTUP_PATH, launcherConfig, startupScript } from '../overlay/launcher-config.js';
import { addMountPoints } from '../overlay/mountpoints.js';
import { copyStateFrom, type StateCopy } from '../overlay/state-from.js';
import { pruneByGlobs, type PruneResult } from '../prune/globs.js';
import { readFileSync } from 'node:fs';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';

export interface ComposeTreeOptions {
  proto: string;
  profile: Profile;
  stateFrom?: string;
  testMode?: boolean;
  /** SOURCE_DATE_EPOCH, when set. */
  epoch?: number;
  reporter: Reporter;
}

export interface ComposedTree {
  input: ProtoInput;
  tree: StagedTree;
  /** Entries the proto area had, before overlays and pruning. */
  protoEntries: number;
  pruned: PruneResult;
  /** Where each kernel state file came from. */
  stateFiles: Array<{ path: string; source: 'proto' | 'state-from' | 'missing'; from?: string }>;
  /** Paths the overlays and generators placed. */
  placed: string[];
}

function readInittab(tree: StagedTree): string | undefined {
  const e = tree.get('etc/inittab');
  if (!e || e.type !== 'file' || !e.source) return undefined;
  if (e.source.kind === 'generated') return e.source.data.toString('utf8');
  return readFileSync(e.source.path, 'utf8');
}

/**
 * proto -> staged tree -> overlays -> pruning: everything before the emitters. Generated files
 * are placed before pruning and protected from it, so a profile's globs shape only the proto part.
 */
export async function composeTree(opts: ComposeTreeOptions): Promise<ComposedTree> {
  const { profile, reporter } = opts;
  const input = await locateProto(opts.proto);
  if (input.kind === 'dir' && input.root !== input.given && !input.given.endsWith('root_i386')) reporter.note(`using proto area ${input.root}`);
  const tree = await stageProto(input, { mtime: opts.epoch, reporter });
  const protoEntries = tree.size - 1;
  const mtime = opts.epoch ?? tree.root.mtime;

  const placed = new Set(await applyOverlays(tree, profile.overlays, opts.epoch));
  for (const p of addMountPoints(tree, mtime)) placed.add(p);

  const inittab = readInittab(tree);
  if (profile.init.mode === 'launcher') {
    if (!tree.get(LAUNCHER_PATH)) {
      throw new InputError(`profile ${profile.name} runs the launcher but no overlay provides /${LAUNCHER_PATH}; add the "pureboot" overlay to the profile's overlays`);
    }
    if (inittab === undefined) reporter.warn('the proto area has no etc/inittab; writing one with the standard illumos entries');
    placed.add(putGeneratedFile(tree, 'etc/inittab', launcherInittab(inittab), 'inittab', mtime, tree.get('etc/inittab')?.mode ?? 0o644));
    placed.add(putGeneratedFile(tree, LAUNCHER_CONF_PATH, launcherConfig(profile, !!opts.testMode), 'launcher.conf', mtime));
    const startup = startupScript(profile);
    if (startup) placed.add(putGeneratedFile(tree, STARTUP_PATH, startup, 'startup', mtime, 0o755));
  } else if (inittab === undefined || !hasStartdEntry(inittab)) {
    throw new InputError(`profile ${profile.name} boots through SMF but the proto's etc/inittab has no "smf" entry starting svc.startd`);
  }

  let copies: StateCopy[] = [];
  if (opts.stateFrom) {
    copies = copyStateFrom(tree, opts.stateFrom, mtime);
    for (const c of copies) placed.add(c.path);
  }
  const stateFiles = ['etc/name_to_major', 'etc/driver_aliases', 'etc/driver_classes', 'etc/minor_perm', 'etc/security/device_policy', 'etc/security/extra_privs', 'etc/path_to_inst'].map((path) => {
    const copy = copies.find((c) => c.path === path);
    if (copy) return { path, source: 'state-from' as const, from: copy.from };
    return { path, source: tree.get(path) ? ('proto' as const) : ('missing' as const) };
  });

  const pruned = pruneByGlobs(tree, profile.include, profile.exclude, placed);
  return { input, tree, protoEntries, pruned, stateFiles, placed: [...placed].sort() };
}
