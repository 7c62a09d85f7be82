import { describe, expect, it } from 'vitest';
import { CheckContext } from '../../src/check/context.js';
import type { CheckReport } from '../../src/check/findings.js';
import { followTrampoline, checkTrampoline } from '../../src/check/steps/trampoline.js';
import { followSmfMethods, checkSmfMethods, disabledInSiteProfile } from '../../src/check/steps/smf-methods.js';
import { syntheticObject } from '../../src/demo/synthetic-objects.js';
import { buildSyntheticElf } from '../../src/elf/write-synthetic.js';
import { stagedTreeOf } from '../fixtures/elf/tree.js';
import { bootState, fakeHost, type FakeImage } from '../support/script-host.js';

const T = 'etc/compose/trampoline';
/** A report with only the steps that checked or found something, as [step, checked, findings]. */
const brief = (r: CheckReport) => ({ target: r.target, findings: r.findings, steps: r.steps.filter((x) => x.checked || x.findings).map((x) => [x.step, x.checked, x.findings]), bootable: r.bootable });
const PATHS = ['a/', 'sbin/mount', 'usr/sbin/chroot', 'sbin/init', 'usr/bin/touch', 'usr/bin/mkdir', 'usr/sbin/mount', 'usr/lib/fs/ufs/mount', 'usr/lib/fs/lofs/mount', 'usr/lib/fs/tmpfs/mount', 'tmp/', 'kernel/', 'usr/kernel/', 'etc/fs/ufs/mount', 'dev/dsk/c0d0s0', 'a/kernel/', 'a/usr/kernel/', 'a/platform/i86pc/kernel/', 'dev/null', 'var/', 'etc/'];
const img = (texts: Record<string, string>): FakeImage => ({ paths: PATHS, texts, modules: ['fs/ufs', 'fs/lofs', 'fs/tmpfs'] });
const M = 'mount -F ufs /dev/dsk/c0d0s0 /a\n[ -x /a/sbin/init ] || exit 1\n';
/** What a restarted trampoline that mounts /a again reports: the busy mount at line 3, then no hand-over. */
const RESTART_BUSY ={
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 3,
  "rule": "mount.point-busy",
  "message": "/etc/compose/trampoline line 3 (when the kernel runs the trampoline again after the root's init exits): mount -F ufs /dev/dsk/c0d0s0 /a: /a is a mount point already (ufs), so the mount fails with EBUSY",
  "source": "usr/src/uts/common/fs/vfs.c domount (EBUSY: \"vn_vfswlock\" on a covered vnode without MS_OVERLAY)",
  "fix": "test whether it is mounted already (a restarted script finds it so), or unmount it first"
 };
const RESTART_STUCK ={
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 0,
  "rule": "trampoline.restart",
  "message": "/etc/compose/trampoline (when the kernel runs the trampoline again after the root's init exits): it mounts again what is mounted already (line 2) and fails: the root is mounted and its pool imported already, so the search fails and the console gets the rescue shell",
  "source": "usr/src/uts/common/os/exit.c proc_exit -> restart_init (exec_init of the same initname)",
  "fix": "when the root is mounted already, exec chroot into it again (the shipped trampoline marks the hand-over in /etc/svc/volatile)"
 };
const mod = (needed: string[]) => buildSyntheticElf({ type: 'rel', needed });
const LIBS = { 'usr/lib/ld.so.1': syntheticObject('usr/lib/ld.so.1'), 'lib/libc.so.1': syntheticObject('lib/libc.so.1'), 'sbin/sh': syntheticObject('sbin/sh') };

describe('followTrampoline', () => {
  it("a script that never reaches exec chroot is named, with what the kernel does", async () => {
    const r = await followTrampoline(fakeHost(img({ [T]: '#!/sbin/sh\nexit 1\n' })), bootState());
    expect(r.commands).toBe(1);
    expect(r.findings).toEqual([
 {
  "severity": "unusable",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 0,
  "rule": "trampoline.no-handover",
  "message": "/etc/compose/trampoline never reaches \"exec chroot <root> <init>\" on any path: the root on the disk is never started",
  "source": "usr/src/uts/common/os/main.c exec_init; the findings above say which command stops it",
  "fix": "fix the findings above; the trampoline must mount the root and exec chroot into it"
 }
]);
  });

  it("a hand-over without \"$@\" loses the boot flags; the restart mounts again and is stuck", async () => {
    const r = await followTrampoline(fakeHost(img({ [T]: `#!/sbin/sh\n${M}exec chroot "$@"\n` })), bootState());
    expect(r.commands).toBe(9);
    expect(r.findings).toEqual([
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 4,
  "rule": "trampoline.boot-flags",
  "message": "/etc/compose/trampoline line 4: the hand-over does not pass the kernel's boot flags on (\"$@\"): -s (single user), -m milestone=... and -v reach the trampoline, not the root's init",
  "source": "usr/src/uts/common/os/main.c exec_init (initargs); usr/src/uts/common/krtld/kobj_bootflags.c",
  "fix": "exec chroot $ROOT $INIT \"$@\""
 },
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 2,
  "rule": "mount.point-busy",
  "message": "/etc/compose/trampoline line 2 (when the kernel runs the trampoline again after the root's init exits): mount -F ufs /dev/dsk/c0d0s0 /a: /a is a mount point already (ufs), so the mount fails with EBUSY",
  "source": "usr/src/uts/common/fs/vfs.c domount (EBUSY: \"vn_vfswlock\" on a covered vnode without MS_OVERLAY)",
  "fix": "test whether it is mounted already (a restarted script finds it so), or unmount it first"
 },
 RESTART_STUCK
]);
  });

  it("ramdisk mounts over the root's module directories are named, one finding per directory", async () => {
    const r = await followTrampoline(fakeHost(img({ [T]: `#!/sbin/sh\n${M}mount -F lofs /kernel /a/kernel\nmount -F tmpfs swap /a/usr/kernel\nexec /usr/sbin/chroot /a /sbin/init\n` })), bootState());
    expect(r.commands).toBe(39);
    expect(r.findings).toEqual([
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 6,
  "rule": "trampoline.boot-flags",
  "message": "/etc/compose/trampoline line 6: the hand-over does not pass the kernel's boot flags on (\"$@\"): -s (single user), -m milestone=... and -v reach the trampoline, not the root's init",
  "source": "usr/src/uts/common/os/main.c exec_init (initargs); usr/src/uts/common/krtld/kobj_bootflags.c",
  "fix": "exec chroot $ROOT $INIT \"$@\""
 },
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 6,
  "rule": "trampoline.covers-modules",
  "message": "/etc/compose/trampoline: /a/kernel is covered by a lofs mount of the ramdisk's /kernel when the root's init starts: programs there load the ramdisk's (pruned) modules, and svc.startd (sys/portfs) or svc.configd (sys/doorfs, fs/namefs) die of SIGSYS when those were pruned",
  "source": "usr/src/uts/common/krtld/kobj.c (module paths are looked up from the calling process's root)",
  "fix": "do not mount over the root's module directories; the ramdisk's kernel and the root's userland must come from the same build"
 },
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 6,
  "rule": "trampoline.covers-modules",
  "message": "/etc/compose/trampoline: /a/usr/kernel is covered by a tmpfs mount of the ramdisk's /usr/kernel when the root's init starts: programs there load the ramdisk's (pruned) modules, and svc.startd (sys/portfs) or svc.configd (sys/doorfs, fs/namefs) die of SIGSYS when those were pruned",
  "source": "usr/src/uts/common/krtld/kobj.c (module paths are looked up from the calling process's root)",
  "fix": "do not mount over the root's module directories; the ramdisk's kernel and the root's userland must come from the same build"
 },
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 2,
  "rule": "mount.point-busy",
  "message": "/etc/compose/trampoline line 2 (when the kernel runs the trampoline again after the root's init exits): mount -F ufs /dev/dsk/c0d0s0 /a: /a is a mount point already (ufs), so the mount fails with EBUSY",
  "source": "usr/src/uts/common/fs/vfs.c domount (EBUSY: \"vn_vfswlock\" on a covered vnode without MS_OVERLAY)",
  "fix": "test whether it is mounted already (a restarted script finds it so), or unmount it first"
 },
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 4,
  "rule": "mount.point-busy",
  "message": "/etc/compose/trampoline line 4 (when the kernel runs the trampoline again after the root's init exits): mount -F lofs /kernel /a/kernel: /a/kernel is a mount point already (lofs), so the mount fails with EBUSY",
  "source": "usr/src/uts/common/fs/vfs.c domount (EBUSY: \"vn_vfswlock\" on a covered vnode without MS_OVERLAY)",
  "fix": "test whether it is mounted already (a restarted script finds it so), or unmount it first"
 },
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 5,
  "rule": "mount.point-busy",
  "message": "/etc/compose/trampoline line 5 (when the kernel runs the trampoline again after the root's init exits): mount -F tmpfs swap /a/usr/kernel: /a/usr/kernel is a mount point already (tmpfs), so the mount fails with EBUSY",
  "source": "usr/src/uts/common/fs/vfs.c domount (EBUSY: \"vn_vfswlock\" on a covered vnode without MS_OVERLAY)",
  "fix": "test whether it is mounted already (a restarted script finds it so), or unmount it first"
 },
 RESTART_STUCK
]);
  });

  it("several paths to the same hand-over give one finding per fact", async () => {
    const r = await followTrampoline(fakeHost(img({ [T]: `#!/sbin/sh\nif [ -f /x ]; then mount -F tmpfs swap /tmp; fi\n${M}if [ -f /y ]; then exec chroot /a /sbin/init; fi\nexec chroot /a /sbin/init\n` })), bootState());
    expect(r.commands).toBe(13);
    expect(r.findings).toEqual([
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 6,
  "rule": "trampoline.boot-flags",
  "message": "/etc/compose/trampoline line 6: the hand-over does not pass the kernel's boot flags on (\"$@\"): -s (single user), -m milestone=... and -v reach the trampoline, not the root's init",
  "source": "usr/src/uts/common/os/main.c exec_init (initargs); usr/src/uts/common/krtld/kobj_bootflags.c",
  "fix": "exec chroot $ROOT $INIT \"$@\""
 },
 RESTART_BUSY,
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 0,
  "rule": "trampoline.restart",
  "message": "/etc/compose/trampoline (when the kernel runs the trampoline again after the root's init exits): it mounts again what is mounted already (line 3) and fails: the root is mounted and its pool imported already, so the search fails and the console gets the rescue shell",
  "source": "usr/src/uts/common/os/exit.c proc_exit -> restart_init (exec_init of the same initname)",
  "fix": "when the root is mounted already, exec chroot into it again (the shipped trampoline marks the hand-over in /etc/svc/volatile)"
 }
]);
  });

  it("only exec chroot is a hand-over: another exec is not judged as one", async () => {
    const r = await followTrampoline(fakeHost(img({ [T]: `#!/sbin/sh\nif [ -f /x ]; then exec /sbin/init; fi\n${M}exec chroot /a /sbin/init "$@"\n` })), bootState());
    expect(r.commands).toBe(11);
    expect(r.findings).toEqual([
 RESTART_BUSY,
 {
  "severity": "degraded",
  "step": "handover",
  "file": "etc/compose/trampoline",
  "line": 0,
  "rule": "trampoline.restart",
  "message": "/etc/compose/trampoline (when the kernel runs the trampoline again after the root's init exits): it mounts again what is mounted already (line 3) and fails: the root is mounted and its pool imported already, so the search fails and the console gets the rescue shell",
  "source": "usr/src/uts/common/os/exit.c proc_exit -> restart_init (exec_init of the same initname)",
  "fix": "when the root is mounted already, exec chroot into it again (the shipped trampoline marks the hand-over in /etc/svc/volatile)"
 }
]);
  });

});

describe('followSmfMethods', () => {
  it('methods a', async () => {
    const r = await followSmfMethods(fakeHost(img({ 'lib/svc/method/fs-root': '#!/sbin/sh\nexit 0\n', 'lib/svc/method/fs-minimal': '#!/sbin/sh\nmkdir /var/x\nexit 0\n' })), bootState(), new Set());
    expect(r.commands).toBe(3);
    expect(r.followed).toEqual(["lib/svc/method/fs-root", "lib/svc/method/fs-minimal"]);
    expect(r.findings).toEqual([]);
  });

  it('methods c', async () => {
    const r = await followSmfMethods(fakeHost(img({ 'lib/svc/method/fs-root': '#!/sbin/sh\ncase "$1" in start) exit 0;; esac\nexit 1\n', 'lib/svc/method/boot-archive': '#!/sbin/sh\nexec /sbin/init\n', 'lib/svc/method/fs-usr': '#!/sbin/sh\nexit 1\n' })), bootState(), new Set());
    expect(r.commands).toBe(3);
    expect(r.followed).toEqual(["lib/svc/method/fs-root", "lib/svc/method/boot-archive", "lib/svc/method/fs-usr"]);
    expect(r.findings).toEqual([
 {
  "severity": "unusable",
  "step": "smf",
  "file": "lib/svc/method/boot-archive",
  "line": 0,
  "rule": "smf.method-fails",
  "message": "/lib/svc/method/boot-archive (svc:/system/boot-archive:default start) exits with an error on every path the check can follow: the service goes to maintenance, and what depends on it (the way to multi-user and the console login) never starts",
  "source": "usr/src/cmd/svc/startd/method.c (a method exiting non-zero puts the instance in maintenance)",
  "fix": "fix the findings above, or replace the method in an overlay"
 },
 {
  "severity": "unusable",
  "step": "smf",
  "file": "lib/svc/method/fs-usr",
  "line": 0,
  "rule": "smf.method-fails",
  "message": "/lib/svc/method/fs-usr (svc:/system/filesystem/usr:default start) exits with an error on every path the check can follow: the service goes to maintenance, and what depends on it (the way to multi-user and the console login) never starts",
  "source": "usr/src/cmd/svc/startd/method.c (a method exiting non-zero puts the instance in maintenance)",
  "fix": "fix the findings above, or replace the method in an overlay"
 }
]);
  });

});

describe('checkTrampoline and checkSmfMethods', () => {
  it('checkTrampoline: an image with the trampoline, /sbin/sh and intpexec; the script\'s findings keep their line', async () => {
    const ctx = new CheckContext(stagedTreeOf({ ...LIBS, [T]: `#!/sbin/sh\nexec chroot "$@"\n`, 'kernel/exec/amd64/intpexec': mod([]) }), { console: 'text' });
    await checkTrampoline(ctx, 'label');
    expect(brief(ctx.findings.report('t'))).toEqual({
      "target": "t",
      "findings": [
        {
          "severity": "unusable",
          "step": "handover",
          "message": "/etc/compose/trampoline line 2: runs chroot, which is not in the image: the hand-over \"exec chroot /a <init>\" fails",
          "source": "usr/src/cmd/chroot/chroot.c",
          "fix": "keep the program that provides chroot (the profile's keep list), or change the script",
          "rule": "program.missing",
          "at": {
            "file": "etc/compose/trampoline",
            "line": 2
          }
        },
        {
          "severity": "unusable",
          "step": "handover",
          "message": "/etc/compose/trampoline never reaches \"exec chroot <root> <init>\" on any path: the root on the disk is never started",
          "source": "usr/src/uts/common/os/main.c exec_init; the findings above say which command stops it",
          "fix": "fix the findings above; the trampoline must mount the root and exec chroot into it",
          "rule": "trampoline.no-handover"
        },
        {
          "step": "handover",
          "severity": "note",
          "message": "label root: the chroot hand-over suits a root whose init runs a shell or the pureboot launcher; an SMF root does not come up right: mntfs shows the ramdisk as / and the real root as /a (/etc/mnttab is per zone, not per chroot), so svc:/system/filesystem/usr drops to maintenance, and zfs prefixes the /a altroot to every mountpoint. The root's programs load kernel modules from the root's own /kernel, so the ramdisk's kernel and the root's userland must come from the same build",
          "source": "usr/src/uts/common/fs/mntfs/mntvnops.c; usr/src/lib/libzfs/common/libzfs_dataset.c zfs_prop_get (altroot); usr/src/cmd/svc/milestone/fs-usr",
          "fix": "boot an SMF system from its own disk, or keep its data on a pool with the storage key (a ramdisk root, as SmartOS does)"
        }
      ],
      "steps": [
        [
          "init",
          3,
          0
        ],
        [
          "handover",
          1,
          3
        ]
      ],
      "bootable": false
    });
  });

  it('checkSmfMethods: the daemons\' modules, then the methods', async () => {
    const c2 = new CheckContext(stagedTreeOf({ ...LIBS, 'etc/name_to_sysnum': 'portfs 1\n  doorfs 2\n', 'kernel/sys/amd64/portfs': mod([]), 'kernel/sys/amd64/doorfs': mod([]), 'lib/svc/method/fs-root': '#!/sbin/sh\nexit 1\n' }), { console: 'text' });
    await checkSmfMethods(c2);
    expect(brief(c2.findings.report('t'))).toEqual({
      "target": "t",
      "findings": [
        {
          "step": "smf",
          "severity": "unusable",
          "message": "fs/namefs is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64): svc.configd attaches its door to /etc/svc/volatile/repository_door (fattach mounts namefs) and exits (CONFIGD_EXIT_DOOR_INIT_FAILED)",
          "source": "usr/src/cmd/svc/configd/maindoor.c setup_main_door (fattach); usr/src/lib/libc/port/gen/fattach.c (mount \"namefs\")",
          "fix": "keep fs/namefs in the image"
        },
        {
          "severity": "unusable",
          "step": "smf",
          "message": "/lib/svc/method/fs-root (svc:/system/filesystem/root:default start) exits with an error on every path the check can follow: the service goes to maintenance, and what depends on it (the way to multi-user and the console login) never starts",
          "source": "usr/src/cmd/svc/startd/method.c (a method exiting non-zero puts the instance in maintenance)",
          "fix": "fix the findings above, or replace the method in an overlay",
          "rule": "smf.method-fails"
        }
      ],
      "steps": [
        [
          "smf",
          4,
          2
        ]
      ],
      "bootable": false
    });
  });

  it('checkSmfMethods: a system call with no name_to_sysnum line', async () => {
    const c3 = new CheckContext(stagedTreeOf({ ...LIBS, 'etc/name_to_sysnum': 'doorfs 2\n', 'kernel/sys/amd64/portfs': mod([]), 'kernel/sys/amd64/doorfs': mod([]), 'kernel/fs/amd64/namefs': mod([]) }), { console: 'text' });
    await checkSmfMethods(c3);
    expect(brief(c3.findings.report('t'))).toEqual({
      "target": "t",
      "findings": [
        {
          "step": "smf",
          "severity": "unusable",
          "message": "portfs has no line in etc/name_to_sysnum, so its system calls raise SIGSYS: svc.startd creates its event port at start (port_create) and dies of SIGSYS",
          "source": "usr/src/cmd/svc/startd/wait.c wait_init (port_create); usr/src/uts/intel/os/name_to_sysnum (portfs)",
          "fix": "keep etc/name_to_sysnum from the proto area"
        }
      ],
      "steps": [
        [
          "smf",
          3,
          1
        ]
      ],
      "bootable": false
    });
  });
});
