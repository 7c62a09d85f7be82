import { describe, expect, it } from 'vitest';
import { CheckContext, type ConsoleName } from '../../src/check/context.js';
import { checkTrampoline } from '../../src/check/steps/trampoline.js';
import { checkSmfEntry, checkSysinit } from '../../src/check/steps/userland.js';
import { syntheticObject } from '../../src/demo/synthetic-objects.js';
import { stagedTreeOf, type TreeSpec } from '../fixtures/elf/tree.js';

// checkSysinit: each inittab sysinit entry's program, redirections, devices, files and sockets.

const ctxOf = (spec: TreeSpec, console: ConsoleName = 'ttya') => new CheckContext(stagedTreeOf(spec), { console });
const own = (ctx: CheckContext) => ctx.findings.findings.filter((f) => !f.rule).map((f) => [f.severity, f.message]);
const NO_LINK = "is not in the image (the kernel's /dev makes no link by itself before devfsadm runs)";
const LINK_FIX = 'keep the /dev links the build adds (src/devlinks/table.ts) and their drivers';
const SOCK_SRC = 'usr/src/cmd/cmd-inet/usr.sbin/soconfig.c; usr/src/uts/common/fs/sockfs/sockparams.c';

const INITTAB = [
  'ap::sysinit:/sbin/autopush -f /etc/iu.ap',
  'sp::sysinit:/sbin/soconfig -d /etc/sock2path.d >/dev/msglog',
  'rel::sysinit:autopush -f /x',
  'pf::powerfail:/sbin/x',
  'smf::sysinit:/lib/svc/bin/svc.startd',
  'zz::sysinit:/usr/bin/other -d',
  'yy::sysinit:/usr/bin/other2 -f x',
  'df::sysinit:/usr/sbin/devfsadm',
  'em::sysinit:',
  '',
].join('\n');

describe('checkSysinit', () => {
  it('names each failing entry with its line, its devices, files and socket devices', async () => {
    const ctx = ctxOf({ 'etc/inittab': INITTAB, 'etc/sock2path.d/a': '# c\n1 2 0 /dev/ticotsord\n2 2 0 tcp\n27 3 0 /dev/keysock\n1 1 0 /dev/x extra\n1 1 0 dev/y\n' });
    await checkSysinit(ctx);
    expect(own(ctx)).toEqual([
      ['unusable', '/sbin/autopush is not in the image: inittab entry ap (line 1) fails: the console gets no ldterm or ttcompat: no echo, no CR-NL, no ^C'],
      ['unusable', `inittab entry ap (line 1) (/sbin/autopush) opens /dev/sad/admin: /dev/sad/admin ${NO_LINK}`],
      ['unusable', 'inittab entry ap (line 1) reads /etc/iu.ap, which is not in the image'],
      ['degraded', '/sbin/soconfig is not in the image: inittab entry sp (line 2) fails: no socket configuration: socket(3SOCKET) calls fail'],
      ['degraded', `inittab entry sp (line 2) opens /dev/msglog: /dev/msglog ${NO_LINK}`],
      ['degraded', `inittab entry sp (line 2) (soconfig, for family 1 in /etc/sock2path.d/a) opens /dev/ticotsord: /dev/ticotsord ${NO_LINK}`],
      ['note', `inittab entry sp (line 2) (soconfig, for family 27 in /etc/sock2path.d/a) opens /dev/keysock: /dev/keysock ${NO_LINK}`],
      ['degraded', '/usr/bin/other is not in the image: inittab entry zz (line 6) fails'],
      ['degraded', '/usr/bin/other2 is not in the image: inittab entry yy (line 7) fails'],
      ['degraded', '/usr/sbin/devfsadm is not in the image: inittab entry df (line 8) fails: /dev holds only the links the image ships'],
      ['degraded', 'inittab entry df (line 8) (/usr/sbin/devfsadm) needs /usr/lib/devfsadm/linkmod/SUNW_misc_link.so: devfsadm finds no link modules ("NO_MODULES") and makes no /dev links'],
    ]);
    const f = ctx.findings.findings.filter((x) => !x.rule);
    expect(new Set(f.map((x) => x.step))).toEqual(new Set(['sysinit']));
    expect(f.map((x) => x.source)).toEqual([
      'usr/src/cmd/autopush/autopush.c',
      'usr/src/cmd/autopush/autopush.c',
      'usr/src/cmd/autopush/autopush.c',
      'usr/src/cmd/cmd-inet/usr.sbin/soconfig.c',
      'usr/src/cmd/init/init.c',
      SOCK_SRC,
      SOCK_SRC,
      'usr/src/cmd/init/init.c',
      'usr/src/cmd/init/init.c',
      'usr/src/cmd/devfsadm/devfsadm.c',
      'usr/src/cmd/devfsadm/devfsadm.c',
    ]);
    expect(f[2].fix).toBe('keep /etc/iu.ap from the proto area');
    expect(f[4].fix).toBe(LINK_FIX);
    expect(f[5].fix).toBe(LINK_FIX);
    expect(f[6].fix).toBe('nothing to do for a shell: the launcher runs soconfig again after devfsadm (as usr/src/cmd/svc/milestone/devices-local does)');
    expect(f[10].fix).toBe('keep /usr/lib/devfsadm/linkmod/SUNW_misc_link.so');
    expect(ctx.findings.report('t').steps.find((s) => s.step === 'sysinit')!.checked).toBe(16);
    expect(ctx.sysinitState).toBeDefined();
    expect(ctx.sysinitState!.status).toBe('yes');
    expect(ctx.sysinitState!.vars.size).toBe(0);
  });

  it('what is in the image gives no finding of its own', async () => {
    const ctx = ctxOf({
      'etc/inittab': 'ap::sysinit:/sbin/autopush -f /etc/iu.ap\nsp::sysinit:/sbin/soconfig -d /etc/sock2path.d\n',
      'etc/iu.ap': 'asy -1 0 ldterm\n',
      'etc/sock2path.d/a': '1 2 0 /dev/ticotsord\n',
      'etc/name_to_major': 'sad 1\ntl 2\n',
      'dev/sad/admin': { symlink: '../../devices/pseudo/sad@0:admin' },
      'dev/ticotsord': { symlink: '../devices/pseudo/tl@0:ticotsord' },
    });
    await checkSysinit(ctx);
    expect(own(ctx)).toEqual([
      ['unusable', '/sbin/autopush is not in the image: inittab entry ap (line 1) fails: the console gets no ldterm or ttcompat: no echo, no CR-NL, no ^C'],
      ['degraded', '/sbin/soconfig is not in the image: inittab entry sp (line 2) fails: no socket configuration: socket(3SOCKET) calls fail'],
    ]);
  });

  it('a redirection to a file that is not a device, and a file a program opens that is there, give no finding', async () => {
    const ctx = ctxOf({ 'etc/inittab': 'df::sysinit:/usr/sbin/devfsadm >/tmp/log\n', 'usr/lib/devfsadm/linkmod/SUNW_misc_link.so': '' });
    await checkSysinit(ctx);
    expect(own(ctx)).toEqual([['degraded', '/usr/sbin/devfsadm is not in the image: inittab entry df (line 1) fails: /dev holds only the links the image ships']]);
  });

  it('an image without an inittab has no sysinit entries', async () => {
    const ctx = ctxOf({});
    await checkSysinit(ctx);
    expect(own(ctx)).toEqual([]);
    expect(ctx.findings.report('t').steps.find((s) => s.step === 'sysinit')!.checked).toBe(0);
  });
});

describe('checkTrampoline', () => {
  it('an empty tree: no trampoline, no /sbin/sh, no intpexec, no hand-over; the design note names the root kind', async () => {
    for (const method of ['pool', 'label'] as const) {
      const ctx = ctxOf({});
      await checkTrampoline(ctx, method);
      const f = ctx.findings.findings;
      expect(f.filter((x) => x.step === 'init')).toEqual([
        { step: 'init', severity: 'panic', message: '/etc/compose/trampoline is not in the image: the kernel cannot start its init (boot flag -i /etc/compose/trampoline), and halts with "Could not start init"', source: 'usr/src/uts/common/os/main.c exec_init; usr/src/uts/common/krtld/kobj_bootflags.c', fix: 'add the "trampoline" overlay to the profile' },
        { step: 'init', severity: 'panic', message: '/sbin/sh is not in the image: the trampoline is a /sbin/sh script, so the kernel cannot start its init', source: 'usr/src/uts/common/exec/intp/intp.c', fix: 'keep /sbin/sh and what it needs' },
        { step: 'init', severity: 'panic', message: 'exec/intpexec is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64): the kernel cannot exec "#!" files, and the trampoline, its init, is one ("Could not start init")', source: 'usr/src/uts/common/os/exec.c (execswnames, usr/src/uts/common/conf/param.c)', fix: 'keep exec/intpexec (kernel/exec/amd64/intpexec)' },
      ]);
      const note = f.find((x) => x.step === 'handover' && x.severity === 'note')!;
      expect(note.message.startsWith(`${method} root: the chroot hand-over suits a root whose init runs a shell or the pureboot launcher; an SMF root does not come up right`)).toBe(true);
      expect(note.source).toBe('usr/src/uts/common/fs/mntfs/mntvnops.c; usr/src/lib/libzfs/common/libzfs_dataset.c zfs_prop_get (altroot); usr/src/cmd/svc/milestone/fs-usr');
      expect(note.fix).toBe('boot an SMF system from its own disk, or keep its data on a pool with the storage key (a ramdisk root, as SmartOS does)');
      const noHandover = f.find((x) => x.rule === 'trampoline.no-handover')!;
      expect(noHandover).toMatchObject({ step: 'handover', severity: 'unusable', at: undefined });
      expect(ctx.findings.report('t').steps.find((s) => s.step === 'init')!.checked).toBe(3);
    }
  });
});

describe('checkSmfEntry with a script (the launcher)', () => {
  it('follows the script from the sysinit state and reports its findings at their lines', async () => {
    const ctx = ctxOf({
      'etc/inittab': 'smf::sysinit:/etc/compose/launcher\n',
      'etc/compose/launcher': '#!/sbin/sh\n/usr/bin/nothere\n',
      'sbin/sh': syntheticObject('sbin/sh'),
      'usr/lib/ld.so.1': syntheticObject('usr/lib/ld.so.1'),
      'lib/libc.so.1': syntheticObject('lib/libc.so.1'),
    });
    await checkSmfEntry(ctx);
    expect(ctx.findings.findings).toEqual([
      { severity: 'degraded', step: 'smf', message: '/etc/compose/launcher line 2: runs /usr/bin/nothere, which is not there', source: 'usr/src/cmd/init/init.c', fix: "keep /usr/bin/nothere (the profile's keep list), or change the script", rule: 'program.missing', at: { file: 'etc/compose/launcher', line: 2 } },
    ]);
    expect(ctx.findings.report('t').steps.find((s) => s.step === 'smf')!.checked).toBe(3);
  });
});
