import type { AndOr, CaseCommand, Command, ForCommand, FunctionDef, GroupCommand, IfCommand, List, LoopCommand, Pipeline, Redirect, SimpleCommand, Word, WordPart } from './ast.js';

// A recursive-descent parser for the shell the boot scripts are written in (POSIX sh as ksh93
// runs it): lists, && and ||, pipelines, if/while/until/for/case, { } and ( ), functions,
// redirections with here-documents, quoting, parameter expansion and command substitution.
// It reads; it never runs anything. What it cannot read is a ScriptSyntaxError with the line.

export class ScriptSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'do', 'done', 'while', 'until', 'for', 'in', 'case', 'esac', '{', '}', '!', 'function']);
const META = ' \t\n;&|<>()';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseScript(text: string, firstLine = 1): List {
  const p = new Parser(text, firstLine);
  const list = p.list(new Set());
  p.skipSpaceAndNewlines();
  if (!p.atEnd()) throw new ScriptSyntaxError(`unexpected "${p.peekOperator() ?? p.rest(10)}"`, p.line());
  return list;
}

class Parser {
  pos = 0;
  private readonly lineStarts: number[] = [0];
  private pendingHeredocs: Array<{ delim: string; strip: boolean }> = [];

  constructor(
    readonly src: string,
    private readonly firstLine: number,
  ) {
    for (let i = 0; i < src.length; i++) if (src[i] === '\n') this.lineStarts.push(i + 1);
  }

  line(at = this.pos): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo + this.firstLine;
  }

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  rest(n: number): string {
    return this.src.slice(this.pos, this.pos + n);
  }

  /** Blanks, comments and backslash-newlines (not newlines). */
  skipBlanks(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '\\' && this.src[this.pos + 1] === '\n') this.pos += 2;
      else if (c === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  /** A newline: here-documents announced on the line before it start after it. */
  private newline(): void {
    this.pos++;
    const docs = this.pendingHeredocs;
    this.pendingHeredocs = [];
    for (const d of docs) {
      for (;;) {
        if (this.atEnd()) throw new ScriptSyntaxError(`here-document ends before its delimiter "${d.delim}"`, this.line());
        const end = this.src.indexOf('\n', this.pos);
        const lineText = this.src.slice(this.pos, end < 0 ? this.src.length : end);
        this.pos = end < 0 ? this.src.length : end + 1;
        if ((d.strip ? lineText.replace(/^\t+/, '') : lineText) === d.delim) break;
      }
    }
  }

  skipSpaceAndNewlines(): void {
    for (;;) {
      this.skipBlanks();
      if (this.src[this.pos] === '\n') this.newline();
      else return;
    }
  }

  peekOperator(): string | undefined {
    this.skipBlanks();
    for (const op of [';;', '&&', '||', ';', '&', '|', '(', ')']) if (this.src.startsWith(op, this.pos)) return op;
    return undefined;
  }

  /** The next word if it is an unquoted reserved word at this point, without consuming it. */
  peekReserved(): string | undefined {
    this.skipBlanks();
    let end = this.pos;
    while (end < this.src.length && !META.includes(this.src[end])) end++;
    const w = this.src.slice(this.pos, end);
    return RESERVED.has(w) ? w : undefined;
  }

  expectReserved(word: string): void {
    this.skipSpaceAndNewlines();
    if (this.peekReserved() !== word) throw new ScriptSyntaxError(`expected "${word}"${this.atEnd() ? ' before the end of the script' : `, found "${this.rest(12).split('\n')[0]}"`}`, this.line());
    this.pos += word.length;
  }

  /** and-or lists separated by ; & or newlines, up to a reserved word in `until`, ")", ";;" or the end. */
  list(until: Set<string>): List {
    const out: List = [];
    for (;;) {
      this.skipSpaceAndNewlines();
      if (this.atEnd()) return out;
      const r = this.peekReserved();
      if (r && until.has(r)) return out;
      const op = this.peekOperator();
      if (op === ')' || op === ';;') return out;
      const item = this.andOr();
      out.push(item);
      const sep = this.peekOperator();
      if (sep === ';' || sep === '&') {
        this.pos++;
        if (sep === '&') item.background = true;
      } else if (this.src[this.pos] === '\n' || this.atEnd()) continue;
      else if (sep === ')' || sep === ';;') return out;
      else {
        const w = this.peekReserved();
        if (w && until.has(w)) return out;
        throw new ScriptSyntaxError(`unexpected "${this.rest(12).split('\n')[0]}"`, this.line());
      }
    }
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const op = this.peekOperator();
      if (op !== '&&' && op !== '||') break;
      this.pos += 2;
      this.skipSpaceAndNewlines();
      rest.push({ op, pipeline: this.pipeline() });
    }
    return { first, rest, background: false };
  }

  private pipeline(): Pipeline {
    this.skipBlanks();
    const line = this.line();
    let bang = false;
    if (this.peekReserved() === '!') {
      this.pos++;
      bang = true;
    }
    const commands: Command[] = [this.command()];
    for (;;) {
      const op = this.peekOperator();
      if (op !== '|') break;
      this.pos++;
      this.skipSpaceAndNewlines();
      commands.push(this.command());
    }
    return { bang, commands, line };
  }

  private command(): Command {
    this.skipBlanks();
    const line = this.line();
    const r = this.peekReserved();
    let c: Command;
    if (r === 'if') c = this.ifCommand(line);
    else if (r === 'while' || r === 'until') c = this.loop(r, line);
    else if (r === 'for') c = this.forCommand(line);
    else if (r === 'case') c = this.caseCommand(line);
    else if (r === '{') {
      this.pos++;
      const body = this.list(new Set(['}']));
      this.expectReserved('}');
      c = { type: 'group', body, redirects: [], line } satisfies GroupCommand;
    } else if (r === 'function') {
      this.pos += 'function'.length;
      this.skipBlanks();
      const name = this.word();
      if (!name || !NAME.test(name.raw)) throw new ScriptSyntaxError('"function" without a name', line);
      this.skipSpaceAndNewlines();
      return { type: 'function', name: name.raw, body: this.command(), redirects: [], line } satisfies FunctionDef;
    } else if (this.peekOperator() === '(') {
      this.pos++;
      const body = this.list(new Set());
      this.skipSpaceAndNewlines();
      if (this.src[this.pos] !== ')') throw new ScriptSyntaxError('"(" without its ")"', line);
      this.pos++;
      c = { type: 'subshell', body, redirects: [], line } satisfies GroupCommand;
    } else if (r && r !== '!') throw new ScriptSyntaxError(`"${r}" where a command should be`, line);
    else return this.simple(line);
    // Redirections after a compound command apply to all of it.
    for (;;) {
      this.skipBlanks();
      const redir = this.redirect();
      if (!redir) break;
      c.redirects.push(redir);
    }
    return c;
  }

  private ifCommand(line: number): IfCommand {
    this.pos += 2;
    const arms: IfCommand['arms'] = [];
    let otherwise: List | undefined;
    for (;;) {
      const cond = this.list(new Set(['then']));
      this.expectReserved('then');
      const body = this.list(new Set(['elif', 'else', 'fi']));
      arms.push({ cond, body });
      this.skipSpaceAndNewlines();
      const r = this.peekReserved();
      if (r === 'elif') {
        this.pos += 4;
        continue;
      }
      if (r === 'else') {
        this.pos += 4;
        otherwise = this.list(new Set(['fi']));
      }
      this.expectReserved('fi');
      return { type: 'if', arms, otherwise, redirects: [], line };
    }
  }

  private loop(kind: 'while' | 'until', line: number): LoopCommand {
    this.pos += kind.length;
    const cond = this.list(new Set(['do']));
    this.expectReserved('do');
    const body = this.list(new Set(['done']));
    this.expectReserved('done');
    return { type: kind, cond, body, redirects: [], line };
  }

  private forCommand(line: number): ForCommand {
    this.pos += 3;
    this.skipBlanks();
    const name = this.word();
    if (!name || !NAME.test(name.raw)) throw new ScriptSyntaxError('"for" without a variable name', line);
    this.skipSpaceAndNewlines();
    let items: Word[] | undefined;
    if (this.peekReserved() === 'in') {
      this.pos += 2;
      items = [];
      for (;;) {
        this.skipBlanks();
        const w = this.word();
        if (!w) break;
        items.push(w);
      }
      const op = this.peekOperator();
      if (op === ';') this.pos++;
    } else if (this.peekOperator() === ';') this.pos++;
    this.expectReserved('do');
    const body = this.list(new Set(['done']));
    this.expectReserved('done');
    return { type: 'for', name: name.raw, items, body, redirects: [], line };
  }

  private caseCommand(line: number): CaseCommand {
    this.pos += 4;
    this.skipBlanks();
    const subject = this.word();
    if (!subject) throw new ScriptSyntaxError('"case" without a word', line);
    this.expectReserved('in');
    const arms: CaseCommand['arms'] = [];
    for (;;) {
      this.skipSpaceAndNewlines();
      if (this.peekReserved() === 'esac') {
        this.pos += 4;
        return { type: 'case', subject, arms, redirects: [], line };
      }
      if (this.atEnd()) throw new ScriptSyntaxError('"case" without its "esac"', line);
      if (this.src[this.pos] === '(') this.pos++;
      const patterns: Word[] = [];
      for (;;) {
        this.skipBlanks();
        const w = this.word();
        if (!w) throw new ScriptSyntaxError('a case pattern is missing', this.line());
        patterns.push(w);
        this.skipBlanks();
        if (this.src[this.pos] === '|') {
          this.pos++;
          continue;
        }
        if (this.src[this.pos] === ')') {
          this.pos++;
          break;
        }
        throw new ScriptSyntaxError('a case pattern does not end with ")"', this.line());
      }
      const body = this.list(new Set(['esac']));
      arms.push({ patterns, body });
      this.skipSpaceAndNewlines();
      if (this.src.startsWith(';;', this.pos)) this.pos += 2;
    }
  }

  private simple(line: number): Command {
    const cmd: SimpleCommand = { type: 'simple', assigns: [], words: [], redirects: [], line };
    for (;;) {
      this.skipBlanks();
      const redir = this.redirect();
      if (redir) {
        cmd.redirects.push(redir);
        continue;
      }
      const start = this.pos;
      const w = this.word();
      if (!w) break;
      const assign = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(w.raw);
      if (cmd.words.length === 0 && assign && w.parts[0]?.kind === 'lit' && !w.parts[0].quoted && w.parts[0].text.startsWith(`${assign[1]}=`)) {
        const first = w.parts[0];
        const value: Word = { parts: [{ ...first, text: first.text.slice(assign[0].length) }, ...w.parts.slice(1)].filter((p) => p.kind !== 'lit' || p.text !== '' || p.quoted), raw: w.raw.slice(assign[0].length) };
        cmd.assigns.push({ name: assign[1], value });
        continue;
      }
      // name() { ...; }: a function definition.
      if (cmd.words.length === 0 && cmd.assigns.length === 0 && NAME.test(w.raw)) {
        const save = this.pos;
        this.skipBlanks();
        if (this.src[this.pos] === '(') {
          this.pos++;
          this.skipBlanks();
          if (this.src[this.pos] === ')') {
            this.pos++;
            this.skipSpaceAndNewlines();
            return { type: 'function', name: w.raw, body: this.command(), redirects: [], line };
          }
        }
        this.pos = save;
      }
      if (this.pos === start) break;
      cmd.words.push(w);
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirects.length === 0) {
      throw new ScriptSyntaxError(`a command is missing before "${this.rest(12).split('\n')[0] || 'the end'}"`, line);
    }
    return cmd;
  }

  private redirect(): Redirect | undefined {
    const m = /^(\d*)(<<-|<<|<>|>>|>\||>&|<&|>|<)/.exec(this.src.slice(this.pos, this.pos + 8));
    if (!m) return undefined;
    const line = this.line();
    this.pos += m[0].length;
    this.skipBlanks();
    const target = this.word();
    if (!target) throw new ScriptSyntaxError(`the redirection "${m[2]}" has no target`, line);
    const op = m[2] === '<<-' ? '<<' : m[2];
    if (op === '<<') this.pendingHeredocs.push({ delim: target.parts.map((p) => (p.kind === 'lit' ? p.text : '')).join(''), strip: m[2] === '<<-' });
    return { op, fd: m[1] ? Number(m[1]) : undefined, target, line };
  }

  /** One word, or undefined at an operator, a newline or the end. */
  word(): Word | undefined {
    const start = this.pos;
    const parts = this.wordParts((c) => META.includes(c), false);
    if (this.pos === start) return undefined;
    return { parts, raw: this.src.slice(start, this.pos) };
  }

  private wordParts(stop: (c: string) => boolean, inBraces: boolean): WordPart[] {
    const parts: WordPart[] = [];
    let lit = '';
    const flush = (quoted = false) => {
      if (lit !== '' || quoted) parts.push({ kind: 'lit', text: lit, quoted });
      lit = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (stop(c)) break;
      if (c === '\\') {
        if (this.src[this.pos + 1] === '\n') this.pos += 2;
        else {
          flush();
          parts.push({ kind: 'lit', text: this.src[this.pos + 1] ?? '', quoted: true });
          this.pos += 2;
        }
      } else if (c === "'") {
        flush();
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) throw new ScriptSyntaxError("a ' quote is not closed", this.line());
        parts.push({ kind: 'lit', text: this.src.slice(this.pos + 1, end), quoted: true });
        this.pos = end + 1;
      } else if (c === '"') {
        flush();
        const line = this.line();
        this.pos++;
        const inner = this.doubleQuoted();
        if (this.src[this.pos] !== '"') throw new ScriptSyntaxError('a " quote is not closed', line);
        this.pos++;
        parts.push(...(inner.length ? inner : [{ kind: 'lit' as const, text: '', quoted: true }]));
      } else if (c === '$' || c === '`') {
        const p = this.expansion(false, flush);
        if (p) parts.push(p);
        else lit += c;
      } else if (c === '#' && lit === '' && parts.length === 0 && !inBraces) {
        break;
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    return parts;
  }

  /** The inside of "...", up to (not past) the closing quote. */
  private doubleQuoted(): WordPart[] {
    const parts: WordPart[] = [];
    let lit = '';
    const flush = () => {
      if (lit !== '') parts.push({ kind: 'lit', text: lit, quoted: true });
      lit = '';
    };
    while (this.pos < this.src.length && this.src[this.pos] !== '"') {
      const c = this.src[this.pos];
      if (c === '\\' && '$`"\\\n'.includes(this.src[this.pos + 1] ?? '')) {
        if (this.src[this.pos + 1] !== '\n') lit += this.src[this.pos + 1];
        this.pos += 2;
      } else if (c === '$' || c === '`') {
        const p = this.expansion(true, flush);
        if (p) parts.push(p);
        else lit += c;
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    return parts;
  }

  /**
   * At a "$" or "`": the expansion there, after the literal text before it is flushed; or
   * undefined, past a "$" that starts none (a lone "$" is text).
   */
  private expansion(quoted: boolean, flush: () => void): WordPart | undefined {
    const start = this.pos;
    const p = this.dollarOrBackquote(quoted);
    if (!p) {
      this.pos = start + 1;
      return undefined;
    }
    flush();
    return p;
  }

  private dollarOrBackquote(quoted: boolean): WordPart | undefined {
    const line = this.line();
    if (this.src[this.pos] === '`') {
      let i = this.pos + 1;
      let inner = '';
      while (i < this.src.length && this.src[i] !== '`') {
        if (this.src[i] === '\\' && '`\\$'.includes(this.src[i + 1] ?? '')) {
          inner += this.src[i + 1];
          i += 2;
        } else inner += this.src[i++];
      }
      if (i >= this.src.length) throw new ScriptSyntaxError('a ` command substitution is not closed', line);
      this.pos = i + 1;
      return { kind: 'subst', body: parseScript(inner, line), quoted };
    }
    const next = this.src[this.pos + 1];
    if (next === '(' && this.src[this.pos + 2] === '(') {
      const end = this.src.indexOf('))', this.pos + 3);
      if (end < 0) throw new ScriptSyntaxError('a $(( arithmetic expansion is not closed', line);
      const text = this.src.slice(this.pos + 3, end);
      this.pos = end + 2;
      return { kind: 'arith', text };
    }
    if (next === '(') {
      this.pos += 2;
      const body = this.list(new Set());
      this.skipSpaceAndNewlines();
      if (this.src[this.pos] !== ')') throw new ScriptSyntaxError('a $( command substitution is not closed', line);
      this.pos++;
      return { kind: 'subst', body, quoted };
    }
    if (next === '{') {
      this.pos += 2;
      let name: string;
      let op: string | undefined;
      if (this.src[this.pos] === '#' && this.src[this.pos + 1] !== '}') {
        this.pos++;
        op = 'length';
      }
      const m = /^([A-Za-z_][A-Za-z0-9_]*|\d+|[@*#?$!-])/.exec(this.src.slice(this.pos, this.pos + 64));
      if (!m) throw new ScriptSyntaxError('a ${...} expansion without a parameter name', line);
      name = m[1];
      this.pos += name.length;
      let arg: Word | undefined;
      if (op === undefined) {
        const o = /^(:-|:=|:\+|:\?|##|%%|-|=|\+|\?|#|%)/.exec(this.src.slice(this.pos, this.pos + 2));
        if (o) {
          op = o[1];
          this.pos += op.length;
          const start = this.pos;
          let depth = 0;
          const parts = this.wordParts((c) => {
            if (c === '{') depth++;
            if (c === '}') {
              if (depth === 0) return true;
              depth--;
            }
            return false;
          }, true);
          arg = { parts, raw: this.src.slice(start, this.pos) };
        }
      }
      if (this.src[this.pos] !== '}') throw new ScriptSyntaxError(`the expansion \${${name}... is not closed with "}"`, line);
      this.pos++;
      return { kind: 'param', name, op, arg, quoted };
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|\d|[@*#?$!-])/.exec(this.src.slice(this.pos + 1, this.pos + 65));
    if (!m) return undefined;
    this.pos += 1 + m[1].length;
    return { kind: 'param', name: m[1], quoted };
  }
}
