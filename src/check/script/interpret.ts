import type { Severity, StepId } from '../findings.js';
import type { AndOr, CaseCommand, Command, ForCommand, IfCommand, List, LoopCommand, Pipeline, Redirect, SimpleCommand } from './ast.js';
import { expandScalar, expandWord, patternRegExp } from './expand.js';
import { parseScript, ScriptSyntaxError } from './parse.js';
import { joinTri, normalPath, ScriptState, type PathFact, type Tri, type Value } from './state.js';
import { evalTest } from './test-builtin.js';
import { REDIRECT_RULES, ruleFor, type BootRule, type CommandEnv, type CommandRule, type ScriptHost } from '../../bootpath/commands.js';

// Runs a boot script through a model of the booted system, command by command, following its
// control flow: both sides of a test the check cannot decide, loops twice (enough to see what a
// second try finds), functions, sourced files, exec. Each command's preconditions come from the
// table in src/bootpath/commands.ts; one that fails is a finding at the script's file and line.
// Where two paths meet their states are joined: a fact true on one only becomes "maybe".

export interface ScriptFinding {
  severity: Severity;
  step: StepId;
  file: string;
  line: number;
  /** The precondition (or program) rule that failed, for tests and --json. */
  rule: string;
  message: string;
  source: string;
  fix: string;
}

/** An `exec` the script reached: where, what, and the system at that moment. */
export interface ExecEvent {
  file: string;
  line: number;
  command: string;
  args: Value[];
  /** The words as written, to see "$@" passed on. */
  raw: string[];
  state: ScriptState;
}

export interface ScriptRun {
  /** The script, as an image path (etc/compose/trampoline). */
  file: string;
  step: StepId;
  /** The worst a failure here can be (a launcher's setup failing still leaves a shell). */
  cap: Severity;
  initial: ScriptState;
  /** What the script is started with; null for the kernel's boot arguments (unknown). */
  args?: Value[] | null;
  /** Text to run instead of reading the file (an inittab process field). */
  text?: string;
  /** Extra words for every finding's message (" after a restart"). */
  when?: string;
  /** The line `text` starts on in `file` (an inittab entry's line). */
  firstLine?: number;
}

export interface ScriptResult {
  findings: ScriptFinding[];
  execs: ExecEvent[];
  /** The states in which the script ended (fell off its end, or exit). */
  ends: ScriptState[];
  /** Commands followed. */
  commands: number;
}

type Flow = 'next' | 'break' | 'continue' | 'return' | 'exit' | 'exec';
interface Out {
  s: ScriptState;
  flow: Flow;
}

const RANK: Record<Severity, number> = { note: 0, degraded: 1, unusable: 2, panic: 3 };
export const capSeverity = (s: Severity, cap: Severity): Severity => (RANK[s] > RANK[cap] ? cap : s);

const LOOP_PASSES = 2;
const SCRIPT_ENDING = new Set(['script.syntax', 'source.missing']);
/** A "#!" line naming a Bourne-family shell: a script the check can follow. */
const SHELL_SCRIPT = /^#!\s*\/(?:sbin\/sh|bin\/sh|usr\/bin\/(?:i86\/)?(?:sh|ksh|ksh93|bash))\b/;
/** Different states followed apart per way of going on, before they are joined. */
const PATHS_KEPT = 4;
const MAX_CALL_DEPTH = 12;
const BUILTINS = new Set([':', 'true', 'false', 'echo', 'printf', 'test', '[', 'cd', 'export', 'readonly', 'unset', 'set', 'shift', 'exit', 'return', 'break', 'continue', 'exec', '.', 'source', 'eval', 'trap', 'wait', 'read', 'local', 'typeset', 'umask', 'ulimit', 'command', 'getopts', 'hash', 'type', 'alias', 'print', 'let']);

export async function interpretScript(host: ScriptHost, run: ScriptRun): Promise<ScriptResult> {
  const it = new Interpreter(host, run);
  const result: ScriptResult = { findings: it.findings, execs: it.execs, ends: [], commands: 0 };
  const text = run.text ?? (await host.readText(run.file));
  if (text === undefined) return result;
  const s = run.initial.clone();
  s.positional = run.args === undefined ? null : run.args;
  const outs = await it.runText(text, run.file, s, run.firstLine);
  result.ends = outs.filter((o) => o.flow === 'next' || o.flow === 'exit' || o.flow === 'return').map((o) => o.s);
  result.commands = it.commands;
  return result;
}

class Interpreter {
  readonly findings: ScriptFinding[] = [];
  readonly execs: ExecEvent[] = [];
  commands = 0;
  private file: string;
  private depth = 0;
  private readonly sourcing = new Set<string>();

  constructor(
    private readonly host: ScriptHost,
    private readonly run: ScriptRun,
  ) {
    this.file = run.file;
  }

  async runText(text: string, file: string, s: ScriptState, firstLine = 1): Promise<Out[]> {
    const prev = this.file;
    this.file = file;
    try {
      let list: List;
      try {
        list = parseScript(text, firstLine);
      } catch (e) {
        if (!(e instanceof ScriptSyntaxError)) throw e;
        this.report(e.line, 'script.syntax', 'unusable', `cannot be read as a shell script (${e.message}): /sbin/sh stops there, and the check cannot follow it further`, 'usr/src/cmd/init/init.c (inittab entries and the smf entry run through /sbin/sh)', 'fix the script\'s syntax (ksh93 -n reports it too)');
        return [{ s, flow: 'exit' }];
      }
      return await this.list(list, s);
    } finally {
      this.file = prev;
    }
  }

  report(line: number, rule: string, severity: Severity, what: string, source: string, fix: string): void {
    // The cap is for commands that fail while the script goes on; a script that ends here (it
    // cannot be read, or "." ends it) is as bad as its rule says.
    const sev = SCRIPT_ENDING.has(rule) ? severity : capSeverity(severity, this.run.cap);
    const message = `/${this.file} line ${line}${this.run.when ?? ''}: ${what}`;
    if (this.findings.some((f) => f.message === message && f.rule === rule)) return;
    this.findings.push({ severity: sev, step: this.run.step, file: this.file, line, rule, message, source, fix });
  }

  private baseline = (path: string, side: ScriptState): PathFact => this.statSync(side, path, true);

  private joinAll(states: ScriptState[]): ScriptState {
    return states.reduce((a, b) => ScriptState.join(a, b, this.baseline));
  }

  /**
   * Outcomes that lead the same way (flow and status) and agree on the system meet in one state.
   * Up to PATHS_KEPT different ones are followed apart, so that what one path found (a root
   * mounted, a pool imported) is not blurred with another's; past that they meet.
   */
  private merge(outs: Out[]): Out[] {
    const groups = new Map<string, Map<string, Out[]>>();
    for (const o of outs) {
      const k = `${o.flow}/${o.s.status}`;
      const g = groups.get(k) ?? new Map<string, Out[]>();
      groups.set(k, g);
      const sig = o.s.signature();
      g.set(sig, [...(g.get(sig) ?? []), o]);
    }
    const res: Out[] = [];
    for (const g of groups.values()) {
      let parts = [...g.values()];
      // Too many: first let paths that agree on the shell's variables meet (they differ in what
      // they found on the way, such as which mount points a loop saw), then all of them.
      if (parts.length > PATHS_KEPT) {
        const byVars = new Map<string, Out[]>();
        for (const o of parts.flat()) {
          const k = o.s.varsSignature();
          byVars.set(k, [...(byVars.get(k) ?? []), o]);
        }
        parts = [...byVars.values()];
      }
      if (parts.length > PATHS_KEPT) res.push({ flow: parts[0][0].flow, s: this.joinAll(parts.flat().map((o) => o.s)) });
      else for (const p of parts) res.push({ flow: p[0].flow, s: this.joinAll(p.map((o) => o.s)) });
    }
    return res;
  }

  /** Run a step for each path that goes on ('next'), keeping the others as they are. */
  private async each(outs: Out[], step: (s: ScriptState) => Promise<Out[]>): Promise<Out[]> {
    const res: Out[] = [];
    for (const o of outs) {
      if (o.flow !== 'next') res.push(o);
      else res.push(...(await step(o.s)));
    }
    return this.merge(res);
  }

  private async list(list: List, s: ScriptState): Promise<Out[]> {
    let cur: Out[] = [{ s, flow: 'next' }];
    for (const item of list) {
      if (!cur.some((o) => o.flow === 'next')) break;
      cur = await this.each(cur, async (state) => {
        const r = await this.andOr(item, state);
        if (!item.background) return r;
        // A background job's effects may or may not have happened by the next command.
        const joined = this.joinAll([state, ...r.filter((o) => o.flow === 'next').map((o) => o.s)]);
        joined.status = 'yes';
        return [{ s: joined, flow: 'next' }];
      });
    }
    return cur;
  }

  private async andOr(a: AndOr, s: ScriptState): Promise<Out[]> {
    let outs = await this.pipeline(a.first, s);
    for (const { op, pipeline } of a.rest) {
      const res: Out[] = [];
      for (const o of outs) {
        if (o.flow !== 'next') {
          res.push(o);
          continue;
        }
        const runIt = op === '&&' ? 'yes' : 'no';
        if (o.s.status === runIt) res.push(...(await this.pipeline(pipeline, o.s)));
        else if (o.s.status === 'maybe') {
          const skip = o.s.clone();
          skip.status = op === '&&' ? 'no' : 'yes';
          res.push({ s: skip, flow: 'next' });
          const go = o.s.clone();
          go.status = runIt;
          res.push(...(await this.pipeline(pipeline, go)));
        } else res.push(o);
      }
      outs = this.merge(res);
    }
    return outs;
  }

  private async pipeline(p: Pipeline, s: ScriptState): Promise<Out[]> {
    let outs: Out[];
    if (p.commands.length === 1) outs = await this.command(p.commands[0], s);
    else {
      // Each part runs in a subshell but the last (ksh93): their effects on the system stay.
      let state = s;
      outs = [];
      for (let i = 0; i < p.commands.length; i++) {
        const r = await this.command(p.commands[i], state.clone());
        const next = r.filter((o) => o.flow === 'next' || o.flow === 'exit');
        if (i < p.commands.length - 1) {
          state = next.length ? this.joinAll(next.map((o) => o.s)) : state;
          state.vars = new Map(s.vars);
        } else outs = r.map((o) => ({ s: o.s, flow: o.flow === 'exit' ? 'next' : o.flow }));
      }
    }
    if (!p.bang) return outs;
    return outs.map((o) => {
      const c = o.s.clone();
      c.status = o.s.status === 'yes' ? 'no' : o.s.status === 'no' ? 'yes' : 'maybe';
      return { s: c, flow: o.flow };
    });
  }

  private async command(c: Command, s: ScriptState): Promise<Out[]> {
    if (c.type === 'simple') return this.simple(c, s);
    if (c.type === 'function') {
      const n = s.clone();
      n.functions.set(c.name, c);
      n.status = 'yes';
      return [{ s: n, flow: 'next' }];
    }
    const r = await this.redirects(c.redirects, s);
    if (!r.ok) return [{ s: r.s, flow: 'next' }];
    s = r.s;
    switch (c.type) {
      case 'if':
        return this.ifCommand(c, s);
      case 'while':
      case 'until':
        return this.loop(c, s);
      case 'for':
        return this.forCommand(c, s);
      case 'case':
        return this.caseCommand(c, s);
      case 'group':
        return this.list(c.body, s);
      case 'subshell': {
        // Changes to variables stay in the subshell; what it does to the system does not.
        const outs = await this.list(c.body, s.clone());
        return this.merge(
          outs.map((o) => {
            const n = o.s.clone();
            n.vars = new Map(s.vars);
            n.functions = new Map(s.functions);
            // exit and exec end the subshell, not the script; break and continue, not the loop around it.
            return { s: n, flow: 'next' as Flow };
          }),
        );
      }
    }
  }

  private async ifCommand(c: IfCommand, s: ScriptState): Promise<Out[]> {
    const results: Out[] = [];
    let pending: ScriptState[] = [s];
    for (const arm of c.arms) {
      const next: ScriptState[] = [];
      for (const p of pending) {
        for (const o of await this.list(arm.cond, p)) {
          if (o.flow !== 'next') results.push(o);
          else if (o.s.status === 'yes') results.push(...(await this.list(arm.body, o.s)));
          else if (o.s.status === 'no') next.push(o.s);
          else {
            const y = o.s.clone();
            y.status = 'yes';
            results.push(...(await this.list(arm.body, y)));
            const n = o.s.clone();
            n.status = 'no';
            next.push(n);
          }
        }
      }
      pending = next;
      if (pending.length === 0) break;
    }
    for (const p of pending) {
      if (c.otherwise) results.push(...(await this.list(c.otherwise, p)));
      else {
        const n = p.clone();
        n.status = 'yes';
        results.push({ s: n, flow: 'next' });
      }
    }
    return this.merge(results);
  }

  private async loop(c: LoopCommand, s: ScriptState): Promise<Out[]> {
    const exits: Out[] = [];
    let cur: ScriptState[] = [s];
    const enter = c.type === 'while' ? 'yes' : 'no';
    for (let pass = 0; pass <= LOOP_PASSES && cur.length; pass++) {
      const inside: ScriptState[] = [];
      for (const st of cur) {
        for (const o of await this.list(c.cond, st)) {
          if (o.flow !== 'next') {
            exits.push(o);
            continue;
          }
          if (o.s.status !== enter) {
            const n = o.s.clone();
            n.status = 'yes';
            exits.push({ s: n, flow: 'next' });
          }
          if (o.s.status === enter || o.s.status === 'maybe') inside.push(o.s);
        }
      }
      // After the last pass the loop's further rounds are not followed: it ends by its test or a
      // break. A test that still holds only because a counter has not run out yet ("$tries" -lt
      // 10) is asked again with what the rounds changed made unknown: if it can then fail, the
      // loop can end that way.
      if (pass === LOOP_PASSES) {
        for (const st of inside) {
          const widened = st.clone();
          let changed = false;
          for (const [k, v] of widened.vars) {
            if (s.vars.get(k) !== v) {
              widened.vars.set(k, null);
              changed = true;
            }
          }
          if (!changed) continue;
          for (const o of await this.list(c.cond, widened)) {
            if (o.flow !== 'next' || o.s.status === enter) continue;
            const n = o.s.clone();
            n.status = 'yes';
            exits.push({ s: n, flow: 'next' });
          }
        }
        break;
      }
      cur = [];
      for (const st of inside) {
        for (const o of await this.list(c.body, st)) {
          if (o.flow === 'break') exits.push({ s: o.s, flow: 'next' });
          else if (o.flow === 'next' || o.flow === 'continue') cur.push(o.s);
          else exits.push(o);
        }
      }
      cur = this.merge(cur.map((st) => ({ s: st, flow: 'next' as Flow }))).map((o) => o.s);
    }
    return this.merge(exits);
  }

  private async forCommand(c: ForCommand, s: ScriptState): Promise<Out[]> {
    const items: Value[] = [];
    let open = false;
    let state = s;
    if (c.items === undefined) {
      if (s.positional === null) open = true;
      else items.push(...s.positional);
    } else {
      for (const w of c.items) {
        const e = await expandWord(w, state, this.subst);
        state = e.state;
        items.push(...e.fields);
        open ||= e.openEnded;
      }
    }
    const exits: Out[] = [];
    let cur: ScriptState[] = [state];
    // An unknown list may be empty: the loop may not run at all.
    // A for that runs no round has status 0 (POSIX), whatever its words' substitutions returned.
    if (open || items.some((v) => v === null)) {
      const none = state.clone();
      none.status = 'yes';
      exits.push({ s: none, flow: 'next' });
    }
    const rounds = open && items.length === 0 ? [null] : items;
    for (const v of rounds.slice(0, 64)) {
      if (cur.length === 0) break;
      const next: ScriptState[] = [];
      for (const st of cur) {
        const n = st.clone();
        n.vars.set(c.name, v);
        for (const o of await this.list(c.body, n)) {
          if (o.flow === 'break') exits.push({ s: o.s, flow: 'next' });
          else if (o.flow === 'next' || o.flow === 'continue') next.push(o.s);
          else exits.push(o);
        }
      }
      cur = this.merge(next.map((st) => ({ s: st, flow: 'next' as Flow }))).map((o) => o.s);
    }
    for (const st of cur) exits.push({ s: st, flow: 'next' });
    return this.merge(exits);
  }

  private async caseCommand(c: CaseCommand, s: ScriptState): Promise<Out[]> {
    const subj = await expandScalar(c.subject, s, this.subst);
    const results: Out[] = [];
    let state = subj.state;
    for (const arm of c.arms) {
      let matched: Tri = 'no';
      for (const p of arm.patterns) {
        const re = patternRegExp(p, state);
        const m: Tri = re === null || subj.value === null ? 'maybe' : re.test(subj.value) ? 'yes' : 'no';
        matched = matched === 'yes' || m === 'yes' ? 'yes' : matched === 'maybe' || m === 'maybe' ? 'maybe' : 'no';
      }
      if (matched === 'no') continue;
      results.push(...(await this.list(arm.body, state.clone())));
      if (matched === 'yes') return this.merge(results);
    }
    const none = state.clone();
    none.status = 'yes';
    results.push({ s: none, flow: 'next' });
    return this.merge(results);
  }

  /** Command substitutions: their commands run (mounts, imports), their output is unknown. */
  private subst = async (body: List, s: ScriptState): Promise<ScriptState> => {
    const outs = await this.list(body, s.clone());
    const ends = outs.map((o) => o.s);
    const n = ends.length ? this.joinAll(ends) : s.clone();
    n.vars = new Map(s.vars);
    n.functions = new Map(s.functions);
    return n;
  };

  private async simple(c: SimpleCommand, s0: ScriptState): Promise<Out[]> {
    let s = s0.clone();
    const words: Value[] = [];
    let open = false;
    for (const w of c.words) {
      const e = await expandWord(w, s, this.subst);
      s = e.state;
      words.push(...e.fields);
      open ||= e.openEnded;
    }
    const assigns: Array<[string, Value]> = [];
    for (const a of c.assigns) {
      const v = await expandScalar(a.value, s, this.subst);
      s = v.state;
      assigns.push([a.name, v.value]);
      // Assignments alone are made in order, as sh makes them: "X=1 Y=$X" sets Y to 1.
      if (words.length === 0) s.vars.set(a.name, v.value);
    }
    if (words.length === 0) {
      // "> file" alone creates the file; an assignment's status is its last command substitution's.
      const r = await this.redirects(c.redirects, s);
      if (!r.ok) return [{ s: r.s, flow: 'next' }];
      r.s.status = c.words.length ? 'maybe' : c.assigns.some((a) => a.value.parts.some((p) => p.kind === 'subst')) ? 'maybe' : 'yes';
      return [{ s: r.s, flow: 'next' }];
    }
    const name = words[0];
    const args = words.slice(1);
    const raw = c.words.slice(1).map((w) => w.raw);
    if (name === null) {
      // A command named by something only known at boot cannot be followed.
      const r = await this.redirects(c.redirects, s);
      r.s.status = 'maybe';
      return [{ s: r.s, flow: 'next' }];
    }
    this.commands++;
    if (name === 'exec') return this.execBuiltin(c, s, args, raw, open);
    const r = await this.redirects(c.redirects, s);
    if (!r.ok) return [{ s: r.s, flow: 'next' }];
    s = r.s;
    if (s.functions.has(name) && !name.includes('/')) return this.callFunction(name, args, s, open);
    if (BUILTINS.has(name)) return this.builtin(name, args, s, c, open, assigns);
    return this.external(c.line, name, args, s, open);
  }

  private async callFunction(name: string, args: Value[], s: ScriptState, open: boolean): Promise<Out[]> {
    if (this.depth >= MAX_CALL_DEPTH) {
      const n = s.clone();
      n.status = 'maybe';
      return [{ s: n, flow: 'next' }];
    }
    const fn = s.functions.get(name)!;
    const saved = s.positional;
    const n = s.clone();
    n.positional = open ? null : args;
    this.depth++;
    try {
      const outs = await this.command(fn.body, n);
      return this.merge(
        outs.map((o) => {
          const st = o.s.clone();
          st.positional = saved ? [...saved] : null;
          return { s: st, flow: o.flow === 'return' ? 'next' : o.flow };
        }),
      );
    } finally {
      this.depth--;
    }
  }

  private async builtin(name: string, args: Value[], s: ScriptState, c: SimpleCommand, open: boolean, assigns: Array<[string, Value]>): Promise<Out[]> {
    const done = (status: Tri, flow: Flow = 'next'): Out[] => {
      s.status = status;
      return [{ s, flow }];
    };
    switch (name) {
      case ':':
      case 'true':
      case 'echo':
      case 'print':
      case 'printf':
      case 'trap':
      case 'wait':
      case 'umask':
      case 'ulimit':
      case 'hash':
      case 'alias':
        return done('yes');
      case 'false':
        return done('no');
      case 'test':
      case '[':
        return this.test(name === '[' ? args.slice(0, args.at(-1) === ']' ? -1 : undefined) : args, s, open, c.line);
      case 'exit':
        // Without a number, exit (like return) gives the last command's status.
        return done(args[0] === undefined ? s.status : args[0] === '0' ? 'yes' : args[0] === null ? 'maybe' : 'no', 'exit');
      case 'return':
        return done(args[0] === undefined ? s.status : args[0] === '0' ? 'yes' : args[0] === null ? 'maybe' : 'no', 'return');
      case 'break':
        return done('yes', 'break');
      case 'continue':
        return done('yes', 'continue');
      case 'export':
      case 'readonly':
      case 'local':
      case 'typeset':
        for (const [k, v] of assigns) s.vars.set(k, v);
        for (const a of args) {
          if (a === null) continue;
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
          if (m) s.vars.set(m[1], m[2]);
        }
        return done('yes');
      case 'unset':
        for (const a of args) if (a !== null) s.vars.delete(a);
        return done('yes');
      case 'set':
        if (args[0] === '--') s.positional = open ? null : args.slice(1);
        return done('yes');
      case 'shift':
        if (s.positional) s.positional = s.positional.slice(Number(args[0] ?? 1) || 1);
        return done('yes');
      case 'read':
        for (const a of args) if (a !== null && !a.startsWith('-')) s.vars.set(a, null);
        return done('maybe');
      case 'cd': {
        if (args[0] === null || args[0] === undefined) return done('maybe');
        const st = await this.stat(s, args[0]);
        return done(st.exists);
      }
      case '.':
      case 'source':
        return this.source(c.line, args[0], s);
      case 'eval':
      case 'command':
      case 'getopts':
      case 'type':
      case 'let':
        for (const a of args) if (a !== null && /^[A-Za-z_]\w*$/.test(a) && name === 'getopts') s.vars.set(a, null);
        return done('maybe');
    }
    return done('maybe');
  }

  private async source(line: number, arg: Value | undefined, s: ScriptState): Promise<Out[]> {
    if (arg === null || arg === undefined) {
      s.status = 'maybe';
      return [{ s, flow: 'next' }];
    }
    const path = normalPath(arg);
    const st = await this.stat(s, path);
    if (st.exists === 'no') {
      const rule = REDIRECT_RULES.sourceMissing;
      this.report(line, rule.id, rule.severity, `". ${arg}": ${arg} is not there, and a non-interactive /sbin/sh exits when "." cannot open its file`, rule.source, rule.fix);
      s.status = 'no';
      return [{ s, flow: 'exit' }];
    }
    const text = st.exists === 'yes' ? await this.host.readText(path.slice(1)) : undefined;
    if (text === undefined || this.sourcing.has(path)) {
      s.status = 'maybe';
      return [{ s, flow: 'next' }];
    }
    this.sourcing.add(path);
    try {
      const outs = await this.runText(text, path.slice(1), s);
      return this.merge(outs.map((o) => ({ s: o.s, flow: o.flow === 'return' ? 'next' : o.flow })));
    } finally {
      this.sourcing.delete(path);
    }
  }

  /**
   * `[ -x /usr/bin/setpgrp ]` false because the image lacks a program the boot needs: the script
   * goes on without it, and what the program was for is lost.
   */
  private missingOptional(line: number, args: Value[]): void {
    const [op, path] = args[0] === '!' ? args.slice(1) : args;
    if (args.length > 3 || !['-x', '-f', '-e'].includes(op ?? '') || !path?.startsWith('/')) return;
    if (this.host.imageStat(normalPath(path)).exists !== 'no') return;
    const info = this.host.programInfo?.(path);
    if (!info) return;
    this.report(line, 'program.optional-missing', info.severity === 'note' ? 'note' : 'degraded', `${path} is not in the image, so the script goes on without it: ${info.effect}`, info.source, `keep ${path} and what it needs (the profile's keep list)`);
  }

  private async test(args: Value[], s: ScriptState, open: boolean, line: number): Promise<Out[]> {
    if (open) {
      s.status = 'maybe';
      return [{ s, flow: 'next' }];
    }
    const r = await evalTest(args, (p) => this.stat(s, p));
    if (r.value === 'no') this.missingOptional(line, args);
    if (r.value !== 'maybe') {
      s.status = r.value;
      return [{ s, flow: 'next' }];
    }
    // A test the check cannot decide: both answers, each remembered (a file found by -x exists
    // from then on on that path).
    const yes = s.clone();
    yes.status = 'yes';
    const no = s.clone();
    no.status = 'no';
    for (const f of r.facts) {
      const target = f.branch === 'yes' ? yes : no;
      const path = normalPath(f.path);
      const before = target.paths.get(path);
      target.paths.set(path, { exists: f.fact.exists, kind: f.fact.kind ?? before?.kind, executable: f.fact.executable ?? before?.executable });
    }
    return [
      { s: yes, flow: 'next' },
      { s: no, flow: 'next' },
    ];
  }

  private async execBuiltin(c: SimpleCommand, s: ScriptState, args: Value[], raw: string[], open: boolean): Promise<Out[]> {
    if (args.length === 0) {
      // exec with only redirections: the shell's own files (process 1 opening the console).
      const r = await this.redirects(c.redirects, s);
      if (!r.ok) return [{ s: r.s, flow: 'exit' }];
      r.s.status = 'yes';
      return [{ s: r.s, flow: 'next' }];
    }
    const r = await this.redirects(c.redirects, s);
    if (!r.ok) return [{ s: r.s, flow: 'exit' }];
    const [name, ...rest] = args;
    if (name === null) return [{ s: r.s, flow: 'exec' }];
    const outs = await this.external(c.line, name, rest, r.s, open);
    const res: Out[] = [];
    for (const o of outs) {
      if (o.s.status !== 'no') {
        this.execs.push({ file: this.file, line: c.line, command: name, args: rest, raw: raw.slice(1), state: o.s });
        res.push({ s: o.s, flow: 'exec' });
      }
      // A failed exec ends a non-interactive shell.
      if (o.s.status !== 'yes') {
        const f = o.s.clone();
        f.status = 'no';
        res.push({ s: f, flow: 'exit' });
      }
    }
    return this.merge(res);
  }

  /** Run an external program: find it, check it can run, check its preconditions, apply its effects. */
  private async external(line: number, name: string, args: Value[], s: ScriptState, open: boolean): Promise<Out[]> {
    const path = await this.resolve(name, s);
    const rule = ruleFor(name, path);
    const info = path ? this.host.programInfo?.(path) : undefined;
    const severity = rule?.severity ?? info?.severity ?? 'degraded';
    const effect = rule?.effect ?? info?.effect;
    const source = rule?.source ?? info?.source ?? 'usr/src/cmd/init/init.c';
    const fail = (): Out[] => {
      const n = s.clone();
      n.status = 'no';
      return [{ s: n, flow: 'next' }];
    };
    if (path === undefined) {
      this.report(line, 'program.missing', severity, `runs ${name}, which is not in the image${effect ? `: ${effect}` : ''}`, source, `keep the program that provides ${name} (the profile's keep list), or change the script`);
      return fail();
    }
    const where = await this.stat(s, path);
    if (where.exists === 'no') {
      this.report(line, 'program.missing', severity, `runs ${path}, which is not there${effect ? `: ${effect}` : ''}`, source, `keep ${path} (the profile's keep list), or change the script`);
      return fail();
    }
    // Programs in the image are checked with their libraries; those on a disk the script mounted are not known.
    if (this.inImage(s, path)) {
      const problems = await this.host.programProblems(path.slice(1));
      if (problems.length) {
        for (const p of problems) this.report(line, 'program.cannot-run', severity, `runs ${path}: ${p}${effect ? `: ${effect}` : ''}`, source, `keep ${path} and what it needs (the closure's missing files come from the gate packages that deliver them)`);
        return fail();
      }
      for (const o of info?.opens ?? []) {
        if (o.path.startsWith('dev/')) continue;
        if ((await this.stat(s, `/${o.path}`)).exists === 'no') this.report(line, 'program.opens', o.severity, `runs ${path}, which needs /${o.path}: ${o.effect}`, source, `keep /${o.path}`);
      }
    }
    if (!rule) {
      const child = this.inImage(s, path) ? await this.childScript(path, args, s, open) : undefined;
      if (child) return child;
      const n = s.clone();
      n.status = 'maybe';
      return [{ s: n, flow: 'next' }];
    }
    const env = this.env(s, args, open, rule, path);
    let certainFailure = false;
    let mayFail = false;
    for (const pre of rule.preconditions) {
      const v = await pre.check(env);
      if (!v) continue;
      if (v.tri === 'no') {
        certainFailure = true;
        this.report(line, pre.id, pre.severity, `${rule.name}${describeArgs(args)}: ${v.why}`, pre.source, pre.fix);
      } else {
        // Fails on some of the paths that meet here only: followed both ways, not reported (a
        // finding is a failure on every path the check can tell apart).
        mayFail = true;
      }
    }
    if (certainFailure) return fail();
    const branches = rule.effects ? await rule.effects(env) : [{ status: 'maybe' as Tri }];
    // A precondition that fails on some paths only: the command may also fail, changing nothing.
    if (mayFail) branches.push({ status: 'no' });
    return this.merge(
      branches.map((b) => {
        const n = s.clone();
        b.apply?.(n);
        n.status = b.status;
        return { s: n, flow: 'next' as Flow };
      }),
    );
  }

  /**
   * A shell script the image runs as a program (an SMF method, /etc/compose/storage): followed as
   * a child process. Its variables and functions are its own (PATH is inherited); what it does to
   * the system stays, and its exit status is the command's.
   */
  private async childScript(path: string, args: Value[], s: ScriptState, open: boolean): Promise<Out[] | undefined> {
    if (this.depth >= MAX_CALL_DEPTH || this.sourcing.has(path)) return undefined;
    const text = await this.host.readText(path.slice(1));
    if (text === undefined || !SHELL_SCRIPT.test(text)) return undefined;
    const c = s.clone();
    c.vars = new Map([...s.vars].filter(([k]) => k === 'PATH'));
    c.functions = new Map();
    c.positional = open ? null : args;
    this.depth++;
    this.sourcing.add(path);
    try {
      const outs = await this.runText(text, path.slice(1), c);
      return this.merge(
        outs.map((o) => {
          const n = o.s.clone();
          n.vars = new Map(s.vars);
          n.functions = new Map(s.functions);
          n.positional = s.positional ? [...s.positional] : null;
          // A child that exec'd another program ends as that program does.
          if (o.flow === 'exec') n.status = 'maybe';
          return { s: n, flow: 'next' as Flow };
        }),
      );
    } finally {
      this.depth--;
      this.sourcing.delete(path);
    }
  }

  private inImage(s: ScriptState, path: string): boolean {
    const m = s.mountOf(path);
    return !m || m.mount.contents === 'image';
  }

  /** A command name as the shell finds it: a path, or the first PATH directory that has it. */
  private async resolve(name: string, s: ScriptState): Promise<string | undefined> {
    if (name.includes('/')) return normalPath(name);
    const pathVar = s.vars.get('PATH');
    const dirs = (pathVar === undefined ? '/usr/sbin:/usr/bin' : (pathVar ?? '/usr/sbin:/usr/bin:/sbin')).split(':').filter(Boolean);
    let maybe: string | undefined;
    for (const d of dirs) {
      const p = normalPath(`${d}/${name}`);
      const st = await this.stat(s, p);
      if (st.exists === 'yes') return p;
      if (st.exists === 'maybe') maybe ??= p;
    }
    return maybe;
  }

  private env(s: ScriptState, args: Value[], open: boolean, rule: CommandRule, path: string): CommandEnv {
    return {
      args,
      path,
      openEnded: open,
      state: s,
      rule,
      host: this.host,
      stat: (p) => this.stat(s, p),
      writable: (p) => this.writable(s, p),
      devLink: (p) => this.devLink(s, p),
    };
  }

  /** Redirections, in order: devices must lead to a driver, files written need a writable file system. */
  private async redirects(rs: Redirect[], s: ScriptState): Promise<{ ok: boolean; s: ScriptState }> {
    let state = s;
    for (const r of rs) {
      if (r.op === '>&' || r.op === '<&' || r.op === '<<') continue;
      const t = await expandScalar(r.target, state, this.subst);
      state = t.state;
      if (t.value === null) continue;
      const path = normalPath(t.value);
      const writes = r.op !== '<';
      const verdict = await this.redirectProblem(state, path, writes);
      if (verdict) {
        this.report(r.line, verdict.rule.id, verdict.rule.severity, `${r.op}${t.value}: ${verdict.why}`, verdict.rule.source, verdict.rule.fix);
        const n = state.clone();
        n.status = 'no';
        return { ok: false, s: n };
      }
      if (writes && !path.startsWith('/dev/')) {
        state = state.clone();
        state.paths.set(path, { exists: 'yes', kind: 'file' });
      }
    }
    return { ok: true, s: state };
  }

  private async redirectProblem(s: ScriptState, path: string, writes: boolean): Promise<{ rule: BootRule; why: string } | undefined> {
    if (path.startsWith('/dev/') || path.startsWith('/devices/')) {
      const st = await this.stat(s, path);
      if (st.exists === 'no') return { rule: REDIRECT_RULES.deviceMissing, why: (await this.host.deviceProblem(path.slice(1))) ?? `${path} does not exist at this point of the boot` };
      return undefined;
    }
    const st = await this.stat(s, path);
    if (!writes) return st.exists === 'no' ? { rule: REDIRECT_RULES.readMissing, why: `${path} is not there` } : undefined;
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    const d = await this.stat(s, dir);
    if (d.exists === 'no') return { rule: REDIRECT_RULES.writeNoDir, why: `the directory ${dir} does not exist` };
    if ((await this.writable(s, path)) === 'no') return { rule: REDIRECT_RULES.writeReadOnly, why: `${dir} is on ${this.fsName(s, path)}, which is read-only at this point` };
    return undefined;
  }

  private fsName(s: ScriptState, path: string): string {
    const m = s.mountOf(path);
    if (!m) return 'the root file system';
    return m.point === '/' ? 'the root file system (the ramdisk, mounted read-only by the kernel)' : `the ${m.mount.fstype} file system on ${m.point}`;
  }

  writable(s: ScriptState, path: string): Tri {
    const p = normalPath(path);
    // sdev keeps /dev's links on the root file system (its backing store).
    if (p === '/dev' || p.startsWith('/dev/')) return this.writable(s, '/');
    const m = s.mountOf(p);
    return m ? m.mount.writable : 'no';
  }

  private statSync(s: ScriptState, path: string, ignoreOverride = false): PathFact {
    const p = normalPath(path);
    if (!ignoreOverride) {
      const o = s.paths.get(p);
      if (o) return o;
    }
    const m = s.mountOf(p);
    if (m && m.point !== '/' && m.mount.contents !== 'image') {
      if (p === m.point) return { exists: 'yes', kind: 'dir' };
      const below: PathFact = m.mount.contents === 'empty' ? { exists: 'no' } : { exists: 'maybe' };
      if (m.mount.present === 'yes') return below;
      const img = this.host.imageStat(p);
      return { exists: joinTri(img.exists, below.exists), kind: img.kind };
    }
    return this.host.imageStat(p);
  }

  async stat(s: ScriptState, path: string): Promise<PathFact> {
    const p = normalPath(path);
    if ((p.startsWith('/dev/') || p === '/dev') && !s.paths.has(p)) {
      // Directories under /dev (dev/fd, dev/sad) are in the image; links must lead to a driver.
      const img = this.host.imageStat(p);
      if (img.exists === 'yes' && img.kind === 'dir') return img;
      return { exists: await this.devLink(s, p) };
    }
    return this.statSync(s, p);
  }

  /** Whether a /dev path exists: shipped in the image (and leading to a bound driver), or made by devfsadm on this boot. */
  async devLink(s: ScriptState, path: string): Promise<Tri> {
    const p = normalPath(path).slice(1);
    if (p === 'dev') return 'yes';
    let made: Tri = 'no';
    for (const [k, v] of s.devLinks) if (p === k || (k.endsWith('/') && (p.startsWith(k) || `${p}/` === k))) made = made === 'yes' ? 'yes' : v === 'no' ? made : v;
    if (made === 'yes') return 'yes';
    // A link the image ships is there from the start, if it leads to a bound driver.
    return (await this.host.deviceProblem(p)) === undefined ? 'yes' : made;
  }
}

function describeArgs(args: Value[]): string {
  const shown = args.slice(0, 6).map((a) => (a === null ? '…' : a));
  return shown.length ? ` ${shown.join(' ')}${args.length > 6 ? ' …' : ''}` : '';
}

