import type { ScriptHost } from '../../bootpath/commands.js';
import { TRAMPOLINE_PATH } from '../../overlay/trampoline.js';
import type { CheckContext } from '../context.js';
import { kernelBootState, scriptHost } from '../script/boot-state.js';
import { interpretScript, type ScriptFinding } from '../script/interpret.js';
import { ScriptState } from '../script/state.js';

// Step handover, for trampoline images: the kernel runs /etc/compose/trampoline as init (a "#!"
// script, so through intpexec and /sbin/sh). The check runs the script through the model of the
// booted system (src/check/script), command by command, with each command's preconditions from
// src/bootpath/commands.ts: it must mount the root and exec chroot into it, on the first boot and
// when the kernel restarts it. The disk drivers depend on the machine: the profile's hardware
// list keeps them.

const MODULE_DIRS = ['/platform/i86pc/kernel', '/kernel', '/usr/kernel'];
/** What a restarted trampoline that does not know it was restarted trips over. */
const BUSY_RULES = new Set(['zfs.mount-busy', 'mount.point-busy']);
const RESTART = ' (when the kernel runs the trampoline again after the root\'s init exits)';

/**
 * Follow the trampoline through the boot: from the kernel's state, then again from the state it
 * handed over in (the kernel restarts process 1's program when the new init exits:
 * usr/src/uts/common/os/exit.c proc_exit -> restart_init). Both runs must reach "exec chroot".
 */
export async function followTrampoline(host: ScriptHost, initial: ScriptState, file = TRAMPOLINE_PATH): Promise<{ findings: ScriptFinding[]; commands: number }> {
  const step = 'handover';
  const first = await interpretScript(host, { file, step, cap: 'unusable', initial, args: null });
  const findings = [...first.findings];
  const handovers = first.execs.filter((e) => e.command.split('/').pop() === 'chroot');
  if (handovers.length === 0) {
    findings.push({ severity: 'unusable', step, file, line: 0, rule: 'trampoline.no-handover', message: `/${file} never reaches "exec chroot <root> <init>" on any path: the root on the disk is never started`, source: 'usr/src/uts/common/os/main.c exec_init; the findings above say which command stops it', fix: 'fix the findings above; the trampoline must mount the root and exec chroot into it' });
    return { findings, commands: first.commands };
  }
  for (const h of handovers) {
    const root = h.args[0];
    // The kernel's boot flags reach process 1 (the trampoline) only; the new init gets them through "$@".
    if (!h.raw.slice(2).some((w) => w === '"$@"')) {
      findings.push({ severity: 'degraded', step, file: h.file, line: h.line, rule: 'trampoline.boot-flags', message: `/${h.file} line ${h.line}: the hand-over does not pass the kernel's boot flags on ("$@"): -s (single user), -m milestone=... and -v reach the trampoline, not the root's init`, source: 'usr/src/uts/common/os/main.c exec_init (initargs); usr/src/uts/common/krtld/kobj_bootflags.c', fix: 'exec chroot $ROOT $INIT "$@"' });
    }
    // Module directories of the root covered by the ramdisk's (pruned) ones.
    if (root) {
      for (const d of MODULE_DIRS) {
        const m = h.state.mounts.get(`${root}${d}`);
        if (m && m.present !== 'no') findings.push({ severity: 'degraded', step, file: h.file, line: h.line, rule: 'trampoline.covers-modules', message: `/${h.file}: ${root}${d} is covered by a ${m.fstype} mount of the ramdisk's ${m.source ?? d} when the root's init starts: programs there load the ramdisk's (pruned) modules, and svc.startd (sys/portfs) or svc.configd (sys/doorfs, fs/namefs) die of SIGSYS when those were pruned`, source: 'usr/src/uts/common/krtld/kobj.c (module paths are looked up from the calling process\'s root)', fix: 'do not mount over the root\'s module directories; the ramdisk\'s kernel and the root\'s userland must come from the same build' });
      }
    }
  }
  // The restart: the same script as process 1 again, with every mount still in place, from each
  // way the first run handed over (up to four; they differ in what was mounted how).
  const starts = new Map<string, ScriptState>();
  for (const h of handovers) {
    const s = h.state.clone();
    s.vars = new Map();
    s.functions = new Map();
    s.status = 'yes';
    starts.set(s.signature(), s);
  }
  let commands = first.commands;
  let stuck: string | undefined;
  for (const start of [...starts.values()].slice(0, 4)) {
    const again = await interpretScript(host, { file, step, cap: 'degraded', initial: start, args: null, when: RESTART });
    findings.push(...again.findings);
    commands += again.commands;
    // Trying to mount or import again what is mounted already is the search failing: whether
    // a path past that still reaches a hand-over depends on what the disk holds, not on the script.
    const busy = again.findings.find((f) => BUSY_RULES.has(f.rule));
    if (busy) stuck ??= `it mounts again what is mounted already (line ${busy.line}) and fails`;
    else if (!again.execs.some((e) => e.command.split('/').pop() === 'chroot')) stuck ??= 'it never reaches "exec chroot" again';
  }
  if (stuck) {
    findings.push({ severity: 'degraded', step, file, line: 0, rule: 'trampoline.restart', message: `/${file}${RESTART}: ${stuck}: the root is mounted and its pool imported already, so the search fails and the console gets the rescue shell`, source: 'usr/src/uts/common/os/exit.c proc_exit -> restart_init (exec_init of the same initname)', fix: 'when the root is mounted already, exec chroot into it again (the shipped trampoline marks the hand-over in /etc/svc/volatile)' });
  }
  // One finding per fact: several paths may reach the same hand-over.
  const unique = findings.filter((f, i) => findings.findIndex((g) => g.rule === f.rule && g.message === f.message) === i);
  return { findings: unique, commands };
}

/** The hand-over design's limits, said on every trampoline image. */
const SUPPORTED_ROOTS = 'the chroot hand-over suits a root whose init runs a shell or the pureboot launcher; an SMF root does not come up right: mntfs shows the ramdisk as / and the real root as /a (/etc/mnttab is per zone, not per chroot), so svc:/system/filesystem/usr drops to maintenance, and zfs prefixes the /a altroot to every mountpoint. The root\'s programs load kernel modules from the root\'s own /kernel, so the ramdisk\'s kernel and the root\'s userland must come from the same build';

export async function checkTrampoline(ctx: CheckContext, method: 'pool' | 'label'): Promise<void> {
  const step = 'handover';
  // init itself: the script, its interpreter, and the exec module for "#!" files.
  for (const p of await ctx.programProblems(TRAMPOLINE_PATH)) ctx.add('init', 'panic', `${p}: the kernel cannot start its init (boot flag -i /${TRAMPOLINE_PATH}), and halts with "Could not start init"`, 'usr/src/uts/common/os/main.c exec_init; usr/src/uts/common/krtld/kobj_bootflags.c', 'add the "trampoline" overlay to the profile');
  for (const p of await ctx.programProblems('sbin/sh')) ctx.add('init', 'panic', `${p}: the trampoline is a /sbin/sh script, so the kernel cannot start its init`, 'usr/src/uts/common/exec/intp/intp.c', 'keep /sbin/sh and what it needs');
  const intp = await ctx.moduleProblem('exec/intpexec');
  if (intp) ctx.add('init', 'panic', `${intp}: the kernel cannot exec "#!" files, and the trampoline, its init, is one ("Could not start init")`, 'usr/src/uts/common/os/exec.c (execswnames, usr/src/uts/common/conf/param.c)', 'keep exec/intpexec (kernel/exec/amd64/intpexec)');
  ctx.checked('init', 3);
  const { findings, commands } = await followTrampoline(scriptHost(ctx), await kernelBootState(ctx));
  for (const f of findings) ctx.addFinding({ severity: f.severity, step: f.step, message: f.message, source: f.source, fix: f.fix, rule: f.rule, at: f.line ? { file: f.file, line: f.line } : undefined });
  ctx.checked(step, commands);
  ctx.add(step, 'note', `${method === 'pool' ? 'pool' : 'label'} root: ${SUPPORTED_ROOTS}`, 'usr/src/uts/common/fs/mntfs/mntvnops.c; usr/src/lib/libzfs/common/libzfs_dataset.c zfs_prop_get (altroot); usr/src/cmd/svc/milestone/fs-usr', 'boot an SMF system from its own disk, or keep its data on a pool with the storage key (a ramdisk root, as SmartOS does)');
}
