import { describe, expect, it } from 'vitest';
import type { List, SimpleCommand, Word } from '../../src/check/script/ast.js';
import { kernelBootState, scriptHost } from '../../src/check/script/boot-state.js';
import { expandScalar, expandWord, patternRegExp, type SubstRunner } from '../../src/check/script/expand.js';
import { parseScript } from '../../src/check/script/parse.js';
import { joinTri, normalPath, notTri, ScriptState, type Value } from '../../src/check/script/state.js';
import type { CheckContext } from '../../src/check/context.js';

// The interpreter's parts one at a time: word expansion, the state model and its joins, and the
// state the kernel leaves for init.

/** The n-th word of a one-command script (0: the command name). */
function word(text: string, n = 1): Word {
  return (parseScript(text)[0].first.commands[0] as SimpleCommand).words[n];
}
/** The word written after "echo ". */
const w = (src: string): Word => word(`echo ${src}`);

function state(vars: Record<string, Value> = {}, positional: Value[] | null = null): ScriptState {
  const s = new ScriptState();
  for (const [k, v] of Object.entries(vars)) s.vars.set(k, v);
  s.positional = positional;
  return s;
}

const ran: string[] = [];
const runSubst: SubstRunner = async (body: List, s: ScriptState) => {
  ran.push((body[0].first.commands[0] as SimpleCommand).words.map((x) => x.raw).join(' '));
  const n = s.clone();
  n.vars.set('SUBST', 'ran');
  return n;
};

async function fields(src: string, s = state()): Promise<{ fields: Value[]; openEnded: boolean }> {
  const r = await expandWord(w(src), s, runSubst);
  return { fields: r.fields, openEnded: r.openEnded };
}
const f = async (src: string, s = state()) => (await fields(src, s)).fields;
const scalar = async (src: string, s = state()) => (await expandScalar(w(src), s, runSubst)).value;

describe('word expansion: fields', () => {
  it('literal text and quotes', async () => {
    expect(await fields('abc')).toEqual({ fields: ['abc'], openEnded: false });
    expect(await f('"a b"')).toEqual(['a b']);
    expect(await f("'a  b'c")).toEqual(['a  bc']);
    expect(await f('""')).toEqual(['']);
    expect(await f("''")).toEqual(['']);
    expect(await f('a""')).toEqual(['a']);
  });

  it('unquoted expansions split on blanks, tabs and newlines; quoted ones do not', async () => {
    const s = state({ X: ' a  b\tc\nd ', E: '', Y: 'y' });
    expect(await fields('$X', s)).toEqual({ fields: ['a', 'b', 'c', 'd'], openEnded: false });
    expect(await f('"$X"', s)).toEqual([' a  b\tc\nd ']);
    expect(await f('pre$X', s)).toEqual(['pre', 'a', 'b', 'c', 'd']);
    expect(await f('${Y}post', s)).toEqual(['ypost']);
    expect(await f('$E', s)).toEqual([]);
    expect(await f('"$E"', s)).toEqual(['']);
    expect(await f('$UNSET', s)).toEqual([]);
    expect(await f('"$UNSET"', s)).toEqual(['']);
    expect(await f('x$E', s)).toEqual(['x']);
    expect(await f('$E""', s)).toEqual(['']);
    const t = state({ X: 'a b ', Y: ' c d' });
    expect(await f('$X$Y', t)).toEqual(['a', 'b', 'c', 'd']);
    expect(await f('$X"q"', t)).toEqual(['a', 'b', 'q']);
    expect(await f('"q"$Y', t)).toEqual(['q', 'c', 'd']);
    expect(await f('${Y}z', state({ Y: 'a b' }))).toEqual(['a', 'bz']);
  });

  it('unknown values: one unknown word, open-ended when unquoted', async () => {
    const s = state({ U: null });
    expect(await fields('$U', s)).toEqual({ fields: [null], openEnded: true });
    expect(await fields('"$U"', s)).toEqual({ fields: [null], openEnded: false });
    expect(await fields('a"$U"b', s)).toEqual({ fields: [null], openEnded: false });
  });

  it('command substitutions run, and their output is unknown', async () => {
    ran.length = 0;
    const r = await expandWord(w('$(cmd one)'), state(), runSubst);
    expect(ran).toEqual(['cmd one']);
    expect(r.fields).toEqual([null]);
    expect(r.openEnded).toBe(true);
    expect(r.state.vars.get('SUBST')).toBe('ran');
    const q = await expandWord(w('"`cmd two`"'), state(), runSubst);
    expect(q.fields).toEqual([null]);
    expect(q.openEnded).toBe(false);
    expect(q.state.vars.get('SUBST')).toBe('ran');
  });

  it('$@ and $*', async () => {
    expect(await fields('$@')).toEqual({ fields: [], openEnded: true });
    expect(await fields('"$@"')).toEqual({ fields: [], openEnded: true });
    expect(await fields('"$*"', state({}, null))).toEqual({ fields: [], openEnded: true });
    const s = state({}, ['a b', 'c']);
    expect(await fields('"$@"', s)).toEqual({ fields: ['a', 'b', 'c'], openEnded: false });
    expect(await f('"$*"', s)).toEqual(['a b c']);
    expect(await f('$*', s)).toEqual(['a', 'b', 'c']);
    expect(await fields('$@', state({}, ['a', null]))).toEqual({ fields: [null], openEnded: true });
    expect(await fields('"$*"', state({}, ['a', null]))).toEqual({ fields: [null], openEnded: false });
    // With an operator, $@ is a parameter like any other.
    expect(await f('${@:-d}', s)).toEqual(['d']);
  });

  it('globs make a word unknown, quoted ones do not', async () => {
    expect(await fields('/dev/dsk/*')).toEqual({ fields: [null], openEnded: true });
    expect(await fields('a?')).toEqual({ fields: [null], openEnded: true });
    expect(await fields('[ab]')).toEqual({ fields: [null], openEnded: true });
    expect(await fields('"*"')).toEqual({ fields: ['*'], openEnded: false });
    expect(await fields('[')).toEqual({ fields: ['['], openEnded: false });
    expect(await fields('[]')).toEqual({ fields: ['[]'], openEnded: false });
    expect(await fields('x]')).toEqual({ fields: ['x]'], openEnded: false });
    expect(await fields('$X', state({ X: '*' }))).toEqual({ fields: ['*'], openEnded: false });
  });

  it('arithmetic', async () => {
    const s = state({ N: ' 4 ', M: '-2', S: 'x', U: null });
    expect(await f('$((1 + 2 * 3))', s)).toEqual(['7']);
    expect(await f('$((N + 1))', s)).toEqual(['5']);
    expect(await f('$(($N * $M))', s)).toEqual(['-8']);
    expect(await f('$((${N} - 1))', s)).toEqual(['3']);
    expect(await f('$((7 / 2))', s)).toEqual(['3']);
    expect(await f('$((-7 / 2))', s)).toEqual(['-3']);
    expect(await f('$((7 % 4))', s)).toEqual(['3']);
    expect(await f('$((3 > 2))', s)).toEqual(['1']);
    expect(await f('$((3 < 2))', s)).toEqual(['0']);
    expect(await f('$((1 == 1))', s)).toEqual(['1']);
    expect(await f('$((S + 1))', s)).toEqual([null]);
    expect(await f('$((U + 1))', s)).toEqual([null]);
    expect(await f('$((NOPE + 1))', s)).toEqual([null]);
    expect(await f('$((1 / 0))', s)).toEqual([null]);
    expect(await f('$((1 +))', s)).toEqual([null]);
    expect(await f('$((1 ; 2))', s)).toEqual([null]);
    expect(await f('$((  ))', s)).toEqual([null]);
    expect(await scalar('a$((2+2))b', s)).toBe('a4b');
    expect(await scalar('a$((S))b', s)).toBe(null);
  });
});

describe('word expansion: scalars', () => {
  it('joins parts, stops at the unknown', async () => {
    const s = state({ A: 'a b', U: null });
    expect(await scalar('x$A"y"', s)).toBe('xa by');
    expect(await scalar('$UNSET', s)).toBe('');
    expect(await scalar('x$U', s)).toBe(null);
    expect(await scalar('"$@"', state({}, ['1', '2']))).toBe('1 2');
    expect(await scalar('a$*', state({}, ['1', '2']))).toBe('a1 2');
    expect(await scalar('$@', state({}, null))).toBe(null);
    expect(await scalar('$*', state({}, ['1', null]))).toBe(null);
    ran.length = 0;
    const r = await expandScalar(w('a$(cmd three)b'), s, runSubst);
    expect(r.value).toBe(null);
    expect(ran).toEqual(['cmd three']);
    expect(r.state.vars.get('SUBST')).toBe('ran');
  });

  it('special parameters', async () => {
    const s = state({}, ['one', 'two']);
    expect(await scalar('$1-$2-$3', s)).toBe('one-two-');
    expect(await scalar('${10}', s)).toBe('');
    expect(await scalar('$0', s)).toBe(null);
    expect(await scalar('$1', state())).toBe(null);
    expect(await scalar('$#', s)).toBe('2');
    expect(await scalar('$#', state())).toBe(null);
    expect(await scalar('$?', s)).toBe('0');
    s.status = 'no';
    expect(await scalar('$?', s)).toBe(null);
    s.status = 'maybe';
    expect(await scalar('$?', s)).toBe(null);
    for (const p of ['$$', '$!', '$-']) expect(await scalar(p, s), p).toBe(null);
  });

  it('${#X}', async () => {
    const s = state({ X: 'abcd', U: null });
    expect(await scalar('${#X}', s)).toBe('4');
    expect(await scalar('${#NOPE}', s)).toBe('0');
    expect(await scalar('${#U}', s)).toBe(null);
  });

  it('${X:-w} ${X-w} ${X:=w} ${X=w} ${X:+w} ${X+w} ${X:?} ${X?}', async () => {
    const s = () => state({ E: '', V: 'v', U: null, D: 'd' });
    const cases: Array<[string, Value]> = [
      ['${E:-$D}', 'd'],
      ['${E-$D}', ''],
      ['${V:-$D}', 'v'],
      ['${V-x}', 'v'],
      ['${N:-$D}', 'd'],
      ['${N-$D}', 'd'],
      ['${N-}', ''],
      ['${U:-x}', null],
      ['${U-x}', null],
      ['${E:+$D}', ''],
      ['${E+$D}', 'd'],
      ['${V:+$D}', 'd'],
      ['${V+}', ''],
      ['${N+x}', ''],
      ['${N:+x}', ''],
      ['${U:+x}', null],
      ['${U+x}', null],
      ['${V:?}', 'v'],
      ['${N:?}', null],
      ['${N?}', null],
      ['${E?}', ''],
      ['${U?}', null],
    ];
    for (const [src, want] of cases) expect(await scalar(src, s()), src).toBe(want);

    for (const [src, value, set] of [
      ['${E:=$D}', 'd', 'd'],
      ['${E=$D}', '', ''],
      ['${N:=$D}', 'd', 'd'],
      ['${N=x}', 'x', 'x'],
      ['${N=}', '', ''],
      ['${V:=x}', 'v', 'v'],
      ['${V=x}', 'v', 'v'],
    ] as const) {
      const r = await expandScalar(w(src), s(), runSubst);
      expect(r.value, src).toBe(value);
      expect(r.state.vars.get(src.slice(2, 3)), src).toBe(set);
    }
    const u = await expandScalar(w('${U:=x}'), s(), runSubst);
    expect(u.value).toBe(null);
    expect(u.state.vars.get('U')).toBe(null);
    const u2 = await expandScalar(w('${U=x}'), s(), runSubst);
    expect(u2.value).toBe(null);
    // The default's own command substitution runs.
    ran.length = 0;
    const d = await expandScalar(w('${N:-$(cmd four)}'), s(), runSubst);
    expect(d.value).toBe(null);
    expect(ran).toEqual(['cmd four']);
    // A := seen through expandWord: the variable is set in the state that comes out.
    const e = await expandWord(w('${N:=a b}'), s(), runSubst);
    expect(e.fields).toEqual(['a', 'b']);
    expect(e.state.vars.get('N')).toBe('a b');
  });

  it('${X#p} ${X##p} ${X%p} ${X%%p}', async () => {
    const s = state({ P: 'pool:rpool/ROOT/be', F: 'a.b.c', G: '*', U: null, E: '' });
    const cases: Array<[string, Value]> = [
      ['${P#pool:}', 'rpool/ROOT/be'],
      ['${P#*/}', 'ROOT/be'],
      ['${P##*/}', 'be'],
      ['${P%/*}', 'pool:rpool/ROOT'],
      ['${P%%/*}', 'pool:rpool'],
      ['${P#nomatch}', 'pool:rpool/ROOT/be'],
      ['${P%nomatch}', 'pool:rpool/ROOT/be'],
      ['${F#*.}', 'b.c'],
      ['${F##*.}', 'c'],
      ['${F%.*}', 'a.b'],
      ['${F%%.*}', 'a'],
      ['${F#a?b}', '.c'],
      ['${F#[ab].}', 'b.c'],
      ['${F#[!b].}', 'b.c'],
      ['${F#[!a].}', 'a.b.c'],
      ['${F%"*"}', 'a.b.c'],
      ['${F#*"."}', 'b.c'],
      ['${F#$G}', 'a.b.c'],
      ['${F#"$G"}', 'a.b.c'],
      ['${F##$G}', ''],
      ['${F%%$G}', ''],
      ['${F%$G}', 'a.b.c'],
      ['${F#}', 'a.b.c'],
      ['${N#x}', ''],
      ['${U#x}', null],
      ['${F#$U}', null],
      ['${F#$(x)}', null],
      ['${F#$NOPE}', 'a.b.c'],
      ['${E#x}', ''],
    ];
    for (const [src, want] of cases) expect(await scalar(src, s), src).toBe(want);
  });
});

describe('patterns', () => {
  const pat = (src: string, s = state()) => patternRegExp(w(src), s);
  it('glob to regular expression', () => {
    expect(pat('a*b?c')!.source).toBe('^a.*b.c$');
    expect(pat('[ab]x')!.source).toBe('^[ab]x$');
    expect(pat('[!ab]')!.source).toBe('^[^ab]$');
    expect(pat('$B', state({ B: '[a\\b]' }))!.test('\\')).toBe(true);
    expect(pat('$B', state({ B: '[a\\b]' }))!.test('b')).toBe(true);
    expect(pat('$B', state({ B: '[a\\b]' }))!.test('c')).toBe(false);
    expect(pat('a[')!.source).toBe('^a\\[$');
    expect(pat('[]a]')!.test(']')).toBe(true);
    expect(pat('[]a]')!.test('a')).toBe(true);
    expect(pat('a.b/c+')!.source).toBe('^a\\.b\\/c\\+$');
    expect(pat('"a*"')!.source).toBe('^a\\*$');
    expect(pat('x*')!.test('x\ny')).toBe(true);
    expect(pat('$B', state({ B: '(a|b)^$' }))!.source).toBe('^\\(a\\|b\\)\\^\\$$');
    expect(pat('"(a|b)^{}"')!.source).toBe('^\\(a\\|b\\)\\^\\{\\}$');
  });

  it('variables in patterns', () => {
    const s = state({ V: 'a*', U: null, E: '' });
    expect(pat('$V', s)!.source).toBe('^a.*$');
    expect(pat('"$V"', s)!.source).toBe('^a\\*$');
    expect(pat('$U', s)).toBe(null);
    expect(pat('$NOPE', s)!.source).toBe('^$');
    expect(pat('$E', s)!.source).toBe('^$');
    expect(pat('$@', s)).toBe(null);
    expect(pat('$*', s)).toBe(null);
    expect(pat('${V#a}', s)).toBe(null);
    expect(pat('$(x)', s)).toBe(null);
  });
});

describe('the state model', () => {
  it('three-valued logic', () => {
    expect(joinTri('yes', 'yes')).toBe('yes');
    expect(joinTri('no', 'no')).toBe('no');
    expect(joinTri('yes', 'no')).toBe('maybe');
    expect(joinTri('maybe', 'maybe')).toBe('maybe');
    expect(notTri('yes')).toBe('no');
    expect(notTri('no')).toBe('yes');
    expect(notTri('maybe')).toBe('maybe');
  });

  it('normal paths', () => {
    expect(normalPath('/a//b/./c/')).toBe('/a/b/c');
    expect(normalPath('a/b/../c')).toBe('/a/c');
    expect(normalPath('/../..')).toBe('/');
    expect(normalPath('')).toBe('/');
    expect(normalPath('/')).toBe('/');
  });

  it('a fresh state', () => {
    const s = new ScriptState();
    expect(s.status).toBe('yes');
    expect(s.positional).toBe(null);
    expect(s.signature()).toBe('[]|null|[]|[]|[]|[]|[]');
    expect(s.varsSignature()).toBe('[[],null]');
  });

  it('clone copies deeply', () => {
    const a = new ScriptState();
    a.vars.set('X', '1');
    a.positional = ['p'];
    a.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'no', contents: 'image' });
    a.paths.set('/a', { exists: 'yes', kind: 'dir' });
    a.devLinks.set('dev/zfs', 'yes');
    a.pools.set('rpool', { imported: 'yes', altroot: '/a' });
    a.datasets.set('rpool/ROOT', 'yes');
    a.functions.set('f', { type: 'function', name: 'f', body: { type: 'group', body: [], redirects: [], line: 1 }, redirects: [], line: 1 });
    a.status = 'maybe';
    const b = a.clone();
    expect(b.signature()).toBe(a.signature());
    expect(b.varsSignature()).toBe(a.varsSignature());
    expect(b.status).toBe('maybe');
    expect([...b.functions.keys()]).toEqual(['f']);
    b.vars.set('X', '2');
    b.positional!.push('q');
    b.mounts.get('/')!.writable = 'yes';
    b.paths.get('/a')!.exists = 'no';
    b.devLinks.set('dev/zfs', 'no');
    b.pools.get('rpool')!.imported = 'no';
    b.datasets.set('rpool/ROOT', 'no');
    b.functions.delete('f');
    expect(a.vars.get('X')).toBe('1');
    expect(a.positional).toEqual(['p']);
    expect(a.mounts.get('/')!.writable).toBe('no');
    expect(a.paths.get('/a')!.exists).toBe('yes');
    expect(a.devLinks.get('dev/zfs')).toBe('yes');
    expect(a.pools.get('rpool')!.imported).toBe('yes');
    expect(a.datasets.get('rpool/ROOT')).toBe('yes');
    expect(a.functions.has('f')).toBe(true);
    expect(new ScriptState().clone().positional).toBe(null);
  });

  it('signatures sort their keys and tell states apart', () => {
    const a = new ScriptState();
    a.vars.set('B', '2');
    a.vars.set('A', '1');
    a.vars.set('C', null);
    const b = new ScriptState();
    b.vars.set('C', null);
    b.vars.set('A', '1');
    b.vars.set('B', '2');
    expect(a.signature()).toBe(b.signature());
    expect(a.varsSignature()).toBe('[[["A","1"],["B","2"],["C",null]],null]');
    expect(b.varsSignature()).toBe(a.varsSignature());
    a.positional = ['x'];
    expect(a.varsSignature()).toBe('[[["A","1"],["B","2"],["C",null]],["x"]]');
    expect(a.signature()).toBe('[["A","1"],["B","2"],["C",null]]|["x"]|[]|[]|[]|[]|[]');
    const c = new ScriptState();
    c.mounts.set('/b', { fstype: 'tmpfs', present: 'yes', writable: 'yes', contents: 'empty' });
    c.mounts.set('/a', { fstype: 'ufs', present: 'no', writable: 'no', contents: 'image' });
    c.paths.set('/z', { exists: 'no' });
    c.devLinks.set('dev/dsk/', 'maybe');
    c.pools.set('p', { imported: 'yes' });
    c.datasets.set('p/d', 'no');
    c.status = 'no';
    expect(c.signature()).toBe(
      '[]|null|[["/a",{"fstype":"ufs","present":"no","writable":"no","contents":"image"}],["/b",{"fstype":"tmpfs","present":"yes","writable":"yes","contents":"empty"}]]|[["/z",{"exists":"no"}]]|[["dev/dsk/","maybe"]]|[["p",{"imported":"yes"}]]|[["p/d","no"]]',
    );
    const d = new ScriptState();
    d.vars.set('a', '1');
    d.vars.set('a', '1');
    d.vars.set('b', '1');
    expect(d.varsSignature()).toBe('[[["a","1"],["b","1"]],null]');
  });

  it('join: variables and arguments', () => {
    const a = state({ same: 's', diff: '1', onlyA: 'a', nul: null }, ['x', 'y']);
    const b = state({ same: 's', diff: '2', onlyB: 'b', nul: null }, ['x', 'z']);
    const j = ScriptState.join(a, b);
    expect([...j.vars].sort()).toEqual([
      ['diff', null],
      ['nul', null],
      ['onlyA', null],
      ['onlyB', null],
      ['same', 's'],
    ]);
    expect(j.positional).toEqual(['x', null]);
    expect(ScriptState.join(state({}, ['x']), state({}, ['x', 'y'])).positional).toBe(null);
    expect(ScriptState.join(state({}, ['x']), state({}, null)).positional).toBe(null);
    expect(ScriptState.join(state({}, null), state({}, ['x'])).positional).toBe(null);
    expect(ScriptState.join(state({}, []), state({}, [])).positional).toEqual([]);
  });

  it('join: mounts', () => {
    const a = new ScriptState();
    const b = new ScriptState();
    a.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'no', contents: 'image' });
    b.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'yes', contents: 'image' });
    a.mounts.set('/m', { fstype: 'lofs', present: 'yes', writable: 'yes', contents: 'unknown', source: '/x' });
    b.mounts.set('/m', { fstype: 'tmpfs', present: 'no', writable: 'yes', contents: 'empty', source: '/y' });
    a.mounts.set('/s', { fstype: 'lofs', present: 'yes', writable: 'yes', contents: 'empty', source: '/x' });
    b.mounts.set('/s', { fstype: 'lofs', present: 'yes', writable: 'yes', contents: 'empty', source: '/x' });
    a.mounts.set('/onlyA', { fstype: 'tmpfs', present: 'yes', writable: 'yes', contents: 'empty' });
    b.mounts.set('/onlyB', { fstype: 'ufs', present: 'no', writable: 'no', contents: 'image', source: '/q' });
    const j = ScriptState.join(a, b);
    expect(j.mounts.get('/')).toEqual({ fstype: 'ufs', present: 'yes', writable: 'maybe', contents: 'image', source: undefined });
    expect(j.mounts.get('/m')).toEqual({ fstype: 'unknown', present: 'maybe', writable: 'yes', contents: 'unknown', source: undefined });
    expect(j.mounts.get('/s')).toEqual({ fstype: 'lofs', present: 'yes', writable: 'yes', contents: 'empty', source: '/x' });
    expect(j.mounts.get('/onlyA')).toEqual({ fstype: 'tmpfs', present: 'maybe', writable: 'maybe', contents: 'unknown' });
    expect(j.mounts.get('/onlyB')).toEqual({ fstype: 'ufs', present: 'no', writable: 'maybe', contents: 'unknown', source: '/q' });
    expect([...j.mounts.keys()]).toEqual(['/', '/m', '/s', '/onlyA', '/onlyB']);
  });

  it('join: paths, with and without a baseline', () => {
    const a = new ScriptState();
    const b = new ScriptState();
    a.paths.set('/both', { exists: 'yes', kind: 'dir' });
    b.paths.set('/both', { exists: 'yes', kind: 'dir' });
    a.paths.set('/kind', { exists: 'yes', kind: 'dir', executable: 'yes' });
    b.paths.set('/kind', { exists: 'no', kind: 'file', executable: 'no' });
    a.paths.set('/exe', { exists: 'yes', kind: 'file', executable: 'yes' });
    b.paths.set('/exe', { exists: 'yes', kind: 'file', executable: 'yes' });
    a.paths.set('/halfexe', { exists: 'yes', kind: 'file', executable: 'yes' });
    b.paths.set('/halfexe', { exists: 'yes', kind: 'file' });
    a.paths.set('/halfexe2', { exists: 'yes', kind: 'file' });
    b.paths.set('/halfexe2', { exists: 'yes', kind: 'file', executable: 'yes' });
    a.paths.set('/onlyA', { exists: 'yes', kind: 'file' });
    b.paths.set('/onlyB', { exists: 'no', kind: 'dir' });
    const j = ScriptState.join(a, b);
    expect(j.paths.get('/both')).toEqual({ exists: 'yes', kind: 'dir', executable: undefined });
    expect(j.paths.get('/kind')).toEqual({ exists: 'maybe', kind: undefined, executable: 'maybe' });
    expect(j.paths.get('/exe')).toEqual({ exists: 'yes', kind: 'file', executable: 'yes' });
    expect(j.paths.get('/halfexe')).toEqual({ exists: 'yes', kind: 'file', executable: undefined });
    expect(j.paths.get('/halfexe2')).toEqual({ exists: 'yes', kind: 'file', executable: undefined });
    expect(j.paths.get('/onlyA')).toEqual({ exists: 'maybe', kind: 'file' });
    expect(j.paths.get('/onlyB')).toEqual({ exists: 'maybe', kind: 'dir' });

    const asked: Array<[string, boolean]> = [];
    const jb = ScriptState.join(a, b, (p, side) => {
      asked.push([p, side === a]);
      return p === '/onlyA' ? { exists: 'yes', kind: 'file' } : { exists: 'no' };
    });
    expect(asked).toEqual([
      ['/onlyA', false],
      ['/onlyB', true],
    ]);
    expect(jb.paths.get('/onlyA')).toEqual({ exists: 'yes', kind: 'file', executable: undefined });
    expect(jb.paths.get('/onlyB')).toEqual({ exists: 'no', kind: undefined, executable: undefined });
  });

  it('join: links, datasets, pools, functions, status', () => {
    const a = new ScriptState();
    const b = new ScriptState();
    a.devLinks.set('dev/zfs', 'yes');
    b.devLinks.set('dev/zfs', 'yes');
    a.devLinks.set('dev/dsk/', 'yes');
    b.devLinks.set('dev/null', 'maybe');
    a.datasets.set('p/a', 'no');
    b.datasets.set('p/b', 'yes');
    a.pools.set('p', { imported: 'yes', altroot: '/a' });
    b.pools.set('p', { imported: 'yes', altroot: '/a' });
    a.pools.set('q', { imported: 'yes', altroot: '/a' });
    b.pools.set('q', { imported: 'yes', altroot: '/b' });
    a.pools.set('r', { imported: 'yes' });
    b.pools.set('r', { imported: 'no', altroot: '/r' });
    b.pools.set('s', { imported: 'no' });
    a.pools.set('t', { imported: 'yes', altroot: '/t' });
    const fa = { type: 'function' as const, name: 'f', body: { type: 'group' as const, body: [], redirects: [], line: 1 }, redirects: [], line: 1 };
    const fb = { ...fa, line: 2 };
    a.functions.set('f', fa);
    a.functions.set('g', fa);
    b.functions.set('f', fb);
    a.status = 'yes';
    b.status = 'yes';
    const j = ScriptState.join(a, b);
    expect([...j.devLinks]).toEqual([
      ['dev/zfs', 'yes'],
      ['dev/dsk/', 'maybe'],
      ['dev/null', 'maybe'],
    ]);
    expect([...j.datasets]).toEqual([
      ['p/a', 'no'],
      ['p/b', 'maybe'],
    ]);
    expect([...j.pools]).toEqual([
      ['p', { imported: 'yes', altroot: '/a' }],
      ['q', { imported: 'yes', altroot: '/a' }],
      ['r', { imported: 'maybe', altroot: '/r' }],
      ['t', { imported: 'maybe', altroot: '/t' }],
      ['s', { imported: 'no', altroot: undefined }],
    ]);
    expect(j.functions.get('f')).toBe(fb);
    expect(j.functions.get('g')).toBe(fa);
    expect(j.status).toBe('yes');
    b.status = 'no';
    expect(ScriptState.join(a, b).status).toBe('maybe');
  });

  it('mountOf: the deepest present mount above a path', () => {
    const s = new ScriptState();
    const root = { fstype: 'ufs', present: 'yes' as const, writable: 'no' as const, contents: 'image' as const };
    const tmp = { fstype: 'tmpfs', present: 'yes' as const, writable: 'yes' as const, contents: 'empty' as const };
    const gone = { fstype: 'tmpfs', present: 'no' as const, writable: 'yes' as const, contents: 'empty' as const };
    const may = { fstype: 'lofs', present: 'maybe' as const, writable: 'yes' as const, contents: 'unknown' as const };
    s.mounts.set('/', root);
    s.mounts.set('/tmp', tmp);
    s.mounts.set('/tmp/gone', gone);
    s.mounts.set('/a', may);
    expect(s.mountOf('/tmp/gone/x')).toEqual({ point: '/tmp', mount: tmp });
    expect(s.mountOf('/tmp')).toEqual({ point: '/tmp', mount: tmp });
    expect(s.mountOf('/tmp/x/y')).toEqual({ point: '/tmp', mount: tmp });
    expect(s.mountOf('/a/b')).toEqual({ point: '/a', mount: may });
    expect(s.mountOf('/etc')).toEqual({ point: '/', mount: root });
    expect(s.mountOf('/')).toEqual({ point: '/', mount: root });
    expect(new ScriptState().mountOf('/x/y')).toBe(undefined);
    const g = new ScriptState();
    g.mounts.set('/', gone);
    expect(g.mountOf('/x')).toBe(undefined);
  });
});

describe('the state the kernel leaves for init', () => {
  it('mounts what loads where its mount point is', async () => {
    const dirs = new Set(['/devices', '/dev', '/proc', '/etc/svc/volatile', '/system/object', '/system/boot']);
    const files = new Set(['/etc/mnttab', '/system/contract', '/etc/dfs/sharetab']);
    const asked: string[] = [];
    const ctx = {
      isDir: (p: string) => dirs.has(p),
      isFile: (p: string) => files.has(p),
      moduleProblem: async (m: string) => {
        asked.push(m);
        return m === 'fs/objfs' ? 'no objfs' : undefined;
      },
    } as unknown as CheckContext;
    const s = await kernelBootState(ctx);
    expect(Object.fromEntries(s.mounts)).toEqual({
      '/': { fstype: 'ufs', present: 'yes', writable: 'no', contents: 'image' },
      '/devices': { fstype: 'devfs', present: 'yes', writable: 'no', contents: 'unknown' },
      '/dev': { fstype: 'dev', present: 'yes', writable: 'no', contents: 'image' },
      '/system/contract': { fstype: 'ctfs', present: 'no', writable: 'no', contents: 'unknown' },
      '/proc': { fstype: 'proc', present: 'yes', writable: 'no', contents: 'unknown' },
      '/etc/mnttab': { fstype: 'mntfs', present: 'yes', writable: 'no', contents: 'unknown' },
      '/etc/svc/volatile': { fstype: 'tmpfs', present: 'yes', writable: 'yes', contents: 'empty' },
      '/system/object': { fstype: 'objfs', present: 'no', writable: 'no', contents: 'unknown' },
      '/system/boot': { fstype: 'bootfs', present: 'yes', writable: 'no', contents: 'unknown' },
      '/etc/dfs/sharetab': { fstype: 'sharefs', present: 'yes', writable: 'no', contents: 'unknown' },
    });
    expect([...s.mounts.keys()][0]).toBe('/');
    expect(asked).toEqual(['fs/devfs', 'fs/dev', 'fs/procfs', 'fs/mntfs', 'fs/tmpfs', 'fs/objfs', 'fs/bootfs', 'fs/sharefs']);
    expect(s.status).toBe('yes');
    expect(s.vars.size).toBe(0);
  });

  it('the script host answers from the context', async () => {
    type E = { type: string; path: string; mode?: number; size?: number };
    const entries: Record<string, E> = {
      sbin: { type: 'dir', path: 'sbin' },
      'sbin/init': { type: 'file', path: 'sbin/init', mode: 0o755, size: 10 },
      'sbin/data': { type: 'file', path: 'sbin/data', mode: 0o644, size: 3 },
      'sbin/g': { type: 'file', path: 'sbin/g', mode: 0o640 | 0o010, size: 3 },
      'sbin/o': { type: 'file', path: 'sbin/o', mode: 0o601, size: 3 },
      'sbin/hard': { type: 'hardlink', path: 'sbin/hard', size: 0 },
      'dev/null': { type: 'char', path: 'dev/null' },
    };
    const traced: string[] = [];
    const ctx = {
      trace: (p: string) => {
        traced.push(p);
        return entries[p] ? { entry: entries[p], links: [] } : null;
      },
      tree: { contentOwner: (e: E) => (e.type === 'hardlink' ? entries['sbin/init'] : e) },
      programProblems: async (p: string) => [`pp ${p}`],
      moduleProblem: async (m: string) => `mp ${m}`,
      nameToMajor: async () => new Map([['zfs', 1]]),
      device: async (p: string) => ({ problem: `dp ${p}` }),
      text: async (p: string) => `text of ${p}`,
      inspector: { inspect: async (e: E) => (e.path === 'sbin/init' ? { kind: 'elf', info: { elfClass: 64 } } : { kind: 'text' }) },
      bootProgram: (p: string) => ({ path: p, name: 'prog' }),
    } as unknown as CheckContext;
    const h = scriptHost(ctx);
    expect(h.imageStat('/sbin')).toEqual({ exists: 'yes', kind: 'dir' });
    expect(h.imageStat('//sbin/init')).toEqual({ exists: 'yes', kind: 'file', executable: 'yes' });
    expect(h.imageStat('/sbin/data')).toEqual({ exists: 'yes', kind: 'file', executable: 'no' });
    expect(h.imageStat('/sbin/g')).toEqual({ exists: 'yes', kind: 'file', executable: 'yes' });
    expect(h.imageStat('/sbin/o')).toEqual({ exists: 'yes', kind: 'file', executable: 'yes' });
    expect(h.imageStat('/sbin/hard')).toEqual({ exists: 'yes', kind: 'file', executable: 'yes' });
    expect(h.imageStat('/dev/null')).toEqual({ exists: 'yes' });
    expect(h.imageStat('/nope')).toEqual({ exists: 'no' });
    expect(traced).toEqual(['sbin', 'sbin/init', 'sbin/data', 'sbin/g', 'sbin/o', 'sbin/hard', 'dev/null', 'nope']);
    expect(await h.programProblems('usr/bin/x')).toEqual(['pp usr/bin/x']);
    expect(await h.moduleProblem('fs/zfs')).toBe('mp fs/zfs');
    expect(await h.hasMajor('zfs')).toBe(true);
    expect(await h.hasMajor('sd')).toBe(false);
    expect(await h.deviceProblem('dev/x')).toBe('dp dev/x');
    expect(await h.readText('//etc/x')).toBe('text of etc/x');
    expect(await h.fileInfo!('//sbin/init')).toEqual({ size: 10, elfClass: 64 });
    expect(await h.fileInfo!('/sbin/data')).toEqual({ size: 3, elfClass: undefined });
    expect(await h.fileInfo!('/sbin/hard')).toEqual({ size: 10, elfClass: undefined });
    expect(await h.fileInfo!('/sbin')).toBe(undefined);
    expect(await h.fileInfo!('/nope')).toBe(undefined);
    expect(await h.fileInfo!('/dev/null')).toBe(undefined);
    expect(h.programInfo!('sbin/init')).toEqual({ path: 'sbin/init', name: 'prog' });
  });
});

describe('word expansion: the corners', () => {
  const lit = (text: string, quoted = false) => ({ kind: 'lit' as const, text, quoted });
  const param = (name: string, op?: string) => ({ kind: 'param' as const, name, op, quoted: false });

  it('an empty unquoted literal is no field; a quoted one before a split still counts once', async () => {
    expect((await expandWord({ parts: [lit('')], raw: '' }, state(), runSubst)).fields).toEqual([]);
    expect(await f('"a"$X', state({ X: 'b ' }))).toEqual(['ab']);
    expect(await f('pre$X', state({ X: 'a b' }))).toEqual(['prea', 'b']);
  });

  it('open-ended only when an unknown part may split', async () => {
    expect(await fields('a$U', state({ U: null }))).toEqual({ fields: [null], openEnded: true });
    expect(await fields('$X"$U"', state({ X: 'a', U: null }))).toEqual({ fields: [null], openEnded: false });
  });

  it('operators without a word (as the interpreter builds them) give the empty string', async () => {
    for (const op of [':-', '-', ':=', '=']) {
      const r = await expandWord({ parts: [lit('<'), param('N', op), lit('>')], raw: '' }, state(), runSubst);
      expect(r.fields, op).toEqual(['<>']);
    }
    expect((await expandWord({ parts: [lit('<'), param('V', ':+'), lit('>')], raw: '' }, state({ V: 'v' }), runSubst)).fields).toEqual(['<>']);
    const set = await expandWord({ parts: [param('N', ':=')], raw: '' }, state(), runSubst);
    expect(set.state.vars.get('N')).toBe('');
  });

  it('positional parameters by number, and names that only end in digits', async () => {
    const ten = state({ a1: 'named' }, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    expect(await scalar('${10}', ten)).toBe('j');
    expect(await scalar('$a1', ten)).toBe('named');
    expect((await expandScalar({ parts: [param('1x')], raw: '' }, state({ '1x': 'v' }, ['p']), runSubst)).value).toBe('v');
  });

  it('arithmetic takes whole numbers only, and only the operators it knows', async () => {
    const s = state({ T: '12', D: '1-1' });
    expect(await scalar('$((T + 1))', s)).toBe('13');
    expect(await scalar('$((D))', s)).toBe(null);
    expect(await scalar('$((~1))', s)).toBe(null);
    expect(await scalar('$((1~1))', s)).toBe(null);
  });

  it('a ! inside a bracket is a character', () => {
    expect(patternRegExp(w('[a!]'), state())!.source).toBe('^[a!]$');
  });
});
