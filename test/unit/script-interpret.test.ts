import { describe, expect, it } from 'vitest';
import type { BootProgram } from '../../src/bootpath/programs.js';
import { capSeverity, interpretScript, type ScriptResult, type ScriptRun } from '../../src/check/script/interpret.js';
import type { Severity } from '../../src/check/findings.js';
import type { ScriptState, Value } from '../../src/check/script/state.js';
import { bootState, fakeHost, type FakeImage } from '../support/script-host.js';

// The interpreter itself, one construct at a time: small scripts run through a small image, with
// the findings, the execs, the end states and the count of commands followed asserted exactly.

const BASE = ['usr/bin/prog', 'usr/bin/other', 'usr/sbin/devfsadm', 'usr/sbin/mount', 'usr/lib/fs/tmpfs/mount', 'usr/bin/mkdir', 'usr/bin/touch', 'usr/sbin/chroot', 'etc/dev/', 'a/', 'tmp/', 'sbin/init'];

interface Opts {
  img?: Partial<FakeImage>;
  state?: ScriptState;
  args?: Value[] | null;
  cap?: Severity;
  when?: string;
  firstLine?: number;
  file?: string;
  info?: Record<string, BootProgram>;
  /** Links in the image that lead to no driver (image path -> problem). */
  deviceProblems?: Record<string, string>;
}

async function run(text: string | undefined, o: Opts = {}): Promise<ScriptResult> {
  const img: FakeImage = { paths: [...BASE, ...(o.img?.paths ?? [])], texts: o.img?.texts, modules: o.img?.modules ?? ['fs/tmpfs'], majors: o.img?.majors, broken: o.img?.broken };
  const base = fakeHost(img);
  const host = {
    ...base,
    ...(o.info ? { programInfo: (p: string) => o.info![p] } : {}),
    ...(o.deviceProblems ? { deviceProblem: async (p: string) => o.deviceProblems![p] ?? (await base.deviceProblem(p)) } : {}),
  };
  const r: ScriptRun = { file: o.file ?? 'etc/s', step: 'userland', cap: o.cap ?? 'panic', initial: o.state ?? bootState(), text, when: o.when, firstLine: o.firstLine };
  if (o.args !== undefined) r.args = o.args;
  return interpretScript(host, r);
}

/** The end states: status, the variables the script set (PATH aside), the arguments. */
const ends = (r: ScriptResult, names?: string[]) =>
  r.ends.map((s) => ({ status: s.status, vars: Object.fromEntries([...s.vars].filter(([k]) => !names || names.includes(k))), positional: s.positional }));
const statuses = (r: ScriptResult) => r.ends.map((s) => s.status);
const brief = (r: ScriptResult) => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line} ${f.message}`);
const execs = (r: ScriptResult) => r.execs.map((e) => ({ file: e.file, line: e.line, command: e.command, args: e.args, raw: e.raw }));

const V = '/etc/svc/volatile';

describe('running a script', () => {
  it('reads the file when no text is given, and gives nothing when there is none', async () => {
    const r = await run(undefined, { img: { texts: { 'etc/s': 'X=1\nprog\n' } } });
    expect(ends(r)).toEqual([{ status: 'maybe', vars: { X: '1' }, positional: null }]);
    expect(r.commands).toBe(1);
    expect(await run(undefined)).toEqual({ findings: [], execs: [], ends: [], commands: 0 });
  });

  it('starts with the arguments given: none known, or a list', async () => {
    expect(ends(await run(':'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run(':', { args: null }))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run(':', { args: [] }))).toEqual([{ status: 'yes', vars: {}, positional: [] }]);
    expect(ends(await run('X=$2', { args: ['a', 'b'] }))).toEqual([{ status: 'yes', vars: { X: 'b' }, positional: ['a', 'b'] }]);
  });

  it('the initial state is not changed', async () => {
    const initial = bootState();
    await run('X=1; set -- a', { state: initial, args: ['z'] });
    expect([...initial.vars]).toEqual([]);
    expect(initial.positional).toBe(null);
  });

  it('ends: falling off the end, exit and return; not exec, break or continue', async () => {
    expect(statuses(await run('exit 3'))).toEqual(['no']);
    expect(statuses(await run('return 0'))).toEqual(['yes']);
    expect(statuses(await run('break'))).toEqual([]);
    expect(statuses(await run('continue'))).toEqual([]);
    expect(statuses(await run('exec mount'))).toEqual([]);
    const r = await run('exit 0; prog');
    expect(r.commands).toBe(1);
    expect(statuses(r)).toEqual(['yes']);
  });

  it('a script that cannot be parsed: one finding at its line, as bad as its rule whatever the cap, and it ends', async () => {
    const r = await run('prog\nif true; then\n', { cap: 'note', firstLine: 10, when: ' after a restart' });
    expect(r.findings.map((f) => ({ ...f }))).toEqual([
      {
        severity: 'unusable',
        step: 'userland',
        file: 'etc/s',
        line: 12,
        rule: 'script.syntax',
        message: expect.stringMatching(/^\/etc\/s line 12 after a restart: cannot be read as a shell script \(.+\): \/sbin\/sh stops there, and the check cannot follow it further$/),
        source: 'usr/src/cmd/init/init.c (inittab entries and the smf entry run through /sbin/sh)',
        fix: "fix the script's syntax (ksh93 -n reports it too)",
      },
    ]);
    expect(statuses(r)).toEqual(['yes']);
    expect(r.commands).toBe(0);
  });

  it('findings: capped, with the words for when, once per message and rule', async () => {
    const r = await run('nosuch\nnosuch\nfor i in 1 2; do nosuch; done\nzpool list', { cap: 'degraded', when: ' (again)' });
    expect(brief(r)).toEqual([
      'degraded program.missing etc/s:1 /etc/s line 1 (again): runs nosuch, which is not in the image',
      'degraded program.missing etc/s:2 /etc/s line 2 (again): runs nosuch, which is not in the image',
      'degraded program.missing etc/s:3 /etc/s line 3 (again): runs nosuch, which is not in the image',
      'degraded program.missing etc/s:4 /etc/s line 4 (again): runs zpool, which is not in the image: no pool can be imported',
    ]);
    expect(r.findings[3].source).toBe('usr/src/cmd/zpool/zpool_main.c');
    expect(r.findings[0].source).toBe('usr/src/cmd/init/init.c');
    expect(r.findings[0].fix).toBe("keep the program that provides nosuch (the profile's keep list), or change the script");
    expect((await run('zpool list', { cap: 'panic' })).findings.map((f) => f.severity)).toEqual(['unusable']);
    expect((await run('zpool list', { cap: 'note' })).findings.map((f) => f.severity)).toEqual(['note']);
  });

  it('capSeverity', () => {
    expect(capSeverity('panic', 'degraded')).toBe('degraded');
    expect(capSeverity('note', 'degraded')).toBe('note');
    expect(capSeverity('degraded', 'degraded')).toBe('degraded');
    expect(capSeverity('unusable', 'panic')).toBe('unusable');
  });
});

describe('lists, and-or lists, pipelines', () => {
  it('a background job: its effects may have happened, and its status is 0', async () => {
    expect(ends(await run('X=1 &'))).toEqual([{ status: 'yes', vars: { X: null }, positional: null }]);
    expect(ends(await run('X=1; false &'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    const r = await run(`: > ${V}/f &`);
    expect(r.ends.map((s) => s.paths.get(`${V}/f`))).toEqual([{ exists: 'maybe', kind: undefined, executable: undefined }]);
    // A job that exits leaves the state as it was.
    expect(ends(await run('X=1; { X=2; exit 1; } &'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
  });

  it('&& and ||: run on the status that asks for it, both ways when it is unknown', async () => {
    expect(ends(await run('true && X=1'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(ends(await run('false && X=1'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(ends(await run('true || X=1'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run('false || X=1'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(ends(await run('prog && X=1'))).toEqual([
      { status: 'no', vars: {}, positional: null },
      { status: 'yes', vars: { X: '1' }, positional: null },
    ]);
    expect(ends(await run('prog || X=1'))).toEqual([
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { X: '1' }, positional: null },
    ]);
    expect(ends(await run('prog a b && Y=2 || Z=3'))).toEqual([
      { status: 'yes', vars: { Z: '3' }, positional: null },
      { status: 'yes', vars: { Y: '2' }, positional: null },
    ]);
  });

  it('an exit on the left of && ends there', async () => {
    const r = await run('exit 2 && prog; prog');
    expect(r.commands).toBe(1);
    expect(statuses(r)).toEqual(['no']);
    const r2 = await run('f() { return 1; }; f || X=1');
    expect(ends(r2)).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
  });

  it('pipelines: each part but the last in a subshell; the system changes stay', async () => {
    expect(ends(await run('X=1 | Y=2'))).toEqual([{ status: 'yes', vars: { Y: '2' }, positional: null }]);
    const r = await run(`A=0; : > ${V}/p | prog | A=1`);
    expect(ends(r)).toEqual([{ status: 'yes', vars: { A: '1' }, positional: null }]);
    expect(r.ends[0].paths.get(`${V}/p`)).toEqual({ exists: 'yes', kind: 'file' });
    expect(r.commands).toBe(2);
    expect(ends(await run('prog | exit 3; X=1'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(ends(await run('prog | exit 3'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(ends(await run('exit 3 | X=1'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(ends(await run('X=1 | false'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
  });

  it('!: the status turned round', async () => {
    expect(statuses(await run('! true'))).toEqual(['no']);
    expect(statuses(await run('! false'))).toEqual(['yes']);
    expect(statuses(await run('! prog'))).toEqual(['maybe']);
    expect(statuses(await run('! true | false'))).toEqual(['yes']);
    expect(statuses(await run('! exit 1'))).toEqual(['yes']);
  });
});

describe('compound commands', () => {
  it('a function definition: kept, status 0', async () => {
    const r = await run('false; f() { X=1; }');
    expect(statuses(r)).toEqual(['yes']);
    expect([...r.ends[0].functions.keys()]).toEqual(['f']);
    expect(r.commands).toBe(1);
  });

  it('a compound command whose redirection fails does not run', async () => {
    const r = await run('{ prog; X=1; } < /nowhere; Y=1');
    expect(ends(r)).toEqual([{ status: 'yes', vars: { Y: '1' }, positional: null }]);
    expect(r.commands).toBe(0);
    expect(brief(r)).toEqual(['degraded redirect.read etc/s:1 /etc/s line 1: </nowhere: /nowhere is not there']);
    expect(statuses(await run('{ prog; X=1; } < /nowhere'))).toEqual(['no']);
    expect(statuses(await run('if true; then X=1; fi < /nowhere'))).toEqual(['no']);
  });

  it('a compound command redirected: the redirection is made first', async () => {
    const r = await run(`{ X=1; } > ${V}/g`);
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(r.ends[0].paths.get(`${V}/g`)).toEqual({ exists: 'yes', kind: 'file' });
  });

  it('a group runs in the shell; a subshell keeps only what it does to the system', async () => {
    expect(ends(await run('{ X=1; false; }'))).toEqual([{ status: 'no', vars: { X: '1' }, positional: null }]);
    const r = await run(`X=0; (X=1; g() { :; }; : > ${V}/s; exit 3); Y=$X`);
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '0', Y: '0' }, positional: null }]);
    expect(r.ends[0].paths.get(`${V}/s`)).toEqual({ exists: 'yes', kind: 'file' });
    expect([...r.ends[0].functions.keys()]).toEqual([]);
    expect(statuses(await run('(exit 3)'))).toEqual(['no']);
    expect(statuses(await run('(return 0); false'))).toEqual(['no']);
    expect(ends(await run('(exec mount); X=1'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    // break and continue in a subshell end the subshell, not the loop around it (as dash and ksh93 do).
    expect(statuses(await run('while true; do (break); exit 4; done'))).toEqual(['no']);
    expect(ends(await run('for x in a b; do (continue); X=$x; done'))).toEqual([{ status: 'yes', vars: { x: 'b', X: 'b' }, positional: null }]);
  });

  it('if: the arm the condition picks, both when it cannot be told', async () => {
    expect(ends(await run('if true; then X=1; else X=2; fi'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(ends(await run('if false; then X=1; else X=2; fi'))).toEqual([{ status: 'yes', vars: { X: '2' }, positional: null }]);
    expect(ends(await run('if false; then X=1; fi'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run('if true; then false; fi'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(ends(await run('if prog; then X=1; else X=2; fi'))).toEqual([
      { status: 'yes', vars: { X: '1' }, positional: null },
      { status: 'yes', vars: { X: '2' }, positional: null },
    ]);
    expect(ends(await run('if prog; then X=1; fi'))).toEqual([
      { status: 'yes', vars: { X: '1' }, positional: null },
      { status: 'yes', vars: {}, positional: null },
    ]);
    expect(ends(await run('if prog; then false; else X=2; false; fi'))).toEqual([
      { status: 'no', vars: {}, positional: null },
      { status: 'no', vars: { X: '2' }, positional: null },
    ]);
  });

  it('elif: asked only when the conditions before it fail', async () => {
    const r = await run('if true; then X=1; elif prog; then X=2; else X=3; fi');
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(r.commands).toBe(1);
    const r2 = await run('if false; then X=1; elif true; then X=2; else X=3; fi');
    expect(ends(r2)).toEqual([{ status: 'yes', vars: { X: '2' }, positional: null }]);
    const r3 = await run('if prog; then X=1; elif other; then X=2; else X=3; fi');
    expect(ends(r3)).toEqual([
      { status: 'yes', vars: { X: '1' }, positional: null },
      { status: 'yes', vars: { X: '2' }, positional: null },
      { status: 'yes', vars: { X: '3' }, positional: null },
    ]);
    expect(r3.commands).toBe(2);
  });

  it('if: a condition that exits ends there', async () => {
    const r = await run('if exit 2; then X=1; else X=2; fi; Y=1');
    expect(ends(r)).toEqual([{ status: 'no', vars: {}, positional: null }]);
  });

  it('while and until: entered on the status that asks for it', async () => {
    expect(ends(await run('while false; do X=1; done'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run('until true; do X=1; done'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run('until false; do X=1; break; done'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(ends(await run('while true; do X=1; break; done'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(ends(await run('while prog; do X=1; done'))).toEqual([
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { X: '1' }, positional: null },
      { status: 'yes', vars: { X: null }, positional: null },
    ]);
    expect(ends(await run('until prog; do X=1; done'))).toEqual([
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { X: '1' }, positional: null },
      { status: 'yes', vars: { X: null }, positional: null },
    ]);
  });

  it('a loop is followed for two rounds and asked a third time', async () => {
    const r = await run('while true; do :; done');
    expect(ends(r)).toEqual([]);
    expect(r.commands).toBe(5);
    const r2 = await run('while prog; do :; done');
    expect(r2.commands).toBe(5);
    expect(statuses(r2)).toEqual(['yes']);
  });

  it('a counter that has not run out after two rounds: the loop may end with it unknown', async () => {
    const r = await run('i=0; while [ $i -lt 10 ]; do i=$((i+1)); done');
    expect(ends(r)).toEqual([{ status: 'yes', vars: { i: null }, positional: null }]);
    expect(r.commands).toBe(4);
    const r2 = await run('i=0; until [ $i -ge 10 ]; do i=$((i+1)); done');
    expect(ends(r2)).toEqual([{ status: 'yes', vars: { i: null }, positional: null }]);
    const r3 = await run('i=0; while [ $i -lt 1 ]; do i=$((i+1)); done');
    expect(ends(r3)).toEqual([{ status: 'yes', vars: { i: '1' }, positional: null }]);
  });

  it('a loop that runs out after two rounds is not widened', async () => {
    const r = await run('i=0; while [ $i -lt 2 ]; do i=$((i+1)); done');
    expect(ends(r)).toEqual([{ status: 'yes', vars: { i: '2' }, positional: null }]);
    // Widened, the test can fail, but the loop body may also exit.
    const r2 = await run('i=0; while [ $i -lt 9 ]; do i=$((i+1)); X=$i; done');
    expect(ends(r2)).toEqual([{ status: 'yes', vars: { i: null, X: null }, positional: null }]);
    // A widened test that exits is not an end of the loop.
    const r3 = await run('i=0; while [ $i -lt 9 ] || exit 5; do i=$((i+1)); done');
    expect(ends(r3)).toEqual([]);
  });

  it('break, continue, exit and return in a loop', async () => {
    expect(ends(await run('while true; do X=1; continue; X=2; done'))).toEqual([]);
    expect(ends(await run('while true; do exit 3; done; X=1'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(ends(await run('while exit 3; do X=1; done; X=2'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(ends(await run('f() { while true; do return 4; done; X=1; }; f; Y=$?'))).toEqual([{ status: 'yes', vars: { Y: null }, positional: null }]);
    expect(ends(await run('i=0; while [ $i -lt 5 ]; do i=$((i+1)); if prog; then break; fi; done'))).toEqual([
      { status: 'yes', vars: { i: '1' }, positional: null },
      { status: 'yes', vars: { i: '2' }, positional: null },
      { status: 'yes', vars: { i: null }, positional: null },
    ]);
  });

  it('for: each word in turn', async () => {
    expect(ends(await run('L=; for x in a "b c" d; do L="$L/$x"; done'))).toEqual([{ status: 'yes', vars: { L: '/a/b c/d', x: 'd' }, positional: null }]);
    expect(ends(await run('for x in; do X=1; done'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run('L=; for x; do L="$L/$x"; done', { args: ['p', 'q'] }))).toEqual([{ status: 'yes', vars: { L: '/p/q', x: 'q' }, positional: ['p', 'q'] }]);
  });

  it('for over an unknown list: it may not run at all, or run with an unknown word', async () => {
    expect(ends(await run('for x; do X=$x; done'))).toEqual([
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { x: null, X: null }, positional: null },
    ]);
    expect(ends(await run('for x in $(prog); do X=$x; done'))).toEqual([
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { x: null, X: null }, positional: null },
    ]);
    expect(ends(await run('for x in a $(prog); do X=$x; done'))).toEqual([
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { x: null, X: null }, positional: null },
    ]);
    // The status of a for that runs no round is 0, whatever its words' substitutions returned.
    expect(ends(await run('for x in $(false); do X=$x; done'))).toEqual([
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { x: null, X: null }, positional: null },
    ]);
    expect(ends(await run('for x in "$(prog)" b; do X=$x; done'))).toEqual([
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { x: 'b', X: 'b' }, positional: null },
    ]);
  });

  it('for: the words\' command substitutions run', async () => {
    const r = await run(`for x in $(: > ${V}/w) a; do :; done`);
    expect(r.ends.map((s) => s.paths.get(`${V}/w`))).toEqual([{ exists: 'yes', kind: 'file' }, { exists: 'yes', kind: 'file' }]);
  });

  it('for: at most 64 rounds', async () => {
    const words = Array.from({ length: 70 }, (_, i) => `w${i}`).join(' ');
    const r = await run(`n=0; for x in ${words}; do n=$((n+1)); done`);
    expect(ends(r)).toEqual([{ status: 'yes', vars: { n: '64', x: 'w63' }, positional: null }]);
  });

  it('for: break, continue, exit', async () => {
    expect(ends(await run('for x in a b c; do X=$x; if [ $x = b ]; then break; fi; done'))).toEqual([{ status: 'yes', vars: { x: 'b', X: 'b' }, positional: null }]);
    expect(ends(await run('for x in a b c; do continue; X=$x; done'))).toEqual([{ status: 'yes', vars: { x: 'c' }, positional: null }]);
    const r = await run('for x in a b c; do exit 2; done; Y=1');
    expect(ends(r)).toEqual([{ status: 'no', vars: { x: 'a' }, positional: null }]);
    expect(r.commands).toBe(1);
    const r2 = await run('for x in a b c; do if [ $x = b ]; then exit 2; fi; done; Y=1');
    expect(ends(r2)).toEqual([{ status: 'no', vars: { x: 'b' }, positional: null }]);
    expect(r2.commands).toBe(3);
  });

  it('case: the first arm that matches', async () => {
    expect(ends(await run('X=b; case $X in a) Y=1;; b|c) Y=2;; *) Y=3;; esac'))).toEqual([{ status: 'yes', vars: { X: 'b', Y: '2' }, positional: null }]);
    expect(ends(await run('X=c; case $X in a) Y=1;; b|c) Y=2;; *) Y=3;; esac'))).toEqual([{ status: 'yes', vars: { X: 'c', Y: '2' }, positional: null }]);
    expect(ends(await run('X=z; case $X in a) Y=1;; b|c) Y=2;; *) Y=3;; esac'))).toEqual([{ status: 'yes', vars: { X: 'z', Y: '3' }, positional: null }]);
    expect(ends(await run('false; X=z; case $X in a) Y=1;; esac'))).toEqual([{ status: 'yes', vars: { X: 'z' }, positional: null }]);
    expect(ends(await run('case a in a) false;; esac'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
  });

  it('case: an unknown subject or pattern may match any arm, or none', async () => {
    expect(ends(await run('case $(prog) in a) Y=1;; b) Y=2;; esac'))).toEqual([
      { status: 'yes', vars: { Y: '1' }, positional: null },
      { status: 'yes', vars: { Y: '2' }, positional: null },
      { status: 'yes', vars: {}, positional: null },
    ]);
    expect(ends(await run('P=$(prog); case a in b|$P) Y=1;; a) Y=2;; c) Y=3;; esac'))).toEqual([
      { status: 'yes', vars: { P: null, Y: '1' }, positional: null },
      { status: 'yes', vars: { P: null, Y: '2' }, positional: null },
    ]);
    expect(ends(await run('P=$(prog); case a in a|$P) Y=1;; *) Y=2;; esac'))).toEqual([{ status: 'yes', vars: { P: null, Y: '1' }, positional: null }]);
    expect(ends(await run('P=$(prog); case a in $P|a) Y=1;; *) Y=2;; esac'))).toEqual([{ status: 'yes', vars: { P: null, Y: '1' }, positional: null }]);
  });

  it('case: the subject\'s command substitution runs', async () => {
    const r = await run(`case $(: > ${V}/c) in *) :;; esac`);
    expect(r.ends.map((s) => s.paths.get(`${V}/c`))).toEqual([{ exists: 'yes', kind: 'file' }]);
  });
});

describe('simple commands', () => {
  it('assignments alone: status 0, or unknown after a command substitution', async () => {
    // Made in order, as sh does: Y sees the X just set.
    expect(ends(await run('false; X=1 Y=$X'))).toEqual([{ status: 'yes', vars: { X: '1', Y: '1' }, positional: null }]);
    expect(ends(await run('X=0; X=1 Y=$X $EMPTY'))).toEqual([{ status: 'maybe', vars: { X: '1', Y: '1' }, positional: null }]);
    // Before a command they are its environment only.
    expect(ends(await run('X=0; X=1 Y=$X prog'))).toEqual([{ status: 'maybe', vars: { X: '0' }, positional: null }]);
    const r = await run(`X=$(Z=1; : > ${V}/a; false)`);
    expect(ends(r)).toEqual([{ status: 'maybe', vars: { X: null }, positional: null }]);
    expect(r.ends[0].paths.get(`${V}/a`)).toEqual({ exists: 'yes', kind: 'file' });
    expect(ends(await run('X=a$(prog)b'))).toEqual([{ status: 'maybe', vars: { X: null }, positional: null }]);
  });

  it('a command substitution\'s variables and functions stay in it; a loop that never ends leaves the state as it was', async () => {
    const r = await run('X=$(f() { :; }; Y=2)');
    expect([...r.ends[0].functions.keys()]).toEqual([]);
    expect(ends(await run('X=$(while true; do :; done)'))).toEqual([{ status: 'maybe', vars: { X: null }, positional: null }]);
  });

  it('words that expand to nothing: the redirections are made, the status is unknown', async () => {
    const r = await run(`false; $EMPTY > ${V}/e`);
    expect(ends(r)).toEqual([{ status: 'maybe', vars: {}, positional: null }]);
    expect(r.ends[0].paths.get(`${V}/e`)).toEqual({ exists: 'yes', kind: 'file' });
    expect(r.commands).toBe(1);
    const r2 = await run(`false; > ${V}/e2`);
    expect(ends(r2)).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(r2.ends[0].paths.get(`${V}/e2`)).toEqual({ exists: 'yes', kind: 'file' });
  });

  it('assignments with a redirection that fails: kept, status 1', async () => {
    const r = await run('X=1 > /nodir/f');
    expect(ends(r)).toEqual([{ status: 'no', vars: { X: '1' }, positional: null }]);
    expect(brief(r)).toEqual(['degraded redirect.no-directory etc/s:1 /etc/s line 1: >/nodir/f: the directory /nodir does not exist']);
  });

  it('a command named by something only known at boot: not followed, its redirections made', async () => {
    const r = await run(`$(prog) a > ${V}/n`);
    expect(ends(r)).toEqual([{ status: 'maybe', vars: {}, positional: null }]);
    expect(r.ends[0].paths.get(`${V}/n`)).toEqual({ exists: 'yes', kind: 'file' });
    expect(r.commands).toBe(1);
    const r2 = await run('"$(prog)" a > /nodir/x');
    expect(ends(r2)).toEqual([{ status: 'maybe', vars: {}, positional: null }]);
    expect(brief(r2)).toEqual(['degraded redirect.no-directory etc/s:1 /etc/s line 1: >/nodir/x: the directory /nodir does not exist']);
  });

  it('a command whose redirection fails does not run', async () => {
    const r = await run('X=0; zpool import p < /nowhere');
    expect(ends(r)).toEqual([{ status: 'no', vars: { X: '0' }, positional: null }]);
    expect(brief(r)).toEqual(['degraded redirect.read etc/s:1 /etc/s line 1: </nowhere: /nowhere is not there']);
    expect(r.commands).toBe(1);
  });

  it('a function is called by its name, not by a path', async () => {
    const r = await run('prog() { X=1; }; prog; /usr/bin/prog; Y=1');
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1', Y: '1' }, positional: null }]);
    expect(r.commands).toBe(2);
  });

  it('builtins are not looked for in PATH', async () => {
    const r = await run('echo a; printf b; print c; trap x 1; wait; umask 22; ulimit -n 9; hash x; alias a=b; :');
    expect(r.findings).toEqual([]);
    expect(statuses(r)).toEqual(['yes']);
    expect(r.commands).toBe(10);
    for (const b of ['true', 'echo', 'print', 'printf', 'trap', 'wait', 'umask', 'ulimit', 'hash', 'alias', ':']) expect(statuses(await run(`false; ${b}`)), b).toEqual(['yes']);
    for (const b of ['eval x', 'command x', 'type x', 'let x', 'getopts a: o']) expect(statuses(await run(b)), b).toEqual(['maybe']);
    expect(statuses(await run('false'))).toEqual(['no']);
  });
});

describe('functions', () => {
  it('arguments: the call\'s, then the caller\'s again', async () => {
    const r = await run('f() { A=$1; B=$#; shift; C=$1; }; f x y; D=$1', { args: ['p', 'q', 'r'] });
    expect(ends(r)).toEqual([{ status: 'yes', vars: { A: 'x', B: '2', C: 'y', D: 'p' }, positional: ['p', 'q', 'r'] }]);
    const r2 = await run('f() { A=$1; set -- z; }; f x; D=$1');
    expect(ends(r2)).toEqual([{ status: 'yes', vars: { A: 'x', D: null }, positional: null }]);
    const r3 = await run('f() { A=$1; }; f $(prog)', { args: ['p'] });
    expect(ends(r3)).toEqual([{ status: 'yes', vars: { A: null }, positional: ['p'] }]);
  });

  it('return: the function\'s status, and the rest of it is skipped', async () => {
    expect(ends(await run('f() { return 3; X=1; }; f'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(ends(await run('f() { return 0; X=1; }; false; f'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run('f() { false; return; }; f'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(ends(await run('f() { return $(prog); }; f'))).toEqual([{ status: 'maybe', vars: {}, positional: null }]);
    expect(ends(await run('f() { exit 2; }; f; X=1'))).toEqual([{ status: 'no', vars: {}, positional: null }]);
  });

  it('recursion stops at twelve calls deep', async () => {
    const r = await run('n=0; f() { n=$((n+1)); f; }; f');
    expect(ends(r)).toEqual([{ status: 'maybe', vars: { n: '12' }, positional: null }]);
    expect(r.commands).toBe(13);
  });
});

describe('the shell\'s own builtins', () => {
  it('exit', async () => {
    // Without a number: the last command's status (POSIX), as return does.
    expect(statuses(await run('false; exit'))).toEqual(['no']);
    expect(statuses(await run('true; exit'))).toEqual(['yes']);
    expect(statuses(await run('prog; exit'))).toEqual(['maybe']);
    expect(statuses(await run('exit 0'))).toEqual(['yes']);
    expect(statuses(await run('exit 1'))).toEqual(['no']);
    expect(statuses(await run('exit $(prog)'))).toEqual(['maybe']);
  });

  it('export, readonly, local, typeset: the assignments and the words that are assignments', async () => {
    for (const b of ['export', 'readonly', 'local', 'typeset']) {
      expect(ends(await run(`false; A=1 ${b} B=2 C "D=x=y" $(prog) 9E=1`)), b).toEqual([{ status: 'yes', vars: { A: '1', B: '2', D: 'x=y' }, positional: null }]);
    }
    expect(ends(await run('export "L=a\nb"'))).toEqual([{ status: 'yes', vars: { L: 'a\nb' }, positional: null }]);
  });

  it('unset', async () => {
    expect(ends(await run('A=1 B=2 C=3; false; unset A $(prog) C'))).toEqual([{ status: 'yes', vars: { B: '2' }, positional: null }]);
  });

  it('set -- and shift', async () => {
    expect(ends(await run('false; set -- a b c'))).toEqual([{ status: 'yes', vars: {}, positional: ['a', 'b', 'c'] }]);
    expect(ends(await run('set -- a $(prog)'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
    expect(ends(await run('set -x'))).toEqual([{ status: 'yes', vars: {}, positional: ['k'] }].map((e) => ({ ...e, positional: null })));
    expect(ends(await run('set -e', { args: ['k'] }))).toEqual([{ status: 'yes', vars: {}, positional: ['k'] }]);
    expect(ends(await run('set --', { args: ['k'] }))).toEqual([{ status: 'yes', vars: {}, positional: [] }]);
    expect(ends(await run('false; shift', { args: ['a', 'b', 'c'] }))).toEqual([{ status: 'yes', vars: {}, positional: ['b', 'c'] }]);
    expect(ends(await run('shift 2', { args: ['a', 'b', 'c'] }))).toEqual([{ status: 'yes', vars: {}, positional: ['c'] }]);
    expect(ends(await run('shift x', { args: ['a', 'b', 'c'] }))).toEqual([{ status: 'yes', vars: {}, positional: ['b', 'c'] }]);
    expect(ends(await run('shift 0', { args: ['a', 'b', 'c'] }))).toEqual([{ status: 'yes', vars: {}, positional: ['b', 'c'] }]);
    expect(ends(await run('shift'))).toEqual([{ status: 'yes', vars: {}, positional: null }]);
  });

  it('read: the names it sets become unknown', async () => {
    expect(ends(await run('A=1; read -r A B $(prog)'))).toEqual([{ status: 'maybe', vars: { A: null, B: null }, positional: null }]);
  });

  it('getopts sets its name; eval and the others set nothing', async () => {
    expect(ends(await run('getopts a: opt $(prog)'))).toEqual([{ status: 'maybe', vars: { opt: null }, positional: null }]);
    expect(ends(await run('getopts ab opt'))).toEqual([{ status: 'maybe', vars: { ab: null, opt: null }, positional: null }]);
    for (const b of ['eval', 'command', 'type', 'let']) expect(ends(await run(`${b} X`), b)).toEqual([{ status: 'maybe', vars: {}, positional: null }]);
  });

  it('cd: to a directory that is there, or not', async () => {
    expect(statuses(await run('cd /a'))).toEqual(['yes']);
    expect(statuses(await run('cd /nowhere'))).toEqual(['no']);
    expect(statuses(await run('cd /proc/x'))).toEqual(['maybe']);
    expect(statuses(await run('cd'))).toEqual(['maybe']);
    expect(statuses(await run('cd "$(prog)"'))).toEqual(['maybe']);
  });

  it('test and [', async () => {
    expect(statuses(await run('[ -d /a ]'))).toEqual(['yes']);
    expect(statuses(await run('[ -d /nowhere ]'))).toEqual(['no']);
    expect(statuses(await run('test -d /a'))).toEqual(['yes']);
    expect(statuses(await run('test a = a ]'))).toEqual(['yes', 'no']);
    expect(statuses(await run('[ a = a'))).toEqual(['yes']);
    expect(statuses(await run('[ ]'))).toEqual(['no']);
    expect(statuses(await run('[ $(prog) ]'))).toEqual(['maybe']);
    expect(statuses(await run('[ "$(prog)" ]'))).toEqual(['yes', 'no']);
  });

  it('a test the check cannot decide: both answers, each remembering what it found', async () => {
    const r = await run('[ -x /proc/p ]');
    expect(r.ends.map((s) => [s.status, s.paths.get('/proc/p')])).toEqual([
      ['yes', { exists: 'yes', kind: undefined, executable: 'yes' }],
      ['no', undefined],
    ]);
    const r2 = await run('[ -d /proc/d ] && [ -x /proc/d/ ]');
    expect(r2.ends.map((s) => [s.status, s.paths.get('/proc/d')])).toEqual([
      ['yes', { exists: 'yes', kind: 'dir', executable: 'yes' }],
      ['no', { exists: 'yes', kind: 'dir', executable: undefined }],
      ['no', undefined],
    ]);
  });

  it('a program the boot needs, tested for and missing: the script goes on without it', async () => {
    const info: Record<string, BootProgram> = {
      '/usr/bin/setpgrp': { path: 'usr/bin/setpgrp', severity: 'unusable', effect: 'no process group', source: 'src-a' },
      '/usr/bin/quiet': { path: 'usr/bin/quiet', severity: 'note', effect: 'less said', source: 'src-b' },
    };
    const r = await run('[ -x /usr/bin/setpgrp ] && exec /usr/bin/setpgrp init\ntest -f /usr/bin/quiet\n[ -e /usr/bin/setpgrp ]', { info });
    expect(r.findings.map((f) => ({ ...f }))).toEqual([
      { severity: 'degraded', step: 'userland', file: 'etc/s', line: 1, rule: 'program.optional-missing', message: '/etc/s line 1: /usr/bin/setpgrp is not in the image, so the script goes on without it: no process group', source: 'src-a', fix: "keep /usr/bin/setpgrp and what it needs (the profile's keep list)" },
      { severity: 'note', step: 'userland', file: 'etc/s', line: 2, rule: 'program.optional-missing', message: '/etc/s line 2: /usr/bin/quiet is not in the image, so the script goes on without it: less said', source: 'src-b', fix: "keep /usr/bin/quiet and what it needs (the profile's keep list)" },
      { severity: 'degraded', step: 'userland', file: 'etc/s', line: 3, rule: 'program.optional-missing', message: '/etc/s line 3: /usr/bin/setpgrp is not in the image, so the script goes on without it: no process group', source: 'src-a', fix: "keep /usr/bin/setpgrp and what it needs (the profile's keep list)" },
    ]);
    for (const t of ['[ ! -x /usr/bin/setpgrp ]', '[ -d /usr/bin/setpgrp ]', '[ -x usr/bin/setpgrp ]', '[ -x /usr/bin/setpgrp -a -x /usr/bin/quiet ]', '[ -x /usr/bin/nothing ]', '[ -n "" ]', '[ -x /proc/setpgrp ]', '[ -x /usr/bin/setpgrp/. -o -x /usr/bin/quiet ]']) {
      expect(brief(await run(t, { info })), t).toEqual([]);
    }
    expect(brief(await run('[ ! -x /usr/bin/setpgrp -o -f /usr/bin/setpgrp ]', { info }))).toEqual([]);
    expect(brief(await run('[ -x /usr/bin/setpgrp ]'))).toEqual([]);
    expect(brief(await run('! [ ! -x /usr/bin/setpgrp ]', { info }))).toEqual([]);
  });
});


describe('. (source)', () => {
  it('runs the file in this shell; findings name the file, and the script\'s own again after it', async () => {
    const r = await run('. /etc/conf\nnosuch1\n', { img: { texts: { 'etc/conf': 'A=1\nnosuch2\nreturn 0\nB=2\n' } } });
    expect(ends(r)).toEqual([{ status: 'no', vars: { A: '1' }, positional: null }]);
    expect(brief(r)).toEqual([
      'degraded program.missing etc/conf:2 /etc/conf line 2: runs nosuch2, which is not in the image',
      'degraded program.missing etc/s:2 /etc/s line 2: runs nosuch1, which is not in the image',
    ]);
    expect(ends(await run('source /etc/conf; X=$A', { img: { texts: { 'etc/conf': 'A=1' } } }))).toEqual([{ status: 'yes', vars: { A: '1', X: '1' }, positional: null }]);
    expect(ends(await run('. /etc/conf; X=1', { img: { texts: { 'etc/conf': 'exit 4' } } }))).toEqual([{ status: 'no', vars: {}, positional: null }]);
  });

  it('a file that is not there ends the script, as bad as its rule says', async () => {
    const r = await run('X=1; . /etc/none; Y=1', { cap: 'note' });
    expect(ends(r)).toEqual([{ status: 'no', vars: { X: '1' }, positional: null }]);
    expect(r.findings.map((f) => ({ ...f }))).toEqual([
      {
        severity: 'unusable',
        step: 'userland',
        file: 'etc/s',
        line: 1,
        rule: 'source.missing',
        message: '/etc/s line 1: ". /etc/none": /etc/none is not there, and a non-interactive /sbin/sh exits when "." cannot open its file',
        source: 'usr/src/cmd/ksh (the "." special built-in: a missing file ends a non-interactive shell)',
        fix: "keep the sourced file in the image (compose writes the launcher's and trampoline's settings files)",
      },
    ]);
  });

  it('a file the check cannot read, an unknown name, no name, or a file sourcing itself: status unknown, nothing followed', async () => {
    expect(ends(await run('. /proc/x; X=1'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(statuses(await run('. /proc/x'))).toEqual(['maybe']);
    expect(statuses(await run('. /usr/bin/prog'))).toEqual(['maybe']);
    expect(statuses(await run('. "$(prog)"'))).toEqual(['maybe']);
    expect(statuses(await run('.'))).toEqual(['maybe']);
    const r = await run('n=0; . /etc/self', { img: { texts: { 'etc/self': 'n=$((n+1))\n. /etc/self\n' } } });
    expect(ends(r)).toEqual([{ status: 'maybe', vars: { n: '1' }, positional: null }]);
    const r2 = await run('n=0; . /etc/one; . /etc/one', { img: { texts: { 'etc/one': 'n=$((n+1))' } } });
    expect(ends(r2)).toEqual([{ status: 'yes', vars: { n: '2' }, positional: null }]);
  });

  it('a file that cannot be parsed: the finding names it, and it ends the script', async () => {
    const r = await run('. /etc/bad; X=1', { img: { texts: { 'etc/bad': 'if' } } });
    expect(r.findings.map((f) => [f.rule, f.file, f.line])).toEqual([['script.syntax', 'etc/bad', 1]]);
    expect(ends(r)).toEqual([{ status: 'yes', vars: {}, positional: null }]);
  });
});

describe('exec', () => {
  it('a program: recorded with the words as written, and the script ends there', async () => {
    const r = await run('A=x; exec prog -a "$A" "$@"; X=1\n', { args: ['p', 'q'] });
    expect(execs(r)).toEqual([{ file: 'etc/s', line: 1, command: 'prog', args: ['-a', 'x', 'p', 'q'], raw: ['-a', '"$A"', '"$@"'] }]);
    expect(r.execs[0].state.vars.get('A')).toBe('x');
    // An exec that may fail ends the shell with status 1.
    expect(ends(r)).toEqual([{ status: 'no', vars: { A: 'x' }, positional: ['p', 'q'] }]);
    expect(r.commands).toBe(1);
  });

  it('a program that surely runs: no failed end', async () => {
    const r = await run('exec mount');
    expect(execs(r)).toEqual([{ file: 'etc/s', line: 1, command: 'mount', args: [], raw: [] }]);
    expect(r.execs[0].state.status).toBe('yes');
    expect(ends(r)).toEqual([]);
  });

  it('a program that is not there: no exec, the shell ends', async () => {
    const r = await run('exec /usr/bin/none a; X=1');
    expect(execs(r)).toEqual([]);
    expect(ends(r)).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(brief(r)).toEqual(['degraded program.missing etc/s:1 /etc/s line 1: runs /usr/bin/none, which is not there']);
  });

  it('an unknown program: the script ends there, nothing recorded', async () => {
    const r = await run('exec $(prog) a; X=1');
    expect(execs(r)).toEqual([]);
    expect(ends(r)).toEqual([]);
  });

  it('only redirections: the shell\'s own files, and it goes on', async () => {
    const r = await run(`false; exec > ${V}/log 2>&1; X=1`);
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(r.ends[0].paths.get(`${V}/log`)).toEqual({ exists: 'yes', kind: 'file' });
    const r2 = await run('exec < /nowhere; X=1');
    expect(ends(r2)).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(brief(r2)).toEqual(['degraded redirect.read etc/s:1 /etc/s line 1: </nowhere: /nowhere is not there']);
    const r3 = await run('exec prog < /nowhere; X=1');
    expect(ends(r3)).toEqual([{ status: 'no', vars: {}, positional: null }]);
    expect(execs(r3)).toEqual([]);
  });

  it('a redirection to an unknown file is not checked', async () => {
    expect(ends(await run('exec < "$(prog)"; X=1'))).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
  });
});

describe('external programs', () => {
  it('a program that cannot run: one finding per problem, with what it was for; status 1', async () => {
    const r = await run('prog; X=1', { img: { broken: { 'usr/bin/prog': 'libc.so.1 is missing' } } });
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(statuses(await run('prog', { img: { broken: { 'usr/bin/prog': 'libc.so.1 is missing' } } }))).toEqual(['no']);
    expect(r.findings.map((f) => ({ ...f }))).toEqual([
      { severity: 'degraded', step: 'userland', file: 'etc/s', line: 1, rule: 'program.cannot-run', message: '/etc/s line 1: runs /usr/bin/prog: libc.so.1 is missing', source: 'usr/src/cmd/init/init.c', fix: "keep /usr/bin/prog and what it needs (the closure's missing files come from the gate packages that deliver them)" },
    ]);
    const info: Record<string, BootProgram> = { '/usr/bin/prog': { path: 'usr/bin/prog', severity: 'panic', effect: 'nothing starts', source: 'src-p' } };
    const r2 = await run('prog', { img: { broken: { 'usr/bin/prog': 'libc.so.1 is missing' } }, info });
    expect(r2.findings.map((f) => [f.severity, f.message, f.source])).toEqual([['panic', '/etc/s line 1: runs /usr/bin/prog: libc.so.1 is missing: nothing starts', 'src-p']]);
  });

  it('a program not in the image, by path: what it was for', async () => {
    const info: Record<string, BootProgram> = { '/usr/bin/gone': { path: 'usr/bin/gone', severity: 'unusable', effect: 'no login', source: 'src-g' } };
    const r = await run('/usr/bin/gone', { info });
    expect(r.findings.map((f) => [f.severity, f.rule, f.message, f.source, f.fix])).toEqual([
      ['unusable', 'program.missing', '/etc/s line 1: runs /usr/bin/gone, which is not there: no login', 'src-g', "keep /usr/bin/gone (the profile's keep list), or change the script"],
    ]);
    expect(statuses(r)).toEqual(['no']);
    expect(brief(await run('zpool list'))).toEqual(['unusable program.missing etc/s:1 /etc/s line 1: runs zpool, which is not in the image: no pool can be imported']);
    expect(brief(await run('/usr/sbin/zpool list'))).toEqual(['unusable program.missing etc/s:1 /etc/s line 1: runs /usr/sbin/zpool, which is not there: no pool can be imported']);
  });

  it('the files a program opens by name must be there (its /dev ones are checked elsewhere)', async () => {
    const info: Record<string, BootProgram> = {
      '/usr/bin/prog': { path: 'usr/bin/prog', severity: 'degraded', effect: 'e', source: 'src-o', opens: [{ path: 'dev/nothing', severity: 'panic', effect: 'x' }, { path: 'etc/need', severity: 'note', effect: 'no settings' }, { path: 'etc/dev', severity: 'panic', effect: 'y' }] },
    };
    const r = await run('prog', { info });
    expect(r.findings.map((f) => ({ ...f }))).toEqual([
      { severity: 'note', step: 'userland', file: 'etc/s', line: 1, rule: 'program.opens', message: '/etc/s line 1: runs /usr/bin/prog, which needs /etc/need: no settings', source: 'src-o', fix: 'keep /etc/need' },
    ]);
    expect(statuses(r)).toEqual(['maybe']);
  });

  it('a program on a file system the script mounted is not checked against the image', async () => {
    const r = await run('[ -x /proc/p ] && /proc/p', { img: { broken: { 'proc/p': 'bad' } } });
    expect(r.findings).toEqual([]);
    expect(statuses(r)).toEqual(['maybe', 'no']);
    const info: Record<string, BootProgram> = { '/proc/p': { path: 'proc/p', severity: 'degraded', effect: 'e', source: 's', opens: [{ path: 'etc/need', severity: 'note', effect: 'n' }] } };
    expect(brief(await run('[ -x /proc/p ] && /proc/p', { info }))).toEqual([]);
  });

  it('a rule\'s precondition that fails on every path: a finding with the words, status 1, nothing done', async () => {
    const r = await run('mount -F tmpfs swap /nowhere; X=1');
    expect(r.findings.map((f) => ({ ...f }))).toEqual([
      {
        severity: 'unusable',
        step: 'userland',
        file: 'etc/s',
        line: 1,
        rule: 'mount.point-missing',
        message: '/etc/s line 1: mount -F tmpfs swap /nowhere: the mount point /nowhere does not exist',
        source: 'usr/src/uts/common/fs/vfs.c domount (lookupname of the mount point: ENOENT)',
        fix: 'ship the mount point as a directory in the image (the ramdisk root is read-only, so it cannot be made at boot until remounted)',
      },
    ]);
    expect(statuses(await run('mount -F tmpfs swap /nowhere'))).toEqual(['no']);
    expect(r.ends[0].mounts.has('/nowhere')).toBe(false);
  });

  it('the words in a finding: at most six, unknown ones as …', async () => {
    const img = { paths: ['usr/sbin/zpool'] };
    expect((await run('zpool import "$(prog)" b c d e f', { img })).findings.map((f) => f.message)).toEqual([
      '/etc/s line 1: zpool import … b c d e …: libzfs opens /dev/zfs, which does not exist at this point of the boot (devfsadm\'s SUNW_zfs_link.so makes it, for class "pseudo" or -i zfs), so every zpool command fails',
      '/etc/s line 1: zpool import … b c d e …: etc/name_to_major has no line for zfs: /dev/zfs has no driver behind it',
      '/etc/s line 1: zpool import … b c d e …: zpool import looks for pools on /dev/dsk, which devfsadm has not filled at this point: no pool is found',
    ]);
    expect((await run('zpool a b c d e f', { img })).findings.map((f) => f.message.split(':')[0])).toEqual(['/etc/s line 1', '/etc/s line 1']);
    expect((await run('zpool a b c d e f', { img })).findings.map((f) => f.message.slice(15, 32))).toEqual(['zpool a b c d e f', 'zpool a b c d e f']);
    expect((await run('zpool a b c d e f', { img })).findings[0].message).toMatch(/^\/etc\/s line 1: zpool a b c d e f: libzfs/);
    expect((await run('zpool', { img })).findings[0].message).toMatch(/^\/etc\/s line 1: zpool: libzfs/);
  });

  it('a precondition that fails on some paths only: both ways, no finding', async () => {
    const r = await run('mount -F tmpfs swap /proc/m');
    expect(r.findings).toEqual([]);
    expect(r.ends.map((s) => [s.status, s.mounts.get('/proc/m')?.fstype])).toEqual([
      ['yes', 'tmpfs'],
      ['no', undefined],
    ]);
  });

  it('a rule\'s effects: what the command does to the system', async () => {
    const r = await run(`: > /tmp/a; mount -F tmpfs swap /tmp; : > /tmp/b`);
    expect(brief(r)).toEqual(['degraded redirect.read-only etc/s:1 /etc/s line 1: >/tmp/a: /tmp is on the root file system (the ramdisk, mounted read-only by the kernel), which is read-only at this point']);
    expect(r.ends.map((s) => [s.status, s.mounts.get('/tmp'), s.paths.get('/tmp/b')])).toEqual([
      ['yes', { fstype: 'tmpfs', present: 'yes', writable: 'yes', contents: 'empty', source: undefined }, { exists: 'yes', kind: 'file' }],
    ]);
  });
});

describe('scripts run as programs', () => {
  const child = (text: string, extra: Record<string, string> = {}) => ({ paths: ['usr/bin/child', 'sbin/onlysbin'], texts: { 'usr/bin/child': text, ...extra } });

  it('followed as a child: its own variables (PATH inherited), its arguments, its status; what it does to the system stays', async () => {
    const text = `#!/sbin/sh\n[ -z "$X" ] || exit 7\nA=$1\ncase "$PATH" in /usr/bin) ;; *) exit 8;; esac\nf() { :; }\n: > ${V}/c-$A\nexit 3\n`;
    const r = await run('X=1; PATH=/usr/bin; set -- p; child a; Y=$A', { img: child(text) });
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1', PATH: '/usr/bin', Y: '' }, positional: ['p'] }]);
    expect(r.ends[0].paths.get(`${V}/c-a`)).toEqual({ exists: 'yes', kind: 'file' });
    expect([...r.ends[0].functions.keys()]).toEqual([]);
    expect(statuses(await run('PATH=/usr/bin; child a', { img: child(text) }))).toEqual(['no']);
    expect(r.commands).toBe(5);
    const r2 = await run('X=1; PATH=/usr/bin; child a', { img: child(text), args: null });
    expect(r2.ends.map((s) => s.positional)).toEqual([null]);
  });

  it('its arguments: unknown when the words are', async () => {
    const text = '#!/sbin/sh\n[ "$1" = a ] && exit 0\nexit 1\n';
    expect(statuses(await run('child a', { img: child(text) }))).toEqual(['yes']);
    expect(statuses(await run('child b', { img: child(text) }))).toEqual(['no']);
    expect(statuses(await run('child $(prog)', { img: child(text) }))).toEqual(['yes', 'no']);
  });

  it('findings in it name it; its execs are recorded; an exec ends it as the program does', async () => {
    const r = await run('child; X=1', { img: child('#!/sbin/sh\nnosuch\nexec prog x\n') });
    expect(brief(r)).toEqual(['degraded program.missing usr/bin/child:2 /usr/bin/child line 2: runs nosuch, which is not in the image']);
    expect(execs(r)).toEqual([{ file: 'usr/bin/child', line: 3, command: 'prog', args: ['x'], raw: ['x'] }]);
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(statuses(await run('child', { img: child('#!/sbin/sh\nexec prog x\n') }))).toEqual(['maybe', 'no']);
    expect(statuses(await run('child', { img: child('#!/sbin/sh\nexec mount\n') }))).toEqual(['maybe']);
  });

  it('only Bourne-family shell scripts are followed', async () => {
    for (const h of ['#!/sbin/sh', '#!/bin/sh', '#! /usr/bin/sh', '#!/usr/bin/ksh', '#!/usr/bin/ksh93', '#!/usr/bin/bash', '#!/usr/bin/i86/ksh93 -p']) {
      expect(statuses(await run('child', { img: child(`${h}\nexit 3\n`) })), h).toEqual(['no']);
    }
    for (const h of ['#!/usr/bin/perl', '#!/sbin/shx', 'exit 3', ' #!/sbin/sh', '#!/usr/sbin/sh', '#!/usr/bin/i86/perl']) {
      expect(statuses(await run('child', { img: child(`${h}\nexit 3\n`) })), h).toEqual(['maybe']);
    }
  });

  it('a script that runs itself is not followed again', async () => {
    const r = await run('child', { img: child('#!/sbin/sh\nn=1\nchild\nexit 3\n') });
    expect(statuses(r)).toEqual(['no']);
    expect(r.commands).toBe(3);
  });

  it('not deeper than twelve calls', async () => {
    const deep = (n: number) => `i=0; f() { i=$((i+1)); if [ $i -lt ${n} ]; then f; else child; fi; }; f`;
    expect(statuses(await run(deep(11), { img: child('#!/sbin/sh\nexit 3\n') }))).toEqual(['no']);
    expect(statuses(await run(deep(12), { img: child('#!/sbin/sh\nexit 3\n') }))).toEqual(['maybe']);
  });

  it('a script on a file system the script mounted is not followed', async () => {
    const r = await run('[ -x /proc/c ] && /proc/c', { img: { texts: { 'proc/c': '#!/sbin/sh\nexit 3\n' } } });
    expect(statuses(r)).toEqual(['maybe', 'no']);
  });
});

describe('finding a program in PATH', () => {
  const img = { paths: ['sbin/onlysbin', 'usr/sbin/dup', 'usr/bin/dup', 'rootprog'], broken: { 'usr/bin/dup': 'broken' } };
  it('PATH unset: /usr/sbin then /usr/bin', async () => {
    expect(brief(await run('dup', { img }))).toEqual([]);
    expect(brief(await run('onlysbin', { img }))).toEqual(['degraded program.missing etc/s:1 /etc/s line 1: runs onlysbin, which is not in the image']);
  });

  it('PATH unknown: /sbin too', async () => {
    const r = await run('PATH=$(prog); onlysbin', { img });
    expect(brief(r)).toEqual([]);
    expect(statuses(r)).toEqual(['maybe']);
  });

  it('PATH set: its directories in order, empty ones skipped', async () => {
    expect(brief(await run('PATH=/usr/bin:/usr/sbin; dup', { img }))).toEqual(['degraded program.cannot-run etc/s:1 /etc/s line 1: runs /usr/bin/dup: broken']);
    expect(brief(await run('PATH=/sbin; onlysbin', { img }))).toEqual([]);
    expect(brief(await run('PATH=:/x; rootprog', { img }))).toEqual(['degraded program.missing etc/s:1 /etc/s line 1: runs rootprog, which is not in the image']);
    expect(brief(await run('PATH=/x/../usr/bin; dup', { img }))).toEqual(['degraded program.cannot-run etc/s:1 /etc/s line 1: runs /usr/bin/dup: broken']);
  });

  it('a directory that may have it: taken when none surely has it, the first such', async () => {
    const s = bootState();
    s.paths.set('/m1/p', { exists: 'maybe' });
    s.paths.set('/m2/p', { exists: 'maybe' });
    expect(brief(await run('PATH=/m1:/m2; p', { state: s }))).toEqual(['degraded program.cannot-run etc/s:1 /etc/s line 1: runs /m1/p: /m1/p is not in the image']);
    expect(brief(await run('PATH=/m1:/usr/bin; prog', { state: s }))).toEqual([]);
    expect(brief(await run('PATH=/m1:/usr/bin; p', { state: s }))).toEqual(['degraded program.cannot-run etc/s:1 /etc/s line 1: runs /m1/p: /m1/p is not in the image']);
  });
});

describe('redirections', () => {
  it('duplications and here-documents open nothing', async () => {
    const r = await run('prog 2>&1 0<&3 <<EOF\nx\nEOF\nX=1');
    expect(r.findings).toEqual([]);
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
  });

  it('a target only known at boot is not checked; its command substitution runs', async () => {
    const r = await run(`prog > "$(: > ${V}/t)"`);
    expect(r.findings).toEqual([]);
    expect(r.ends.map((s) => s.paths.get(`${V}/t`))).toEqual([{ exists: 'yes', kind: 'file' }]);
  });

  it('devices: the link must be there and lead to a driver; nothing is made', async () => {
    const r = await run('prog > /dev/null; prog < /dev/nothing; X=1', { img: { paths: ['dev/null'] } });
    expect(brief(r)).toEqual(['degraded redirect.device etc/s:1 /etc/s line 1: </dev/nothing: /dev/nothing is not in the image']);
    expect(r.findings[0].source).toBe('usr/src/uts/common/fs/dev/sdev_subr.c (a /dev lookup miss makes no link before devfsadm runs); usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major');
    expect(r.ends.map((s) => [s.status, s.paths.has('/dev/null')])).toEqual([['yes', false]]);
    const s = bootState();
    s.paths.set('/dev/gone', { exists: 'no' });
    expect(brief(await run('prog > /dev/gone', { state: s, img: { paths: ['dev/gone'] } }))).toEqual(['degraded redirect.device etc/s:1 /etc/s line 1: >/dev/gone: /dev/gone does not exist at this point of the boot']);
    expect(brief(await run('prog > /devices/x'))).toEqual([]);
    const s2 = bootState();
    s2.paths.set('/devices/y', { exists: 'no' });
    expect(brief(await run('prog > /devices/y', { state: s2 }))).toEqual(['degraded redirect.device etc/s:1 /etc/s line 1: >/devices/y: /devices/y is not in the image']);
  });

  it('reading: the file must be there', async () => {
    expect(brief(await run('prog < /usr/bin/other; prog < /proc/x'))).toEqual([]);
    const r = await run('prog <> /nowhere');
    expect(brief(r)).toEqual(['degraded redirect.no-directory etc/s:1 /etc/s line 1: <>/nowhere: the directory / does not exist'].map(() => 'degraded redirect.read-only etc/s:1 /etc/s line 1: <>/nowhere: / is on the root file system (the ramdisk, mounted read-only by the kernel), which is read-only at this point'));
  });

  it('writing: the directory must be there and writable; the file is then there', async () => {
    const r = await run(`prog >> ${V}/l; prog >| ${V}/m; prog > /proc/x/y; prog > /etc/f`, { img: { paths: ['etc/'] } });
    expect(brief(r)).toEqual([
      'degraded redirect.read-only etc/s:1 /etc/s line 1: >/proc/x/y: /proc/x is on the proc file system on /proc, which is read-only at this point',
      'degraded redirect.read-only etc/s:1 /etc/s line 1: >/etc/f: /etc is on the root file system (the ramdisk, mounted read-only by the kernel), which is read-only at this point',
    ]);
    expect(r.findings[1].fix).toBe('write to a tmpfs (/etc/svc/volatile, or /tmp and /var/run once mounted), or remount the root read-write before this line');
    expect(r.ends.map((s) => [s.paths.get(`${V}/l`), s.paths.get(`${V}/m`)])).toEqual([[{ exists: 'yes', kind: 'file' }, { exists: 'yes', kind: 'file' }]]);
    const empty = new (bootState().constructor as new () => ScriptState)();
    expect(brief(await run('prog > /etc/f', { state: empty, img: { paths: ['etc/'] } }))).toEqual(['degraded redirect.read-only etc/s:1 /etc/s line 1: >/etc/f: /etc is on the root file system, which is read-only at this point']);
    expect(brief(await run('prog > /f', { img: { paths: ['etc/'] } }))).toEqual(['degraded redirect.read-only etc/s:1 /etc/s line 1: >/f: / is on the root file system (the ramdisk, mounted read-only by the kernel), which is read-only at this point']);
    const rw = bootState();
    rw.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'yes', contents: 'image' });
    const r2 = await run('prog > /etc/f; prog > /dev/null', { state: rw, img: { paths: ['etc/', 'dev/null'] } });
    expect(brief(r2)).toEqual([]);
    expect(r2.ends.map((s) => [s.paths.get('/etc/f'), s.paths.get('/dev/null')])).toEqual([[{ exists: 'yes', kind: 'file' }, undefined]]);
  });
});

describe('the system as the script sees it', () => {
  it('/dev is on the root file system: writable as the root is', async () => {
    const s = bootState();
    s.mounts.set('/dev', { fstype: 'dev', present: 'yes', writable: 'yes', contents: 'image' });
    expect(brief(await run('touch /dev/x /devx', { state: s }))).toEqual(['degraded touch.read-only etc/s:1 /etc/s line 1: touch /dev/x /devx: /dev/x is on a read-only file system here']);
    expect(brief(await run('touch /dev', { state: s }))).toEqual(['degraded touch.read-only etc/s:1 /etc/s line 1: touch /dev: /dev is on a read-only file system here']);
    const t = bootState();
    t.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'yes', contents: 'image' });
    t.mounts.set('/devx', { fstype: 'tmpfs', present: 'yes', writable: 'no', contents: 'empty' });
    expect(brief(await run('touch /dev/x /devx/y', { state: t }))).toEqual(['degraded touch.read-only etc/s:1 /etc/s line 1: touch /dev/x /devx/y: /devx/y is on a read-only file system here']);
    expect(brief(await run('touch /x', { state: new (bootState().constructor as new () => ScriptState)() }))).toEqual(['degraded touch.read-only etc/s:1 /etc/s line 1: touch /x: /x is on a read-only file system here']);
  });

  it('a mount of something other than the image: its point is a directory, below it empty or unknown', async () => {
    expect(statuses(await run('[ -d /proc ]'))).toEqual(['yes']);
    expect(statuses(await run(`[ -d ${V} ]`))).toEqual(['yes']);
    expect(statuses(await run(`[ -f ${V}/x ]`))).toEqual(['no']);
    expect(statuses(await run('[ -f /proc/x ]'))).toEqual(['yes', 'no']);
    expect(statuses(await run('[ -d /usr/bin ]'))).toEqual(['yes']);
    expect(statuses(await run('[ -d /nowhere ]'))).toEqual(['no']);
  });

  it('a mount that may not be there: what is below it joined with the image', async () => {
    const s = bootState();
    s.mounts.set('/a', { fstype: 'tmpfs', present: 'maybe', writable: 'yes', contents: 'empty' });
    s.mounts.set('/usr', { fstype: 'ufs', present: 'maybe', writable: 'yes', contents: 'unknown' });
    expect(statuses(await run('[ -d /a ]', { state: s }))).toEqual(['yes']);
    expect(statuses(await run('[ -d /a/none ]', { state: s }))).toEqual(['no']);
    expect(statuses(await run('[ -d /usr/bin ]', { state: s }))).toEqual(['yes', 'no']);
    expect(statuses(await run('[ -f /usr/bin ]', { state: s }))).toEqual(['yes', 'no']);
    expect(statuses(await run('[ -d /usr ]', { state: s }))).toEqual(['yes']);
  });

  it('a file the script made or tested is what it found, not what the image has', async () => {
    const s = bootState();
    s.paths.set('/usr/bin/prog', { exists: 'no' });
    s.paths.set('/dev/made', { exists: 'yes', kind: 'file' });
    expect(statuses(await run('[ -f /usr/bin/prog ]', { state: s }))).toEqual(['no']);
    expect(statuses(await run('[ -f /dev/made ]', { state: s }))).toEqual(['yes']);
  });

  it('/dev: directories the image has, links that lead to a driver, links devfsadm made', async () => {
    const img = { paths: ['dev/fd/', 'dev/null', 'dev/sad/admin'] };
    expect(statuses(await run('[ -d /dev/fd ]', { img }))).toEqual(['yes']);
    expect(statuses(await run('[ -d /dev ]', { img }))).toEqual(['yes']);
    expect(statuses(await run('[ -e /dev ]'))).toEqual(['yes']);
    expect(statuses(await run('[ -d /dev/fd ]'))).toEqual(['no']);
    expect(statuses(await run('[ -e /dev/null ]', { img }))).toEqual(['yes']);
    expect(statuses(await run('[ -e /dev/nothing ]', { img }))).toEqual(['no']);
    const s = bootState();
    s.devLinks.set('dev/dsk/', 'yes');
    s.devLinks.set('dev/zfs', 'maybe');
    s.devLinks.set('dev/rdsk/', 'no');
    s.devLinks.set('dev/null', 'no');
    expect(statuses(await run('[ -e /dev/dsk/c0t0d0s0 ]', { state: s }))).toEqual(['yes']);
    expect(statuses(await run('[ -e /dev/dsk ]', { state: s }))).toEqual(['yes']);
    expect(statuses(await run('[ -e /dev/dskx ]', { state: s }))).toEqual(['no']);
    expect(statuses(await run('[ -e /dev/zfs ]', { state: s }))).toEqual(['yes', 'no']);
    expect(statuses(await run('[ -e /dev/zfs/x ]', { state: s }))).toEqual(['no']);
    expect(statuses(await run('[ -e /dev/rdsk/c0 ]', { state: s }))).toEqual(['no']);
    expect(statuses(await run('[ -e /dev/null ]', { state: s, img }))).toEqual(['yes']);
    const t = bootState();
    t.devLinks.set('dev/dsk/', 'maybe');
    t.devLinks.set('dev/dsk/c0', 'yes');
    t.devLinks.set('dev/dsk/c1', 'no');
    expect(statuses(await run('[ -e /dev/dsk/c0 ]', { state: t }))).toEqual(['yes']);
    expect(statuses(await run('[ -e /dev/dsk/c1 ]', { state: t }))).toEqual(['yes', 'no']);
    const u = bootState();
    u.devLinks.set('dev/dsk/c0', 'yes');
    u.devLinks.set('dev/dsk/', 'maybe');
    expect(statuses(await run('[ -e /dev/dsk/c0 ]', { state: u }))).toEqual(['yes']);
  });
});

describe('where paths meet', () => {
  it('up to four different outcomes are followed apart', async () => {
    const r = await run('case $(prog) in a) A=1;; b) A=2;; c) A=3;; esac');
    expect(ends(r)).toEqual([
      { status: 'yes', vars: { A: '1' }, positional: null },
      { status: 'yes', vars: { A: '2' }, positional: null },
      { status: 'yes', vars: { A: '3' }, positional: null },
      { status: 'yes', vars: {}, positional: null },
    ]);
  });

  it('more: those that agree on the variables meet first', async () => {
    const r = await run(`case $(prog) in a) A=1; : > ${V}/a;; b) A=1; : > ${V}/b;; c) A=1; : > ${V}/c;; d) A=2; : > ${V}/d;; esac`);
    expect(ends(r)).toEqual([
      { status: 'yes', vars: { A: '1' }, positional: null },
      { status: 'yes', vars: { A: '2' }, positional: null },
      { status: 'yes', vars: {}, positional: null },
    ]);
    expect(r.ends.map((s) => [...s.paths.keys()].sort())).toEqual([[`${V}/a`, `${V}/b`, `${V}/c`], [`${V}/d`], []]);
    expect(r.ends[0].paths.get(`${V}/a`)).toEqual({ exists: 'maybe', kind: undefined, executable: undefined });
  });

  it('then, if still too many, all of them', async () => {
    const r = await run('case $(prog) in a) A=1;; b) A=2;; c) A=3;; d) A=4;; esac');
    expect(ends(r)).toEqual([{ status: 'yes', vars: { A: null }, positional: null }]);
  });

  it('outcomes that go different ways are kept apart', async () => {
    const r = await run('case $(prog) in a) exit 1;; b) exit 0;; c) A=1;; esac');
    expect(ends(r)).toEqual([
      { status: 'no', vars: {}, positional: null },
      { status: 'yes', vars: {}, positional: null },
      { status: 'yes', vars: { A: '1' }, positional: null },
      { status: 'yes', vars: {}, positional: null },
    ]);
  });

  it('a join sees a path known on one side through the other side\'s image', async () => {
    const rw = () => {
      const s = bootState();
      s.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'yes', contents: 'image' });
      return s;
    };
    const r = await run('if prog; then : > /tmp/x; fi', { state: rw() });
    expect(r.ends.map((s) => s.paths.get('/tmp/x'))).toEqual([{ exists: 'yes', kind: 'file' }, undefined]);
    const r2 = await run(': > /tmp/x &', { state: rw() });
    expect(r2.ends.map((s) => s.paths.get('/tmp/x'))).toEqual([{ exists: 'maybe', kind: undefined, executable: undefined }]);
    const r3 = await run(': > /usr/bin/other &', { state: rw() });
    expect(r3.ends.map((s) => s.paths.get('/usr/bin/other'))).toEqual([{ exists: 'yes', kind: 'file', executable: undefined }]);
    const r4 = await run(`: > ${V}/x &`, { state: rw() });
    expect(r4.ends.map((s) => s.paths.get(`${V}/x`))).toEqual([{ exists: 'maybe', kind: undefined, executable: undefined }]);
  });
});

describe('corners', () => {
  it('four outcomes, two of them agreeing on the variables, stay apart', async () => {
    const r = await run(`case $(prog) in a) A=1; : > ${V}/a;; b) A=1; : > ${V}/b;; c) A=2;; esac`);
    expect(ends(r)).toEqual([
      { status: 'yes', vars: { A: '1' }, positional: null },
      { status: 'yes', vars: { A: '1' }, positional: null },
      { status: 'yes', vars: { A: '2' }, positional: null },
      { status: 'yes', vars: {}, positional: null },
    ]);
  });

  it('a list goes on on the paths that go on', async () => {
    expect(ends(await run('prog || exit 1; X=1'))).toEqual([
      { status: 'yes', vars: { X: '1' }, positional: null },
      { status: 'no', vars: {}, positional: null },
    ]);
  });

  it('a pipeline part that exits: what it did to the system stays', async () => {
    const r = await run(`{ : > ${V}/q; exit 3; } | X=1`);
    expect(ends(r)).toEqual([{ status: 'yes', vars: { X: '1' }, positional: null }]);
    expect(r.ends[0].paths.get(`${V}/q`)).toEqual({ exists: 'yes', kind: 'file' });
    const r2 = await run(`{ : > ${V}/q; break; } | X=1`);
    expect(r2.ends[0].paths.get(`${V}/q`)).toEqual(undefined);
  });

  it('a loop whose test holds whatever the rounds changed never ends by its test', async () => {
    expect(ends(await run('while true; do X=1; done'))).toEqual([]);
    expect(ends(await run('until false; do X=1; done'))).toEqual([]);
  });

  it('case: a pattern that may match, then one that does not', async () => {
    expect(ends(await run('P=$(prog); case a in $P|b) Y=1;; *) Y=2;; esac'))).toEqual([
      { status: 'yes', vars: { P: null, Y: '1' }, positional: null },
      { status: 'yes', vars: { P: null, Y: '2' }, positional: null },
    ]);
  });
});

describe('calls that return', () => {
  it('functions, scripts and sourced files called one after another are each followed', async () => {
    const calls = Array.from({ length: 14 }, () => 'f').join('; ');
    expect(ends(await run(`n=0; f() { n=$((n+1)); }; ${calls}`))).toEqual([{ status: 'yes', vars: { n: '14' }, positional: null }]);
    const img = { paths: ['usr/bin/child'], texts: { 'usr/bin/child': '#!/sbin/sh\nexit 3\n' } };
    const r = await run(`for i in ${Array.from({ length: 14 }, (_, i) => i).join(' ')}; do child; done`, { img });
    expect(statuses(r)).toEqual(['no']);
    expect(r.commands).toBe(28);
  });
});

describe('more of the system', () => {
  it('reading a file makes nothing', async () => {
    const r = await run('prog < /usr/bin/other');
    expect(r.ends.map((s) => s.paths.size)).toEqual([0]);
  });

  it('a root whose contents are not the image\'s is still read from the image', async () => {
    const s = bootState();
    s.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'no', contents: 'unknown' });
    expect(statuses(await run('[ -d /usr/bin ]', { state: s }))).toEqual(['yes']);
    expect(statuses(await run('[ -d /nowhere ]', { state: s }))).toEqual(['no']);
  });

  it('a mount of the image\'s own files (a lofs view) shows the image', async () => {
    const s = bootState();
    s.mounts.set('/usr', { fstype: 'lofs', present: 'yes', writable: 'no', contents: 'image' });
    expect(statuses(await run('[ -d /usr/bin ]', { state: s }))).toEqual(['yes']);
    expect(statuses(await run('[ -d /usr/none ]', { state: s }))).toEqual(['no']);
  });

  it('a link the image ships must lead to a driver; a directory under /dev need not', async () => {
    const img = { paths: ['dev/fd/', 'dev/nodrv'] };
    expect(statuses(await run('[ -e /dev/nodrv ]', { img, deviceProblems: { 'dev/nodrv': 'no driver' } }))).toEqual(['no']);
    expect(statuses(await run('[ -d /dev/fd ]', { img, deviceProblems: { 'dev/fd': 'no driver' } }))).toEqual(['yes']);
    expect(brief(await run('prog > /dev/nodrv', { img, deviceProblems: { 'dev/nodrv': 'no driver' } }))).toEqual(['degraded redirect.device etc/s:1 /etc/s line 1: >/dev/nodrv: no driver']);
  });
});
