// The shape of a parsed boot script: the part of POSIX sh (and ksh93, which is illumos' /sbin/sh)
// that boot scripts use. Words keep their parts (literal text, parameter expansions, command
// substitutions) so the interpreter can expand what it knows and leave the rest unknown.

export type WordPart =
  | { kind: 'lit'; text: string; quoted: boolean }
  /** $X, ${X}, ${X#pat}, ${X:-word}...; op is undefined for a plain expansion. */
  | { kind: 'param'; name: string; op?: string; arg?: Word; quoted: boolean }
  /** $(...) or `...`: its commands run too. */
  | { kind: 'subst'; body: List; quoted: boolean }
  /** $((...)): evaluated when its operands are known numbers. */
  | { kind: 'arith'; text: string };

export interface Word {
  parts: WordPart[];
  /** The word as written, for messages. */
  raw: string;
}

export interface Redirect {
  /** <, >, >>, <>, >|, >&, <&, << */
  op: string;
  fd?: number;
  target: Word;
  line: number;
}

export interface SimpleCommand {
  type: 'simple';
  assigns: Array<{ name: string; value: Word }>;
  words: Word[];
  redirects: Redirect[];
  line: number;
}

export interface IfCommand {
  type: 'if';
  /** if/elif conditions with their bodies, in order. */
  arms: Array<{ cond: List; body: List }>;
  otherwise?: List;
  redirects: Redirect[];
  line: number;
}

export interface LoopCommand {
  type: 'while' | 'until';
  cond: List;
  body: List;
  redirects: Redirect[];
  line: number;
}

export interface ForCommand {
  type: 'for';
  name: string;
  /** undefined: "$@". */
  items?: Word[];
  body: List;
  redirects: Redirect[];
  line: number;
}

export interface CaseCommand {
  type: 'case';
  subject: Word;
  arms: Array<{ patterns: Word[]; body: List }>;
  redirects: Redirect[];
  line: number;
}

export interface GroupCommand {
  /** { ...; } runs in this shell; ( ... ) in a subshell, whose changes do not come back. */
  type: 'group' | 'subshell';
  body: List;
  redirects: Redirect[];
  line: number;
}

export interface FunctionDef {
  type: 'function';
  name: string;
  body: Command;
  redirects: Redirect[];
  line: number;
}

export type Command = SimpleCommand | IfCommand | LoopCommand | ForCommand | CaseCommand | GroupCommand | FunctionDef;

export interface Pipeline {
  bang: boolean;
  commands: Command[];
  line: number;
}

export interface AndOr {
  first: Pipeline;
  rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }>;
  /** Ended by "&": runs in the background, its status is not waited for. */
  background: boolean;
}

export type List = AndOr[];

/** A word made of one literal (for the interpreter's own words). */
export const literalWord = (text: string): Word => ({ parts: [{ kind: 'lit', text, quoted: false }], raw: text });
