import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultExpectation, describePlan, guessProfile, planBootTest, type BootTestRequest } from '../../src/boot/boot-test.js';
import { findOvmf } from '../../src/boot/firmware.js';
import { InputError, ToolMissingError, UsageError } from '../../src/util/errors.js';

let dir: string;
let iso: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boot-plan-'));
  iso = join(dir, 'pureboot.iso');
  // Enough of an ISO for boot-test's first look (CD001 in the first volume descriptor); nothing boots it here.
  const head = Buffer.alloc(34816);
  head.write('CD001', 32769, 'latin1');
  await writeFile(iso, head);
  // And a raw disk image: a boot sector's 0x55AA.
  const sector = Buffer.alloc(512);
  sector.writeUInt16BE(0x55aa, 510);
  await writeFile(join(dir, 'pureboot.img'), sector);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const plan = (over: Partial<BootTestRequest> = {}) => planBootTest({ iso, ...over });
const rejection = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('expected a rejection'); }, (e: Error) => e);

describe('profile and default expectation', () => {
  it('guesses the profile from the file name', () => {
    expect(guessProfile('out/pureboot.iso')).toBe('pureboot');
    expect(guessProfile('/x/smf.IMG')).toBe('smf');
    expect(guessProfile('/x/my image.iso')).toBeUndefined();
  });

  it('expects COMPOSE-BOOT-OK <profile> exactly, and flags another profile', () => {
    const d = defaultExpectation('pure.boot');
    expect(d.expect.test('COMPOSE-BOOT-OK pure.boot')).toBe(true);
    expect(d.expect.test('COMPOSE-BOOT-OK pure.boot2')).toBe(false);
    expect(d.expect.test('COMPOSE-BOOT-OK pureXboot')).toBe(false);
    expect(d.wrongProfile!.test('COMPOSE-BOOT-OK pureboot')).toBe(true);
    expect(d.wrongProfile!.test('COMPOSE-BOOT-OK pure.boot')).toBe(false);
    expect(defaultExpectation(undefined)).toEqual({ expect: /COMPOSE-BOOT-OK \S+/ });
  });

  it('uses --profile, else the manifest, else the file name', async () => {
    expect((await plan()).profile).toBe('pureboot');
    expect((await plan()).profileSource).toBe('file name');
    expect((await plan({ profile: 'smf' })).expect.map(String)).toEqual(['/COMPOSE-BOOT-OK smf(?:\\s|$)/']);
    const manifest = join(dir, 'm.json');
    await writeFile(manifest, JSON.stringify({ profile: 'fromManifest', proto: '/p', entries: [] }));
    const p = await plan({ checkManifest: manifest });
    expect([p.profile, p.profileSource]).toEqual(['fromManifest', 'manifest']);
  });

  it('with --expect, uses only those and adds no wrong-profile pattern', async () => {
    const p = await plan({ expect: ['a', 'b'] });
    expect(p.expect.map(String)).toEqual(['/a/', '/b/']);
    expect(p.wrongProfile).toBeUndefined();
    expect(p.fail.map(String)).toEqual(['/panic/', '/failed to mount ramdisk/', '/hash mismatch/']);
  });

  it('--fail adds to the defaults; --no-default-fail drops them', async () => {
    expect((await plan({ expect: ['x'], fail: ['oops'] })).fail.map(String)).toEqual(['/panic/', '/failed to mount ramdisk/', '/hash mismatch/', '/oops/']);
    expect((await plan({ expect: ['x'], fail: ['oops'], defaultFail: false })).fail.map(String)).toEqual(['/oops/']);
  });
});

describe('defaults and validation', () => {
  it('has sensible defaults: qemu, tcg, bios, cdrom, 1024 MB, 1 CPU, a log next to the image', async () => {
    const p = await plan();
    expect(p).toMatchObject({ vm: 'qemu', accel: 'tcg', timeoutMs: 300_000 });
    expect(p.settings).toMatchObject({ iso, log: join(dir, 'pureboot.qemu-bios-cdrom.log'), firmware: 'bios', as: 'cdrom', memoryMiB: 1024, cpus: 1 });
    // A disk image is attached as a disk, in its own format, without being told.
    const disk = await plan({ iso: join(dir, 'pureboot.img') });
    expect(disk.settings).toMatchObject({ as: 'disk', diskFormat: 'raw', log: join(dir, 'pureboot.qemu-bios-disk.log') });
    expect((await plan({ log: 'rel.log' })).settings.log).toBe(join(process.cwd(), 'rel.log'));
  });

  it('names the option of a bad regular expression (usage error)', async () => {
    const e = await rejection(plan({ fail: ['[oops'] }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(/^--fail "\[oops" is not a valid regular expression/);
    expect((await rejection(plan({ expect: ['('] }))).message).toMatch(/^--expect/);
  });

  it('rejects bad numbers and choices as usage errors', async () => {
    for (const over of [{ timeout: '0' }, { timeout: 'soon' }, { memory: '1.5' }, { memory: '8' }, { cpus: '0' }, { cpus: '1000' }, { firmware: 'efi' }, { as: 'usb' }, { vm: 'xen' }, { accel: 'hvf' }]) {
      expect(await rejection(plan(over)), JSON.stringify(over)).toBeInstanceOf(UsageError);
    }
    expect((await plan({ timeout: '2.5' })).timeoutMs).toBe(2500);
  });

  it('refuses --accel with another hypervisor, and bhyve without --print', async () => {
    expect((await rejection(plan({ vm: 'virtualbox', accel: 'kvm' }))).message).toMatch(/--accel applies to --vm qemu only/);
    expect((await rejection(plan({ vm: 'bhyve' }))).message).toMatch(/--vm bhyve .* --print/);
    const p = await plan({ vm: 'virtualbox' });
    expect(p.accel).toBeNull();
  });

  it('a missing image or archive is an input error, except for --print', async () => {
    expect(await rejection(plan({ iso: join(dir, 'nope.iso') }))).toBeInstanceOf(InputError);
    expect(await rejection(plan({ checkArchive: join(dir, 'nope') }))).toBeInstanceOf(InputError);
    const p = await plan({ iso: join(dir, 'later.iso'), print: true, vm: 'bhyve', profile: 'pureboot' });
    expect(await describePlan(p, {})).toEqual([
      `bhyve -c 1 -m 1024M -H -P -s 0,hostbridge -s 31,lpc -l com1,stdio -l bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI_CSM.fd -s 3,ahci-cd,${dir}/later.iso compose-pureboot >${dir}/later.bhyve-bios-cdrom.log`,
      'bhyvectl --destroy --vm=compose-pureboot',
    ]);
  });

  it('gives each VirtualBox run its own VM name, and printed commands a stable one', async () => {
    const a = await plan({ vm: 'virtualbox' });
    const b = await plan({ vm: 'virtualbox' });
    expect(a.vmName).not.toBe(b.vmName);
    expect((await plan({ vm: 'virtualbox', print: true })).vmName).toBe('compose-pureboot');
  });
});

describe('findOvmf', () => {
  it('honours COMPOSE_OVMF_CODE/VARS and names the ovmf package when they are missing', async () => {
    const code = join(dir, 'CODE.fd');
    const vars = join(dir, 'VARS.fd');
    await writeFile(code, '');
    await writeFile(vars, '');
    expect(await findOvmf({ COMPOSE_OVMF_CODE: code, COMPOSE_OVMF_VARS: vars })).toEqual({ code, vars });
    const e = await rejection(findOvmf({ COMPOSE_OVMF_CODE: code, COMPOSE_OVMF_VARS: join(dir, 'none.fd') }));
    expect(e).toBeInstanceOf(ToolMissingError);
    expect(e.message).toContain('"ovmf"');
    expect(await rejection(findOvmf({ COMPOSE_OVMF_CODE: code }))).toBeInstanceOf(ToolMissingError);
  });
});
