import type { Profile } from '../profile/schema.js';
import { locateProto, type ProtoInput } from '../proto/locate.js';
import { stageProto } from '../proto/stage-proto.js';
import type { StagedTree } from '../stage/tree.js';
import { applyOverlays } from '../overlay/apply-overlays.js';
import { putGeneratedFile } from '../overlay/generated.js';
import { LAUNCHER_PATH, launcherInittab } from '../overlay/inittab.js';
import { applyAdjuncts, type AdjunctResult } from '../adjunct/apply-adjuncts.js';
import { checkSmfOptions, type SmfBuildOptions } from '../smf/options.js';
import { composeSmfImage } from '../smf/compose-smf.js';
import { checkSmfImage } from '../smf/check-smf.js';
import { LAUNCHER_CONF_PATH, STARTUP_PATH, launcherConfig, startupScript } from '../overlay/launcher-config.js';
import { addMountPoints } from '../overlay/mountpoints.js';
import { copyStateFrom, type StateCopy } from '../overlay/state-from.js';
import { pruneByGlobs, type PruneResult } from '../prune/globs.js';
import { pruneByClosure } from '../closure/prune.js';
import { closureError, closureNotes } from '../closure/problems.js';
import { loadManifestSource, manifestsDirFor } from './manifest-source.js';
import type { MacroInference } from '../manifest/infer-macros.js';
import { applyManifestMetadata, type MetadataResult } from '../manifest/metadata.js';
import { generateStateFiles, type StateResult } from '../state/generate.js';
import { writeStateFiles } from '../state/write.js';
import { addDevLinks } from '../devlinks/add-dev-links.js';
import { STORAGE_CONF_PATH, STORAGE_KEEP, STORAGE_PATH, storageConfig } from '../overlay/storage.js';
import { TRAMPOLINE_CONF_PATH, TRAMPOLINE_PATH, TRAMPOLINE_ROOT_DIR, trampolineConfig } from '../overlay/trampoline.js';
import { BOOTENV_PATH, withSerialSpeed } from '../overlay/bootenv.js';
import { readStagedText } from '../state/read-staged.js';
import { InputError } from '../util/errors.js';
import { registerPathRole } from '../util/fs-errors.js';
import { relative, resolve, isAbsolute } from 'node:path';

const isInside = (path: string, dir: string): boolean => {
  const r = relative(dir, path);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r);
};
import type { Reporter } from '../util/progress.js';
import type { BuildCache } from '../cache/build-cache.js';
import { Timings } from '../util/timings.js';
import { performance } from 'node:perf_hooks';

export interface ComposeTreeOptions extends SmfBuildOptions {
  proto: string;
  /** Trees laid over the proto area before anything else (what illumos-gate does not build). */
  adjuncts?: string[];
  profile: Profile;
  stateFrom?: string;
  /** A directory of IPS manifests; found by itself when the proto lies in a gate workspace. */
  manifests?: string;
  /** Do not look for manifests even in a workspace. */
  noManifests?: boolean;
  /** Manifest macro values (--define NAME=VALUE), over what the proto lets us infer. */
  defines?: Record<string, string>;
  testMode?: boolean;
  /** With closure pruning, list shared libraries nothing kept uses. */
  reportUnused?: boolean;
  /** SOURCE_DATE_EPOCH, when set. */
  epoch?: number;
  /** The build cache (parsed manifests are read from it; what is learnt is held for its flush). */
  buildCache?: BuildCache;
  /** Where the steps' times go (`stage.proto`, `stage.manifests`, `stage.prune`, `stage.state`). */
  timings?: Timings;
  /** The build's output directory: left out of the image when it lies inside the proto area. */
  outDir?: string;
  reporter: Reporter;
}

export interface ComposedTree {
  input: ProtoInput;
  tree: StagedTree;
  /** Entries the proto area had, before overlays and pruning. */
  protoEntries: number;
  pruned: PruneResult;
  /** Where each kernel state file came from. */
  stateFiles: Array<{ path: string; source: 'proto' | 'state-from' | 'manifests' | 'missing'; from?: string }>;
  /** The manifests directory used, if any, and what it gave. */
  manifests?: { dir: string; packages: number; actions: number; fromCache: boolean; metadata: MetadataResult; drivers: number; warnings: string[]; macros: { defined: Record<string, string>; inferred: MacroInference['inferred']; ambiguous: MacroInference['ambiguous'] } };
  /** Paths the overlays and generators placed. */
  placed: string[];
  adjuncts?: AdjunctResult;
}

const STATE_FILES = ['etc/name_to_major', 'etc/driver_aliases', 'etc/driver_classes', 'etc/minor_perm', 'etc/security/device_policy', 'etc/security/extra_privs', 'etc/devlink.tab', 'etc/path_to_inst'];


/**
 * proto -> staged tree -> overlays -> pruning: everything before the emitters. Generated files
 * are placed before pruning and protected from it, so a profile's globs shape only the proto part.
 */
export async function composeTree(opts: ComposeTreeOptions): Promise<ComposedTree> {
  const { profile, reporter } = opts;
  const timings = opts.timings ?? new Timings();
  checkSmfOptions(profile, opts);
  const input = await locateProto(opts.proto);
  if (input.kind === 'dir' && input.root !== input.given && !input.given.endsWith('root_i386')) reporter.note(`using proto area ${input.root}`);
  registerPathRole(input.kind === 'dir' ? input.root : input.file, 'input', 'the proto area');
  // An output directory inside the proto area would put the previous build's outputs in the image.
  const skip = input.kind === 'dir' && opts.outDir && isInside(resolve(opts.outDir), input.root) ? [resolve(opts.outDir)] : [];
  if (skip.length) reporter.note(`the output directory ${opts.outDir} is inside the proto area; it is left out of the image`);
  const { tree, tarballManifests } = await timings.time('stage.proto', () => stageProto(input, { mtime: opts.epoch, reporter, skip }));
  const protoEntries = tree.size - 1;
  const mtime = opts.epoch ?? tree.root.mtime;
  const adjuncts = opts.adjuncts?.length ? await applyAdjuncts(tree, opts.adjuncts, { mtime: opts.epoch, reporter }) : undefined;
  const adjunctPaths = new Set(adjuncts?.paths ?? []);

  const manifestsDir = manifestsDirFor(opts, input, tarballManifests, reporter);
  const source = manifestsDir ? await timings.time('stage.manifests', () => loadManifestSource(manifestsDir, tree, opts.defines ?? {}, reporter, opts.buildCache)) : undefined;
  const manifestSet = source?.set;

  const placed = new Set(await applyOverlays(tree, profile.overlays, opts.epoch));
  for (const p of addMountPoints(tree, mtime)) placed.add(p);
  for (const p of addDevLinks(tree, mtime, { manifests: manifestSet })) placed.add(p);

  if (profile.boot.serialSpeed !== undefined) {
    const bootenv = await readStagedText(tree, BOOTENV_PATH);
    placed.add(putGeneratedFile(tree, BOOTENV_PATH, withSerialSpeed(bootenv, profile.boot.serialSpeed), 'bootenv.rc', mtime, tree.get(BOOTENV_PATH)?.mode ?? 0o644));
  }

  const inittab = await readStagedText(tree, 'etc/inittab');
  if (profile.init.mode === 'launcher') {
    if (!tree.get(LAUNCHER_PATH)) {
      throw new InputError(`profile ${profile.name} runs the launcher but no overlay provides /${LAUNCHER_PATH}; add the "pureboot" overlay to the profile's overlays`);
    }
    // A checkout does not keep exact modes (git knows only 0644 and 0755, and the umask applies):
    // the launcher is installed like illumos installs its programs.
    tree.get(LAUNCHER_PATH)!.mode = 0o555;
    if (inittab === undefined) reporter.warn('the proto area has no etc/inittab; writing one with the standard illumos entries');
    placed.add(putGeneratedFile(tree, 'etc/inittab', launcherInittab(inittab), 'inittab', mtime, tree.get('etc/inittab')?.mode ?? 0o644));
    placed.add(putGeneratedFile(tree, LAUNCHER_CONF_PATH, launcherConfig(profile, !!opts.testMode), 'launcher.conf', mtime));
    const startup = startupScript(profile);
    if (startup) placed.add(putGeneratedFile(tree, STARTUP_PATH, startup, 'startup', mtime, 0o755));
  } else if (profile.init.mode === 'trampoline') {
    if (!tree.get(TRAMPOLINE_PATH)) {
      throw new InputError(`profile ${profile.name} boots a trampoline but no overlay provides /${TRAMPOLINE_PATH}; add the "trampoline" overlay to the profile's overlays`);
    }
    tree.get(TRAMPOLINE_PATH)!.mode = 0o555;
    placed.add(putGeneratedFile(tree, TRAMPOLINE_CONF_PATH, trampolineConfig(profile), 'trampoline.conf', mtime));
    // Where the root is mounted: no gate package delivers /a, and the ramdisk root is read-only
    // when the trampoline starts.
    if (tree.get(TRAMPOLINE_ROOT_DIR)?.type !== 'dir') tree.put({ path: TRAMPOLINE_ROOT_DIR, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime });
    placed.add(TRAMPOLINE_ROOT_DIR);
    // The kernel runs the trampoline as init, and the init that runs next is the root's: the
    // ramdisk's own init and inittab never run (and would pull svc.startd into a closure).
    for (const p of ['sbin/init', 'etc/inittab']) if (tree.has(p)) tree.remove(p);
    reporter.note(`profile ${profile.name}: the kernel runs /${TRAMPOLINE_PATH} as init, which looks for the root ${profile.trampoline.root} and starts its ${profile.trampoline.init}; the image's own /sbin/init and /etc/inittab are left out`);
  } else {
    const smf = { repository: opts.repository, rootPasswordHash: opts.rootPasswordHash, allowEmptyRootPassword: opts.allowEmptyRootPassword, sshKey: opts.sshKey };
    for (const p of await composeSmfImage(tree, profile, { ...smf, testMode: opts.testMode, mtime, reporter })) placed.add(p);
  }

  if (profile.storage) {
    if (!tree.get(STORAGE_PATH)) throw new InputError(`profile ${profile.name} sets storage but no overlay provides /${STORAGE_PATH}; the "storage" overlay ships it`);
    tree.get(STORAGE_PATH)!.mode = 0o555;
    placed.add(STORAGE_PATH);
    placed.add(putGeneratedFile(tree, STORAGE_CONF_PATH, storageConfig(profile.storage), 'storage.conf', mtime));
    // The datasets mount on directories of the ramdisk: they must be there before the root is writable.
    for (const m of profile.storage.mounts) {
      const parts = m.dir.slice(1).split('/');
      for (let i = 1; i <= parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (tree.get(dir)?.type !== 'dir') tree.put({ path: dir, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime });
        placed.add(dir);
      }
    }
  }

  let copies: StateCopy[] = [];
  if (opts.stateFrom) {
    copies = copyStateFrom(tree, opts.stateFrom, mtime);
    for (const c of copies) placed.add(c.path);
  }
  const pruneStart = performance.now();
  let pruned: PruneResult;
  if (profile.prune === 'closure') {
    // The deny-list applies first; include globs count as closure roots like keep entries.
    const denied = pruneByGlobs(tree, [], profile.exclude, placed);
    const storageKeep = profile.storage ? STORAGE_KEEP.filter((p) => tree.has(p.startsWith('drv/') ? `kernel/drv/amd64/${p.slice(4)}` : p)) : [];
    const c = await pruneByClosure(tree, { keep: [...profile.keep, ...profile.include, ...storageKeep], hardware: profile.hardware, protect: placed });
    const err = closureError(c, profile.name);
    if (err) throw err;
    for (const n of closureNotes(c, !!opts.reportUnused)) reporter.note(n);
    pruned = { removed: denied.removed + c.removed, removedBytes: denied.removedBytes + c.removedBytes, };
  } else pruned = pruneByGlobs(tree, profile.include, profile.exclude, placed);
  for (const g of pruned.unmatchedGlobs ?? []) reporter.warn(`profile ${profile.name}: the include glob "${g}" matches nothing in the proto area`);
  if (profile.init.mode === 'smf') await checkSmfImage(tree, profile, { sshKey: opts.sshKey !== undefined, reporter });
  timings.add('stage.prune', performance.now() - pruneStart);

  // Kernel state files and metadata come after pruning: drivers pruned away leave no lines.
  let state: StateResult | undefined;
  let manifests: ComposedTree['manifests'];
  const stateStart = performance.now();
  if (manifestSet) {
    state = await generateStateFiles(tree, manifestSet, { reporter, keep: copies.map((c) => c.path) });
    for (const p of writeStateFiles(tree, state, mtime).written) placed.add(p);
    // Only proto entries count as "not mentioned"; what the tool placed has no package.
    const metadata = await applyManifestMetadata(tree, manifestSet, { reporter, placed: new Set([...placed, ...adjunctPaths]) });
    for (const w of state.warnings) reporter.warn(w);
    manifests = { dir: manifestSet.dir, packages: manifestSet.manifests.length, actions: manifestSet.actions.length, fromCache: !!manifestSet.fromCache, metadata, drivers: state.drivers.length, warnings: state.warnings, macros: { defined: source!.defined, inferred: source!.inference.inferred, ambiguous: source!.inference.ambiguous } };
  }

  timings.add('stage.state', performance.now() - stateStart);
  const stateFiles = STATE_FILES.map((path) => {
    const copy = copies.find((c) => c.path === path);
    if (copy) return { path, source: 'state-from' as const, from: copy.from };
    if (state?.details.some((d) => d.path === path && d.source === 'manifests')) return { path, source: 'manifests' as const, from: manifestSet!.dir };
    return { path, source: tree.get(path) ? ('proto' as const) : ('missing' as const) };
  });
  return { input, tree, protoEntries, pruned, stateFiles, manifests, placed: [...placed].sort(), adjuncts };
}
