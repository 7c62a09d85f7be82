import { posix } from 'node:path';
import { ContentInspector } from '../closure/inspect.js';
import { moduleDependencyNames, resolveModule } from '../closure/kernel.js';
import { tracePath, type TracedPath } from '../closure/trace-path.js';
import { computeClosure } from '../closure/walk.js';
import { BOOT_PROGRAMS, type BootProgram } from '../bootpath/programs.js';
import { parseNameToMajor } from '../state/majors.js';
import { readStagedText } from '../state/read-staged.js';
import { resolveInImage, type StagedTree } from '../stage/tree.js';
import { FindingList, type Finding, type Severity, type StepId } from './findings.js';
import type { ScriptState } from './script/state.js';

// What every step of the boot check works from: the image's root file system as a staged tree
// (built, or read back from an image), its kernel state files parsed once, and lookups that answer
// the questions the kernel and ld.so.1 would ask. ELF objects are inspected once, whichever step
// asks.

export type ConsoleName = 'text' | 'ttya' | 'ttyb';

export interface CheckOptions {
  /** The console the boot loader tells the kernel to use (the profile's boot.console, or the ISO's configuration). */
  console: ConsoleName;
  /** The profile name, for messages and the launcher's marker. */
  profile?: string;
}

/** What a /dev path leads to: the /devices node, its driver, and what is wrong on the way. */
export interface DeviceLookup {
  /** The /devices path (devices/pseudo/cn@0:console), when the link leads there. */
  node?: string;
  /** The driver that owns the node: the node's name, or the clone minor's driver. */
  driver?: string;
  problem?: string;
}

export class CheckContext {
  readonly findings = new FindingList();
  /** The booted system as the inittab sysinit entries leave it, for the smf entry's script. */
  sysinitState?: ScriptState;
  readonly inspector: ContentInspector;
  private readonly texts = new Map<string, Promise<string | undefined>>();
  private majors?: Map<string, number>;
  private aliasOwners?: Map<string, string>;

  constructor(
    readonly tree: StagedTree,
    readonly opts: CheckOptions,
  ) {
    this.inspector = new ContentInspector(tree);
  }

  get serial(): boolean {
    return this.opts.console !== 'text';
  }

  add(step: StepId, severity: Severity, message: string, source: string, fix: string): void {
    this.findings.add({ step, severity, message, source, fix });
  }

  addFinding(f: Finding): void {
    this.findings.add(f);
  }

  checked(step: StepId, n = 1): void {
    this.findings.checked(step, n);
  }

  /** A small file's text, following links inside the image; undefined when there is no such file. */
  text(path: string): Promise<string | undefined> {
    let p = this.texts.get(path);
    if (!p) {
      p = readStagedText(this.tree, path).catch(() => undefined);
      this.texts.set(path, p);
    }
    return p;
  }

  /** The entry a path ends at after links, or null. */
  trace(path: string): TracedPath | null {
    // Stryker disable next-line Regex: tracePath drops leading slashes itself, so stripping one or all of them gives the same entry
    return tracePath(this.tree, path.replace(/^\/+/, ''));
  }

  /** A regular file (through links) at this path. */
  isFile(path: string): boolean {
    const t = this.trace(path);
    return !!t && (t.entry.type === 'file' || t.entry.type === 'hardlink');
  }

  /** The boot-program table's entry (src/bootpath/programs.ts) for a program, by the path given or the real path it leads to. */
  bootProgram(path: string): BootProgram | undefined {
    const clean = path.replace(/^\/+/, '');
    const real = this.trace(clean)?.entry.path;
    // Stryker disable next-line ConditionalExpression: p.path === real implies the third test (a path that is its own real path traces to itself)
    return BOOT_PROGRAMS.find((p) => p.path === clean || p.path === real || (real !== undefined && this.trace(p.path)?.entry.path === real));
  }

  isDir(path: string): boolean {
    return this.trace(path)?.entry.type === 'dir';
  }

  async nameToMajor(): Promise<Map<string, number>> {
    // Stryker disable next-line StringLiteral: any text without a digit field parses to no majors, as the empty text does
    this.majors ??= parseNameToMajor((await this.text('etc/name_to_major')) ?? '');
    return this.majors;
  }

  /** driver_aliases: alias -> driver. */
  async aliases(): Promise<Map<string, string>> {
    if (!this.aliasOwners) {
      this.aliasOwners = new Map();
      for (const line of ((await this.text('etc/driver_aliases')) ?? '').split('\n')) {
        const m = /^\s*([^\s#]+)\s+"?([^"\s]+)"?/.exec(line);
        if (m) this.aliasOwners.set(m[2], m[1]);
      }
    }
    return this.aliasOwners;
  }

  /**
   * Why krtld could not load a module (with its DT_NEEDED / _depends_on closure), or undefined when
   * it could: "not in the image", "not an ELF object", or the first dependency that is missing.
   */
  async moduleProblem(name: string, seen = new Set<string>()): Promise<string | undefined> {
    if (seen.has(name)) return undefined;
    seen.add(name);
    // $CPU and $MMU are expanded by krtld from the booting machine; they cannot be checked offline.
    if (name.includes('$')) return undefined;
    const found = resolveModule(this.tree, name);
    if (!found) return `${name} is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64)`;
    const what = await this.inspector.inspect(found.entry);
    if (what.kind !== 'elf') return `/${found.path} is not a kernel module (not an ELF object${what.kind === 'error' ? `: ${what.error}` : ''})`;
    for (const dep of moduleDependencyNames(what.info.needed, what.info.dependsOn)) {
      const p = await this.moduleProblem(dep, seen);
      if (p) return `${name} needs ${dep}: ${p}`;
    }
    return undefined;
  }

  /**
   * What stops ld.so.1 from starting a program: missing interpreter or libraries, or a file that
   * is not there or not executable. isaexec links need one of their per-ISA programs.
   */
  async programProblems(path: string): Promise<string[]> {
    const clean = path.replace(/^\/+/, '');
    const t = this.trace(clean);
    if (!t) return [`/${clean} is not in the image`];
    if (t.entry.type !== 'file' && t.entry.type !== 'hardlink') return [`/${clean} is a ${t.entry.type}, not a program`];
    const owner = this.tree.contentOwner(t.entry);
    if ((owner.mode & 0o111) === 0) return [`/${clean} is not executable (mode ${owner.mode.toString(8)})`];
    const what = await this.inspector.inspect(t.entry);
    // Stryker disable next-line ConditionalExpression,StringLiteral: without this shortcut the closure walk reports the same ELF error for the same path (line below)
    if (what.kind === 'error') return [`/${clean} cannot be read as ELF: ${what.error}`];
    if (what.kind === 'data') return [`/${clean} is neither an ELF program nor a "#!" script`];
    const problems: string[] = [];
    if (this.isIsaexec(t)) {
      const dir = posix.dirname(clean);
      const base = posix.basename(clean);
      const targets = ['amd64', 'i86'].map((isa) => `${dir}/${isa}/${base}`);
      const present = targets.filter((p) => this.isFile(p));
      if (present.length === 0) return [`/${clean} is a link to isaexec, which runs ${targets.map((p) => `/${p}`).join(' or ')}, and neither is in the image`];
      for (const p of present) problems.push(...(await this.programProblems(p)));
      return problems;
    }
    // Stryker disable next-line BooleanLiteral: the path is known to be a file here: required and subtree change nothing for it
    const r = await computeClosure(this.tree, { paths: [{ path: clean, required: true, subtree: false }], modules: [] }, this.inspector);
    for (const m of r.missing) problems.push(`/${m.object} needs ${m.dependency}, which is not in the image`);
    // Stryker disable next-line ConditionalExpression,StringLiteral: the program's own ELF errors are caught above, so only the path filter is reachable (tested: a library's error is not the program's)
    for (const e of r.elfErrors) if (e.path === t.entry.path) problems.push(`/${e.path} cannot be read as ELF: ${e.error}`);
    return problems;
  }

  private isIsaexec(t: TracedPath): boolean {
    const e = t.entry;
    const owner = e.type === 'hardlink' ? e.target! : e.path;
    if (owner === 'usr/lib/isaexec') return t.entry.path !== 'usr/lib/isaexec';
    return this.tree.hardlinksTo(owner).includes('usr/lib/isaexec');
  }

  /**
   * Follow a /dev path to the /devices node it names, as the kernel's /dev (sdev) and devfs
   * would: the link must be in the image (sdev makes none on a miss), and the node's driver must
   * be bound (a name_to_major line; the module is checked by the caller).
   */
  async device(devPath: string): Promise<DeviceLookup> {
    let path = devPath.replace(/^\/+/, '');
    for (let hops = 0; hops < 16; hops++) {
      const e = this.tree.get(path);
      if (path.startsWith('devices/')) return this.deviceNode(path);
      if (!e) {
        const parent = this.trace(posix.dirname(path));
        if (parent && parent.entry.path !== posix.dirname(path)) {
          path = `${parent.entry.path}/${posix.basename(path)}`;
          continue;
        }
        return { problem: `/${devPath.replace(/^\/+/, '')} is not in the image (the kernel's /dev makes no link by itself before devfsadm runs)` };
      }
      if (e.type === 'char' || e.type === 'block') return {};
      if (e.type !== 'symlink') return { problem: `/${path} is a ${e.type}, not a link to a device node` };
      // Stryker disable next-line StringLiteral: a symlink entry always has a target
      const target = resolveInImage(path, e.target ?? '');
      if (target === null) return { problem: `/${path} points outside the image (${e.target})` };
      path = target;
    }
    return { problem: `/${devPath} is a loop of links` };
  }

  private async deviceNode(node: string): Promise<DeviceLookup> {
    const last = node.split('/').pop()!;
    // Stryker disable next-line Regex: (.+) is greedy to the end of a path component (no newlines), so the $ anchor changes nothing
    const m = /^([^@:]+)(?:@[^:]*)?:(.+)$/.exec(last);
    if (!m) return { node, problem: `/${node} is not a device node path (expected .../<driver>@<unit>:<minor>)` };
    const [, name, minor] = m;
    // A clone node's minor is the driver it clones (devfs makes clone@0:<driver> for CLONE_DEV minors).
    const driver = name === 'clone' ? minor : ((await this.aliases()).get(name) ?? name);
    const majors = await this.nameToMajor();
    for (const d of name === 'clone' ? ['clone', driver] : [driver]) {
      if (!majors.has(d)) return { node, driver, problem: `/${node} belongs to driver ${d}, which has no etc/name_to_major entry` };
    }
    return { node, driver };
  }
}
