import type { ManifestSet } from '../manifest/load.js';
import { where } from '../manifest/action.js';
import { comparePaths, type StagedTree } from '../stage/tree.js';
import type { Reporter } from '../util/progress.js';
import { driverSpec, type DriverSpec } from './driver-spec.js';
import { LineFile } from './line-file.js';
import { allocateMajors, parseNameToMajor } from './majors.js';
import { driverDirs, findDriverModule, listDriverModules } from './modules.js';
import { readStagedText } from './read-staged.js';
import { CLASSIFIERS, DEVICE_POLICY, DEVLINK_TAB, DRIVER_ALIASES, DRIVER_CLASSES, DRIVER_STATE_FILES, EXTRA_PRIVS, MINOR_PERM, NAME_TO_MAJOR, type DriverStateFile } from './state-files.js';

// The kernel state files, written as `add_drv -b <root>` would for every driver action whose
// module is in the image. What the proto's files already hold stays (comment headers included)
// and our entries follow, without duplicates:
//  - a driver action whose module is not in the image (never built, or pruned) adds nothing;
//  - proto entries in driver_aliases, driver_classes, minor_perm, device_policy and extra_privs
//    that belong to a driver whose module is not in the image are dropped too: an alias would
//    bind hardware to a driver that cannot load, and the rest is dead weight;
//  - proto name_to_major entries all stay, module or not: the kernel ignores a number whose
//    driver is absent, and keeping them keeps every number stable.

export type StateFileSource = 'manifests' | 'proto' | 'kept' | 'absent';

export interface StateFileDetail {
  path: DriverStateFile;
  /** manifests: we changed or created it; proto: the proto's file is right as it is; kept: the caller kept its own (--state-from); absent: no such file. */
  source: StateFileSource;
  added: number;
  removed: number;
}

export interface DriverInfo {
  name: string;
  major: number;
  /** Whether the major was allocated now (false: name_to_major already had it). */
  newMajor: boolean;
  module: string;
  /** The manifest the driver action came from. */
  manifest: string;
}

export interface StateResult {
  /** Final text of every state file we generate (changed or not), by image path. */
  files: Map<DriverStateFile, string>;
  details: StateFileDetail[];
  drivers: DriverInfo[];
  /** Driver actions left out because their module is not in the image. */
  skippedDrivers: string[];
  /** name_to_major as the image will have it. */
  nameToMajor: Map<string, number>;
  warnings: string[];
}

export interface StateOptions {
  /** More image directories holding driver modules (e.g. platform/i86hvm/kernel/drv/amd64). */
  extraDriverPaths?: string[];
  /** State files not to generate because the caller supplies them (--state-from). */
  keep?: Iterable<string>;
  reporter?: Reporter;
}

/** One spec per driver name; a later action for the same driver only matters if it disagrees. */
function collectSpecs(set: ManifestSet, warnings: string[]): DriverSpec[] {
  const byName = new Map<string, DriverSpec>();
  for (const a of set.actions) {
    if (a.type !== 'driver') continue;
    const spec = driverSpec(a);
    const first = byName.get(spec.name);
    if (!first) byName.set(spec.name, spec);
    else if (JSON.stringify([...first.action.attrs]) !== JSON.stringify([...a.attrs])) {
      warnings.push(`driver ${spec.name} is defined differently at ${where(first.action)} and ${where(a)}; using the first`);
    }
  }
  // Byte order, the same everywhere (driver names are unique, so the order is total).
  return [...byName.values()].sort((a, b) => comparePaths(a.name, b.name));
}

export async function generateStateFiles(tree: StagedTree, set: ManifestSet, opts: StateOptions = {}): Promise<StateResult> {
  const warnings: string[] = [];
  const dirs = driverDirs(opts.extraDriverPaths);
  // Stryker disable next-line ArrayDeclaration: no state file is named "Stryker was here", so any fallback that holds no state file path acts alike
  const keep = new Set(opts.keep ?? []);
  const specs = collectSpecs(set, warnings);
  const modules = new Map<string, string>();
  const present: DriverSpec[] = [];
  const skippedDrivers: string[] = [];
  for (const s of specs) {
    const module = findDriverModule(tree, s.name, dirs);
    if (module) {
      modules.set(s.name, module);
      present.push(s);
    } else skippedDrivers.push(s.name);
  }
  const moduleInImage = (driver: string) => modules.has(driver) || findDriverModule(tree, driver, dirs) !== undefined;

  const files = new Map<DriverStateFile, LineFile>();
  const hadFile = new Map<DriverStateFile, boolean>();
  for (const path of DRIVER_STATE_FILES) {
    const text = await readStagedText(tree, path);
    hadFile.set(path, text !== undefined);
    files.set(path, new LineFile(text, CLASSIFIERS[path]));
  }
  const counts = new Map<DriverStateFile, { added: number; removed: number }>(DRIVER_STATE_FILES.map((p) => [p, { added: 0, removed: 0 }]));
  const add = (path: DriverStateFile, text: string, replace = false) => {
    const f = files.get(path)!;
    if (replace ? f.set(text) : f.add(text)) counts.get(path)!.added++;
  };

  // Proto entries of drivers that are not in the image.
  for (const path of [DRIVER_ALIASES, DRIVER_CLASSES, MINOR_PERM, DEVICE_POLICY, EXTRA_PRIVS] as const) {
    counts.get(path)!.removed = files.get(path)!.removeWhere((e) => e.driver !== undefined && !moduleInImage(e.driver));
  }

  // Majors.
  const existing = parseNameToMajor(files.get(NAME_TO_MAJOR)!.toString());
  const nameToMajor = new Map(existing);
  const drivers: DriverInfo[] = [];
  if (keep.has(NAME_TO_MAJOR)) {
    for (const s of present) if (!existing.has(s.name)) warnings.push(`driver ${s.name} is in the image but has no entry in the supplied ${NAME_TO_MAJOR}; the kernel cannot bind it`);
  } else {
    for (const [name, major] of allocateMajors(existing, present.map((s) => s.name))) {
      nameToMajor.set(name, major);
      add(NAME_TO_MAJOR, `${name} ${major}`);
    }
  }
  for (const s of present) {
    const major = nameToMajor.get(s.name);
    if (major !== undefined) drivers.push({ name: s.name, major, newMajor: !existing.has(s.name), module: modules.get(s.name)!, manifest: s.action.manifest });
  }

  // Aliases: one driver per alias, as add_drv insists.
  const aliasOwner = new Map<string, string>();
  // Stryker disable next-line LogicalOperator: classifyAlias gives an entry a key exactly when it gives it a (non-empty) driver, so && and || agree
  for (const e of files.get(DRIVER_ALIASES)!.entries) if (e.key && e.driver) aliasOwner.set(e.key.slice(e.driver.length + 1), e.driver);
  for (const s of present) {
    for (const alias of s.aliases) {
      const owner = aliasOwner.get(alias);
      if (owner !== undefined && owner !== s.name) {
        warnings.push(`${where(s.action)}: alias "${alias}" of driver ${s.name} already belongs to driver ${owner}; left out`);
        continue;
      }
      if (nameToMajor.has(alias) && alias !== s.name) {
        warnings.push(`${where(s.action)}: alias "${alias}" of driver ${s.name} is itself a driver name; left out`);
        continue;
      }
      aliasOwner.set(alias, s.name);
      add(DRIVER_ALIASES, `${s.name} "${alias}"`);
    }
    for (const cls of s.classes) add(DRIVER_CLASSES, `${s.name}\t${cls}`);
    for (const p of s.perms) add(MINOR_PERM, `${s.name}:${p.minor} ${p.mode} ${p.owner} ${p.group}`, true);
    for (const p of s.clonePerms) add(MINOR_PERM, `clone:${p.minor} ${p.mode} ${p.owner} ${p.group}`, true);
    for (const p of s.policy) add(DEVICE_POLICY, [`${s.name}:${p.minor}`, ...p.tokens].join('\t'), true);
    for (const priv of s.privs) add(EXTRA_PRIVS, `${s.name}:${priv}`);
    for (const line of s.devlinks) add(DEVLINK_TAB, line);
  }

  // Modules the kernel could not bind: no driver action and no major.
  for (const [name, path] of listDriverModules(tree, dirs)) {
    if (!nameToMajor.has(name) && !specs.some((s) => s.name === name)) warnings.push(`${path} has no driver action in the manifests and no name_to_major entry; the kernel will not bind it`);
  }

  const result: StateResult = { files: new Map(), details: [], drivers, skippedDrivers, nameToMajor, warnings };
  for (const path of DRIVER_STATE_FILES) {
    const f = files.get(path)!;
    const c = counts.get(path)!;
    if (keep.has(path)) {
      result.details.push({ path, source: 'kept', added: 0, removed: 0 });
      continue;
    }
    const source: StateFileSource = f.changed ? 'manifests' : hadFile.get(path) ? 'proto' : 'absent';
    result.details.push({ path, source, ...c });
    if (source !== 'absent') result.files.set(path, f.toString());
  }
  report(result, opts.reporter);
  return result;
}

function report(r: StateResult, reporter: Reporter | undefined): void {
  if (!reporter) return;
  const fresh = r.drivers.filter((d) => d.newMajor).length;
  reporter.note(`kernel state files from driver actions: ${r.drivers.length} drivers in the image (${fresh} given new majors); ${r.skippedDrivers.length} driver actions skipped because their module is not in the image`);
  for (const w of r.warnings) reporter.warn(w);
}
