import { describe, expect, it } from 'vitest';
import { bhyveArgs, describeBhyve } from '../../src/boot/bhyve.js';
import { checkAccel, describeQemu, qemuArgs, type QemuSettings } from '../../src/boot/qemu.js';
import { describeVbox, parseVmState, vboxPlan } from '../../src/boot/virtualbox.js';
import { shellLine, shellQuote, stableVmName, type VmSettings } from '../../src/boot/vm.js';
import { UsageError } from '../../src/util/errors.js';

const base: VmSettings = { iso: '/out/pureboot.iso', log: '/out/serial.log', firmware: 'bios', as: 'cdrom', memoryMiB: 1024, cpus: 1 };
const COMMON = [
  '-machine', 'q35', '-m', '1024', '-smp', '1', '-nodefaults', '-display', 'none', '-vga', 'none',
  '-no-reboot', '-monitor', 'none', '-serial', 'file:/out/serial.log', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
];
const OVMF = { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', varsCopy: '/tmp/w/OVMF_VARS.fd' };
const PFLASH = [
  '-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
  '-drive', 'if=pflash,format=raw,unit=1,file=/tmp/w/OVMF_VARS.fd',
];
const CDROM = ['-drive', 'file=/out/pureboot.iso,media=cdrom,if=ide,readonly=on', '-boot', 'd'];
const DISK = ['-drive', 'file=/out/pureboot.iso,format=raw,if=ide,snapshot=on'];

describe('qemuArgs', () => {
  const q = (over: Partial<QemuSettings>): string[] => qemuArgs({ ...base, accel: 'tcg', ...over });

  it('BIOS, CD-ROM, TCG', () => {
    expect(q({})).toEqual(['-accel', 'tcg', ...COMMON, ...CDROM]);
  });
  it('BIOS, disk: raw IDE disk with snapshot=on (IDE disks refuse readonly=on)', () => {
    expect(q({ as: 'disk' })).toEqual(['-accel', 'tcg', ...COMMON, ...DISK]);
  });
  it('UEFI, CD-ROM: read-only OVMF code and a writable VARS copy', () => {
    expect(q({ firmware: 'uefi', ovmf: OVMF })).toEqual(['-accel', 'tcg', ...COMMON, ...PFLASH, ...CDROM]);
  });
  it('UEFI, disk', () => {
    expect(q({ firmware: 'uefi', as: 'disk', ovmf: OVMF })).toEqual(['-accel', 'tcg', ...COMMON, ...PFLASH, ...DISK]);
  });
  it('KVM keeps the default CPU (no -cpu host, which aborts on nested hosts)', () => {
    const a = q({ accel: 'kvm', memoryMiB: 2048, cpus: 2 });
    expect(a.slice(0, 2)).toEqual(['-accel', 'kvm']);
    expect(a).not.toContain('-cpu');
    expect(a.join(' ')).toContain('-m 2048 -smp 2');
  });
  it('escapes commas in -drive paths but not in the -serial path', () => {
    const a = q({ iso: '/a,b/x.iso', log: '/l,og' });
    expect(a).toContain('file=/a,,b/x.iso,media=cdrom,if=ide,readonly=on');
    expect(a).toContain('file:/l,og');
  });
  it('refuses UEFI without OVMF files', () => {
    expect(() => q({ firmware: 'uefi' })).toThrow(/OVMF/);
  });
});

describe('checkAccel', () => {
  it('accepts tcg without looking at /dev/kvm', async () => {
    await expect(checkAccel('tcg', '/nonexistent/kvm')).resolves.toBeUndefined();
  });
  it('refuses kvm without the device, as a usage error', async () => {
    const err = await checkAccel('kvm', '/nonexistent/kvm').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/--accel kvm needs \/nonexistent\/kvm/);
  });
});

describe('--print output', () => {
  it('qemu BIOS: one shell-quoted command line with the log and image paths', async () => {
    const lines = await describeQemu({ ...base, log: '/tmp/my log', accel: 'tcg' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      'qemu-system-x86_64 -accel tcg -machine q35 -m 1024 -smp 1 -nodefaults -display none -vga none -no-reboot -monitor none ' +
        "-serial 'file:/tmp/my log' -device isa-debug-exit,iobase=0xf4,iosize=0x04 " +
        '-drive file=/out/pureboot.iso,media=cdrom,if=ide,readonly=on -boot d',
    );
  });

  it('qemu UEFI: copy the VARS template first, then run', async () => {
    // Printed commands may be for another host: the override is used even if the files are not here.
    const env = { COMPOSE_OVMF_CODE: '/fw/CODE.fd', COMPOSE_OVMF_VARS: '/fw/VARS.fd' };
    const lines = await describeQemu({ ...base, firmware: 'uefi', as: 'disk', accel: 'tcg' }, env);
    expect(lines[0]).toBe('cp /fw/VARS.fd /out/serial.log.OVMF_VARS.fd');
    expect(lines[1]).toContain('-drive if=pflash,format=raw,unit=0,readonly=on,file=/fw/CODE.fd');
    expect(lines[1]).toContain('-drive if=pflash,format=raw,unit=1,file=/out/serial.log.OVMF_VARS.fd');
    expect(lines[1]).toContain('-drive file=/out/pureboot.iso,format=raw,if=ide,snapshot=on');
  });

  it('virtualbox CD-ROM: create, configure COM1 to the log, attach as DVD, run headless, then power off, delete and forget the ISO', () => {
    const plan = vboxPlan({ ...base, firmware: 'uefi', cpus: 2 }, 'vm1', '/w');
    expect(describeVbox(plan)).toEqual([
      'VBoxManage createvm --name vm1 --ostype Solaris11_64 --basefolder /w --register',
      'VBoxManage modifyvm vm1 --memory 1024 --cpus 2 --ioapic on --firmware efi --uart1 0x3F8 4 --uartmode1 file /out/serial.log --boot1 dvd --boot2 none --boot3 none --boot4 none',
      'VBoxManage storagectl vm1 --name SATA --add sata --controller IntelAhci --portcount 1',
      'VBoxManage storageattach vm1 --storagectl SATA --port 0 --device 0 --type dvddrive --medium /out/pureboot.iso',
      'VBoxManage startvm vm1 --type headless',
      'VBoxManage controlvm vm1 poweroff',
      'VBoxManage unregistervm vm1 --delete',
      'VBoxManage closemedium dvd /out/pureboot.iso',
    ]);
  });

  it('virtualbox disk: the ISO is converted to a temporary VDI and attached as a hard disk', () => {
    const lines = describeVbox(vboxPlan({ ...base, as: 'disk' }, 'vm1', '/w'));
    expect(lines).toContain('VBoxManage convertfromraw /out/pureboot.iso /w/vm1.vdi --format VDI');
    expect(lines).toContain('VBoxManage storageattach vm1 --storagectl SATA --port 0 --device 0 --type hdd --medium /w/vm1.vdi');
    expect(lines.join('\n')).toContain('--firmware bios');
    expect(lines.join('\n')).toContain('--boot1 disk');
    expect(lines.join('\n')).not.toContain('closemedium');
  });

  it('bhyve: UEFI boot ROM, AHCI CD or virtio-blk disk, COM1 on stdio redirected to the log, then destroy', () => {
    expect(describeBhyve({ ...base, firmware: 'uefi', cpus: 2, memoryMiB: 2048 }, 'compose-pureboot', {})).toEqual([
      'bhyve -c 2 -m 2048M -H -P -s 0,hostbridge -s 31,lpc -l com1,stdio -l bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd ' +
        '-s 3,ahci-cd,/out/pureboot.iso compose-pureboot >/out/serial.log',
      'bhyvectl --destroy --vm=compose-pureboot',
    ]);
    const disk = bhyveArgs({ ...base, as: 'disk' }, 'x', {});
    expect(disk).toContain('3,virtio-blk,/out/pureboot.iso,ro');
    expect(disk).toContain('bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI_CSM.fd');
    expect(bhyveArgs(base, 'x', { COMPOSE_BHYVE_BOOTROM: '/usr/share/bhyve/firmware/BHYVE.fd' })).toContain('bootrom,/usr/share/bhyve/firmware/BHYVE.fd');
  });
});

describe('helpers', () => {
  it('shellQuote leaves plain words alone and single-quotes the rest', () => {
    expect(shellQuote('file=/a/b.iso,media=cdrom')).toBe('file=/a/b.iso,media=cdrom');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(shellLine(['echo', '$HOME', 'a b'])).toBe("echo '$HOME' 'a b'");
  });
  it('stableVmName keeps names bhyve accepts', () => {
    expect(stableVmName('pure_boot.v2')).toBe('compose-purebootv2');
    expect(stableVmName(undefined)).toBe('compose-boot-test');
  });
  it('parseVmState reads showvminfo --machinereadable', () => {
    expect(parseVmState('name="x"\nVMState="poweroff"\nVMStateChangeTime="..."\n')).toBe('poweroff');
    expect(parseVmState('nothing')).toBeUndefined();
  });
});
