import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, UsageError } from '../util/errors.js';
import { expandMacros, leadingMacro } from './macros.js';

// Macros whose values come from the machine that built the gate, not from the sources:
// usr/src/pkg/Makefile passes PKGMOG_DEFINES such as PYTHON_VERSION=$(PYTHON_VERSION) (2.7 in
// usr/src/Makefile.master, but set by each distribution's build environment), PYTHON3_VERSION,
// PERL_VERSION, PERL_ARCH, and build switches such as python2tools_ONLY=$(BUILDPY2TOOLS) (empty
// when the build delivered the Python 2 tools, "#" when it did not). pkgmogrify leaves a macro it
// has no value for as written, so without values hundreds of gate actions name paths no proto
// has, or are dropped. The proto itself says which values the build used: a value is inferred
// when exactly one fits the paths the actions name.

export interface MacroLine {
  file: string;
  line: number;
  /** The joined line with the known macros expanded. */
  text: string;
}

export interface InferredMacro {
  name: string;
  value: string;
  /** How many action paths the value makes real proto paths. */
  paths: number;
  /** One such path, for the message. */
  example: string;
}

export interface MacroInference {
  /** Name -> value for every macro inferred. */
  values: Record<string, string>;
  inferred: InferredMacro[];
  /** Macros used in paths for which no single value fits. */
  ambiguous: Array<{ name: string; candidates: string[] }>;
}

const MANIFEST_FILE = /\.(p5m|mf|inc)$/;
const MACRO = /\$\(([A-Za-z0-9_.]+)\)/g;
const PATH_ATTR = /(?:^|\s)path=(?:"([^"]*)"|'([^']*)'|(\S+))/;

/**
 * The action lines of a manifests directory that still hold a macro after the known ones are
 * expanded. A plain read of each file (continuations joined), cheaper than loading the set.
 * The files read are added to `read`.
 */
export async function scanMacroLines(dir: string, defines: Readonly<Record<string, string>>, read: string[] = []): Promise<MacroLine[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => MANIFEST_FILE.test(n)).sort();
  } catch (e) {
    throw new InputError(`cannot read the manifest directory ${dir}: ${(e as Error).message}`);
  }
  const out: MacroLine[] = [];
  for (const name of names) {
    const file = join(dir, name);
    read.push(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read manifest ${file}: ${(e as Error).message}`);
    }
    let pending = '';
    let start = 0;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i].trim();
      if (raw.endsWith('\\')) {
        if (!pending) start = i + 1;
        pending += raw.slice(0, -1);
        continue;
      }
      const joined = pending + raw;
      const first = pending ? start : i + 1;
      pending = '';
      if (!joined.includes('$(')) continue;
      const expanded = expandMacros(joined, defines).text.trim();
      if (expanded.startsWith('#') || !expanded.includes('$(')) continue;
      out.push({ file, line: first, text: expanded });
    }
  }
  return out;
}

function pathValue(text: string): string | undefined {
  const m = PATH_ATTR.exec(text);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regular expression for a path with macros: `name` captured (one path component at most), others wild. */
function pathPattern(path: string, name: string | undefined): RegExp {
  let src = '';
  let last = 0;
  let captured = false;
  for (const m of path.matchAll(MACRO)) {
    src += escapeRegExp(path.slice(last, m.index));
    if (m[1] === name) {
      src += captured ? '\\1' : '([^/]+)';
      captured = true;
    } else src += '[^/]*';
    last = m.index! + m[0].length;
  }
  src += escapeRegExp(path.slice(last));
  return new RegExp(`^${src}$`);
}

/** Sorted paths starting with `prefix` (binary search for the first). */
function withPrefix(sorted: readonly string[], prefix: string): string[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < sorted.length && sorted[i].startsWith(prefix); i++) out.push(sorted[i]);
  return out;
}

function matching(sorted: readonly string[], path: string, name?: string): Array<{ path: string; value?: string }> {
  const prefix = path.slice(0, path.indexOf('$('));
  const re = pathPattern(path, name);
  const out: Array<{ path: string; value?: string }> = [];
  for (const p of withPrefix(sorted, prefix)) {
    const m = re.exec(p);
    if (m) out.push({ path: p, value: m[1] });
  }
  return out;
}

/**
 * Infer the values of build-machine macros from the proto's paths. `paths` are the proto's image
 * paths; `known` the values already given (they are never overridden).
 *
 * A build delivers all or nothing of what one switch guards ($(python2_ONLY)..., or nothing for
 * unguarded lines), so a value macro's uses are grouped by their switch, and a value fits when
 * with it every path of a group is in the proto. Counting single paths would be fooled by names
 * Python 2 and Python 3 packages share. Of the values that complete groups, the one completing
 * the most paths wins; a tie, or two macros that name the same place with the same value
 * ($(PERL_ARCH) and $(PERL_ARCH64) over one directory), leaves them unknown.
 */
export function inferMacros(lines: readonly MacroLine[], paths: readonly string[], known: Readonly<Record<string, string>> = {}): MacroInference {
  const sorted = [...paths].sort();
  const exact = new Set(sorted);
  const values: Record<string, string> = {};
  const inferred: InferredMacro[] = [];
  const ambiguous: MacroInference['ambiguous'] = [];
  const isKnown = (n: string) => n in known || n in values;

  // Value macros: those used inside a path (python$(PYTHON_VERSION)), with the switch guarding each use.
  const uses = new Map<string, Array<{ path: string; guard: string }>>();
  for (const l of lines) {
    const guard = leadingMacro(l.text) ?? '';
    const path = pathValue(guard ? l.text.slice(guard.length + 3) : l.text);
    if (!path) continue;
    for (const m of new Set([...path.matchAll(MACRO)].map((x) => x[1]))) if (!isKnown(m)) uses.set(m, [...(uses.get(m) ?? []), { path, guard }]);
  }
  const best = new Map<string, InferredMacro>();
  for (const [name, list] of [...uses].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const groups = new Map<string, Set<string>>();
    for (const u of list) groups.set(u.guard, (groups.get(u.guard) ?? new Set()).add(u.path));
    // Candidate values: what the macro's place holds in the proto.
    const candidates = new Set<string>();
    for (const u of list) for (const hit of matching(sorted, u.path, name)) if (hit.value !== undefined) candidates.add(hit.value);
    const scored: Array<{ value: string; paths: number; example: string }> = [];
    for (const value of candidates) {
      let complete = 0;
      let example = '';
      for (const group of groups.values()) {
        const real = [...group].map((p) => p.split(`$(${name})`).join(value));
        const found = real.map((p) => (p.includes('$(') ? matching(sorted, p)[0]?.path : exact.has(p) ? p : undefined));
        if (found.every((f) => f !== undefined)) {
          complete += real.length;
          example ||= found[0]!;
        }
      }
      if (complete) scored.push({ value, paths: complete, example });
    }
    scored.sort((a, b) => b.paths - a.paths || (a.value < b.value ? -1 : 1));
    if (scored.length === 0) continue;
    if (scored.length > 1 && scored[1].paths === scored[0].paths) {
      ambiguous.push({ name, candidates: scored.filter((x) => x.paths === scored[0].paths).map((x) => x.value) });
      continue;
    }
    best.set(name, { name, value: scored[0].value, paths: scored[0].paths, example: scored[0].example });
  }
  // Two macros that name the same place (usr/perl5/5.32/lib/$(PERL_ARCH) and .../$(PERL_ARCH64))
  // cannot both be the one directory the proto has there: neither is known.
  const templates = (name: string) => new Set((uses.get(name) ?? []).map((u) => u.path.replace(MACRO, (_w, n: string) => (n === name ? '{}' : '*'))));
  for (const [a, ia] of best) {
    for (const [b, ib] of best) {
      if (a >= b || ia.value !== ib.value) continue;
      const tb = templates(b);
      if ([...templates(a)].some((t) => tb.has(t))) {
        for (const n of [a, b]) if (!ambiguous.some((x) => x.name === n)) ambiguous.push({ name: n, candidates: [ia.value] });
      }
    }
  }
  for (const [name, i] of best) {
    if (ambiguous.some((x) => x.name === name)) continue;
    values[name] = i.value;
    inferred.push(i);
  }

  // Switch macros: those a line starts with ($(python2tools_ONLY)file path=...). Empty when the
  // proto holds what they guard, "#" (the line is a comment) when it holds none of it. Paths that
  // still hold an unknown macro say nothing either way.
  const bySwitch = new Map<string, string[]>();
  for (const l of lines) {
    const lead = leadingMacro(l.text);
    if (lead === undefined || isKnown(lead)) continue;
    const path = pathValue(l.text.slice(lead.length + 3));
    if (path) bySwitch.set(lead, [...(bySwitch.get(lead) ?? []), expandMacros(path, { ...known, ...values }).text]);
  }
  for (const [name, guarded] of [...bySwitch].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const decidable = guarded.filter((p) => !p.includes('$('));
    if (decidable.length === 0) continue;
    const present = decidable.filter((p) => exact.has(p.replace(/\/+$/, '')));
    const value = present.length ? '' : '#';
    values[name] = value;
    inferred.push({ name, value, paths: present.length, example: present[0] ?? decidable[0] });
  }
  return { values, inferred, ambiguous };
}

/** `--define NAME=VALUE` options as a record; a malformed one names itself. */
export function parseDefines(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of list) {
    const m = /^([A-Za-z0-9_.]+)=(.*)$/.exec(d);
    if (!m) throw new UsageError(`--define "${d}" is not NAME=VALUE (for example --define PYTHON_VERSION=3.9)`);
    out[m[1]] = m[2];
  }
  return out;
}

/** One line saying what was inferred, for the build's notes. */
export function describeInference(r: MacroInference): string[] {
  const notes: string[] = [];
  if (r.inferred.length) {
    const parts = r.inferred.map((i) => (i.value === '#' ? `$(${i.name})="#" (none of the ${i.name} paths is in the proto, so those actions are left out)` : i.value === '' ? `$(${i.name})="" (${i.paths} path(s) it guards are in the proto, e.g. ${i.example})` : `$(${i.name})=${i.value} (${i.paths} path(s), e.g. ${i.example})`));
    notes.push(`inferred manifest macros from the proto area: ${parts.join('; ')}; override with --define NAME=VALUE`);
  }
  for (const a of r.ambiguous) {
    notes.push(a.candidates.length > 1 ? `manifest macro $(${a.name}) fits several values in the proto (${a.candidates.join(', ')}); pass --define ${a.name}=VALUE` : `manifest macro $(${a.name}) fits ${a.candidates[0]}, which another macro naming the same place fits too; pass --define ${a.name}=VALUE`);
  }
  return notes;
}
