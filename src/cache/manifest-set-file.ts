import type { ActionType, ManifestAction } from '../manifest/action.js';
import type { Manifest, ManifestSet } from '../manifest/load.js';
import type { SequentialWriter } from '../util/sequential-writer.js';

// A parsed manifest set as the build cache keeps it: a first line of JSON (what the set is made
// from, and everything but the actions), then one line per action, its fields separated by tabs:
// type, payload, file, line, then one field per attribute, the key and each value separated by
// U+001F. Loading the bench workspace's cached set (48,125 actions) took 0.40-0.49 s when it was
// one JSON document, and 0.31-0.42 s as lines (eight alternating runs each, fresh processes).
// A payload and a file are written as "" when absent (the action's file then is its manifest),
// else behind "=". Backslash, tab, newline and U+001F inside a field are escaped.

const HEADER = 'compose-manifest-set 1\n';

const ESCAPE: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\x1f': '\\u' };
const UNESCAPE: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', u: '\x1f' };
// Stryker disable next-line Regex: only a fast path; replace() below escapes exactly the special characters either way
const SPECIAL = /[\\\t\n\x1f]/;

function escape(s: string): string {
  return SPECIAL.test(s) ? s.replace(/[\\\t\n\x1f]/g, (c) => ESCAPE[c]!) : s;
}

function unescape(s: string): string {
  // Stryker disable next-line ConditionalExpression,StringLiteral: only a fast path; the replace finds no escape in such a string
  if (!s.includes('\\')) return s;
  return s.replace(/\\(.)/gs, (all, c: string) => {
    const u = UNESCAPE[c];
    if (u === undefined) throw new SetFileError(`a bad escape ${all}`);
    return u;
  });
}

/** What a set file says besides its actions. */
export interface SetFileHead<M> {
  /** The caller's own data about the set (what it was made from). */
  meta: M;
  set: Omit<ManifestSet, 'manifests' | 'actions' | 'unknownMacros' | 'transformsDir' | 'fromCache'> & {
    transformsDir: string | null;
    unknownMacros: Array<[string, string]>;
    /** Each manifest's path, fmri and number of actions, in order. */
    manifests: Array<[path: string, fmri: string | null, actions: number]>;
  };
}

/** A set file that cannot be read back: the cache then misses. */
export class SetFileError extends Error {}

/** Write `set` with `meta` in the set file format. */
export function writeSetFile<M>(out: SequentialWriter, set: ManifestSet, meta: M): void {
  const head: SetFileHead<M> = {
    meta,
    set: {
      dir: set.dir,
      transformsDir: set.transformsDir ?? null,
      variantExcluded: set.variantExcluded,
      leftOut: set.leftOut,
      aborted: set.aborted,
      otherArchitecture: set.otherArchitecture,
      unknownMacros: [...set.unknownMacros],
      inputs: set.inputs,
      manifests: set.manifests.map((m) => [m.path, m.fmri ?? null, m.actions.length]),
    },
  };
  out.writeString(HEADER);
  out.writeString(`${JSON.stringify(head)}\n`);
  for (const m of set.manifests) {
    for (const a of m.actions) {
      let line = `${a.type}\t${a.payload === undefined ? '' : `=${escape(a.payload)}`}\t${a.file === m.path ? '' : `=${escape(a.file)}`}\t${a.line}`;
      for (const [key, values] of a.attrs) {
        line += `\t${escape(key)}`;
        for (const v of values) line += `\x1f${escape(v)}`;
      }
      out.writeString(`${line}\n`);
    }
  }
}

/** The head of a set file, or undefined when `text` is not one; `at` is where its actions start. */
export function readSetFileHead<M>(text: string): { head: SetFileHead<M>; at: number } | undefined {
  if (!text.startsWith(HEADER)) return undefined;
  const end = text.indexOf('\n', HEADER.length);
  // Stryker disable next-line EqualityOperator: the head line ends after the header, never at 0
  if (end < 0) return undefined;
  try {
    return { head: JSON.parse(text.slice(HEADER.length, end)) as SetFileHead<M>, at: end + 1 };
  } catch {
    return undefined;
  }
}

/** The set a file holds, from its head and the action lines from `at`; throws SetFileError when they do not agree. */
export function readSetFileActions<M>(text: string, { head, at }: { head: SetFileHead<M>; at: number }): ManifestSet {
  const s = head.set;
  const manifests: Manifest[] = s.manifests.map(([path, fmri, count]) => {
    // Stryker disable next-line ArrayDeclaration: every element is set below; the length only spares the array's growth
    const actions: ManifestAction[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const end = text.indexOf('\n', at);
      // Stryker disable next-line EqualityOperator: an action line ends after the head line, never at 0
      if (end < 0) throw new SetFileError('the file ends before its last action');
      const lineText = text.slice(at, end);
      at = end + 1;
      const f = lineText.split('\t');
      const line = Number(f[3]);
      if (!Number.isInteger(line)) throw new SetFileError(`a bad action line: ${lineText}`);
      const attrs = new Map<string, string[]>();
      for (let k = 4; k < f.length; k++) {
        // Most attributes have one value: cut it out rather than split (an array fewer each).
        const field = f[k]!;
        const cut = field.indexOf('\x1f');
        if (cut < 0) {
          attrs.set(unescape(field), []);
          continue;
        }
        const key = unescape(field.slice(0, cut));
        // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral,ArithmeticOperator: only a fast path for one value; the split gives the same
        if (field.indexOf('\x1f', cut + 1) < 0) attrs.set(key, [unescape(field.slice(cut + 1))]);
        else attrs.set(key, field.slice(cut + 1).split('\x1f').map((v) => unescape(v)));
      }
      const a: ManifestAction = { type: f[0] as ActionType, attrs, manifest: path, file: f[2] === '' ? path : unescape(f[2]!.slice(1)), line };
      if (f[1] !== '') a.payload = unescape(f[1]!.slice(1));
      actions[i] = a;
    }
    const manifest: Manifest = { path, actions };
    if (fmri !== null) manifest.fmri = fmri;
    return manifest;
  });
  if (at !== text.length) throw new SetFileError('the file goes on after its last action');
  return {
    dir: s.dir,
    ...(s.transformsDir !== null ? { transformsDir: s.transformsDir } : {}),
    manifests,
    actions: manifests.flatMap((m) => m.actions),
    variantExcluded: s.variantExcluded,
    leftOut: s.leftOut,
    aborted: s.aborted,
    otherArchitecture: s.otherArchitecture,
    unknownMacros: new Map(s.unknownMacros),
    inputs: s.inputs,
  };
}
