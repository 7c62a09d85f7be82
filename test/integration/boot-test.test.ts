/**
 * `compose boot-test` end to end: the built CLI boots GRUB rescue ISOs holding the
 * stand-in kernel (test/support/testkernel.ts) under QEMU, BIOS and UEFI, as CD-ROM
 * and disk, and checks what the kernel reports against the archive and manifest.
 * VirtualBox is exercised through a fake VBoxManage that records its calls.
 */
import { chmod, copyFile, mkdir, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTree, buildManifest } from '../../src/emit/manifest.js';
import { StagedTree } from '../../src/stage/tree.js';
import { writeUfsImage } from '../../src/ufs/writer.js';
import { CLI, TESTKERNEL } from '../support/paths.js';
import { runCli, tempDir, type CliRun } from '../support/cli.js';
import { OVMF_CODE, OVMF_VARS, hasCommand, makeGrubIso } from '../support/testkernel.js';

const haveTools = (await hasCommand('qemu-system-x86_64')) && (await hasCommand('grub-mkrescue')) && (await hasCommand('xorriso'));
const haveOvmf = existsSync(OVMF_CODE) && existsSync(OVMF_VARS);
const KERNEL_WORDS = '/platform/i86pc/kernel/amd64/unix -B console=ttya,compose.profile=demo';
const ARCHIVE_ISO_PATH = '/platform/i86pc/amd64/boot_archive';

let work: string;
let iso: string; // demo.iso: the stand-in kernel + a UFS boot archive
let archive: string;
let manifest: string;
let hangIso: string;
/** Everything the tests create, removed at the end unless KEEP_BOOT_TEST_TMP is set. */
const scratch: string[] = [];
const scratchDir = async (prefix: string): Promise<string> => {
  const d = await tempDir(prefix);
  scratch.push(d);
  return d;
};

afterAll(async () => {
  if (process.env.KEEP_BOOT_TEST_TMP) return;
  for (const d of scratch) await rm(d, { recursive: true, force: true });
});

/** A UFS boot archive of a tiny tree, written by the project's UFS writer, and its manifest. */
async function makeArchive(dir: string): Promise<{ archive: string; manifest: string }> {
  const tree = new StagedTree(0);
  const file = (path: string, text: string) =>
    tree.put({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: Buffer.byteLength(text), mtime: 0, source: { kind: 'generated', data: Buffer.from(text), generator: 'test' } });
  tree.ensureDir('bin', 0);
  tree.ensureDir('platform/i86pc/kernel', 0);
  tree.ensureDir('var/tmp', 0);
  file('etc/motd', 'hello from the boot-test test\n');
  file('etc/release', 'demo\n');
  tree.put({ path: 'lib', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 7, mtime: 0, target: 'usr/lib' });
  const archivePath = join(dir, 'boot_archive');
  await writeUfsImage(tree, archivePath, { size: 'auto', time: 1_767_225_600 });
  await hashTree(tree);
  const manifestPath = join(dir, 'demo.manifest.json');
  await writeFile(manifestPath, JSON.stringify(buildManifest(tree, 'demo', '/proto'), null, 2));
  return { archive: archivePath, manifest: manifestPath };
}

/** A GRUB ISO whose menu entry prints a line and then hangs (no kernel at all). */
async function makeHangingIso(dir: string): Promise<string> {
  const root = join(dir, 'hangroot');
  await mkdir(join(root, 'boot/grub'), { recursive: true });
  await writeFile(
    join(root, 'boot/grub/grub.cfg'),
    ['serial --unit=0 --speed=115200', 'terminal_input serial', 'terminal_output serial', 'set timeout=0', 'menuentry "hang" {', '  echo "GRUB: about to hang"', '  sleep 3600', '}', ''].join('\n'),
  );
  const out = join(dir, 'hang.iso');
  await execa('grub-mkrescue', ['-o', out, root], { all: true });
  return out;
}

function json(r: CliRun): Record<string, any> {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`no JSON on stdout (exit ${r.exitCode}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}

/** QEMU processes still running with this (unique) log path in their command line. */
async function qemuWithLog(log: string): Promise<string> {
  const r = await execa('pgrep', ['-af', `qemu-system-x86_64.*${log}`], { reject: false });
  return String(r.stdout).trim();
}

/** A directory holding only `node` (and whatever is added), for PATHs without qemu or VBoxManage. */
async function pathWithOnlyNode(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await symlink(process.execPath, join(dir, 'node'));
  return dir;
}

beforeAll(async () => {
  if (!haveTools) return;
  work = await scratchDir('boot-test-');
  ({ archive, manifest } = await makeArchive(work));
  iso = join(work, 'demo.iso');
  await makeGrubIso({
    workDir: join(work, 'demo'),
    iso,
    kernel: TESTKERNEL.unix,
    kernelIsoPath: '/platform/i86pc/kernel/amd64/unix',
    kernelWords: KERNEL_WORDS,
    protocol: 'mb1',
    modules: [{ source: archive, isoPath: ARCHIVE_ISO_PATH, words: `${ARCHIVE_ISO_PATH} type=rootfs` }],
  });
  hangIso = await makeHangingIso(work);
});

describe.skipIf(!haveTools)('compose boot-test with QEMU', () => {
  it('passes a BIOS CD-ROM boot and reports timings, the log and the kernel report as JSON', async () => {
    const log = join(work, 'bios.log');
    const r = await runCli(['boot-test', iso, '--json', '--log', log, '--timeout', '60']);
    const j = json(r);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(j).toMatchObject({ verdict: 'pass', exitCode: 0, log, firmware: 'bios', as: 'cdrom', vm: 'qemu', accel: 'tcg', profile: 'demo', profileSource: 'file name' });
    expect(r.stderr).toContain(`serial log: ${log}`);
    expect(await readFile(log, 'utf8')).toContain('COMPOSE-BOOT-OK demo');
    expect(j.matched).toEqual([{ pattern: '/COMPOSE-BOOT-OK demo(?:\\s|$)/', line: 'COMPOSE-BOOT-OK demo', atMs: j.timings.matchedMs[0] }]);
    expect(j.timings.firstOutputMs).toBeGreaterThan(0);
    expect(j.timings.matchedMs[0]).toBeGreaterThanOrEqual(j.timings.firstOutputMs);
    expect(j.timings.totalMs).toBeGreaterThanOrEqual(j.timings.matchedMs[0]);
    // The kernel powers off through isa-debug-exit by itself.
    expect(j.qemuExit).toEqual({ code: 33, signal: null, stoppedByUs: false });
    expect(j.kernel).toMatchObject({ started: true, done: true, proto: 'mb1', cmdline: KERNEL_WORDS, bootOk: 'demo' });
    expect(j.kernel.modules[0]).toMatchObject({ string: `${ARCHIVE_ISO_PATH} type=rootfs`, fs: 'ufs' });
  });

  it('prints a human report by default', async () => {
    const r = await runCli(['boot-test', iso, '--log', join(work, 'human.log'), '--check-archive', archive]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}.*demo\.iso \(qemu, bios, cdrom, tcg\): all 1 expectation matched/);
    expect(r.stdout).toContain('test kernel (mb1, GRUB');
    expect(r.stdout).toMatch(/UFS root \(5\): bin etc lib platform var/);
    expect(r.stdout).toMatch(/ok {4}archive-crc32/);
  });

  it.skipIf(!haveOvmf)('passes a UEFI CD-ROM boot', async () => {
    const r = await runCli(['boot-test', iso, '--firmware', 'uefi', '--json', '--log', join(work, 'uefi.log'), '--timeout', '90']);
    const j = json(r);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(j).toMatchObject({ verdict: 'pass', firmware: 'uefi', as: 'cdrom' });
  });

  it.skipIf(!haveOvmf)('passes a UEFI boot of the ISO attached as a disk, with the archive and manifest checks', async () => {
    const r = await runCli(['boot-test', iso, '--firmware', 'uefi', '--as', 'disk', '--json', '--log', join(work, 'uefi-disk.log'), '--timeout', '90', '--check-archive', archive, '--check-manifest', manifest]);
    const j = json(r);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(j).toMatchObject({ verdict: 'pass', firmware: 'uefi', as: 'disk', profileSource: 'manifest' });
    expect(j.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(j.checks.map((c: { name: string }) => c.name)).toEqual(['archive-size', 'archive-crc32', 'archive-fs', 'manifest-count', 'manifest-names']);
  });

  it('fails on a --fail pattern (exit 1) and stops QEMU', async () => {
    const log = join(work, 'fail.log');
    const r = await runCli(['boot-test', iso, '--json', '--log', log, '--fail', '^MODULES [0-9]+$']);
    const j = json(r);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(j).toMatchObject({ verdict: 'fail', exitCode: 1, failedOn: { pattern: '/^MODULES [0-9]+$/', line: 'MODULES 1' } });
    expect(r.stderr).toMatch(/compose: boot test failed \(fail\): fail pattern \/\^MODULES \[0-9\]\+\$\/ matched at .*: MODULES 1 \(serial log: /);
    expect(await qemuWithLog(log)).toBe('');
  });

  it('reports a VM that exits before the expectations matched, with its exit status', async () => {
    const r = await runCli(['boot-test', iso, '--json', '--log', join(work, 'died.log'), '--expect', 'TESTKERNEL START', '--expect', 'never printed']);
    const j = json(r);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(j).toMatchObject({ verdict: 'vm-died', qemuExit: { code: 33 } });
    expect(j.reason).toMatch(/^QEMU exited with status 33 before \/never printed\/ \(expectation 2 of 2\) matched/);
    expect(j.timings.matchedMs).toEqual([expect.any(Number), null]);
  });

  it('times out on a hung guest (exit 1), shows the last lines, and leaves no QEMU behind', async () => {
    const log = join(work, 'hang.log');
    const r = await runCli(['boot-test', hangIso, '--json', '--log', log, '--timeout', '3', '--profile', 'demo']);
    const j = json(r);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(j.verdict).toBe('timeout');
    expect(j.reason).toMatch(/^timed out after 3 s waiting for \/COMPOSE-BOOT-OK demo\(\?:\\s\|\$\)\/; the last lines were: .*GRUB: about to hang/);
    expect(j.lastLines).toContain('GRUB: about to hang');
    expect(j.qemuExit).toMatchObject({ stoppedByUs: true }); // QEMU exits 0 on SIGTERM
    expect(j.timings.totalMs).toBeGreaterThanOrEqual(3000);
    expect(j.timings.totalMs).toBeLessThan(6000);
    expect(await qemuWithLog(log)).toBe('');
  });

  it('stops QEMU, removes its temp files and exits 130 on Ctrl-C', async () => {
    const tmp = await scratchDir('boot-test-tmp-');
    const log = join(work, 'sigint.log');
    const child = execa('node', [CLI, 'boot-test', hangIso, '--json', '--log', log, '--timeout', '60', '--firmware', 'uefi'], { reject: false, env: { TMPDIR: tmp } });
    // Wait until QEMU runs and its VARS copy exists in our TMPDIR.
    for (let i = 0; i < 100 && !(await qemuWithLog(log)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await qemuWithLog(log)).not.toBe('');
    expect((await readdir(tmp)).length).toBe(1);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(JSON.parse(String(r.stdout))).toMatchObject({ verdict: 'error', reason: 'interrupted by SIGINT', exitCode: 130, log });
    expect(String(r.stderr)).toContain('boot test interrupted by SIGINT');
    expect(await qemuWithLog(log)).toBe('');
    expect(await readdir(tmp)).toEqual([]);
  });

  it('killed with SIGKILL (no handler runs), it still leaves no QEMU behind', async () => {
    const log = join(work, 'sigkill.log');
    const child = execa('node', [CLI, 'boot-test', hangIso, '--log', log, '--timeout', '60'], { reject: false });
    for (let i = 0; i < 100 && !(await qemuWithLog(log)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await qemuWithLog(log)).not.toBe('');
    child.kill('SIGKILL');
    await child;
    for (let i = 0; i < 30 && (await qemuWithLog(log)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await qemuWithLog(log)).toBe('');
  });

  it('fails --check-archive when the archive differs from what the kernel got', async () => {
    const other = join(work, 'truncated_archive');
    await copyFile(archive, other);
    await truncate(other, 64 * 1024);
    const r = await runCli(['boot-test', iso, '--json', '--log', join(work, 'arch.log'), '--check-archive', other]);
    const j = json(r);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(j.verdict).toBe('fail');
    expect(j.matched).toHaveLength(1); // the boot itself was fine
    const bad = j.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string }) => c.name);
    expect(bad).toEqual(['archive-size', 'archive-crc32']);
    expect(j.reason).toMatch(/^2 checks failed: module 0 .*: size \d+, but .*truncated_archive is 65536 bytes$/);
  });

  it('fails --check-manifest when the archive root does not match the manifest, one line per problem', async () => {
    const m = JSON.parse(await readFile(manifest, 'utf8'));
    m.entries.push({ path: 'usr', type: 'dir', mode: '0755', uid: 0, gid: 0, size: 0 });
    m.entries = m.entries.filter((e: { path: string }) => e.path !== 'var' && !e.path.startsWith('var/'));
    const wrong = join(work, 'wrong.manifest.json');
    await writeFile(wrong, JSON.stringify(m));
    const r = await runCli(['boot-test', iso, '--log', join(work, 'man.log'), '--check-manifest', wrong]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toContain('FAIL  manifest-missing: "usr" is in the manifest but not in the boot archive\'s root');
    expect(r.stdout).toContain('FAIL  manifest-unexpected: "var" is in the boot archive\'s root but not in the manifest');
    expect(r.stderr).toMatch(/boot test failed \(fail\): 2 checks failed/);
  });

  it('fails fast when the image reports another profile than expected', async () => {
    const r = await runCli(['boot-test', iso, '--json', '--log', join(work, 'profile.log'), '--profile', 'pureboot']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(json(r).reason).toBe('the image reports "COMPOSE-BOOT-OK demo", but profile "pureboot" was expected');
  });
});

describe.skipIf(!haveTools)('compose boot-test errors', () => {
  it('a missing image is an input error (exit 3), a bad regex a usage error naming the option (exit 2)', async () => {
    const missing = await runCli(['boot-test', join(work, 'nope.iso')]);
    expect(missing.exitCode, missing.stderr).toBe(3);
    expect(missing.stderr).toMatch(/^compose: the image .*nope\.iso does not exist$/);
    const badRe = await runCli(['boot-test', iso, '--expect', 'a(b']);
    expect(badRe.exitCode, badRe.stderr).toBe(2);
    expect(badRe.stderr).toMatch(/^compose: --expect "a\(b" is not a valid regular expression/);
    const bhyve = await runCli(['boot-test', iso, '--vm', 'bhyve']);
    expect(bhyve.exitCode, bhyve.stderr).toBe(2);
  });

  it('an empty file or one that is not a bootable image fails at once (exit 3), without starting QEMU', async () => {
    const dir = await scratchDir('boot-test-junk-');
    await writeFile(join(dir, 'empty.iso'), '');
    await writeFile(join(dir, 'junk.iso'), Buffer.alloc(64 * 1024, 0x41));
    for (const [name, message] of [
      ['empty.iso', /is empty/],
      ['junk.iso', /neither an ISO 9660 image nor a disk image \(raw with a boot sector, qcow2, VMDK or VDI\) nor a PXE tree; nothing to boot/],
    ] as const) {
      const t0 = Date.now();
      const r = await runCli(['boot-test', join(dir, name), '--timeout', '60', '--log', join(dir, `${name}.log`)]);
      expect(r.exitCode, name).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(existsSync(join(dir, `${name}.log`))).toBe(false);
    }
    expect((await runCli(['boot-test', archive])).stderr).toMatch(/is a UFS image, not a bootable one/);
  });

  it('missing qemu, OVMF or VBoxManage are tool errors (exit 4) naming the Debian package', async () => {
    const bin = await pathWithOnlyNode(join(await scratchDir('boot-test-bin-'), 'bin'));
    const noQemu = await runCli(['boot-test', iso], { PATH: bin });
    expect(noQemu.exitCode, noQemu.stderr).toBe(4);
    expect(noQemu.stderr).toContain('qemu-system-x86_64 is needed to boot-test an image but is not installed; install the Debian package "qemu-system-x86"');
    const noVbox = await runCli(['boot-test', iso, '--vm', 'virtualbox'], { PATH: bin });
    expect(noVbox.exitCode, noVbox.stderr).toBe(4);
    expect(noVbox.stderr).toMatch(/^compose: VBoxManage is needed for --vm virtualbox but is not installed; install the Debian package "virtualbox"/);
    const noOvmf = await runCli(['boot-test', iso, '--firmware', 'uefi'], { COMPOSE_OVMF_CODE: join(work, 'none.fd'), COMPOSE_OVMF_VARS: join(work, 'none2.fd') });
    expect(noOvmf.exitCode, noOvmf.stderr).toBe(4);
    expect(noOvmf.stderr).toContain('install the Debian package "ovmf"');
  });
});

describe.skipIf(!haveTools)('compose boot-test --print', () => {
  it('prints the QEMU command line without running anything', async () => {
    const log = join(work, 'print.log');
    const r = await runCli(['boot-test', iso, '--print', '--log', log, '--firmware', 'uefi', '--as', 'disk', '--memory', '2048']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`cp ${OVMF_VARS} ${log}.OVMF_VARS.fd`);
    expect(lines[1]).toBe(
      `qemu-system-x86_64 -accel tcg -machine q35 -m 2048 -smp 1 -nodefaults -display none -vga none -no-reboot -monitor none -serial file:${log} ` +
        `-device isa-debug-exit,iobase=0xf4,iosize=0x04 -drive if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE} ` +
        `-drive if=pflash,format=raw,unit=1,file=${log}.OVMF_VARS.fd -drive file=${iso},format=raw,if=ide,snapshot=on`,
    );
    expect(existsSync(log)).toBe(false);
  });

  it('prints the VirtualBox and bhyve commands, even where those are not installed', async () => {
    const vbox = await runCli(['boot-test', iso, '--print', '--vm', 'virtualbox', '--log', '/tmp/x.log']);
    expect(vbox.exitCode, vbox.stderr).toBe(0);
    expect(vbox.stdout.trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'VBoxManage createvm', 'VBoxManage modifyvm', 'VBoxManage storagectl', 'VBoxManage storageattach',
      'VBoxManage startvm', 'VBoxManage controlvm', 'VBoxManage unregistervm', 'VBoxManage closemedium',
    ]);
    expect(vbox.stdout).toContain('--uartmode1 file /tmp/x.log');
    const bhyve = await runCli(['boot-test', iso, '--print', '--vm', 'bhyve', '--firmware', 'uefi', '--log', '/tmp/x.log']);
    expect(bhyve.exitCode, bhyve.stderr).toBe(0);
    expect(bhyve.stdout).toBe(
      `bhyve -c 1 -m 1024M -H -P -s 0,hostbridge -s 31,lpc -l com1,stdio -l bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd -s 3,ahci-cd,${iso} compose-demo >/tmp/x.log\n` +
        'bhyvectl --destroy --vm=compose-demo',
    );
  });
});

/** A stand-in VBoxManage: records its calls, "boots" by writing to the COM1 log, reports VM state. */
const FAKE_VBOXMANAGE = `#!/bin/bash
state=\${FAKE_VBOX_STATE:?}
echo "$*" >> "$state/calls"
case "$1" in
  modifyvm) while [ $# -gt 0 ]; do [ "$1" = --uartmode1 ] && echo "$3" > "$state/log"; shift; done ;;
  startvm)
    echo running > "$state/vmstate"
    ( sleep 0.3; printf 'FAKE FIRMWARE\\r\\nCOMPOSE-BOOT-OK demo\\r\\n' >> "$(cat "$state/log")"
      [ -n "$FAKE_VBOX_HANG" ] || { sleep 0.2; echo poweroff > "$state/vmstate"; } ) >/dev/null 2>&1 &
    ;;
  showvminfo) echo "VMState=\\"$(cat "$state/vmstate")\\"" ;;
  controlvm) echo poweroff > "$state/vmstate" ;;
esac
`;

describe.skipIf(!haveTools)('compose boot-test --vm virtualbox (fake VBoxManage)', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await pathWithOnlyNode(join(await scratchDir('boot-test-bin-'), 'bin'));
    await writeFile(join(bin, 'VBoxManage'), FAKE_VBOXMANAGE);
    await chmod(join(bin, 'VBoxManage'), 0o755);
  });
  const env = async (extra: Record<string, string> = {}) => {
    const state = await scratchDir('boot-test-vbox-');
    return { state, env: { PATH: `${bin}:${dirname(process.execPath)}:/bin:/usr/bin`, FAKE_VBOX_STATE: state, ...extra } };
  };

  it('creates, boots, watches, and deletes the VM (disk: through a VDI)', async () => {
    const { state, env: e } = await env();
    const r = await runCli(['boot-test', iso, '--vm', 'virtualbox', '--as', 'disk', '--firmware', 'uefi', '--json', '--log', join(state, 'serial.log')], e);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ verdict: 'pass', vm: 'virtualbox', accel: null, vmExit: { detail: 'VM state poweroff', stoppedByUs: false } });
    const calls = (await readFile(join(state, 'calls'), 'utf8')).trim().split('\n').map((l) => l.split(' ')[0]);
    expect(calls.filter((c) => c !== 'showvminfo')).toEqual(['createvm', 'modifyvm', 'storagectl', 'convertfromraw', 'storageattach', 'startvm', 'unregistervm']);
  });

  it('powers off and deletes a VM that does not finish, on timeout', async () => {
    const { state, env: e } = await env({ FAKE_VBOX_HANG: '1' });
    const r = await runCli(['boot-test', iso, '--vm', 'virtualbox', '--json', '--expect', 'never', '--timeout', '1', '--log', join(state, 'serial.log')], e);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(json(r)).toMatchObject({ verdict: 'timeout', vmExit: { stoppedByUs: true } });
    const calls = (await readFile(join(state, 'calls'), 'utf8')).trim().split('\n').filter((l) => !l.startsWith('showvminfo'));
    expect(calls.slice(-3).map((l) => l.split(' ')[0])).toEqual(['controlvm', 'unregistervm', 'closemedium']);
    expect(calls.at(-1)).toBe(`closemedium dvd ${iso}`);
  });
});
