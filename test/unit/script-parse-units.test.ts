import { describe, expect, it } from 'vitest';
import type { CaseCommand, ForCommand, FunctionDef, IfCommand, List, LoopCommand, SimpleCommand, Word } from '../../src/check/script/ast.js';
import { parseScript, ScriptSyntaxError } from '../../src/check/script/parse.js';

// The parser piece by piece: each construct's shape, and each error's exact message and line.

const cmd = (text: string, i = 0) => parseScript(text)[i].first.commands[0];
const simple = (text: string, i = 0) => cmd(text, i) as SimpleCommand;
const words = (text: string) => simple(text).words.map((w) => w.raw);
const parts = (text: string) => simple(`echo ${text}`).words[1].parts;

function error(text: string): { message: string; line: number } {
  try {
    parseScript(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ScriptSyntaxError);
    return { message: (e as Error).message, line: (e as ScriptSyntaxError).line };
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('parse: errors, exactly', () => {
  it.each([
    ['if true; then\n  echo\n', 'expected "fi" before the end of the script', 3],
    ['if true; then echo ;; fi', 'expected "fi", found ";; fi"', 1],
    ['if true; then echo\n\n;; x\ny\n', 'expected "fi", found ";; x"', 3],
    ['if true; then echo; done', '"done" where a command should be', 1],
    ['while true; echo', 'expected "do" before the end of the script', 1],
    ['for 1x in a; do :; done', '"for" without a variable name', 1],
    ['for ; do :; done', '"for" without a variable name', 1],
    ['function 1x { :; }', '"function" without a name', 1],
    ['function', '"function" without a name', 1],
    ['\n( echo', '"(" without its ")"', 2],
    ['case x in\n a) ;;\n', '"case" without its "esac"', 1],
    ['case ; in', '"case" without a word', 1],
    ['case x in\n | b) ;; esac', 'a case pattern is missing', 2],
    ['case x in\n a b) ;; esac', 'a case pattern does not end with ")"', 2],
    ['echo "open\n\n', 'a " quote is not closed', 1],
    ["echo\necho 'open\n\n", "a ' quote is not closed", 2],
    ['echo `open\n', 'a ` command substitution is not closed', 1],
    ['echo $((1 + 2\n', 'a $(( arithmetic expansion is not closed', 1],
    ['x=$(echo\n', 'a $( command substitution is not closed', 1],
    ['echo ${}', 'a ${...} expansion without a parameter name', 1],
    ['echo ${X', 'the expansion ${X... is not closed with "}"', 1],
    ['echo ${X:-a', 'the expansion ${X... is not closed with "}"', 1],
    ['echo\necho ${X!}', 'the expansion ${X... is not closed with "}"', 2],
    ['cat <<END\nno end\n', 'here-document ends before its delimiter "END"', 3],
    ['echo ok\nfi\n', '"fi" where a command should be', 2],
    ['echo >', 'the redirection ">" has no target', 1],
    ['echo 2>>;', 'the redirection ">>" has no target', 1],
    ['echo a; ;', 'a command is missing before ";"', 1],
    ['echo a &&', 'a command is missing before "the end"', 1],
    ['echo a | ;x', 'a command is missing before ";x"', 1],
    ['echo a )', 'unexpected ")"', 1],
    ['\necho a ;;', 'unexpected ";;"', 2],
    ['{ echo a; } x', 'unexpected "x"', 1],
    ['{ echo a; } 0123456789abcdef\nz', 'unexpected "0123456789ab"', 1],
  ])('%j', (text, message, line) => {
    expect(error(text)).toEqual({ message, line });
  });
});

describe('parse: lines', () => {
  it('counts lines from the first one given, through continuations and comments', () => {
    const l = parseScript('a\n# c\nb \\\n c\n\n\nd', 10);
    expect(l.map((x) => x.first.line)).toEqual([10, 12, 16]);
    expect((l[1].first.commands[0] as SimpleCommand).words.map((w) => w.raw)).toEqual(['b', 'c']);
    const m = parseScript('x\ny\nz\nw\nv\nu\nt\ns');
    expect(m.map((x) => x.first.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(m.map((x) => (x.first.commands[0] as SimpleCommand).line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseScript('')).toEqual([]);
    expect(parseScript('\n\n  # only a comment\n')).toEqual([]);
  });

  it('a substitution counts from its own line', () => {
    const l = parseScript('\n\nx=`a\nb`\n');
    const body = (simple('\n\nx=`a\nb`\n').assigns[0].value.parts[0] as { body: List }).body;
    expect(body.map((x) => x.first.line)).toEqual([3, 4]);
    expect(l[0].first.line).toBe(3);
  });

  it('redirection lines', () => {
    const c = cmd('{\n:\n} >a \\\n 2>b') as { redirects: Array<{ line: number; op: string; fd?: number }> };
    expect(c.redirects).toMatchObject([
      { op: '>', line: 3 },
      { op: '>', fd: 2, line: 4 },
    ]);
  });
});

describe('parse: words', () => {
  it('blanks, comments and operators end words', () => {
    expect(words('echo a\tb  c # d e')).toEqual(['echo', 'a', 'b', 'c']);
    expect(words('echo a#b')).toEqual(['echo', 'a#b']);
    expect(words('echo ${X#b} $#')).toEqual(['echo', '${X#b}', '$#']);
    expect(words('echo "#"x')).toEqual(['echo', '"#"x']);
    expect(parseScript('a;b&c|d').length).toBe(3);
    expect(parseScript('a&&b||c')[0].rest.map((r) => r.op)).toEqual(['&&', '||']);
  });

  it('quoting: backslashes, single and double quotes', () => {
    expect(parts('a\\ b')).toEqual([
      { kind: 'lit', text: 'a', quoted: false },
      { kind: 'lit', text: ' ', quoted: true },
      { kind: 'lit', text: 'b', quoted: false },
    ]);
    expect(parts("'a $b'")).toEqual([{ kind: 'lit', text: 'a $b', quoted: true }]);
    expect(parts('""')).toEqual([{ kind: 'lit', text: '', quoted: true }]);
    expect(parts("''")).toEqual([{ kind: 'lit', text: '', quoted: true }]);
    expect(parts('"a\\$b\\"c\\\\d\\e\\\nf"')).toEqual([{ kind: 'lit', text: 'a$b"c\\d\\ef', quoted: true }]);
    expect(parts('"a$X b"')).toEqual([
      { kind: 'lit', text: 'a', quoted: true },
      { kind: 'param', name: 'X', quoted: true },
      { kind: 'lit', text: ' b', quoted: true },
    ]);
    expect(parts('"$"')).toEqual([{ kind: 'lit', text: '$', quoted: true }]);
    expect(parts('a$')).toEqual([{ kind: 'lit', text: 'a$', quoted: false }]);
    expect(parts('$/x')).toEqual([{ kind: 'lit', text: '$/x', quoted: false }]);
    expect(parts('a\\\nb')).toEqual([{ kind: 'lit', text: 'ab', quoted: false }]);
    expect(simple('echo a\\').words[1].parts).toEqual([
      { kind: 'lit', text: 'a', quoted: false },
      { kind: 'lit', text: '', quoted: true },
    ]);
  });

  it('parameters', () => {
    expect(parts('$X1_y-z')).toEqual([
      { kind: 'param', name: 'X1_y', quoted: false },
      { kind: 'lit', text: '-z', quoted: false },
    ]);
    expect(parts('$12')).toEqual([
      { kind: 'param', name: '1', quoted: false },
      { kind: 'lit', text: '2', quoted: false },
    ]);
    for (const n of ['@', '*', '#', '?', '$', '!', '-']) expect(parts(`$${n}`), n).toEqual([{ kind: 'param', name: n, quoted: false }]);
    expect(parts('${12}')).toEqual([{ kind: 'param', name: '12', op: undefined, arg: undefined, quoted: false }]);
    expect(parts('${#}')).toEqual([{ kind: 'param', name: '#', op: undefined, arg: undefined, quoted: false }]);
    expect(parts('${#X}')).toEqual([{ kind: 'param', name: 'X', op: 'length', arg: undefined, quoted: false }]);
    expect(parts('"${X}"')).toEqual([{ kind: 'param', name: 'X', op: undefined, arg: undefined, quoted: true }]);
    for (const op of [':-', ':=', ':+', ':?', '##', '%%', '-', '=', '+', '?', '#', '%']) {
      const p = parts(`\${X${op}a}`)[0] as { op: string; arg: Word };
      expect(p.op, op).toBe(op);
      expect(p.arg, op).toEqual({ parts: [{ kind: 'lit', text: 'a', quoted: false }], raw: 'a' });
    }
    const nested = parts('${X:-{a}b}')[0] as { arg: Word };
    expect(nested.arg.raw).toBe('{a}b');
    const deep = parts('${X:-${Y:-"q r"} #x}')[0] as { arg: Word };
    expect(deep.arg.raw).toBe('${Y:-"q r"} #x');
    expect(deep.arg.parts).toEqual([
      { kind: 'param', name: 'Y', op: ':-', arg: { parts: [{ kind: 'lit', text: 'q r', quoted: true }], raw: '"q r"' }, quoted: false },
      { kind: 'lit', text: ' #x', quoted: false },
    ]);
    const empty = parts('${X:-}')[0] as { arg: Word };
    expect(empty.arg).toEqual({ parts: [], raw: '' });
  });

  it('substitutions and arithmetic', () => {
    const bq = parts('a`echo \\`x\\` \\$y \\\\ \\z`b');
    expect(bq[0]).toEqual({ kind: 'lit', text: 'a', quoted: false });
    expect(bq[2]).toEqual({ kind: 'lit', text: 'b', quoted: false });
    const body = (bq[1] as { body: List }).body;
    expect((body[0].first.commands[0] as SimpleCommand).words.map((x) => x.raw)).toEqual(['echo', '`x`', '$y', '\\ \\z']);
    expect(bq[1]).toMatchObject({ kind: 'subst', quoted: false });
    expect(parts('"`a`"')[0]).toMatchObject({ kind: 'subst', quoted: true });
    expect(parts('"$(a)"')[0]).toMatchObject({ kind: 'subst', quoted: true });
    expect(parts('$(a)')[0]).toMatchObject({ kind: 'subst', quoted: false });
    expect(parts('$((1+$X))x')).toEqual([
      { kind: 'arith', text: '1+$X' },
      { kind: 'lit', text: 'x', quoted: false },
    ]);
    const sub = parts('$( (a) )')[0] as { body: List };
    expect(sub.body[0].first.commands[0].type).toBe('subshell');
    const multi = parts('$(a\nb)')[0] as { body: List };
    expect(multi.body.length).toBe(2);
  });
});

describe('parse: commands', () => {
  it('assignments only before the command name, and only unquoted names', () => {
    const c = simple('A=1 B= C="x"y cmd D=2');
    expect(c.assigns.map((a) => [a.name, a.value.raw, a.value.parts])).toEqual([
      ['A', '1', [{ kind: 'lit', text: '1', quoted: false }]],
      ['B', '', []],
      [
        'C',
        '"x"y',
        [
          { kind: 'lit', text: 'x', quoted: true },
          { kind: 'lit', text: 'y', quoted: false },
        ],
      ],
    ]);
    expect(c.words.map((w) => w.raw)).toEqual(['cmd', 'D=2']);
    expect(simple('B=""').assigns[0].value.parts).toEqual([{ kind: 'lit', text: '', quoted: true }]);
    expect(simple('"A"=1 x').assigns).toEqual([]);
    expect(simple('"A"=1 x').words.map((w) => w.raw)).toEqual(['"A"=1', 'x']);
    expect(simple('1A=1').assigns).toEqual([]);
    expect(simple('A=$X').assigns[0].value.parts).toEqual([{ kind: 'param', name: 'X', quoted: false }]);
  });

  it('redirections', () => {
    const c = simple('cmd <a >b >>c <>d >|e 2>&1 0<&3 9>f');
    expect(c.redirects.map((r) => [r.fd, r.op, r.target.raw])).toEqual([
      [undefined, '<', 'a'],
      [undefined, '>', 'b'],
      [undefined, '>>', 'c'],
      [undefined, '<>', 'd'],
      [undefined, '>|', 'e'],
      [2, '>&', '1'],
      [0, '<&', '3'],
      [9, '>', 'f'],
    ]);
    expect(c.words.map((w) => w.raw)).toEqual(['cmd']);
    const r = simple('>out');
    expect(r.words).toEqual([]);
    expect(r.redirects.map((x) => x.target.raw)).toEqual(['out']);
  });

  it('here-documents: <<, <<- with tabs stripped, quoted delimiters, two on a line', () => {
    const l = parseScript('cat <<A; cat <<-"B"\nx\nA\n\t\ty\n\tB\nnext\ncat <<\'C\'\nC\n');
    expect(l.map((x) => (x.first.commands[0] as SimpleCommand).words.map((w) => w.raw).join(' '))).toEqual(['cat', 'cat', 'next', 'cat']);
    expect((l[1].first.commands[0] as SimpleCommand).redirects[0]).toMatchObject({ op: '<<' });
    expect(l[2].first.line).toBe(6);
    expect(error('cat <<-A\n  A\n')).toEqual({ message: 'here-document ends before its delimiter "A"', line: 3 });
    expect(error('cat <<A\n\tA\n')).toEqual({ message: 'here-document ends before its delimiter "A"', line: 3 });
    expect(error('cat <<A\nAB\n')).toEqual({ message: 'here-document ends before its delimiter "A"', line: 3 });
    // A delimiter on the last line, without a newline after it.
    expect(parseScript('cat <<A\nA').length).toBe(1);
    expect(parseScript('cat <<A\nx\nA').length).toBe(1);
  });

  it('pipelines and !', () => {
    const l = parseScript('! a | b |\n c');
    expect(l[0].first.bang).toBe(true);
    expect(l[0].first.commands.map((c) => (c as SimpleCommand).words[0].raw)).toEqual(['a', 'b', 'c']);
    expect(parseScript('a')[0].first.bang).toBe(false);
    expect(parseScript('a &&\n\n b')[0].rest[0].pipeline.commands.length).toBe(1);
    expect(parseScript('a & b')[0].background).toBe(true);
    expect(parseScript('a & b')[1].background).toBe(false);
    expect(parseScript('a ; b')[0].background).toBe(false);
    expect(parseScript('!a')[0].first.bang).toBe(false);
  });

  it('if, elif, else', () => {
    const c = cmd('if a; then b; elif c; then d; elif e\nthen f; else g; fi >x') as IfCommand;
    expect(c.type).toBe('if');
    expect(c.arms.length).toBe(3);
    expect(c.arms.map((a) => [(a.cond[0].first.commands[0] as SimpleCommand).words[0].raw, (a.body[0].first.commands[0] as SimpleCommand).words[0].raw])).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    expect((c.otherwise![0].first.commands[0] as SimpleCommand).words[0].raw).toBe('g');
    expect(c.redirects.map((r) => r.target.raw)).toEqual(['x']);
    expect((cmd('if a; then b; fi') as IfCommand).otherwise).toBe(undefined);
    expect(parseScript('if a; then b; fi; c').length).toBe(2);
    expect(parseScript('if a\nthen\nb\nfi\nc').length).toBe(2);
  });

  it('while, until, for', () => {
    const wl = cmd('while a; do b; done') as LoopCommand;
    expect(wl.type).toBe('while');
    expect(wl.cond.length).toBe(1);
    expect(wl.body.length).toBe(1);
    expect((cmd('until a\ndo\nb\ndone') as LoopCommand).type).toBe('until');
    const f1 = cmd('for x in a "b c" $d; do e; done') as ForCommand;
    expect(f1.name).toBe('x');
    expect(f1.items!.map((w) => w.raw)).toEqual(['a', '"b c"', '$d']);
    expect(f1.body.length).toBe(1);
    const f2 = cmd('for x; do e; done') as ForCommand;
    expect(f2.items).toBe(undefined);
    const f3 = cmd('for x\ndo e; done') as ForCommand;
    expect(f3.items).toBe(undefined);
    const f4 = cmd('for x in a b\ndo e; done') as ForCommand;
    expect(f4.items!.map((w) => w.raw)).toEqual(['a', 'b']);
    const f5 = cmd('for x in; do e; done') as ForCommand;
    expect(f5.items).toEqual([]);
    expect(error('for x in a b do e; done')).toEqual({ message: 'expected "do", found "done"', line: 1 });
  });

  it('case', () => {
    const c = cmd('case $x in\n(a|"b c") one ;;\n*) two\n;;\nz) ;;\nesac') as CaseCommand;
    expect(c.subject.raw).toBe('$x');
    expect(c.arms.map((a) => [a.patterns.map((p) => p.raw), a.body.length])).toEqual([
      [['a', '"b c"'], 1],
      [['*'], 1],
      [['z'], 0],
    ]);
    expect((cmd('case x in esac') as CaseCommand).arms).toEqual([]);
    const last = cmd('case x in a) b\nesac') as CaseCommand;
    expect(last.arms.length).toBe(1);
    expect(parseScript('case x in a) b;; esac; c').length).toBe(2);
    expect(parseScript('case x in a) b;; esac >/dev/null')[0].first.commands[0].redirects.length).toBe(1);
  });

  it('groups, subshells, functions', () => {
    const g = cmd('{ a; b; }');
    expect(g.type).toBe('group');
    expect((g as { body: List }).body.length).toBe(2);
    const s = cmd('( a; b ) 2>/dev/null');
    expect(s.type).toBe('subshell');
    expect((s as { body: List }).body.length).toBe(2);
    expect(s.redirects.map((r) => [r.fd, r.target.raw])).toEqual([[2, '/dev/null']]);
    const f = cmd('f () {\n a\n}') as FunctionDef;
    expect(f).toMatchObject({ type: 'function', name: 'f', line: 1 });
    expect(f.body.type).toBe('group');
    const f2 = cmd('function g\n{ a; }') as FunctionDef;
    expect(f2).toMatchObject({ type: 'function', name: 'g' });
    expect(f2.body.type).toBe('group');
    const f3 = cmd('h()\n( a )') as FunctionDef;
    expect(f3.body.type).toBe('subshell');
    // "f (" not followed by ")" is not a function.
    expect(error('f ( a )')).toEqual({ message: 'unexpected "( a )"', line: 1 });
    // After an assignment or a word, "()" is not a definition either.
    expect(error('X=1 f ()')).toEqual({ message: 'unexpected "()"', line: 1 });
    expect(cmd('echo {').type).toBe('simple');
    expect(words('echo } x')).toEqual(['echo', '}', 'x']);
    expect(words('echo if then')).toEqual(['echo', 'if', 'then']);
    expect(parseScript('{ a; }\nb').length).toBe(2);
    expect(parseScript('(a)\nb').length).toBe(2);
    expect(parseScript('(a) && (b)')[0].rest.length).toBe(1);
  });

  it('reserved words end lists only where they are expected', () => {
    expect(error('{ a; fi')).toEqual({ message: '"fi" where a command should be', line: 1 });
    expect(error('then')).toEqual({ message: '"then" where a command should be', line: 1 });
    expect(error('in')).toEqual({ message: '"in" where a command should be', line: 1 });
    expect(error('if a; then b; else c; elif d; fi')).toEqual({ message: '"elif" where a command should be', line: 1 });
    expect(error('while a; do b; fi')).toEqual({ message: '"fi" where a command should be', line: 1 });
    const l = parseScript('if a; then b; fi');
    expect(l.length).toBe(1);
  });
});
