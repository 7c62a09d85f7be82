import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installGrubBios } from '../../src/disk/grub-bios.js';
import type { Partition } from '../../src/disk/layout.js';
import { InputError } from '../../src/util/errors.js';
import { caught } from '../support/caught.js';
import { openUnder } from '../support/open-files.js';

// GRUB's BIOS stages patched into a disk image (src/disk/grub-bios.ts), byte by byte: the host's
// boot.img around the MBR's own fields, and a stand-in core image with its block list.

const platform = vi.hoisted(() => ({ dir: undefined as string | undefined, asked: [] as string[] }));

vi.mock('../../src/iso/tools.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/iso/tools.js')>();
  return {
    ...real,
    requireGrubPlatform: async (p: 'i386-pc' | 'x86_64-efi'): Promise<string> => {
      platform.asked.push(p);
      return platform.dir ?? real.requireGrubPlatform(p);
    },
  };
});

afterEach(() => {
  platform.dir = undefined;
  platform.asked = [];
});

const biosBoot = (startLba: number, sectors: number): Partition => ({ number: 1, role: 'bios', name: 'BIOS boot', type: 'x', uuid: 'y', startLba, sectors });

/** A 4 MiB disk whose every byte is set (i * 7 + 3, so the MBR's fields are recognisable). */
async function disk(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'grub-bios-')), 'disk.img');
  const b = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + 3) & 0xff;
  writeFileSync(path, b);
  return path;
}

/** A core image of `bytes` bytes, every byte set except the block list entries diskboot ends with. */
async function coreOf(bytes: number, dirty = false): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'grub-core-')), 'core.img');
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < b.length; i++) b[i] = (i * 13 + 1) & 0xff || 1;
  b.fill(0, 488, 512);
  if (dirty) b.writeUInt16LE(5, 496);
  writeFileSync(path, b);
  return path;
}

describe('installGrubBios', () => {
  it('writes boot.img around the MBR\'s BPB and partition table, and the core with its block list into the BIOS boot partition', async () => {
    const path = await disk();
    const before = readFileSync(path);
    const core = await coreOf(3 * 512 + 100);
    await installGrubBios(path, core, biosBoot(2048, 2048));
    expect(openUnder(path)).toEqual([]);
    expect(platform.asked).toEqual(['i386-pc']);
    const after = readFileSync(path);
    const bootImg = readFileSync('/usr/lib/grub/i386-pc/boot.img');

    const expected = Buffer.from(bootImg);
    before.copy(expected, 0x03, 0x03, 0x5a);
    before.copy(expected, 0x1b8, 0x1b8, 0x1fe);
    expected[0x64] = 0xff;
    expected[0x66] = 0x90;
    expected[0x67] = 0x90;
    expected.writeBigUInt64LE(2048n, 0x5c);
    expect(after.subarray(0, 512).toString('hex')).toBe(expected.toString('hex'));
    // The boot.img bytes outside the copied and patched fields are boot.img's own.
    expect(after.subarray(0, 3).equals(bootImg.subarray(0, 3))).toBe(true);
    expect(after.readUInt16LE(0x1fe)).toBe(0xaa55);

    const coreBytes = readFileSync(core);
    const written = after.subarray(2048 * 512, 2048 * 512 + 4 * 512);
    const want = Buffer.alloc(4 * 512);
    coreBytes.copy(want);
    want.writeBigUInt64LE(2049n, 500);
    want.writeUInt16LE(3, 508);
    want.writeUInt16LE(0x820, 510);
    expect(written.toString('hex')).toBe(want.toString('hex'));
    // Nothing else of the disk changed.
    expect(after.subarray(512, 2048 * 512).equals(before.subarray(512, 2048 * 512))).toBe(true);
    expect(after.subarray(2052 * 512).equals(before.subarray(2052 * 512))).toBe(true);
    expect(after.length).toBe(before.length);
  });

  it('takes a core that fills the partition exactly, and refuses one sector more', async () => {
    const path = await disk();
    await installGrubBios(path, await coreOf(4 * 512), biosBoot(100, 4));
    const after = readFileSync(path);
    expect(after.readBigUInt64LE(100 * 512 + 500)).toBe(101n);
    expect(after.readUInt16LE(100 * 512 + 508)).toBe(3);
    expect(after.readBigUInt64LE(0x5c)).toBe(100n);
    const e = await caught(installGrubBios(path, await coreOf(4 * 512 + 1), biosBoot(100, 4)));
    expect(e.message).toBe("internal: GRUB's core image (5 sectors) does not fit the BIOS boot partition (4)");
    expect(e).not.toBeInstanceOf(InputError);
  });

  it('refuses a core image whose first sector has a second block list entry', async () => {
    const path = await disk();
    const before = readFileSync(path);
    const e = await caught(installGrubBios(path, await coreOf(2048, true), biosBoot(2048, 2048)));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe("GRUB's core image has an unexpected block list (not GRUB 2's diskboot.img?); reinstall grub-pc-bin");
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a boot.img that is not a 512-byte boot sector', async () => {
    const path = await disk();
    const dir = await mkdtemp(join(tmpdir(), 'grub-pc-'));
    platform.dir = dir;
    const sector = Buffer.alloc(512);
    sector.writeUInt16LE(0xaa55, 510);
    for (const bad of [Buffer.concat([sector, Buffer.alloc(512)]), sector.subarray(0, 511), Buffer.alloc(512)]) {
      writeFileSync(join(dir, 'boot.img'), bad);
      const e = await caught(installGrubBios(path, await coreOf(1024), biosBoot(2048, 2048)));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toBe("GRUB's boot.img is not a 512-byte boot sector; reinstall grub-pc-bin");
    }
    writeFileSync(join(dir, 'boot.img'), sector);
    await installGrubBios(path, await coreOf(1024), biosBoot(2048, 2048));
    expect(readFileSync(path).readBigUInt64LE(0x5c)).toBe(2048n);
  });
});
