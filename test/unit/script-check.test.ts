import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allPreconditions } from '../../src/bootpath/commands.js';
import { interpretScript, type ScriptFinding } from '../../src/check/script/interpret.js';
import { followSmfMethods, disabledInSiteProfile, SMF_METHODS } from '../../src/check/steps/smf-methods.js';
import { followTrampoline } from '../../src/check/steps/trampoline.js';
import { bootState, fakeHost, overlayScript, type FakeImage } from '../support/script-host.js';

// compose check follows the boot scripts through a model of the booted system. Each fault the
// gate sources say a real kernel would hit is put into a script or an image here, and the check
// must name it at the command and line, with its rule; the shipped scripts must come out clean.

const FIXTURES = join(import.meta.dirname, '../fixtures/scripts');
const OLD_TRAMPOLINE = readFileSync(join(FIXTURES, 'trampoline-before-issue-18'), 'utf8');
const TRAMPOLINE = overlayScript('trampoline/etc/compose/trampoline');
const LAUNCHER = overlayScript('pureboot/etc/compose/launcher');
const STORAGE = overlayScript('storage/etc/compose/storage');

const ZFS = { modules: ['drv/zfs'], majors: ['zfs'] };
const TRAMPOLINE_IMAGE: string[] = [
  'a/', 'etc/dev/', 'tmp/', 'proc/', 'devices/', 'kernel/', 'platform/i86pc/kernel/', 'usr/kernel/', 'etc/compose/', 'dev/null', 'dev/sad/admin',
  'sbin/sh', 'usr/sbin/devfsadm', 'usr/lib/devfsadm/linkmod/SUNW_disk_link.so', 'usr/lib/devfsadm/linkmod/SUNW_misc_link.so', 'usr/lib/devfsadm/linkmod/SUNW_zfs_link.so',
  'sbin/mount', 'usr/sbin/mount', 'usr/lib/fs/ufs/mount', 'etc/fs/ufs/mount', 'usr/lib/fs/lofs/mount', 'usr/lib/fs/tmpfs/mount', 'usr/lib/fs/zfs/mount',
  'usr/sbin/chroot', 'usr/bin/sed', 'usr/bin/expr', 'usr/bin/sleep', 'usr/sbin/zpool', 'usr/sbin/zfs', 'sbin/autopush', 'etc/iu.ap',
  'usr/sbin/fstyp', 'usr/lib/fs/ufs/fstyp.so.1', 'usr/sbin/labelit', 'usr/lib/fs/ufs/labelit', 'usr/lib/fs/ufs/fsck', 'usr/sbin/fsck',
];
const TRAMPOLINE_MODULES = ['fs/lofs', 'fs/tmpfs', 'fs/ufs', 'fs/zfs', ...ZFS.modules];

function trampolineImage(script: string, root = 'pool:rpool', edit: (paths: string[]) => string[] = (p) => p): FakeImage {
  return {
    paths: edit(TRAMPOLINE_IMAGE),
    texts: { 'etc/compose/trampoline': script, 'etc/compose/trampoline.conf': `TRAMPOLINE_ROOT='${root}'\nTRAMPOLINE_INIT=/sbin/init\nTRAMPOLINE_TRIES=10\n` },
    modules: TRAMPOLINE_MODULES,
    majors: ZFS.majors,
  };
}

const brief = (f: ScriptFinding[]) => f.map((x) => `${x.severity} ${x.rule} ${x.file}:${x.line}`);

describe('the trampoline, followed through the booted system', () => {
  it('as shipped: finds the pool or the label, hands over, and hands over again after a restart, with nothing to say', async () => {
    for (const root of ['pool:rpool', 'label:ROOT1']) {
      const r = await followTrampoline(fakeHost(trampolineImage(TRAMPOLINE, root)), bootState());
      expect(brief(r.findings), root).toEqual([]);
      expect(r.commands).toBeGreaterThan(50);
    }
  });

  it('the zfs driver is needed for a pool root only', async () => {
    const noZfs = (root: string): FakeImage => ({ ...trampolineImage(TRAMPOLINE, root), modules: TRAMPOLINE_MODULES.filter((m) => m !== 'drv/zfs'), majors: [] });
    expect(brief((await followTrampoline(fakeHost(noZfs('label:ROOT1')), bootState())).findings)).toEqual([]);
    const pool = await followTrampoline(fakeHost(noZfs('pool:rpool')), bootState());
    expect(pool.findings.some((f) => f.rule === 'zpool.zfs-driver' && f.severity === 'unusable' && /etc\/name_to_major has no line for zfs/.test(f.message))).toBe(true);
    expect(brief(pool.findings)).toContain('unusable trampoline.no-handover etc/compose/trampoline:0');
  });

  it('before issue 18: devfsadm on the read-only root, no /dev/zfs, no /dev/dsk, and so no hand-over', async () => {
    const r = await followTrampoline(fakeHost(trampolineImage(OLD_TRAMPOLINE)), bootState());
    expect(brief(r.findings)).toEqual([
      'unusable devfsadm.writable-root etc/compose/trampoline:108',
      'unusable zpool.dev-zfs etc/compose/trampoline:47',
      'unusable zpool.dev-zfs etc/compose/trampoline:47',
      'unusable zpool.import-disks etc/compose/trampoline:47',
      'unusable trampoline.no-handover etc/compose/trampoline:0',
    ]);
    const lock = r.findings[0];
    expect(lock.message).toMatch(/^\/etc\/compose\/trampoline line 108: devfsadm -c disk: the root file system is read-only here/);
    expect(lock.source).toMatch(/usr\/src\/cmd\/devfsadm\/devfsadm\.c enter_dev_lock/);
    expect(lock.source).toMatch(/ufs_vfsops\.c ufs_mountroot/);
    expect(r.findings[1].source).toMatch(/usr\/src\/uts\/common\/sys\/fs\/zfs\.h/);
  });

  it('before issue 18, on an image pruned of etc/dev: devfsadm has nowhere to take its lock', async () => {
    const r = await followTrampoline(fakeHost(trampolineImage(OLD_TRAMPOLINE, 'pool:rpool', (p) => p.filter((x) => x !== 'etc/dev/'))), bootState());
    expect(brief(r.findings)).toContain('unusable devfsadm.etc-dev etc/compose/trampoline:108');
  });

  it('an image pruned of /a: a legacy root dataset has nowhere to mount', async () => {
    const r = await followTrampoline(fakeHost(trampolineImage(TRAMPOLINE, 'pool:rpool', (p) => p.filter((x) => x !== 'a/'))), bootState());
    const line = TRAMPOLINE.split('\n').findIndex((l) => l.includes('mount -F zfs "$ds" $ROOT')) + 1;
    expect(brief(r.findings)).toContain(`unusable mount.point-missing etc/compose/trampoline:${line}`);
  });

  it('before issue 18 with only the remount and /dev/zfs added: the boot flags, the covered module directories and the restart', async () => {
    const patched = OLD_TRAMPOLINE.replace('mount -F tmpfs swap /tmp >/dev/null 2>&1', 'mount -F ufs -o remount,rw /devices/ramdisk:a /; mount -F tmpfs swap /tmp; devfsadm -i zfs');
    const r = await followTrampoline(fakeHost(trampolineImage(patched)), bootState());
    const rules = brief(r.findings);
    expect(rules).toContain('degraded trampoline.boot-flags etc/compose/trampoline:124');
    expect(rules).toContain('degraded trampoline.covers-modules etc/compose/trampoline:124');
    expect(rules).toContain('degraded trampoline.restart etc/compose/trampoline:0');
    // On the restart the pool is imported and its dataset mounted: the mount fails, where it is tried.
    expect(r.findings.find((f) => f.rule === 'zfs.mount-busy')?.message).toMatch(/^\/etc\/compose\/trampoline line 56 \(when the kernel runs the trampoline again after the root's init exits\): zfs mount/);
    expect(rules.filter((x) => /unusable|panic/.test(x))).toEqual([]);
  });

  it('a hand-over into a root whose init nothing tested for', async () => {
    const unchecked = TRAMPOLINE.replace(/\tif \[ ! -x "\$ROOT\$TRAMPOLINE_INIT" \]; then\n[^\n]*\n[^\n]*\n\tfi\n/, '');
    expect(unchecked).not.toBe(TRAMPOLINE);
    const r = await followTrampoline(fakeHost(trampolineImage(unchecked)), bootState());
    // A root that may lack the init is followed both ways: the hand-over is still reached (and
    // a restart that finds no init searches again, into what is mounted already).
    expect(brief(r.findings).filter((x) => !x.startsWith('degraded'))).toEqual([]);
    const noRoot = TRAMPOLINE.replace(/find_root && break/, 'break');
    const r2 = await followTrampoline(fakeHost(trampolineImage(noRoot)), bootState());
    expect(brief(r2.findings)).toEqual(['unusable trampoline.no-handover etc/compose/trampoline:0']);
  });
});

const LAUNCHER_IMAGE: string[] = [
  'etc/compose/', 'etc/dev/', 'tmp/', 'var/run/', 'dev/fd/', 'dev/null', 'dev/console', 'sbin/sh', 'usr/bin/ksh93', 'etc/fs/ufs/mount', 'usr/sbin/mount', 'sbin/mount',
  'usr/lib/fs/tmpfs/mount', 'usr/lib/fs/fd/mount', 'usr/sbin/devfsadm', 'usr/lib/devfsadm/linkmod/SUNW_misc_link.so', 'sbin/soconfig', 'etc/sock2path.d/', 'usr/bin/strconf', 'usr/bin/strchg',
  'sbin/uadmin', 'usr/bin/setpgrp', 'usr/bin/sleep',
];
const launcherImage = (launcher: string, extra: Partial<FakeImage> = {}): FakeImage => ({
  paths: [...LAUNCHER_IMAGE, ...(extra.paths ?? [])],
  texts: { 'etc/compose/launcher': launcher, 'etc/compose/launcher.conf': "COMPOSE_PROFILE='t'\nCOMPOSE_BANNER='b'\nCOMPOSE_SHELL='/usr/bin/ksh93'\nCOMPOSE_TEST_MODE=0\n", ...extra.texts },
  modules: ['fs/ufs', 'fs/tmpfs', 'fs/fdfs', ...(extra.modules ?? [])],
  majors: extra.majors,
});
const runLauncher = (img: FakeImage) => interpretScript(fakeHost(img), { file: 'etc/compose/launcher', step: 'smf', cap: 'degraded', initial: bootState(), args: [] });

describe('the pureboot launcher, followed through the booted system', () => {
  it('as shipped: clean', async () => {
    const r = await runLauncher(launcherImage(LAUNCHER));
    expect(brief(r.findings)).toEqual([]);
  });

  it('a mistake of order: devfsadm before the remount fails on its lock, at its line; a marker written before /var/run is mounted lands on the read-only root', async () => {
    const remount = LAUNCHER.split('\n').find((l) => l.includes('remount,rw'))!;
    const moved = LAUNCHER.replace(`${remount}\n`, '').replace('\t\t/usr/sbin/devfsadm > /dev/null 2>&1 || say "launcher: devfsadm failed"\n', `\t\t/usr/sbin/devfsadm > /dev/null 2>&1 || say "launcher: devfsadm failed"\n${remount}\n`);
    expect(moved).not.toBe(LAUNCHER);
    const line = moved.split('\n').findIndex((l) => l.includes('/usr/sbin/devfsadm > /dev/null')) + 1;
    const r = await runLauncher(launcherImage(moved));
    // The launcher goes on to its shell: degraded, not unusable.
    expect(brief(r.findings)).toEqual([`degraded devfsadm.writable-root etc/compose/launcher:${line}`]);
    const early = LAUNCHER.replace(': > /var/run/compose.started', ': > /var/run/compose.started; : > /etc/marker');
    const r2 = await runLauncher(launcherImage(early.replace(remount, '\t:')));
    expect(brief(r2.findings)).toContain(`degraded redirect.read-only etc/compose/launcher:${early.split('\n').findIndex((l) => l.includes('/etc/marker')) + 1}`);
  });

  it('a launcher whose settings file is missing ends at once: unusable, whatever the cap', async () => {
    const img = launcherImage(LAUNCHER);
    delete img.texts!['etc/compose/launcher.conf'];
    const r = await runLauncher(img);
    const line = LAUNCHER.split('\n').findIndex((l) => l.startsWith('. /etc/compose/launcher.conf')) + 1;
    expect(brief(r.findings)).toEqual([`unusable source.missing etc/compose/launcher:${line}`]);
  });
});

const STORAGE_IMAGE = ['etc/compose/', 'var/', 'opt/', 'usr/sbin/zpool', 'usr/sbin/zfs', 'usr/lib/fs/zfs/mount', 'usr/lib/devfsadm/linkmod/SUNW_zfs_link.so', 'usr/lib/devfsadm/linkmod/SUNW_disk_link.so'];
const storageImage = (edit: (p: string[]) => string[] = (p) => p): FakeImage =>
  launcherImage(LAUNCHER, { paths: edit(STORAGE_IMAGE), texts: { 'etc/compose/storage': STORAGE, 'etc/compose/storage.conf': "STORAGE_POOL='zones'\nSTORAGE_MOUNTS='/var=zones/var /opt=zones/opt'\n" }, modules: ['fs/zfs', ...ZFS.modules], majors: ZFS.majors });

describe('storage on a pool, run by the launcher', () => {
  it('as shipped: the launcher runs it once the root is writable, and it is clean', async () => {
    const r = await runLauncher(storageImage());
    expect(brief(r.findings)).toEqual([]);
  });

  it('without the zfs link module there is no /dev/zfs; without /opt the legacy mount has nowhere to go', async () => {
    const r = await runLauncher(storageImage((p) => p.filter((x) => !x.endsWith('SUNW_zfs_link.so') && x !== 'opt/')));
    const rules = brief(r.findings);
    const at = (text: string) => STORAGE.split('\n').findIndex((l) => l.includes(text)) + 1;
    expect(rules).toContain(`degraded zpool.dev-zfs etc/compose/storage:${at('if ! zpool list')}`);
    expect(rules).toContain(`degraded zpool.dev-zfs etc/compose/storage:${at('if ! zpool import')}`);
  });

  it('run before the root is writable: devfsadm fails on its lock', async () => {
    const r = await interpretScript(fakeHost(storageImage()), { file: 'etc/compose/storage', step: 'smf', cap: 'degraded', initial: bootState(), args: [] });
    expect(brief(r.findings)).toContain(`degraded devfsadm.writable-root etc/compose/storage:${STORAGE.split('\n').findIndex((l) => l.startsWith('devfsadm -i zfs')) + 1}`);
  });
});

// Gate-like SMF methods, written for these tests from the behaviour the gate's scripts have
// (usr/src/cmd/svc/milestone/boot-archive and fs-usr): the check of the archive, the flag file,
// and the update and reboot it leads to.
const GATE_LIKE_BOOT_ARCHIVE = `#!/sbin/sh
. /lib/svc/share/smf_include.sh
FLAG=/etc/svc/volatile/boot_archive_needs_update
/sbin/bootadm update-archive -vnC 2> /dev/null
if [ $? = 0 ]; then
	exit $SMF_EXIT_OK
fi
touch $FLAG
exit $SMF_EXIT_ERR_FATAL
`;
const GATE_LIKE_FS_USR = `#!/sbin/sh
. /lib/svc/share/smf_include.sh
FLAG=/etc/svc/volatile/boot_archive_needs_update
/sbin/mount -o remount,rw /devices/ramdisk:a /
if [ -f "$FLAG" ]; then
	/sbin/bootadm update-archive
	if [ $? != 0 ]; then
		exit $SMF_EXIT_ERR_FATAL
	fi
	/usr/sbin/reboot
fi
exit $SMF_EXIT_OK
`;
const SMF_IMAGE = (bootArchive: string): FakeImage => ({
  paths: ['lib/svc/method/', 'dev/null', 'sbin/bootadm', 'sbin/mount', 'usr/sbin/reboot', 'usr/bin/touch', 'boot/solaris/bin/create_ramdisk', 'platform/i86pc/kernel/amd64/unix', 'etc/fs/ufs/mount'],
  texts: { 'lib/svc/share/smf_include.sh': 'SMF_EXIT_OK=0\nSMF_EXIT_ERR_FATAL=95\n', 'lib/svc/method/boot-archive': bootArchive, 'lib/svc/method/fs-usr': GATE_LIKE_FS_USR },
  modules: ['fs/ufs'],
});

describe('SMF methods on the way to multi-user', () => {
  it('the gate\'s boot-archive method on a ramdisk: bootadm asks for an update, and filesystem/usr reboots, every boot', async () => {
    const r = await followSmfMethods(fakeHost(SMF_IMAGE(GATE_LIKE_BOOT_ARCHIVE)), bootState(), new Set());
    expect(brief(r.findings)).toEqual(['unusable reboot.during-boot lib/svc/method/fs-usr:10']);
    expect(r.findings[0].message).toMatch(/^\/lib\/svc\/method\/fs-usr line 10 \(svc:\/system\/filesystem\/usr:default start\): reboot: the machine reboots here, while it boots/);
    expect(r.followed).toEqual(['lib/svc/method/boot-archive', 'lib/svc/method/fs-usr']);
  });

  it('the smf overlay\'s boot-archive method: nothing asks for an update, no reboot', async () => {
    const r = await followSmfMethods(fakeHost(SMF_IMAGE(overlayScript('smf/lib/svc/method/boot-archive'))), bootState(), new Set());
    expect(brief(r.findings)).toEqual([]);
  });

  it('a method that fails on every path is named; a service site.xml disables is not run', async () => {
    const failing = SMF_IMAGE('#!/sbin/sh\nexit 95\n');
    const r = await followSmfMethods(fakeHost(failing), bootState(), new Set());
    expect(brief(r.findings)).toContain('unusable smf.method-fails lib/svc/method/boot-archive:0');
    const off = await followSmfMethods(fakeHost(failing), bootState(), disabledInSiteProfile("<service name='system/boot-archive' version='1' type='service'>\n  <instance name='default' enabled='false'/>\n</service>"));
    expect(off.followed).toEqual(['lib/svc/method/fs-usr']);
    expect(SMF_METHODS.map((m) => m.fmri.replace(/^svc:\/|:default$/g, ''))).toEqual(['system/filesystem/root', 'system/boot-archive', 'system/filesystem/usr', 'site/compose-storage', 'system/filesystem/minimal', 'system/manifest-import']);
  });
});

describe('every precondition is pinned to its severity', () => {
  it('the table', () => {
    expect(Object.fromEntries(allPreconditions().map((p) => [p.id, p.severity]))).toEqual({
      'devfsadm.writable-root': 'unusable',
      'devfsadm.etc-dev': 'unusable',
      'zpool.dev-zfs': 'unusable',
      'zpool.zfs-driver': 'unusable',
      'zpool.import-disks': 'unusable',
      'zfs.dev-zfs': 'unusable',
      'zfs.zfs-driver': 'unusable',
      'zfs.mount-busy': 'degraded',
      'zfs.mount-point': 'unusable',
      'mount.fs-module': 'unusable',
      'mount.fs-program': 'unusable',
      'mount.point-missing': 'unusable',
      'mount.point-busy': 'degraded',
      'mount.remount-not-mounted': 'degraded',
      'chroot.target-program': 'unusable',
      'chroot.root-mounted': 'unusable',
      'fsck.raw-device': 'degraded',
      'fsck.fs-program': 'degraded',
      'fstyp.ufs-module': 'unusable',
      'labelit.fs-program': 'unusable',
      'mkdir.read-only': 'degraded',
      'touch.read-only': 'degraded',
      'autopush.sad-admin': 'unusable',
      'bootadm.create-ramdisk': 'degraded',
      'bootadm.unix': 'degraded',
      'reboot.during-boot': 'unusable',
      'redirect.device': 'degraded',
      'redirect.read': 'degraded',
      'redirect.no-directory': 'degraded',
      'redirect.read-only': 'degraded',
      'source.missing': 'unusable',
    });
    for (const p of allPreconditions()) expect(p.source, p.id).toMatch(/usr\/src\/(uts|cmd|lib|pkg)\/\S+/);
  });
});
