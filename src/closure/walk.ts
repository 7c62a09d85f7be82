import picomatch from 'picomatch';
import { posix } from 'node:path';
import type { ElfInfo } from '../elf/read-elf.js';
import type { StagedEntry } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { SHELL_TEXT_FILES } from './always-needed.js';
import { companionTable, type Companion } from './companions.js';
import { ContentInspector, SCRIPT_TEXT_LIMIT } from './inspect.js';
import { driverConfPath, isKernelPath, moduleDependencyNames, resolveModule } from './kernel.js';
import { absolutePathsIn } from './script-paths.js';
import { tracePath, type TracedPath } from './trace-path.js';
import { resolveLibrary } from './userland.js';

// The closure walk: from the roots, keep every object reached through ELF dependencies (userland
// DT_NEEDED and PT_INTERP, kernel module DT_NEEDED and _depends_on), "#!" interpreters, paths named
// in kept scripts, isaexec's per-ISA programs and the companions some programs load by name.
// Every path is followed through symlinks, and each symlink on the way is kept.

export interface PathRoot {
  path: string;
  /** A required root that does not exist is reported; an optional one is only noted as absent. */
  required: boolean;
  /** Keep a directory with everything below it (otherwise only the directory itself). */
  subtree: boolean;
}

export interface ModuleRoot {
  name: string;
  required: boolean;
}

export interface ClosureRoots {
  paths: PathRoot[];
  modules: ModuleRoot[];
}

export interface MissingDependency {
  /** The kept object (or "keep" for a profile keep entry) that needs it. */
  object: string;
  /** The library, module, interpreter or path that could not be found. */
  dependency: string;
}

export interface ClosureResult {
  /** Image paths kept (files, links, directories named; not yet the parents of kept entries). */
  kept: Set<string>;
  missing: MissingDependency[];
  elfErrors: Array<{ path: string; error: string }>;
  /** Required roots that match nothing. */
  unmatched: string[];
  /** Optional roots the tree does not have. */
  absent: string[];
}

/** isaexec(3C): a link to it runs <dir>/<isa>/<name>, trying the 64-bit ISA first. */
const ISAEXEC = 'usr/lib/isaexec';
const ISA_DIRS = ['amd64', 'i86'];

class ClosureWalk {
  readonly kept = new Set<string>();
  private readonly visited = new Set<string>();
  private readonly missing = new Map<string, MissingDependency>();
  private readonly elfErrors = new Map<string, string>();
  private readonly unmatched = new Set<string>();
  private readonly absent = new Set<string>();
  // Stryker disable next-line ArrayDeclaration: a non-promise in the list awaits at once
  private readonly tasks: Array<Promise<void>> = [];
  private readonly inspector: ContentInspector;
  private allPaths: string[] | undefined;
  private readonly companions: Map<string, Companion>;

  constructor(
    private readonly tree: StagedTree,
    inspector?: ContentInspector,
  ) {
    this.inspector = inspector ?? new ContentInspector(tree);
    this.companions = companionTable(tree);
  }

  async run(roots: ClosureRoots): Promise<ClosureResult> {
    for (const r of roots.paths) this.addRoot(r);
    for (const m of roots.modules) this.addModule(m.name, 64, m.required ? 'keep' : undefined, !m.required);
    while (this.tasks.length) await Promise.all(this.tasks.splice(0));
    const byKey = <T>(m: Map<string, T>) => [...m.keys()].sort().map((k) => m.get(k)!);
    return {
      kept: this.kept,
      missing: byKey(this.missing),
      elfErrors: [...this.elfErrors.keys()].sort().map((path) => ({ path, error: this.elfErrors.get(path)! })),
      unmatched: [...this.unmatched].sort(),
      absent: [...this.absent].sort(),
    };
  }

  private schedule(task: Promise<void>): void {
    this.tasks.push(task);
  }

  private reportMissing(object: string, dependency: string): void {
    this.missing.set(`${object}\0${dependency}`, { object, dependency });
  }

  /** Keep a resolved path (the links followed and the entry it ends at), then visit it. */
  private keepTraced(traced: TracedPath): void {
    for (const l of traced.links) this.kept.add(l);
    const e = traced.entry;
    // A kept hardlink does not keep the path that owns its content: when that path is pruned, the
    // tree hands the content to the remaining link. (The owner of an isaexec group is just the
    // group's first path, some other command whose per-ISA programs are not wanted.)
    this.kept.add(e.path);
    if (e.type === 'file' || e.type === 'hardlink') this.schedule(this.visit(e));
  }

  private addRoot(root: PathRoot): void {
    const path = root.path.replace(/^\/+/, '').replace(/\/+$/, '');
    const entry = this.tree.get(path);
    const traced = tracePath(this.tree, path);
    if (!entry && !traced) {
      if (root.required) this.unmatched.add(path);
      else this.absent.add(path);
      return;
    }
    if (!traced) {
      // A dangling symlink: keep the link itself, and say what it points at when it was asked for.
      this.kept.add(path);
      // Stryker disable next-line OptionalChaining: the entry exists here (a missing one returned above)
      if (root.required) this.reportMissing(path, entry?.target ?? path);
      return;
    }
    this.keepTraced(traced);
    if (traced.entry.type === 'dir' && root.subtree) this.addSubtree(traced.entry.path);
  }

  private addSubtree(dir: string): void {
    for (const child of this.tree.children(dir)) this.addRoot({ path: child, required: false, subtree: true });
  }

  /** Follow a dependency named by path (an interpreter, a DT_NEEDED path); report it if absent. */
  private addDependencyPath(object: string, path: string, required: boolean): void {
    const traced = tracePath(this.tree, path);
    if (!traced || traced.entry.type === 'dir') {
      if (required) this.reportMissing(object, `/${path.replace(/^\/+/, '')}`);
      return;
    }
    this.keepTraced(traced);
  }

  private addModule(name: string, elfClass: 32 | 64, requester: string | undefined, optional = false): void {
    // $CPU and $MMU are expanded by krtld from lists the booting machine supplies; they cannot be
    // resolved offline.
    if (name.includes('$')) return;
    const found = resolveModule(this.tree, name, elfClass);
    if (found) return this.keepTraced(found);
    if (optional) this.absent.add(name);
    else if (requester === 'keep') this.unmatched.add(name);
    else if (requester) this.reportMissing(requester, name);
  }

  private matchGlob(glob: string): string[] {
    this.allPaths ??= this.tree.entries().map((e) => e.path);
    const isMatch = picomatch(glob, { dot: true });
    return this.allPaths.filter((p) => isMatch(p));
  }

  private async visit(entry: StagedEntry): Promise<void> {
    if (this.visited.has(entry.path)) return;
    this.visited.add(entry.path);
    const what = await this.inspector.inspect(entry);
    switch (what.kind) {
      case 'error':
        this.elfErrors.set(entry.path, what.error);
        break;
      case 'elf':
        if (isKernelPath(entry.path)) this.visitModule(entry, what.info);
        else await this.visitProgram(entry, what.info);
        break;
      case 'script':
        this.addDependencyPath(entry.path, what.interpreter, true);
        if (what.text !== undefined) this.addMentionedPaths(what.text);
        break;
      case 'data':
        if (SHELL_TEXT_FILES.includes(entry.path)) {
          const text = await this.inspector.readText(entry, SCRIPT_TEXT_LIMIT);
          if (text) this.addMentionedPaths(text);
        }
        break;
    }
    this.addIsaexecTargets(entry);
    // Stryker disable next-line ConditionalExpression: only an 'elf' inspection has info; the others give undefined either way
    await this.addCompanions(entry, what.kind === 'elf' ? what.info : undefined);
  }

  private visitModule(entry: StagedEntry, info: ElfInfo): void {
    for (const dep of moduleDependencyNames(info.needed, info.dependsOn)) this.addModule(dep, info.elfClass, entry.path);
    const conf = driverConfPath(entry.path);
    if (conf && this.tree.get(conf)) this.addRoot({ path: conf, required: false, subtree: false });
  }

  private async visitProgram(entry: StagedEntry, info: ElfInfo): Promise<void> {
    if (info.interp) this.addDependencyPath(entry.path, info.interp, true);
    await Promise.all(
      info.needed.map(async (name) => {
        const found = await resolveLibrary(this.tree, this.inspector, entry.path, info, name);
        if (found) this.keepTraced(found);
        else this.reportMissing(entry.path, name);
      }),
    );
  }

  /** Programs and files a script or inittab names; only files count (a named directory is not kept whole). */
  private addMentionedPaths(text: string): void {
    for (const p of absolutePathsIn(text)) {
      const traced = tracePath(this.tree, p);
      if (traced && traced.entry.type !== 'dir') this.keepTraced(traced);
    }
  }

  private addIsaexecTargets(entry: StagedEntry): void {
    if (entry.path === ISAEXEC || (entry.type !== 'hardlink' && this.tree.hardlinksTo(entry.path).length === 0)) return;
    const owner = entry.type === 'hardlink' ? entry.target! : entry.path;
    if (owner !== ISAEXEC && !this.tree.hardlinksTo(owner).includes(ISAEXEC)) return;
    const dir = posix.dirname(entry.path);
    const base = posix.basename(entry.path);
    for (const isa of ISA_DIRS) this.addRoot({ path: `${dir}/${isa}/${base}`, required: false, subtree: false });
  }

  private async addCompanions(entry: StagedEntry, info: ElfInfo | undefined): Promise<void> {
    const c = this.companions.get(entry.path);
    if (!c) return;
    // Stryker disable next-line ArrayDeclaration: every companion lists files
    for (const f of c.files ?? []) {
      const paths = picomatch.scan(f).isGlob ? this.matchGlob(f) : [f];
      for (const path of paths) if (this.tree.get(path)) this.addRoot({ path, required: false, subtree: false });
    }
    if (!info) return;
    // Stryker disable next-line ArrayDeclaration: a made-up library name is not found, and an unfound companion library is ignored
    for (const lib of c.libraries ?? []) {
      const found = await resolveLibrary(this.tree, this.inspector, entry.path, info, lib);
      if (found) this.keepTraced(found);
    }
  }
}

/** Walk the dependency closure of the roots over a staged tree (sharing an inspector's cache, if given). */
export function computeClosure(tree: StagedTree, roots: ClosureRoots, inspector?: ContentInspector): Promise<ClosureResult> {
  return new ClosureWalk(tree, inspector).run(roots);
}
