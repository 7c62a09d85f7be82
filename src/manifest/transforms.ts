import { attrList, type ManifestAction } from './action.js';
import { parseActionLine, parseAttributes } from './parse-action.js';
import { splitWords } from './split-words.js';
import { pythonRegex, pythonReplacement } from './python-regex.js';

// pkgmogrify transforms: `<transform TYPES ATTR=REGEX ... -> OPERATION ARGS>`. As in pkgmogrify,
// every transform a manifest defines (itself, its includes, then the transform files such as the
// gate's `defaults`) is collected before any action is processed, and each action then goes
// through all of them in the order they were defined. A transform matches when the action's type
// is among TYPES (or TYPES is empty) and every value of every named attribute matches its regular
// expression from the start (Python re.match: anchored at the start, not the end).

export class TransformError extends Error {}

/** pkgmogrify's `abort` (and `exit 0`): the package is not published in this build. */
export class TransformAbort extends Error {}

type Operation =
  | { kind: 'drop' }
  | { kind: 'set' | 'default' | 'add'; attr: string; value: string }
  | { kind: 'delete'; attr: string; regex: RegExp }
  | { kind: 'edit'; attr: string; pattern: string; replacement: string }
  | { kind: 'emit'; text: string }
  | { kind: 'print' }
  | { kind: 'abort' }
  | { kind: 'exit'; code: number; message?: string };

interface Matcher {
  attr: string;
  regex: RegExp;
  /** Literal text every match starts with: a cheap test before the regular expression. */
  prefix: string;
}

export interface Transform {
  types: string[];
  matchers: Matcher[];
  op: Operation;
  file: string;
  line: number;
  /** The transform as written, for messages. */
  text: string;
}

/** Parse the inside of `<transform ...>` (without the angle brackets). */
export function parseTransform(inner: string, file: string, line: number): Transform {
  const text = `<${inner}>`;
  const body = inner.replace(/^transform\b/, '');
  const arrow = body.indexOf('->');
  if (arrow < 0) throw new TransformError('transform has no "->"');
  const matching = body.slice(0, arrow).trim().split(/\s+/).filter(Boolean);
  const types = matching.filter((w) => !w.includes('='));
  const matchAttrs = parseAttributes(matching.filter((w) => w.includes('=')).join(' '), false).attrs;
  const matchers = [...matchAttrs].map(([attr, values]): Matcher => {
    const pattern = values[values.length - 1];
    try {
      return { attr, regex: new RegExp(`^(?:${pythonRegex(pattern)})`), prefix: literalPrefix(pattern) };
    } catch (e) {
      throw new TransformError(`transform has a bad regular expression for ${attr}: ${(e as Error).message}`);
    }
  });
  return { types, matchers, op: parseOperation(body.slice(arrow + 2).trim()), file, line, text };
}

/** The literal characters a pattern starts with (`usr/share/` of `usr/share/.+`); '' when it starts with a metacharacter. */
export function literalPrefix(pattern: string): string {
  // With an alternation anywhere, no text is common to all matches.
  if (pattern.includes('|')) return '';
  const m = /^[^.^$*+?()[\]{}|\\]*/.exec(pattern)![0];
  // A quantifier after the run applies to its last character, which is then optional.
  return /^[*?{]/.test(pattern.slice(m.length)) ? m.slice(0, -1) : m;
}

function twoArgs(kind: string, rest: string): [string, string] {
  const args = splitWords(rest);
  if (args.length !== 2) throw new TransformError(`transform "${kind}" takes an attribute and a value`);
  return [args[0], args[1]];
}

function parseOperation(op: string): Operation {
  const m = /^(\S+)\s*(.*)$/s.exec(op);
  if (!m) throw new TransformError('transform has no operation after "->"');
  const [, kind, rest] = m;
  switch (kind) {
    case 'drop':
    case 'abort':
      if (rest) throw new TransformError(`transform "${kind}" takes no arguments`);
      return { kind };
    case 'set':
    case 'default':
    case 'add': {
      const [attr, value] = twoArgs(kind, rest);
      return { kind, attr, value };
    }
    case 'delete': {
      const [attr, pattern] = twoArgs(kind, rest);
      return { kind, attr, regex: new RegExp(pythonRegex(pattern)) };
    }
    case 'edit': {
      const args = splitWords(rest);
      if (args.length !== 2 && args.length !== 3) throw new TransformError('transform "edit" takes an attribute, a pattern and an optional replacement');
      return { kind, attr: args[0], pattern: args[1], replacement: args[2] ?? '' };
    }
    case 'emit':
      return { kind, text: rest };
    case 'print':
      return { kind };
    case 'exit': {
      const em = /^(\S+)?\s*(.*)$/s.exec(rest)!;
      const code = em[1] === undefined ? 0 : Number(em[1]);
      if (!Number.isInteger(code)) throw new TransformError('transform "exit" needs an integer exit value');
      return { kind, code, message: em[2] || undefined };
    }
    default:
      throw new TransformError(`unknown transform operation "${kind}"`);
  }
}

/** The attribute naming an action, as pkg's action.key_attr. */
const KEY_ATTR: Record<string, string> = { file: 'path', dir: 'path', link: 'path', hardlink: 'path', driver: 'name', user: 'username', group: 'groupname', license: 'license', depend: 'fmri', set: 'name', legacy: 'pkg', signature: 'value' };

export interface TransformContext {
  /** Values of the manifest's `set` actions so far (pkg.fmri...), for %{name}. */
  pkgAttrs: Map<string, string[]>;
}

/**
 * Run an action through the transforms. Returns the resulting actions: none when a transform
 * dropped it, more than one when a transform emitted new ones.
 */
export function applyTransforms(action: ManifestAction, transforms: readonly Transform[], ctx: TransformContext, depth = 0): ManifestAction[] {
  const emitted: ManifestAction[] = [];
  let current: ManifestAction | null = action;
  for (const t of transforms) {
    if (t.types.length && !t.types.includes(current.type)) continue;
    if (t.matchers.some((m) => !current!.attrs.has(m.attr))) continue;
    const matches: RegExpExecArray[] = [];
    let all = true;
    for (const m of t.matchers) {
      for (const v of attrList(current, m.attr)) {
        const r = v.startsWith(m.prefix) ? m.regex.exec(v) : null;
        if (!r) all = false;
        else matches.push(r);
      }
    }
    if (!all) continue;
    try {
      current = operate(current, t.op, matches, ctx, emitted);
    } catch (e) {
      if (e instanceof TransformAbort) throw e;
      throw new TransformError(`transform at ${t.file}:${t.line} ${t.text}: ${(e as Error).message}`);
    }
    if (!current) break;
  }
  const out: ManifestAction[] = current ? [current] : [];
  if (depth < 8) for (const e of emitted) out.push(...applyTransforms(e, transforms, ctx, depth + 1));
  return out;
}

function operate(action: ManifestAction, op: Operation, matches: RegExpExecArray[], ctx: TransformContext, emitted: ManifestAction[]): ManifestAction | null {
  const sub = (s: string) => substitute(s, action, matches, ctx);
  switch (op.kind) {
    case 'drop':
      return null;
    case 'set':
      action.attrs.set(sub(op.attr), [sub(op.value)]);
      return action;
    case 'default': {
      const attr = sub(op.attr);
      if (!action.attrs.has(attr)) action.attrs.set(attr, [sub(op.value)]);
      return action;
    }
    case 'add': {
      const attr = sub(op.attr);
      action.attrs.set(attr, [...attrList(action, attr), sub(op.value)]);
      return action;
    }
    case 'delete': {
      const kept = attrList(action, op.attr).filter((v) => !op.regex.test(v));
      if (kept.length) action.attrs.set(op.attr, kept);
      else action.attrs.delete(op.attr);
      return action;
    }
    case 'edit': {
      const attr = sub(op.attr);
      const values = attrList(action, attr);
      if (!values.length) return action;
      const rx = new RegExp(pythonRegex(sub(op.pattern)), 'g');
      const replacement = pythonReplacement(sub(op.replacement));
      action.attrs.set(
        attr,
        values.map((v) => v.replace(rx, replacement)),
      );
      return action;
    }
    case 'emit': {
      const text = substitute(op.text, action, matches, ctx, true).trim();
      if (text && !text.startsWith('#')) {
        const parsed = parseActionLine(text);
        emitted.push({ ...parsed, manifest: action.manifest, file: action.file, line: action.line });
      }
      return action;
    }
    case 'print':
      return action;
    case 'abort':
      throw new TransformAbort('abort');
    case 'exit':
      if (op.code === 0) throw new TransformAbort(op.message ?? 'exit 0');
      throw new Error(`exit ${op.code}${op.message ? `: ${substitute(op.message, action, matches, ctx, true)}` : ''}`);
  }
}

function quoteValue(s: string): string {
  if (!/[ '"]/.test(s) && s !== '') return s;
  if (!s.includes('"')) return `"${s}"`;
  if (!s.includes("'")) return `'${s}'`;
  return `"${s.replace(/"/g, '\\"')}"`;
}

/**
 * pkgmogrify's value substitution: %(attr) is an attribute of the action, %{attr} one of the
 * package (its `set` actions), each with optional `;sep=...;prefix=...;suffix=...;notfound=...`
 * modifiers; then %<N> is the Nth group matched by the transform's patterns.
 */
function substitute(msg: string, action: ManifestAction, matches: RegExpExecArray[], ctx: TransformContext, quote = false): string {
  if (!msg.includes('%')) return msg;
  const withAttrs = msg.replace(/%\((.+?)\)|%\{(.+?)\}/g, (_w, act: string | undefined, pkg: string | undefined) => {
    const spec = (act ?? pkg)!;
    const [name, ...modParts] = spec.split(';');
    const mods = new Map<string, string | true>();
    for (const part of modParts) {
      const eq = part.indexOf('=');
      if (eq < 0) mods.set(part.trim(), true);
      else mods.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, '$2'));
    }
    const notfound = mods.get('notfound');
    let values: string[] | undefined;
    if (pkg !== undefined) values = ctx.pkgAttrs.get(name);
    else if (name === 'action.name') values = [action.type];
    else if (name === 'action.key') values = action.attrs.get(KEY_ATTR[action.type] ?? '');
    else if (name === 'action.hash') values = action.payload === undefined ? undefined : [action.payload];
    else if (name === 'pkg.manifest.filename') values = [action.file];
    else if (name === 'pkg.manifest.lineno') values = [String(action.line)];
    else values = action.attrs.get(name);
    if (values === undefined || values.length === 0) {
      if (typeof notfound !== 'string') throw new Error(`attribute "${name}" not found`);
      values = [notfound];
    }
    const q = (quote || mods.get('quote') === true) && !mods.has('noquote') ? quoteValue : (s: string) => s;
    const prefix = typeof mods.get('prefix') === 'string' ? (mods.get('prefix') as string) : '';
    const suffix = typeof mods.get('suffix') === 'string' ? (mods.get('suffix') as string) : '';
    const sep = typeof mods.get('sep') === 'string' ? (mods.get('sep') as string) : ' ';
    return values.map((v) => prefix + q(v) + suffix).join(sep);
  });
  const groups = matches.flatMap((m) => m.slice(1));
  return withAttrs.replace(/%<(\d)>/g, (_w, n: string) => {
    const i = Number(n);
    if (i === 0 || i > groups.length) throw new Error(`no match group ${i} (max ${groups.length})`);
    const g = groups[i - 1];
    if (g === undefined) throw new Error(`%<${i}> refers to a group that did not match`);
    return g;
  });
}
