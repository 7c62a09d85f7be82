import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { attrList, attrOne, type ManifestAction } from './action.js';
import { I386_DEFINES } from './macros.js';
import { ActionSyntaxError, parseActionLine } from './parse-action.js';
import { newReadState, readManifestLines, type ActionLine, type ReadState } from './read-lines.js';
import { applyTransforms, TransformAbort, TransformError } from './transforms.js';
import { IMAGE_VARIANTS, inImageVariant } from './variants.js';

// Loading the package manifests of an illumos-gate workspace (usr/src/pkg/manifests/*.p5m, or
// *.mf before 2021) as the build's pkgmogrify step would process them for an i386 build, then
// keeping the actions an i386 global-zone image installs.

export interface Manifest {
  path: string;
  /** The package, from `set name=pkg.fmri`. */
  fmri?: string;
  actions: ManifestAction[];
}

export interface ManifestSet {
  dir: string;
  /** Where the gate's transform files were found, if they were. */
  transformsDir?: string;
  manifests: Manifest[];
  /** Every kept action of every manifest, in manifest order. */
  actions: ManifestAction[];
  /** Actions left out because their variant tags exclude an i386 global-zone image. */
  variantExcluded: number;
  /** Lines left out because they start with a macro we have no value for (a build option). */
  leftOut: ActionLine[];
  /** Packages a transform aborted (pkgmogrify's `abort`: not published in this build). */
  aborted: string[];
  /** Packages whose `set name=variant.arch` excludes i386 (sparc-only packages). */
  otherArchitecture: string[];
  /** Macros that had no value, with where each was first used. */
  unknownMacros: Map<string, string>;
  /** Every file read to make the set (manifests, includes, transform files), sorted. */
  inputs: string[];
  /** Taken from the build cache rather than read (nothing it was made from had changed). */
  fromCache?: boolean;
}

export interface LoadOptions {
  reporter?: Reporter;
  /**
   * The gate's transforms directory (usr/src/pkg/transforms). Undefined: look beside the
   * manifests directory. Null: apply no transform files.
   */
  transformsDir?: string | null;
  /** Transform files applied after each manifest, as the gate's PM_TRANSFORMS does for `defaults`. */
  transformFiles?: string[];
  /** Extra or overriding macro values. */
  defines?: Record<string, string>;
  /** Where a set loaded before with the same key may be found, and kept (the build cache). */
  store?: SetStore;
}

/** What decides a set besides the files it is read from. */
export interface SetKey {
  dir: string;
  transformsDir?: string;
  transformFiles: string[];
  defines: Readonly<Record<string, string>>;
}

export interface SetStore {
  get(key: SetKey): ManifestSet | undefined;
  /** `readStartMs`: when the reading began (a file changed after that is not trusted by its stamp). */
  put(key: SetKey, set: ManifestSet, readStartMs: number): void;
}

const MANIFEST_SUFFIXES = ['.p5m', '.mf'];

/**
 * If the proto area lies in an illumos-gate workspace (`<ws>/proto/root_i386`), the workspace's
 * manifests directory `<ws>/usr/src/pkg/manifests`, when it exists.
 */
export function findWorkspaceManifests(protoRoot: string): string | undefined {
  const root = resolve(protoRoot);
  if (basename(dirname(root)) !== 'proto') return undefined;
  const dir = join(dirname(dirname(root)), 'usr', 'src', 'pkg', 'manifests');
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}

/** The gate keeps its transforms (`defaults`...) in usr/src/pkg/transforms, beside manifests/. */
export function findTransformsDir(manifestsDir: string): string | undefined {
  const dir = join(resolve(manifestsDir), '..', 'transforms');
  return existsSync(join(dir, 'defaults')) ? dir : undefined;
}

export async function loadManifests(dir: string, opts: LoadOptions = {}): Promise<ManifestSet> {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new InputError(`manifest directory ${dir} does not exist`);
  const names = (await readdir(abs)).filter((n) => MANIFEST_SUFFIXES.some((s) => n.endsWith(s))).sort();
  if (names.length === 0) throw new InputError(`${dir} holds no package manifests (*.p5m or *.mf)`);
  const transformsDir = opts.transformsDir === null ? undefined : opts.transformsDir !== undefined ? resolve(opts.transformsDir) : findTransformsDir(abs);
  const transformFiles = transformsDir ? (opts.transformFiles ?? ['defaults']).map((f) => join(transformsDir, f)) : [];
  for (const f of transformFiles) if (!existsSync(f)) throw new InputError(`transform file ${f} does not exist`);
  const defines = { ...I386_DEFINES, ...opts.defines };
  const includeDirs = [abs, ...(transformsDir ? [transformsDir] : [])];
  const key: SetKey = { dir: abs, transformsDir, transformFiles, defines };
  const kept = opts.store?.get(key);
  if (kept) {
    kept.fromCache = true;
    opts.reporter?.note(`package manifests unchanged since the last build: their parsed actions were taken from the cache`);
    reportLoad(kept, opts.reporter);
    return kept;
  }
  const readStartMs = Date.now();

  const set: ManifestSet = { dir: abs, transformsDir, manifests: [], actions: [], variantExcluded: 0, leftOut: [], aborted: [], otherArchitecture: [], unknownMacros: new Map(), inputs: [] };
  const inputs = new Set<string>();
  // The transform files are the same for every manifest: read and parsed once, not 530 times.
  const transforms = await readTransformFiles(transformFiles, defines, includeDirs);
  const loaded: LoadedManifest[] = [];
  for (const [i, name] of names.entries()) {
    opts.reporter?.progress('reading manifests', i, names.length);
    loaded.push(await loadManifestFile(join(abs, name), { defines, includeDirs, transformFiles, transforms }));
  }
  for (const [i, name] of names.entries()) {
    const path = join(abs, name);
    const m = loaded[i];
    set.leftOut.push(...m.leftOut);
    for (const f of m.inputs) inputs.add(f);
    for (const [mac, at] of m.unknownMacros) if (!set.unknownMacros.has(mac)) set.unknownMacros.set(mac, at);
    if (m.aborted) {
      set.aborted.push(path);
      continue;
    }
    set.variantExcluded += m.variantExcluded;
    if (!forImageArchitecture(m.manifest.actions)) {
      // IPS will not install a package whose declared architectures exclude the image's.
      set.otherArchitecture.push(path);
      set.variantExcluded += m.manifest.actions.length;
      continue;
    }
    set.manifests.push(m.manifest);
    set.actions.push(...m.manifest.actions);
  }
  opts.reporter?.done('reading manifests');
  set.inputs = [...inputs].sort();
  opts.store?.put(key, set, readStartMs);
  reportLoad(set, opts.reporter);
  return set;
}

/** False for a package that declares `set name=variant.arch` without i386. */
function forImageArchitecture(actions: ManifestAction[]): boolean {
  const decl = actions.find((a) => a.type === 'set' && attrOne(a, 'name') === 'variant.arch');
  return !decl || attrList(decl, 'value').includes(IMAGE_VARIANTS['variant.arch']);
}

/** Say what the set holds (for a set loaded or taken from the cache alike). */
export function reportLoad(set: ManifestSet, reporter: Reporter | undefined): void {
  if (!reporter) return;
  reporter.note(`read ${set.manifests.length} package manifests from ${set.dir} (${set.actions.length} actions${set.transformsDir ? `, transforms from ${set.transformsDir}` : ', no transforms directory found'})`);
  if (set.unknownMacros.size) {
    const list = [...set.unknownMacros].map(([m, at]) => `$(${m}) (${at})`).join(', ');
    reporter.warn(`manifest macros with no value, left as written: ${list}; ${set.leftOut.length} action(s) guarded by them were left out`);
  }
  if (set.otherArchitecture.length) reporter.note(`${set.otherArchitecture.length} package manifest(s) are for another architecture (variant.arch) and were skipped`);
  for (const p of set.aborted) reporter.note(`${p}: a transform aborts this package (not published in this build); ignored`);
}

interface LoadedManifest {
  manifest: Manifest;
  aborted: boolean;
  variantExcluded: number;
  leftOut: ActionLine[];
  unknownMacros: Map<string, string>;
  /** The files read: the manifest, its includes and the transform files. */
  inputs: Set<string>;
}

/** The transform files read once, as pkgmogrify would read them after each manifest. */
export async function readTransformFiles(files: string[], defines: Readonly<Record<string, string>>, includeDirs: string[]): Promise<ReadState> {
  const state = newReadState(defines, includeDirs);
  for (const f of files) await readManifestLines(f, state);
  return state;
}

/** Add what the transform files gave to a manifest's state, as if they had been read after it. */
function appendTransformFiles(state: ReadState, files: ReadState): void {
  state.transforms.push(...files.transforms);
  state.actions.push(...files.actions);
  state.leftOut.push(...files.leftOut);
  for (const [m, at] of files.unknownMacros) if (!state.unknownMacros.has(m)) state.unknownMacros.set(m, at);
  for (const f of files.read) state.read.add(f);
}

/**
 * Process one manifest with its includes and the transform files (`transforms`: those files
 * already read by readTransformFiles; otherwise they are read here).
 */
export async function loadManifestFile(path: string, opts: { defines: Readonly<Record<string, string>>; includeDirs: string[]; transformFiles: string[]; transforms?: ReadState }): Promise<LoadedManifest> {
  const state = newReadState(opts.defines, opts.includeDirs);
  await readManifestLines(path, state);
  appendTransformFiles(state, opts.transforms ?? (await readTransformFiles(opts.transformFiles, opts.defines, opts.includeDirs)));

  const manifest: Manifest = { path, actions: [] };
  const pkgAttrs = new Map<string, string[]>();
  let variantExcluded = 0;
  try {
    for (const line of state.actions) {
      let parsed;
      try {
        parsed = parseActionLine(line.text);
      } catch (e) {
        if (e instanceof ActionSyntaxError) throw new InputError(`${line.file}:${line.line}: ${e.message}`);
        throw e;
      }
      const action: ManifestAction = { type: parsed.type, payload: parsed.payload, attrs: parsed.attrs, manifest: path, file: line.file, line: line.line };
      if (action.type === 'set') {
        const name = attrOne(action, 'name');
        if (name !== undefined) pkgAttrs.set(name, [...(pkgAttrs.get(name) ?? []), ...attrList(action, 'value')]);
      }
      let results: ManifestAction[];
      try {
        results = applyTransforms(action, state.transforms, { pkgAttrs });
      } catch (e) {
        if (e instanceof TransformError) throw new InputError(`${line.file}:${line.line}: ${e.message}`);
        throw e;
      }
      for (const r of results) {
        if (inImageVariant(r)) manifest.actions.push(r);
        else variantExcluded++;
      }
    }
  } catch (e) {
    if (e instanceof TransformAbort) return { manifest, aborted: true, variantExcluded, leftOut: state.leftOut, unknownMacros: state.unknownMacros, inputs: state.read };
    throw e;
  }
  manifest.fmri = pkgAttrs.get('pkg.fmri')?.[0];
  return { manifest, aborted: false, variantExcluded, leftOut: state.leftOut, unknownMacros: state.unknownMacros, inputs: state.read };
}
