import { describe, expect, it } from 'vitest';
import type { Command, List, SimpleCommand } from '../../src/check/script/ast.js';
import { parseScript, ScriptSyntaxError } from '../../src/check/script/parse.js';
import { overlayScript } from '../support/script-host.js';

// The boot scripts' shell, read into commands: what the interpreter follows.

/** Every simple command in a list, depth first, as "line: words". */
function simple(list: List): string[] {
  const out: string[] = [];
  const cmd = (c: Command): void => {
    if (c.type === 'simple') out.push(`${c.line}: ${[...c.assigns.map((a) => `${a.name}=${a.value.raw}`), ...c.words.map((w) => w.raw)].join(' ')}`);
    else if (c.type === 'if') {
      for (const a of c.arms) {
        walk(a.cond);
        walk(a.body);
      }
      if (c.otherwise) walk(c.otherwise);
    } else if (c.type === 'while' || c.type === 'until') {
      walk(c.cond);
      walk(c.body);
    } else if (c.type === 'for') walk(c.body);
    else if (c.type === 'case') for (const a of c.arms) walk(a.body);
    else if (c.type === 'group' || c.type === 'subshell') walk(c.body);
    else if (c.type === 'function') cmd(c.body);
  };
  const walk = (l: List) => {
    for (const ao of l) for (const p of [ao.first, ...ao.rest.map((r) => r.pipeline)]) for (const c of p.commands) cmd(c);
  };
  walk(list);
  return out;
}

describe('the boot scripts parse', () => {
  it.each(['pureboot/etc/compose/launcher', 'trampoline/etc/compose/trampoline', 'storage/etc/compose/storage', 'smf/lib/svc/method/boot-archive', 'smf/lib/svc/method/compose-boot-ok'])('%s', (path) => {
    expect(() => parseScript(overlayScript(path))).not.toThrow();
  });
});

describe('shell syntax', () => {
  it('if/elif/else, loops, case, functions, groups and subshells, with their lines', () => {
    const list = parseScript(['f() {', '\techo "$1"', '}', 'if [ -x /a ]; then f a', 'elif test -f /b', 'then :', 'else', '\tfor x in 1 2; do echo $x; done', 'fi', 'while :; do break; done', 'case "$v" in', 'a|b) echo ab ;;', '*) ( cd / && ls ) ;;', 'esac', '{ echo g; } > /dev/null'].join('\n'));
    expect(simple(list)).toEqual(['2: echo "$1"', '4: [ -x /a ]', '4: f a', '5: test -f /b', '6: :', '8: echo $x', '10: :', '10: break', '12: echo ab', '13: cd /', '13: ls', '15: echo g']);
    const group = list.at(-1)!.first.commands[0];
    expect(group.type).toBe('group');
    expect(group.redirects.map((r) => [r.op, r.target.raw])).toEqual([['>', '/dev/null']]);
  });

  it('redirections with descriptors, here-documents, assignments, && and ||, background jobs', () => {
    const list = parseScript('X=1 Y="a b" cmd 2>&1 >/dev/null </dev/console && ok || bad &\ncat <<EOF\nnot $(a command)\nEOF\nafter\n');
    const first = list[0].first.commands[0] as SimpleCommand;
    expect(first.assigns.map((a) => [a.name, a.value.raw])).toEqual([
      ['X', '1'],
      ['Y', '"a b"'],
    ]);
    expect(first.redirects.map((r) => [r.fd, r.op, r.target.raw])).toEqual([
      [2, '>&', '1'],
      [undefined, '>', '/dev/null'],
      [undefined, '<', '/dev/console'],
    ]);
    expect(list[0].rest.map((r) => r.op)).toEqual(['&&', '||']);
    expect(list[0].background).toBe(true);
    // The here-document's body is text, not commands.
    expect(simple(list)).toEqual(['1: X=1 Y="a b" cmd', '1: ok', '1: bad', '2: cat', '5: after']);
  });

  it('quotes and expansions stay inside their word: ${X#pat}, $(...) and `...` hold commands of their own', () => {
    const list = parseScript('ds=`zpool get -H bootfs "$1"`; m=$(echo ${R#pool:} "a;b" \'c d\')\n');
    const [a, b] = [list[0].first.commands[0], list[1].first.commands[0]] as SimpleCommand[];
    const subst = a.assigns[0].value.parts[0];
    expect(subst.kind).toBe('subst');
    expect(simple((subst as { body: List }).body)).toEqual(['1: zpool get -H bootfs "$1"']);
    const inner = (b.assigns[0].value.parts[0] as { body: List }).body;
    const echo = inner[0].first.commands[0] as SimpleCommand;
    expect(echo.words.map((w) => w.raw)).toEqual(['echo', '${R#pool:}', '"a;b"', "'c d'"]);
    expect(echo.words[1].parts[0]).toMatchObject({ kind: 'param', name: 'R', op: '#' });
  });

  it('says what it cannot read, and where', () => {
    for (const [text, line, what] of [
      ['if true; then\n  echo\n', 3, /expected "fi"/],
      ['echo "open\n\n', 1, /" quote is not closed/],
      ['x=$(echo\n', 1, /\$\( command substitution is not closed/],
      ['case x in\n a) ;;\n', 1, /"case" without its "esac"/],
      ['cat <<END\nno end\n', 3, /here-document ends before its delimiter "END"/],
      ['echo ok\nfi\n', 2, /"fi" where a command should be/],
    ] as const) {
      let err: unknown;
      try {
        parseScript(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(ScriptSyntaxError);
      expect((err as ScriptSyntaxError).message, text).toMatch(what);
      expect((err as ScriptSyntaxError).line, text).toBe(line);
    }
  });
});
