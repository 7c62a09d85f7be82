import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootPartitionKiB, buildDiskImage, diskEarlyCfg, type DiskImageOptions } from '../../src/disk/disk-image.js';
import { guidFrom, MIB, planDisk } from '../../src/disk/layout.js';
import { bootSettingsFor } from '../../src/iso/boot-settings.js';
import { grubCfg } from '../../src/iso/configs.js';
import { efiImageKiB } from '../../src/iso/efi-image.js';
import type { Profile } from '../../src/profile/schema.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { InputError } from '../../src/util/errors.js';
import type { Reporter } from '../../src/util/progress.js';
import { caught } from '../support/caught.js';
import { openUnder } from '../support/open-files.js';

// The disk image (src/disk/disk-image.ts) without grub-mkimage or mtools: GRUB's images are
// stand-ins written by a mocked makeGrubImage, the FAT file systems are recorded (with the
// content of every file handed over) instead of made; sfdisk, the MBR and core patching and
// qemu-img are the real ones, on a disk of a few MiB.

/** The EFI application stand-in: large enough for an ESP of more than efiImageKiB's minimum. */
const EFI_APP_BYTES = vi.hoisted(() => 1536 * 1024);
const grub = vi.hoisted(() => ({ calls: [] as Array<{ platform: string; out: string; early: string | undefined; medium: string | undefined; earlyText: string }>, fail: false, removeWork: false }));
const fat = vi.hoisted(() => ({ calls: [] as Array<{ target: unknown; files: Array<{ name: string; source: string; pinned?: boolean; content: string }>; opts: unknown }> }));
const conv = vi.hoisted(() => ({ calls: [] as unknown[][] }));

vi.mock('../../src/iso/grub-image.js', async () => {
  const fs = await import('node:fs');
  return {
    makeGrubImage: async (platform: string, out: string, early?: string, medium?: string): Promise<void> => {
      grub.calls.push({ platform, out, early, medium, earlyText: early ? fs.readFileSync(early, 'utf8') : '' });
      if (grub.removeWork) fs.rmSync(fs.realpathSync(`${out}/..`), { recursive: true });
      if (grub.fail) throw new Error('grub-mkimage failed');
      // i386-pc: 3 sectors, the block list area of the first left zero for installGrubBios.
      const b = Buffer.alloc(platform === 'i386-pc' ? 3 * 512 : EFI_APP_BYTES, 0x41);
      if (platform === 'i386-pc') b.fill(0, 488, 512);
      fs.writeFileSync(out, b);
    },
  };
});

vi.mock('../../src/iso/efi-image.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/iso/efi-image.js')>();
  const fs = await import('node:fs');
  return {
    ...real,
    makeFatFileSystem: async (target: unknown, files: Array<{ name: string; source: string; pinned?: boolean }>, opts: unknown): Promise<{ bytes: number }> => {
      fat.calls.push({ target, files: files.map((f) => ({ ...f, content: fs.readFileSync(f.source, 'latin1') })), opts });
      return { bytes: 0 };
    },
  };
});

vi.mock('../../src/disk/vm-formats.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/disk/vm-formats.js')>();
  return {
    ...real,
    convertDisk: async (...args: Parameters<typeof real.convertDisk>): Promise<void> => {
      conv.calls.push(args);
      return real.convertDisk(...args);
    },
  };
});

afterEach(() => {
  grub.calls = [];
  grub.fail = false;
  grub.removeWork = false;
  fat.calls = [];
  conv.calls = [];
});

const UNIX = 'platform/i86pc/kernel/amd64/unix';
const KERNEL = 'ELF kernel stand-in';
const kernel = (): StagedEntry => ({ path: UNIX, type: 'file', mode: 0o755, uid: 0, gid: 0, size: KERNEL.length, mtime: 1, source: { kind: 'generated', data: Buffer.from(KERNEL), generator: 't' } });
const profile = { name: 'box', boot: { console: 'ttya', kernelArgs: ['-v'], autobootDelay: 3 }, init: { mode: 'launcher' } } as unknown as Profile;
const EPOCH = 1_700_000_000;
const SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';

const recorder = (): Reporter & { notes: string[]; warns: string[] } => {
  const notes: string[] = [];
  const warns: string[] = [];
  return { notes, warns, note: (m) => notes.push(m), warn: (m) => warns.push(m), progress: () => {}, done: () => {} };
};

async function setup(over: Partial<DiskImageOptions> = {}): Promise<DiskImageOptions & { reporter: ReturnType<typeof recorder> }> {
  const inputs = await mkdtemp(join(tmpdir(), 'disk-in-'));
  const outDir = await mkdtemp(join(tmpdir(), 'disk-out-'));
  const archive = join(inputs, 'boot_archive');
  writeFileSync(archive, Buffer.alloc(40_000, 0x55));
  writeFileSync(`${archive}.hash`, `${SHA1}\n`);
  for (const p of [archive, `${archive}.hash`]) utimesSync(p, 5, 5);
  const tree = new StagedTree();
  tree.put(kernel());
  return { tree, profile, archive: { path: archive, hashPath: `${archive}.hash`, sha1: SHA1, format: 'ufs' }, outDir, format: 'raw', dataPartition: false, epoch: EPOCH, ...over, reporter: recorder() };
}

const SEED = `box\0${EPOCH}\0${SHA1}\0disk`;
const serial = (what: string): string => createHash('sha256').update(`${what}:${SEED}`).digest('hex').slice(0, 8).toUpperCase();

describe('bootPartitionKiB', () => {
  it('rounds every file up to 32 KiB (an empty one too), adds a tenth and 4 MiB', () => {
    expect(bootPartitionKiB([])).toBe(4096);
    expect(bootPartitionKiB([0])).toBe(4132);
    expect(bootPartitionKiB([1])).toBe(4132);
    expect(bootPartitionKiB([32768])).toBe(4132);
    expect(bootPartitionKiB([32769])).toBe(4167);
    expect(bootPartitionKiB([32769, 100])).toBe(4202);
    expect(bootPartitionKiB([100 * MIB])).toBe(Math.ceil((100 * MIB * 1.1 + 4 * MIB) / 1024));
  });
});

describe('diskEarlyCfg', () => {
  it('searches the boot partition by its FAT serial as XXXX-XXXX and reads its grub.cfg', () => {
    expect(diskEarlyCfg('ABCD1234')).toBe('search --no-floppy --set=root --fs-uuid ABCD-1234\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n');
  });
});

describe('buildDiskImage', () => {
  it('writes a raw GPT disk: both GRUBs with the boot partition\'s serial, the ESP and boot FATs at their partitions, GRUB\'s BIOS stages', async () => {
    const opts = await setup();
    const result = await buildDiskImage(opts);
    // Every file it opened is closed again.
    expect(openUnder(opts.outDir)).toEqual([]);
    const path = join(opts.outDir, 'box.img');
    // A raw image is written in place, not converted.
    expect(conv.calls).toEqual([]);
    expect(readdirSync(opts.outDir)).toEqual(['box.img']);

    // GRUB: one core for BIOS, one EFI application, the same early config.
    expect(grub.calls.map((c) => [c.platform, c.medium, c.earlyText])).toEqual([
      ['i386-pc', 'disk', diskEarlyCfg(serial('boot'))],
      ['x86_64-efi', 'disk', diskEarlyCfg(serial('boot'))],
    ]);
    const work = grub.calls[0]!.out.slice(0, -'/core.img'.length);
    expect(work.startsWith(join(opts.outDir, '.disk-work-'))).toBe(true);
    expect(grub.calls.map((c) => [c.out, c.early])).toEqual([
      [join(work, 'core.img'), join(work, 'early.cfg')],
      [join(work, 'BOOTX64.EFI'), join(work, 'early.cfg')],
    ]);

    // The layout: the ESP for the EFI application, the boot partition for its four files.
    const cfg = grubCfg(await bootSettingsFor(opts.tree, profile), { path: '/platform/i86pc/amd64/boot_archive', hashPath: '/platform/i86pc/amd64/boot_archive.hash', format: 'ufs' });
    const layout = planDisk({ espBytes: efiImageKiB([EFI_APP_BYTES]) * 1024, bootBytes: bootPartitionKiB([cfg.length, KERNEL.length, 40_000, 41]) * 1024, dataPartition: false, seed: SEED });
    expect(result).toEqual({ path, format: 'raw', diskBytes: layout.bytes, fileBytes: layout.bytes, layout });
    expect(layout.diskGuid).toBe(guidFrom(`box\0${EPOCH}\0${SHA1}\0disk:disk`));
    const [bios, esp, boot] = layout.partitions;

    expect(fat.calls).toEqual([
      {
        target: { path: expect.any(String), offset: esp!.startLba * 512, kib: esp!.sectors / 2 },
        files: [{ name: 'EFI/BOOT/BOOTX64.EFI', source: join(work, 'BOOTX64.EFI'), content: 'A'.repeat(EFI_APP_BYTES) }],
        opts: { epoch: EPOCH, volumeSerial: serial('esp'), label: 'EFI', workDir: work },
      },
      {
        target: { path: expect.any(String), offset: boot!.startLba * 512, kib: boot!.sectors / 2 },
        files: [
          { name: 'boot/grub/grub.cfg', source: join(work, 'grub.cfg'), content: cfg },
          { name: UNIX, source: join(work, 'unix'), content: KERNEL },
          { name: 'platform/i86pc/amd64/boot_archive', source: opts.archive.path, pinned: true, content: 'U'.repeat(40_000) },
          { name: 'platform/i86pc/amd64/boot_archive.hash', source: opts.archive.hashPath, pinned: true, content: `${SHA1}\n` },
        ],
        opts: { epoch: EPOCH, volumeSerial: serial('boot'), label: 'ILLUMOSBOOT', workDir: work },
      },
    ]);
    expect((fat.calls[0]!.target as { path: string }).path).toBe((fat.calls[1]!.target as { path: string }).path);
    expect(serial('boot')).not.toBe(serial('esp'));

    // The archive and its hash carry the epoch, as does the image.
    for (const p of [opts.archive.path, opts.archive.hashPath, path]) expect(statSync(p).mtimeMs).toBe(EPOCH * 1000);

    // The partition table, boot.img pointing at the BIOS boot partition, and the core in it.
    const table = JSON.parse(execFileSync('sfdisk', ['--json', path], { encoding: 'utf8' })).partitiontable;
    expect(table.id).toBe(layout.diskGuid);
    expect(table.partitions.map((p: { start: number; size: number }) => [p.start, p.size])).toEqual(layout.partitions.map((p) => [p.startLba, p.sectors]));
    const disk = readFileSync(path);
    expect(disk.length).toBe(layout.bytes);
    expect(disk.readBigUInt64LE(0x5c)).toBe(BigInt(bios!.startLba));
    expect(disk.readBigUInt64LE(bios!.startLba * 512 + 500)).toBe(BigInt(bios!.startLba + 1));
    expect(disk.readUInt16LE(bios!.startLba * 512 + 508)).toBe(2);

    expect(opts.reporter.notes).toEqual([`disk: BIOS boot 1 MiB, EFI system ${esp!.sectors / 2048} MiB, illumos boot ${boot!.sectors / 2048} MiB, ${layout.bytes / MIB} MiB in all`]);
    expect(opts.reporter.notes[0]).toBe('disk: BIOS boot 1 MiB, EFI system 2 MiB, illumos boot 5 MiB, 10 MiB in all');
    expect(opts.reporter.warns).toEqual([]);
  });

  it('takes --disk-size and a data partition, and converts to another format under the final name', async () => {
    const opts = await setup({ format: 'qcow2', diskBytes: 80 * MIB, dataPartition: true });
    const result = await buildDiskImage(opts);
    const path = join(opts.outDir, 'box.qcow2');
    expect(readdirSync(opts.outDir)).toEqual(['box.qcow2']);
    expect(result.path).toBe(path);
    expect(result.format).toBe('qcow2');
    expect(result.diskBytes).toBe(80 * MIB);
    expect(result.layout.partitions.map((p) => p.role)).toEqual(['bios', 'esp', 'boot', 'data']);
    expect(result.fileBytes).toBe(statSync(path).size);
    expect(result.fileBytes).toBeLessThan(80 * MIB);
    const work = grub.calls[0]!.out.slice(0, -'/core.img'.length);
    expect(conv.calls).toEqual([[join(work, 'disk.img'), join(work, 'box.qcow2'), 'qcow2', `${SEED}:${result.layout.diskGuid}`]]);
    expect((fat.calls[0]!.target as { path: string }).path).toBe(join(work, 'disk.img'));
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output', 'json', path], { encoding: 'utf8' }));
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBe(80 * MIB);
    expect(statSync(path).mtimeMs).toBe(EPOCH * 1000);
    // The GPT went into the converted image.
    const raw = join(opts.outDir, 'back.img');
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', path, raw]);
    expect(JSON.parse(execFileSync('sfdisk', ['--json', raw], { encoding: 'utf8' })).partitiontable.id).toBe(result.layout.diskGuid);
  });

  it('warns that a cpio archive cannot be the root file system', async () => {
    const opts = await setup({ archive: undefined as never });
    opts.archive = { ...(await setup()).archive, format: 'cpio' };
    await buildDiskImage(opts);
    expect(opts.reporter.warns).toEqual(['a cpio boot archive cannot be mounted as the root file system; this disk boots only if the kernel arguments point root elsewhere']);
  });

  it('refuses a tree without the kernel, before writing anything', async () => {
    const opts = await setup({ tree: new StagedTree() });
    const e = await caught(buildDiskImage(opts));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`a disk image needs ${UNIX} in the staged tree, but it is missing; check the proto area`);
    expect(grub.calls).toEqual([]);
    expect(readdirSync(opts.outDir)).toEqual([]);
  });

  it('removes its work directory when a step fails', async () => {
    const opts = await setup();
    grub.fail = true;
    const e = await caught(buildDiskImage(opts));
    expect(e.message).toBe('grub-mkimage failed');
    expect(readdirSync(opts.outDir)).toEqual([]);
  });

  it('reports the failure, not the cleanup, when the work directory is already gone', async () => {
    const opts = await setup();
    grub.fail = true;
    grub.removeWork = true;
    const e = await caught(buildDiskImage(opts));
    expect(e.message).toBe('grub-mkimage failed');
    expect(readdirSync(opts.outDir)).toEqual([]);
  });
});
