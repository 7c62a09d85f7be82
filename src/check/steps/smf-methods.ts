import type { ScriptHost } from '../../bootpath/commands.js';
import { STORAGE_PATH } from '../../overlay/storage.js';
import { SITE_PROFILE_PATH } from '../../smf/site-profile.js';
import type { CheckContext } from '../context.js';
import { kernelBootState, scriptHost } from '../script/boot-state.js';
import { interpretScript, type ScriptFinding } from '../script/interpret.js';
import { ScriptState } from '../script/state.js';

// The SMF side of an smf image's boot: what svc.startd and svc.configd need from the kernel, and
// the start methods of the services on the way to multi-user, followed in the order their
// dependencies give (boot-archive.xml requires filesystem/root; usr-fs.xml requires boot-archive;
// compose-storage requires filesystem/usr and is required by filesystem/minimal), each from the
// state the one before left. The methods are the image's own scripts (the gate's, or an
// overlay's); a service site.xml disables is not run.

/** The system calls and file system SMF's daemons make at once, with who makes them. */
export const SMF_MODULES: ReadonlyArray<{ module: string; syscall?: string; usedBy: string; source: string }> = [
  { module: 'sys/portfs', syscall: 'portfs', usedBy: 'svc.startd creates its event port at start (port_create) and dies of SIGSYS', source: 'usr/src/cmd/svc/startd/wait.c wait_init (port_create); usr/src/uts/intel/os/name_to_sysnum (portfs)' },
  { module: 'sys/doorfs', syscall: 'doorfs', usedBy: 'svc.configd serves the repository through a door (door_create) and dies of SIGSYS, so svc.startd has no repository', source: 'usr/src/cmd/svc/configd/maindoor.c setup_main_door (door_create); usr/src/uts/intel/os/name_to_sysnum (doorfs)' },
  { module: 'fs/namefs', usedBy: 'svc.configd attaches its door to /etc/svc/volatile/repository_door (fattach mounts namefs) and exits (CONFIGD_EXIT_DOOR_INIT_FAILED)', source: 'usr/src/cmd/svc/configd/maindoor.c setup_main_door (fattach); usr/src/lib/libc/port/gen/fattach.c (mount "namefs")' },
];

/** Start methods in boot order, with the service each belongs to. */
export const SMF_METHODS: ReadonlyArray<{ fmri: string; method: string; leaves?: string }> = [
  { fmri: 'svc:/system/filesystem/root:default', method: 'lib/svc/method/fs-root' },
  { fmri: 'svc:/system/boot-archive:default', method: 'lib/svc/method/boot-archive' },
  // Its job, when the check cannot follow it: the root read-write (fs-usr remounts /).
  { fmri: 'svc:/system/filesystem/usr:default', method: 'lib/svc/method/fs-usr', leaves: 'root read-write' },
  { fmri: 'svc:/site/compose-storage:default', method: STORAGE_PATH },
  { fmri: 'svc:/system/filesystem/minimal:default', method: 'lib/svc/method/fs-minimal' },
  { fmri: 'svc:/system/manifest-import:default', method: 'lib/svc/method/manifest-import' },
];

/** The instances site.xml disables (<instance name='x' enabled='false'/> inside <service name='y'>). */
export function disabledInSiteProfile(xml: string | undefined): Set<string> {
  const out = new Set<string>();
  if (!xml) return out;
  for (const svc of xml.matchAll(/<service\s+name=['"]([^'"]+)['"][^>]*>([\s\S]*?)<\/service>/g)) {
    for (const inst of svc[2].matchAll(/<instance\s+name=['"]([^'"]+)['"]\s+enabled=['"]false['"]/g)) out.add(`svc:/${svc[1]}:${inst[1]}`);
  }
  return out;
}

/** Follow the methods from the kernel's state; what each leaves is where the next starts. */
export async function followSmfMethods(host: ScriptHost, initial: ScriptState, disabled: Set<string>): Promise<{ findings: ScriptFinding[]; commands: number; followed: string[] }> {
  const findings: ScriptFinding[] = [];
  let state = initial;
  let commands = 0;
  const followed: string[] = [];
  for (const m of SMF_METHODS) {
    if (disabled.has(m.fmri)) continue;
    if (host.imageStat(`/${m.method}`).exists !== 'yes') {
      if (m.leaves === 'root read-write') {
        state = state.clone();
        state.mounts.set('/', { ...state.mounts.get('/')!, writable: 'yes' });
      }
      continue;
    }
    followed.push(m.method);
    const r = await interpretScript(host, { file: m.method, step: 'smf', cap: 'unusable', initial: state, args: ['start'], when: ` (${m.fmri} start)` });
    findings.push(...r.findings);
    commands += r.commands;
    if (r.ends.length === 0) continue;
    if (r.ends.every((e) => e.status === 'no')) {
      findings.push({ severity: 'unusable', step: 'smf', file: m.method, line: 0, rule: 'smf.method-fails', message: `/${m.method} (${m.fmri} start) exits with an error on every path the check can follow: the service goes to maintenance, and what depends on it (the way to multi-user and the console login) never starts`, source: 'usr/src/cmd/svc/startd/method.c (a method exiting non-zero puts the instance in maintenance)', fix: 'fix the findings above, or replace the method in an overlay' });
    }
    state = r.ends.reduce((a, b) => ScriptState.join(a, b));
    state.vars = new Map();
    state.functions = new Map();
  }
  return { findings, commands, followed };
}

export async function checkSmfMethods(ctx: CheckContext): Promise<void> {
  // The daemons' own needs from the kernel.
  const sysnum = (await ctx.text('etc/name_to_sysnum')) ?? '';
  const names = new Set(sysnum.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean));
  for (const m of SMF_MODULES) {
    ctx.checked('smf');
    const p = await ctx.moduleProblem(m.module);
    if (p) ctx.add('smf', 'unusable', `${p}: ${m.usedBy}`, m.source, `keep ${m.module} in the image`);
    else if (m.syscall && !names.has(m.syscall)) ctx.add('smf', 'unusable', `${m.syscall} has no line in etc/name_to_sysnum, so its system calls raise SIGSYS: ${m.usedBy}`, m.source, 'keep etc/name_to_sysnum from the proto area');
  }
  const disabled = disabledInSiteProfile(await ctx.text(SITE_PROFILE_PATH));
  const r = await followSmfMethods(scriptHost(ctx), ctx.sysinitState ?? (await kernelBootState(ctx)), disabled);
  for (const f of r.findings) ctx.addFinding({ severity: f.severity, step: f.step, message: f.message, source: f.source, fix: f.fix, rule: f.rule, at: f.line ? { file: f.file, line: f.line } : undefined });
  ctx.checked('smf', r.commands);
}
