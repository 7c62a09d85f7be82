import { BOOT_SYSCALLS } from '../../bootpath/kernel-modules.js';
import { LAUNCHER_CONF_PATH } from '../../overlay/launcher-config.js';
import type { CheckContext } from '../context.js';
import type { Severity, StepId } from '../findings.js';
import { parseInittab, type InittabEntry } from '../inittab.js';
import { simpleCommands, type SimpleCommand } from '../shell-words.js';
import { kernelBootState, scriptHost } from '../script/boot-state.js';
import { interpretScript } from '../script/interpret.js';
import { ScriptState } from '../script/state.js';
import { checkSmfMethods } from './smf-methods.js';

// Steps init, sysinit, smf and shell: /sbin/init and what it reads, each sysinit entry, the smf
// entry (the launcher or svc.startd) and every command it runs, and the console shell with the
// loadable system calls it needs.

const INIT_C = 'usr/src/cmd/init/init.c';
const SOCK2PATH_DIR = 'etc/sock2path.d';

const programInfo = (ctx: CheckContext, path: string) => ctx.bootProgram(path);

async function checkProgram(ctx: CheckContext, step: StepId, path: string, severity: Severity, why: string, source: string): Promise<boolean> {
  ctx.checked(step);
  const problems = await ctx.programProblems(path);
  for (const p of problems) ctx.add(step, severity, `${p}: ${why}`, source, `keep /${path.replace(/^\/+/, '')} and what it needs (the closure's missing files come from the gate packages that deliver them)`);
  return problems.length === 0;
}

/** A /dev path a command opens or redirects to: the link and the driver behind it. */
async function checkDevice(ctx: CheckContext, step: StepId, path: string, severity: Severity, who: string, source: string, fix?: string): Promise<void> {
  const clean = path.replace(/^\/+/, '');
  if (!clean.startsWith('dev/')) return;
  ctx.checked(step);
  const d = await ctx.device(clean);
  if (d.problem) ctx.add(step, severity, `${who} opens /${clean}: ${d.problem}`, source, fix ?? (d.node ? 'give the build the driver actions (--manifests) or --state-from' : 'keep the /dev links the build adds (src/devlinks/table.ts) and their drivers'));
}

export async function checkInit(ctx: CheckContext): Promise<void> {
  const init = programInfo(ctx, 'sbin/init')!;
  await checkProgram(ctx, 'init', 'sbin/init', init.severity, init.effect, init.source);
  const sh = programInfo(ctx, 'sbin/sh')!;
  await checkProgram(ctx, 'init', 'sbin/sh', sh.severity, sh.effect, sh.source);
  ctx.checked('init');
  const inittab = await ctx.text('etc/inittab');
  if (inittab === undefined || inittab.length < 10) ctx.add('init', 'unusable', '/etc/inittab is missing or shorter than 10 bytes: init finds no entries and enters maintenance', `${INIT_C} getcmd`, 'keep the inittab the build writes');
  ctx.checked('init');
  const syscon = await ctx.text('etc/ioctl.syscon');
  if (syscon === undefined || !ioctlSysconValid(syscon)) {
    ctx.add('init', 'unusable', `/etc/ioctl.syscon is ${syscon === undefined ? 'missing' : 'not in either format init reads (22 or 13 hex fields)'}: init warns on the console before autopush has run, then rewrites the file on the read-only root through a NULL FILE pointer (read from the code: init crashes)`, `${INIT_C} get_ioctl_syscon, write_ioctl_syscon`, 'keep etc/ioctl.syscon from the proto area (SUNWcs delivers it; usr/src/cmd/Adm/sun/ioctl.syscon)');
  }
  ctx.checked('init');
  if ((await ctx.text('etc/default/init')) === undefined) {
    ctx.add('init', 'degraded', '/etc/default/init is missing: init prints "Cannot open /etc/default/init" on the console before autopush has run, so the console stream is made without ldterm (the launcher pushes it afterwards when strconf and strchg are in the image)', `${INIT_C} init_env; usr/src/uts/common/os/streamio.c stropen`, 'keep etc/default/init from the proto area');
  }
  await checkDevice(ctx, 'init', 'dev/syscon', 'degraded', 'init (for its console messages)', `${INIT_C} console()`);
}

/**
 * Whether init accepts etc/ioctl.syscon: it scans up to 22 colon-separated hex numbers and takes
 * the file when all 22 are there, or exactly 13 (the old format); anything else is rewritten.
 */
export function ioctlSysconValid(text: string): boolean {
  let n = 0;
  for (const f of text.trim().split(':')) {
    if (!/^\s*[0-9a-fA-F]+/.test(f) || n === 22) break;
    n++;
  }
  return n === 22 || n === 13;
}

function entriesOf(inittab: string | undefined): InittabEntry[] {
  return inittab === undefined ? [] : parseInittab(inittab);
}

/** The program an inittab process field runs (through /sbin/sh -c), and its redirections. */
function commandOf(process: string): SimpleCommand | undefined {
  return simpleCommands(process)[0];
}

export async function checkSysinit(ctx: CheckContext): Promise<void> {
  const entries = entriesOf(await ctx.text('etc/inittab'));
  for (const e of entries) {
    if (e.action !== 'sysinit' || e.id === 'smf') continue;
    const cmd = commandOf(e.process);
    if (!cmd || !cmd.command.startsWith('/')) continue;
    const what = `inittab entry ${e.id} (line ${e.line})`;
    const info = programInfo(ctx, cmd.command);
    const severity = info?.severity ?? 'degraded';
    await checkProgram(ctx, 'sysinit', cmd.command, severity, `${what} fails${info ? `: ${info.effect}` : ''}`, info?.source ?? INIT_C);
    for (const r of cmd.redirects) await checkDevice(ctx, 'sysinit', r, severity, what, INIT_C);
    for (const o of info?.opens ?? []) {
      if (o.path.startsWith('dev/')) await checkDevice(ctx, 'sysinit', o.path, o.severity, `${what} (${cmd.command})`, info!.source);
      else if (!ctx.isFile(o.path)) ctx.add('sysinit', o.severity, `${what} (${cmd.command}) needs /${o.path}: ${o.effect}`, info!.source, `keep /${o.path}`);
    }
    // Files named by the options autopush and soconfig take.
    const fileArg = cmd.args[cmd.args.indexOf('-f') + 1] ?? cmd.args[cmd.args.indexOf('-d') + 1];
    if ((cmd.args.includes('-f') || cmd.args.includes('-d')) && fileArg?.startsWith('/')) {
      ctx.checked('sysinit');
      const path = fileArg.replace(/^\/+/, '');
      if (!ctx.trace(path)) ctx.add('sysinit', severity, `${what} reads ${fileArg}, which is not in the image`, info?.source ?? INIT_C, `keep ${fileArg} from the proto area`);
    }
    if (info?.path === 'sbin/soconfig') await checkSockets(ctx, what);
  }
  ctx.sysinitState = await followSysinit(ctx, entries);
}

/** What the checks above do not already say of a sysinit entry: its programs and devices are theirs. */
const SYSINIT_COVERED = new Set(['program.missing', 'program.cannot-run', 'program.opens', 'redirect.device', 'autopush.sad-admin']);

/**
 * The sysinit entries run one after another through /sbin/sh -c (init.c boot_init), each followed
 * through the model of the booted system; the smf entry starts from the state they leave.
 */
async function followSysinit(ctx: CheckContext, entries: InittabEntry[]): Promise<ScriptState> {
  let state = await kernelBootState(ctx);
  const host = scriptHost(ctx);
  for (const e of entries) {
    if (e.action !== 'sysinit' || e.id === 'smf') continue;
    const r = await interpretScript(host, { file: 'etc/inittab', step: 'sysinit', cap: 'unusable', initial: state, args: [], text: e.process, firstLine: e.line, when: ` (entry ${e.id})` });
    for (const f of r.findings) if (!SYSINIT_COVERED.has(f.rule)) ctx.addFinding({ severity: f.severity, step: f.step, message: f.message, source: f.source, fix: f.fix, rule: f.rule, at: { file: f.file, line: f.line } });
    ctx.checked('sysinit', r.commands);
    if (r.ends.length) state = r.ends.reduce((a, b) => ScriptState.join(a, b));
    state.vars = new Map();
    state.functions = new Map();
    state.status = 'yes';
  }
  return state;
}

/** soconfig's sock2path.d entries that name /dev paths are configured only if those exist now. */
async function checkSockets(ctx: CheckContext, who: string): Promise<void> {
  for (const name of ctx.tree.children(SOCK2PATH_DIR)) {
    const text = await ctx.text(name);
    for (const line of (text ?? '').split('\n')) {
      const fields = line.replace(/#.*/, '').trim().split(/\s+/);
      const path = fields[3];
      if (fields.length === 4 && path.startsWith('/dev/')) {
        // AF_UNIX (family 1) matters to many programs; the rest (PF_KEY, PF_POLICY) only to IPsec,
        // and the launcher configures them again once devfsadm has made their links.
        const unix = fields[0] === '1';
        await checkDevice(ctx, 'sysinit', path, unix ? 'degraded' : 'note', `${who} (soconfig, for family ${fields[0]} in /${name})`, 'usr/src/cmd/cmd-inet/usr.sbin/soconfig.c; usr/src/uts/common/fs/sockfs/sockparams.c', unix ? undefined : 'nothing to do for a shell: the launcher runs soconfig again after devfsadm (as usr/src/cmd/svc/milestone/devices-local does)');
      }
    }
  }
}

export async function checkSmfEntry(ctx: CheckContext): Promise<void> {
  ctx.checked('smf');
  const entry = entriesOf(await ctx.text('etc/inittab')).find((e) => e.id === 'smf');
  if (!entry) {
    ctx.add('smf', 'unusable', '/etc/inittab has no smf entry: init prints "Absent svc.startd entry or bad contract template" and enters maintenance', `${INIT_C} boot_init`, 'keep the inittab the build writes (its smf entry runs the launcher or svc.startd)');
    return;
  }
  const cmd = commandOf(entry.process);
  if (!cmd || !cmd.command.startsWith('/')) {
    ctx.add('smf', 'note', `the smf entry runs "${entry.process}", which this check cannot follow`, INIT_C, 'make the smf entry an absolute program path');
    return;
  }
  const what = `the smf entry (${cmd.command})`;
  const ok = await checkProgram(ctx, 'smf', cmd.command, 'unusable', `${what} cannot run, and init restarts it until it enters maintenance`, `${INIT_C} startd_run`);
  for (const r of cmd.redirects) await checkDevice(ctx, 'smf', r, 'unusable', what, `${INIT_C} startd_run`);
  if (!ok) return;
  const path = cmd.command.replace(/^\/+/, '');
  const t = ctx.trace(path)!;
  const kind = await ctx.inspector.inspect(t.entry);
  if (kind.kind === 'script') await checkScript(ctx, path);
  else if (programInfo(ctx, path)?.path === 'lib/svc/bin/svc.startd') {
    const configd = programInfo(ctx, 'lib/svc/bin/svc.configd')!;
    await checkProgram(ctx, 'smf', configd.path, configd.severity, configd.effect, configd.source);
    ctx.checked('smf');
    if (!ctx.isFile('etc/svc/repository.db')) ctx.add('smf', 'unusable', '/etc/svc/repository.db is not in the image: svc.configd has no repository', 'usr/src/cmd/svc/configd', 'use the smf profile, which seeds it from lib/svc/seed/global.db, or --repository');
    await checkSmfMethods(ctx);
  }
}

/**
 * A script run as the smf entry (the launcher): followed command by command through the model of
 * the booted system, from the state the kernel leaves (src/check/script). Its setup failing
 * still leaves the shell loop, so a failed command is at worst degraded; a script that cannot
 * read its settings, or cannot be parsed, never reaches the shell.
 */
async function checkScript(ctx: CheckContext, path: string): Promise<void> {
  const r = await interpretScript(scriptHost(ctx), { file: path, step: 'smf', cap: 'degraded', initial: ctx.sysinitState ?? (await kernelBootState(ctx)), args: [] });
  for (const f of r.findings) ctx.addFinding({ severity: f.severity, step: f.step, message: f.message, source: f.source, fix: f.fix, rule: f.rule, at: { file: f.file, line: f.line } });
  ctx.checked('smf', r.commands);
}

export async function checkShell(ctx: CheckContext, launcher: boolean): Promise<void> {
  // The console shell: the launcher's COMPOSE_SHELL (it falls back to /sbin/sh), else /sbin/sh.
  const conf = launcher ? await ctx.text(LAUNCHER_CONF_PATH) : undefined;
  const configured = conf ? /^COMPOSE_SHELL='?([^'\n]+)'?$/m.exec(conf)?.[1] : undefined;
  const shell = (configured ?? '/sbin/sh').replace(/^\/+/, '');
  const problems = await ctx.programProblems(shell);
  ctx.checked('shell');
  if (problems.length && configured) {
    ctx.add('shell', 'degraded', `the profile's shell /${shell} cannot run (${problems[0]}); the launcher falls back to /sbin/sh`, 'overlays/pureboot/etc/compose/launcher', `keep /${shell} and what it needs, or set init.shell to /sbin/sh`);
  } else {
    for (const p of problems) ctx.add('shell', 'unusable', `the console shell: ${p}`, INIT_C, `keep /${shell} and what it needs`);
  }
  // Loadable system calls: their names come from etc/name_to_sysnum; without a name, or without
  // the module, the call raises SIGSYS (usr/src/uts/intel/ia32/os/syscall.c nosys).
  const sysnum = await ctx.text('etc/name_to_sysnum');
  const names = new Set((sysnum ?? '').split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean));
  for (const s of BOOT_SYSCALLS) {
    ctx.checked('shell');
    const step: StepId = 'shell';
    const source = 'usr/src/uts/common/os/modctl.c mod_setup; usr/src/uts/intel/ia32/os/syscall.c loadable_syscall';
    if (!names.has(s.name)) {
      ctx.add(step, s.severity, `${s.name}(2) has no line in etc/name_to_sysnum${sysnum === undefined ? ' (the file is missing)' : ''}: it raises SIGSYS. Used by ${s.usedBy}`, source, 'keep etc/name_to_sysnum from the proto area (usr/src/uts/intel/os/name_to_sysnum)');
      continue;
    }
    const p = await ctx.moduleProblem(s.module);
    if (p) ctx.add(step, s.severity, `${s.name}(2) cannot be loaded (${p}): it raises SIGSYS. Used by ${s.usedBy}`, source, `keep ${s.module} in the image`);
  }
}
