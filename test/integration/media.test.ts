import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { makeDemoProto, runCli, tempDir } from '../support/cli.js';

// Boot media beyond the ISO: the PXE tree and the GPT disk image (raw, qcow2, vmdk, vdi). Each is
// read back by tools we did not write (sgdisk's verifier, GRUB's own file system reader
// grub-fstest, qemu-img) and booted in QEMU with the stand-in kernel, BIOS and UEFI.

let proto: string;
let profile: string;
let out: string;
const EPOCH = '1767225600';

beforeAll(async () => {
  proto = await makeDemoProto();
  profile = join(proto, '../../demo.yaml');
  out = await tempDir();
  const r = await runCli(['-p', profile, '--format', 'pxe,disk', '-o', out, '--quiet', proto]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
}, 180_000);

/** sha256 and mtime of every file under a directory, by relative path. */
function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${statSync(p).mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

const bootTest = async (image: string, ...args: string[]) => {
  const r = await runCli(['boot-test', image, '--json', '-q', '--timeout', '150', ...args]);
  return { ...r, json: JSON.parse(r.stdout || '{}') as { verdict: string; reason: string; as: string; kernel?: { cmdline?: string } } };
};

describe('--format pxe', () => {
  it('writes a TFTP root: GRUB network boot programs for BIOS and UEFI, grub.cfg, unix, the archive and its hash, pxe.json and a README with DHCP lines', () => {
    const tree = join(out, 'demo.pxe');
    const files = Object.keys(treeDigest(tree)).sort();
    expect(files).toEqual(['README', 'boot/grub/grub.cfg', 'boot/grub/i386-pc/core.0', 'boot/grub/x86_64-efi/core.efi', 'platform/i86pc/amd64/boot_archive', 'platform/i86pc/amd64/boot_archive.hash', 'platform/i86pc/kernel/amd64/unix', 'pxe.json']);
    const info = JSON.parse(readFileSync(join(tree, 'pxe.json'), 'utf8'));
    expect(info).toMatchObject({ profile: 'demo', loader: 'grub2', bootFiles: { bios: 'boot/grub/i386-pc/core.0', uefi: 'boot/grub/x86_64-efi/core.efi' } });
    expect(readFileSync(join(tree, 'platform/i86pc/amd64/boot_archive')).equals(readFileSync(join(out, 'demo.boot_archive')))).toBe(true);
    const readme = readFileSync(join(tree, 'README'), 'utf8');
    expect(readme).toMatch(/dhcp-boot=tag:efi64,boot\/grub\/x86_64-efi\/core\.efi/);
    expect(readme).toMatch(/filename "boot\/grub\/i386-pc\/core\.0"/);
    // GRUB's PXE image starts with pxeboot.img; the EFI one is a PE file.
    expect(readFileSync(join(tree, 'boot/grub/x86_64-efi/core.efi')).subarray(0, 2).toString()).toBe('MZ');
  });

  it.each(['bios', 'uefi'])('boots over QEMU\'s network (DHCP + TFTP) under %s', async (firmware) => {
    const r = await bootTest(join(out, 'demo.pxe'), '--firmware', firmware);
    expect(r.json.verdict, r.json.reason).toBe('pass');
    expect(r.json.as).toBe('pxe');
  }, 200_000);

  it('--pxe with anything but a PXE tree, or a PXE tree with --as, is refused', async () => {
    const a = await runCli(['boot-test', '--pxe', join(out, 'demo.img')]);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/--pxe boots a PXE tree .*demo\.img is a raw disk image/);
    const b = await runCli(['boot-test', '--as', 'cdrom', join(out, 'demo.pxe')]);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/is a PXE tree: boot it with --pxe/);
    const plain = await tempDir();
    const c = await runCli(['boot-test', plain]);
    expect(c.exitCode).toBe(3);
    expect(c.stderr).toMatch(/is a directory without pxe\.json: give a PXE tree written by compose --format pxe/);
  });
});

describe('--format disk', () => {
  it('is a valid GPT (sgdisk -v) with BIOS boot, EFI system and a FAT boot partition that GRUB reads', async () => {
    const img = join(out, 'demo.img');
    expect((await execa('sgdisk', ['-v', img])).stdout).toMatch(/No problems found/);
    const table = (await execa('sgdisk', ['-p', img])).stdout;
    expect(table).toMatch(/1\s+2048\s+4095 .* EF02\s+BIOS boot/);
    expect(table).toMatch(/2\s+4096\s+\d+ .* EF00\s+EFI system/);
    expect(table).toMatch(/3\s+\d+\s+\d+ .* 0700\s+illumos boot/);
    // GRUB's own file system code, as the boot will use it.
    const ls = (await execa('grub-fstest', [img, 'ls', '(loop0,gpt3)/platform/i86pc/amd64/'])).stdout;
    expect(ls).toMatch(/boot_archive boot_archive\.hash/);
    const hash = (await execa('grub-fstest', [img, 'cat', '(loop0,gpt3)/platform/i86pc/amd64/boot_archive.hash'])).stdout;
    expect(`${hash.trim()}\n`).toBe(readFileSync(join(out, 'demo.boot_archive.hash'), 'utf8'));
    expect((await execa('grub-fstest', [img, 'ls', '(loop0,gpt2)/EFI/BOOT/'])).stdout.toLowerCase()).toMatch(/bootx64\.efi/);
  });

  it.each(['bios', 'uefi'])('boots as a disk under %s (the boot-test attaches a disk image as a disk by itself)', async (firmware) => {
    const r = await bootTest(join(out, 'demo.img'), '--firmware', firmware);
    expect(r.json.verdict, r.json.reason).toBe('pass');
    expect(r.json.as).toBe('disk');
  }, 200_000);

  it('is reproducible, with --disk-size and a data partition to the end of the disk', async () => {
    const a = await tempDir();
    const b = await tempDir();
    for (const o of [a, b]) {
      const r = await runCli(['-p', profile, '--format', 'disk,pxe', '--disk-size', '256M', '--data-partition', '-o', o, '--quiet', proto], { SOURCE_DATE_EPOCH: EPOCH });
      expect(r.exitCode, r.stderr).toBe(0);
    }
    expect(readFileSync(join(a, 'demo.img')).equals(readFileSync(join(b, 'demo.img')))).toBe(true);
    expect(treeDigest(join(a, 'demo.pxe'))).toEqual(treeDigest(join(b, 'demo.pxe')));
    expect(statSync(join(a, 'demo.img')).size).toBe(256 * 1024 * 1024);
    const dump = (await execa('sfdisk', ['-d', join(a, 'demo.img')])).stdout;
    expect(dump).toMatch(/demo\.img4 : start=\s*\d+, size=\s*\d+, type=6A898CC3-1DD2-11B2-99A6-080020736631, uuid=[0-9A-F-]+, name="illumos data"/);
    const [, start, size] = /img4 : start=\s*(\d+), size=\s*(\d+)/.exec(dump)!;
    // The data partition ends 1 MiB before the end: the backup GPT's room.
    expect(Number(start) + Number(size)).toBe((256 - 1) * 2048);
    expect((await execa('sgdisk', ['-v', join(a, 'demo.img')])).stdout).toMatch(/No problems found/);
  });

  it('refuses sizes and options that cannot work, in one line each', async () => {
    const o = await tempDir();
    const small = await runCli(['-p', profile, '--format', 'disk', '--disk-size', '8M', '-o', o, proto]);
    expect(small.exitCode).toBe(2);
    expect(small.stderr).toMatch(/--disk-size 8\.0 MiB is too small: the boot partitions need .*; give at least/);
    const noSize = await runCli(['-p', profile, '--format', 'disk', '--data-partition', '-o', o, proto]);
    expect(noSize.exitCode).toBe(2);
    expect(noSize.stderr).toMatch(/--data-partition needs --disk-size/);
    const noDisk = await runCli(['-p', profile, '--format', 'iso', '--disk-format', 'qcow2', '-o', o, proto]);
    expect(noDisk.exitCode).toBe(2);
    expect(noDisk.stderr).toMatch(/--disk-format applies to --format disk only/);
  });

  it('--disk-format qcow2, vmdk and vdi: qemu-img reads each with the same virtual size, each reproducible; qcow2 boots under UEFI', async () => {
    for (const format of ['qcow2', 'vmdk', 'vdi']) {
      const digests: string[] = [];
      let last = '';
      for (let i = 0; i < 2; i++) {
        const o = await tempDir();
        const r = await runCli(['-p', profile, '--format', 'disk', '--disk-format', format, '-o', o, '--quiet', proto], { SOURCE_DATE_EPOCH: EPOCH });
        expect(r.exitCode, r.stderr).toBe(0);
        last = join(o, `demo.${format}`);
        digests.push(createHash('sha256').update(readFileSync(last)).digest('hex'));
      }
      expect(digests[0], format).toBe(digests[1]);
      const info = JSON.parse((await execa('qemu-img', ['info', '--output', 'json', last])).stdout);
      expect(info.format).toBe(format);
      expect(info['virtual-size']).toBe(statSync(join(out, 'demo.img')).size);
      await execa('qemu-img', ['check', last]);
      if (format === 'qcow2') {
        const r = await bootTest(last, '--firmware', 'uefi');
        expect(r.json.verdict, r.json.reason).toBe('pass');
      }
      if (format === 'vdi') {
        const vbox = await runCli(['boot-test', last, '--vm', 'virtualbox', '--print']);
        expect(vbox.stdout).toMatch(/storageattach .* --type hdd --medium \S+demo\.vdi --mtype immutable/);
        expect(vbox.stdout).not.toMatch(/convertfromraw/);
      }
      if (format === 'qcow2') {
        const vbox = await runCli(['boot-test', last, '--vm', 'virtualbox', '--print']);
        expect(vbox.exitCode).toBe(2);
        expect(vbox.stderr).toMatch(/VirtualBox cannot read qcow2 images: build with --disk-format vdi/);
      }
    }
    const bhyve = await runCli(['boot-test', join(out, 'demo.img'), '--vm', 'bhyve', '--firmware', 'uefi', '--print']);
    expect(bhyve.stdout).toMatch(/-s 3,virtio-blk,\S+demo\.img,ro/);
  }, 300_000);
});
