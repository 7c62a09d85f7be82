import type { Word } from './ast.js';
import type { ScriptState, Value } from './state.js';

// Word expansion as the shell does it, over what the check knows: literal text, variables the
// script set, ${X#pattern} and the other parameter operators, $((...)) over known numbers. A
// command substitution's output is never known before boot: it makes the word unknown (null).
// Field splitting applies to unquoted expansions; pathname expansion makes a word unknown.

/** Runs a command substitution's commands (for their effects on the system), in the given state. */
export type SubstRunner = (body: import('./ast.js').List, s: ScriptState) => Promise<ScriptState>;

export interface Expanded {
  /** The fields; a null field is one word the check cannot know. */
  fields: Value[];
  /** The word expanded to an unknown number of fields ("$@" of the kernel's arguments, an unknown unquoted list). */
  openEnded: boolean;
  state: ScriptState;
}

const IFS = /[ \t\n]+/;

export async function expandWord(w: Word, s: ScriptState, runSubst: SubstRunner): Promise<Expanded> {
  // Segments: text with whether it may be split.
  const segs: Array<{ text: Value; split: boolean; glob: boolean }> = [];
  let state = s;
  let openEnded = false;
  let quotedEmpty = false;
  for (const p of w.parts) {
    if (p.kind === 'lit') {
      segs.push({ text: p.text, split: false, glob: !p.quoted && /[*?]|\[.+\]/.test(p.text) });
      if (p.quoted && p.text === '') quotedEmpty = true;
    } else if (p.kind === 'param') {
      if ((p.name === '@' || p.name === '*') && p.op === undefined) {
        if (state.positional === null) {
          openEnded = true;
          continue;
        }
        segs.push({ text: state.positional.some((v) => v === null) ? null : state.positional.join(' '), split: !p.quoted || p.name === '@', glob: false });
        continue;
      }
      const v = await paramValue(p.name, p.op, p.arg, state, runSubst);
      state = v.state;
      segs.push({ text: v.value, split: !p.quoted, glob: false });
      if (p.quoted) quotedEmpty = true;
    } else if (p.kind === 'subst') {
      state = await runSubst(p.body, state);
      segs.push({ text: null, split: !p.quoted, glob: false });
    } else {
      segs.push({ text: arith(p.text, state), split: false, glob: false });
    }
  }
  if (segs.some((g) => g.text === null)) {
    // An unknown unquoted expansion may split into any number of words.
    const unknownSplit = segs.some((g) => g.text === null && g.split);
    return { fields: [null], openEnded: openEnded || unknownSplit, state };
  }
  if (segs.some((g) => g.glob)) return { fields: [null], openEnded: true, state };
  // Split the splittable segments on IFS; the rest join onto the neighbouring text.
  const fields: string[] = [];
  let cur = '';
  for (const g of segs) {
    const text = g.text as string;
    if (!g.split) {
      cur += text;
      continue;
    }
    const pieces = text.split(IFS);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) {
        if (cur !== '') fields.push(cur);
        cur = '';
      }
      cur += pieces[i];
    }
  }
  if (cur !== '' || quotedEmpty) fields.push(cur);
  return { fields, openEnded, state };
}

/** A word's single value (no splitting), as in assignments and case subjects. */
export async function expandScalar(w: Word, s: ScriptState, runSubst: SubstRunner): Promise<{ value: Value; state: ScriptState }> {
  let out = '';
  let state = s;
  for (const p of w.parts) {
    if (p.kind === 'lit') out += p.text;
    else if (p.kind === 'param') {
      if (p.name === '@' || p.name === '*') {
        if (state.positional === null || state.positional.some((v) => v === null)) return { value: null, state };
        out += state.positional.join(' ');
        continue;
      }
      const v = await paramValue(p.name, p.op, p.arg, state, runSubst);
      state = v.state;
      if (v.value === null) return { value: null, state };
      out += v.value;
    } else if (p.kind === 'subst') {
      state = await runSubst(p.body, state);
      return { value: null, state };
    } else {
      const v = arith(p.text, state);
      if (v === null) return { value: null, state };
      out += v;
    }
  }
  return { value: out, state };
}

/** A case pattern or ${X#pattern} as a regular expression; quoted parts match themselves. */
export function patternRegExp(w: Word, s: ScriptState): RegExp | null {
  let src = '';
  for (const p of w.parts) {
    if (p.kind === 'lit') src += p.quoted ? escape(p.text) : globToRegExp(p.text);
    else if (p.kind === 'param' && p.op === undefined) {
      const v = p.name === '@' || p.name === '*' ? null : (s.vars.get(p.name) ?? (s.vars.has(p.name) ? null : ''));
      if (v === null) return null;
      src += p.quoted ? escape(v) : globToRegExp(v);
    } else return null;
  }
  return new RegExp(`^${src}$`, 's');
}

const escape = (t: string): string => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function globToRegExp(g: string): string {
  let out = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = g.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = g.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\').replace(/]/g, '\\]');
        out += `[${body}]`;
        i = end;
      }
    } else out += escape(c);
  }
  return out;
}

async function paramValue(name: string, op: string | undefined, arg: Word | undefined, s: ScriptState, runSubst: SubstRunner): Promise<{ value: Value; state: ScriptState }> {
  const raw = lookup(name, s);
  if (op === undefined) return { value: raw === undefined ? '' : raw, state: s };
  if (op === 'length') return { value: raw === undefined ? '0' : raw === null ? null : String(raw.length), state: s };
  const unsetOrNull = raw === undefined || raw === '';
  const unset = raw === undefined;
  switch (op) {
    case ':-':
    case '-': {
      if (raw === null) return { value: null, state: s };
      if (op === ':-' ? unsetOrNull : unset) return arg ? expandScalar(arg, s, runSubst) : { value: '', state: s };
      return { value: raw as string, state: s };
    }
    case ':=':
    case '=': {
      if (raw === null) return { value: null, state: s };
      if (op === ':=' ? unsetOrNull : unset) {
        const v = arg ? await expandScalar(arg, s, runSubst) : { value: '', state: s };
        v.state.vars.set(name, v.value);
        return v;
      }
      return { value: raw as string, state: s };
    }
    case ':+':
    case '+': {
      if (raw === null) return { value: null, state: s };
      if (op === ':+' ? unsetOrNull : unset) return { value: '', state: s };
      return arg ? expandScalar(arg, s, runSubst) : { value: '', state: s };
    }
    case ':?':
    case '?':
      return { value: raw === undefined ? null : raw, state: s };
    default: {
      // # ## % %%: remove the shortest or longest matching prefix or suffix.
      if (raw === null || raw === undefined || !arg) return { value: raw === undefined ? '' : raw, state: s };
      const re = patternRegExp(arg, s);
      if (!re) return { value: null, state: s };
      const v = raw;
      const lens = [...Array(v.length + 1).keys()];
      if (op === '#' || op === '##') {
        for (const n of op === '#' ? lens : lens.reverse()) if (re.test(v.slice(0, n))) return { value: v.slice(n), state: s };
      } else {
        for (const n of op === '%' ? lens : lens.reverse()) if (re.test(v.slice(v.length - n))) return { value: v.slice(0, v.length - n), state: s };
      }
      return { value: v, state: s };
    }
  }
}

/** A variable's value: a string, null (unknown), or undefined (unset). */
function lookup(name: string, s: ScriptState): Value | undefined {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    if (n === 0) return null;
    if (s.positional === null) return null;
    return n <= s.positional.length ? s.positional[n - 1] : undefined;
  }
  if (name === '#') return s.positional === null ? null : String(s.positional.length);
  if (name === '?') return s.status === 'yes' ? '0' : null;
  if (name === '$' || name === '!' || name === '-') return null;
  return s.vars.has(name) ? s.vars.get(name)! : undefined;
}

/** $((...)) over integers and known variables; null when anything is unknown. */
function arith(text: string, s: ScriptState): Value {
  let expr = text.replace(/\$?\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => {
    const v = s.vars.get(n);
    return v !== undefined && v !== null && /^-?\d+$/.test(v.trim()) ? `(${v.trim()})` : 'NaN';
  });
  // Stryker disable next-line MethodExpression: blanks around the expression change nothing (a blank one is a syntax error, null, either way)
  expr = expr.trim();
  // Only numbers and operators are left to evaluate; anything else is not known.
  if (expr.includes('NaN') || !/^[\d\s()+\-*/%<>=!&|]*$/.test(expr)) return null;
  try {
    const v = Function(`"use strict"; return (${expr.replace(/\//g, '/')});`)() as number | boolean;
    // Stryker disable next-line StringLiteral: Math.trunc of a boolean is 1 or 0 too
    const n = typeof v === 'boolean' ? (v ? 1 : 0) : Math.trunc(v);
    return Number.isFinite(n) ? String(n) : null;
  } catch {
    return null;
  }
}
