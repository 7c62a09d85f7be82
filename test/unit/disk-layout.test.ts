import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { sfdiskScript, writePartitionTable } from '../../src/disk/gpt.js';
import { guidFrom, MIB, MIN_DATA_BYTES, PARTITION_TYPES, planDisk, SECTOR } from '../../src/disk/layout.js';
import { UsageError } from '../../src/util/errors.js';

// The disk image's layout (src/disk/layout.ts) and its partition table (src/disk/gpt.ts): exact
// offsets, sizes, GUIDs and sfdisk script text; the table itself written by the real sfdisk onto
// a small sparse file and read back.

const tools = vi.hoisted(() => ({ asked: [] as Array<[string, string]> }));

vi.mock('../../src/iso/tools.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/iso/tools.js')>();
  return {
    ...real,
    requireTool: async (tool: Parameters<typeof real.requireTool>[0], purpose: string): Promise<string> => {
      tools.asked.push([tool, purpose]);
      return real.requireTool(tool, purpose);
    },
  };
});

const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('guidFrom', () => {
  it('is the first 16 bytes of the seed\'s SHA-256 with the version 4 and RFC 4122 variant bits, upper case, dashed 8-4-4-4-12', () => {
    expect(guidFrom('seed')).toMatchInlineSnapshot(`"19B25856-E1C1-40CA-834C-FFC8B59B23AD"`);
    expect(guidFrom('s:disk')).toMatchInlineSnapshot(`"B49C1880-0FB6-4225-BBE4-9DDA9F5EE464"`);
    expect(guidFrom('')).toMatchInlineSnapshot(`"E3B0C442-98FC-4C14-9AFB-F4C8996FB924"`);
    for (const seed of ['seed', 'a', 'b', 'c', 'd', 'e', 'f', 'g']) {
      const g = guidFrom(seed);
      expect(g).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
      // Everything but the version and variant bits is the hash's.
      const h = createHash('sha256').update(seed).digest();
      const b = Buffer.from(g.replaceAll('-', ''), 'hex');
      expect(b.length).toBe(16);
      for (let i = 0; i < 16; i++) {
        const mask = i === 6 ? 0x0f : i === 8 ? 0x3f : 0xff;
        expect(b[i]! & mask).toBe(h[i]! & mask);
      }
      expect(b[6]! & 0xf0).toBe(0x40);
      expect(b[8]! & 0xc0).toBe(0x80);
    }
  });
});

describe('planDisk', () => {
  it('lays out BIOS boot, ESP and boot partition on MiB boundaries after the first MiB, the disk just large enough', () => {
    const l = planDisk({ espBytes: 3 * MIB + 1, bootBytes: 5 * MIB, dataPartition: false, seed: 's' });
    expect(l).toEqual({
      bytes: 12 * MIB,
      diskGuid: guidFrom('s:disk'),
      partitions: [
        { number: 1, role: 'bios', name: 'BIOS boot', type: '21686148-6449-6E6F-744E-656564454649', uuid: guidFrom('s:partition:1'), startLba: 2048, sectors: 2048 },
        { number: 2, role: 'esp', name: 'EFI system', type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', uuid: guidFrom('s:partition:2'), startLba: 4096, sectors: 8192 },
        { number: 3, role: 'boot', name: 'illumos boot', type: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', uuid: guidFrom('s:partition:3'), startLba: 12288, sectors: 10240 },
      ],
    });
    expect(new Set([l.diskGuid, ...l.partitions.map((p) => p.uuid)]).size).toBe(4);
    expect(planDisk({ espBytes: 1, bootBytes: 1, dataPartition: false, seed: 's' }).bytes).toBe(5 * MIB);
  });

  it('gives the data partition what --disk-size leaves after the boot partitions and the backup GPT\'s MiB', () => {
    const l = planDisk({ espBytes: 4 * MIB, bootBytes: 5 * MIB, diskBytes: 200 * MIB, dataPartition: true, seed: 't' });
    expect(l.bytes).toBe(200 * MIB);
    expect(l.diskGuid).toBe(guidFrom('t:disk'));
    expect(l.partitions[3]).toEqual({ number: 4, role: 'data', name: 'illumos data', type: '6A898CC3-1DD2-11B2-99A6-080020736631', uuid: guidFrom('t:partition:4'), startLba: 11 * 2048, sectors: 188 * 2048 });
    expect(l.partitions.map((p) => p.number)).toEqual([1, 2, 3, 4]);
    // The smallest disk that takes a data partition: exactly a ZFS pool's minimum.
    const min = planDisk({ espBytes: 4 * MIB, bootBytes: 5 * MIB, diskBytes: 12 * MIB + MIN_DATA_BYTES, dataPartition: true, seed: 't' });
    expect(min.partitions[3]!.sectors * SECTOR).toBe(MIN_DATA_BYTES);
    expect(min.bytes).toBe(76 * MIB);
  });

  it('takes a --disk-size larger than needed without a data partition: the space after the boot partition stays unpartitioned', () => {
    const l = planDisk({ espBytes: 4 * MIB, bootBytes: 5 * MIB, diskBytes: 12 * MIB, dataPartition: false, seed: 's' });
    expect(l.bytes).toBe(12 * MIB);
    const big = planDisk({ espBytes: 4 * MIB, bootBytes: 5 * MIB, diskBytes: 100 * MIB, dataPartition: false, seed: 's' });
    expect(big.bytes).toBe(100 * MIB);
    expect(big.partitions).toEqual(l.partitions);
  });

  it('refuses a data partition without --disk-size', () => {
    const e = thrown(() => planDisk({ espBytes: MIB, bootBytes: MIB, dataPartition: true, seed: 's' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('--data-partition needs --disk-size: the data partition takes the rest of the disk');
  });

  it('refuses a --disk-size that is not whole MiB', () => {
    const e = thrown(() => planDisk({ espBytes: MIB, bootBytes: MIB, diskBytes: 100 * MIB + 512, dataPartition: false, seed: 's' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(`--disk-size ${100 * MIB + 512} is not a whole number of MiB; give a size such as 2G or 512M`);
  });

  it('refuses a --disk-size too small for the boot partitions, or for them and a data partition', () => {
    const e = thrown(() => planDisk({ espBytes: 4 * MIB, bootBytes: 5 * MIB, diskBytes: 11 * MIB, dataPartition: false, seed: 's' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('--disk-size 11.0 MiB is too small: the boot partitions need 12.0 MiB; give at least 12.0 MiB');
    const d = thrown(() => planDisk({ espBytes: 4 * MIB, bootBytes: 5 * MIB, diskBytes: 75 * MIB, dataPartition: true, seed: 's' }));
    expect(d).toBeInstanceOf(UsageError);
    expect(d.message).toBe("--disk-size 75.0 MiB is too small: the boot partitions need 12.0 MiB and a data partition at least 64.0 MiB (a ZFS pool's minimum); give at least 76.0 MiB");
  });

  it('names the partition types of the UEFI spec', () => {
    expect(PARTITION_TYPES).toEqual({
      bios: '21686148-6449-6E6F-744E-656564454649',
      esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
      boot: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
      data: '6A898CC3-1DD2-11B2-99A6-080020736631',
    });
  });
});

describe('sfdiskScript', () => {
  it('gives sfdisk the label, the disk GUID and every partition with its GUID and name', () => {
    const l = planDisk({ espBytes: 4 * MIB, bootBytes: 5 * MIB, diskBytes: 100 * MIB, dataPartition: true, seed: 's' });
    expect(sfdiskScript(l)).toBe(
      [
        'label: gpt',
        `label-id: ${guidFrom('s:disk')}`,
        'unit: sectors',
        'first-lba: 2048',
        '',
        `start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, uuid=${guidFrom('s:partition:1')}, name="BIOS boot"`,
        `start=4096, size=8192, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=${guidFrom('s:partition:2')}, name="EFI system"`,
        `start=12288, size=10240, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=${guidFrom('s:partition:3')}, name="illumos boot"`,
        `start=22528, size=180224, type=6A898CC3-1DD2-11B2-99A6-080020736631, uuid=${guidFrom('s:partition:4')}, name="illumos data"`,
        '',
      ].join('\n'),
    );
  });
});

describe('writePartitionTable', () => {
  it('writes the layout\'s GPT with sfdisk onto a sparse file: protective MBR, primary and backup GPT, the given GUIDs', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'gpt-')), 'disk.img');
    const l = planDisk({ espBytes: 4 * MIB, bootBytes: 5 * MIB, diskBytes: 80 * MIB, dataPartition: true, seed: 'w' });
    const fd = openSync(path, 'w');
    ftruncateSync(fd, l.bytes);
    closeSync(fd);
    await writePartitionTable(path, l);
    // The purpose is what a missing sfdisk's error message gives.
    expect(tools.asked).toEqual([['sfdisk', "to write the disk image's partition table"]]);
    const table = JSON.parse(execFileSync('sfdisk', ['--json', path], { encoding: 'utf8' })).partitiontable;
    expect(table.label).toBe('gpt');
    expect(table.id).toBe(l.diskGuid);
    expect(table.unit).toBe('sectors');
    expect(table.firstlba).toBe(2048);
    expect(table.lastlba).toBe(80 * 2048 - 34);
    expect(table.partitions.map((p: Record<string, unknown>) => [p.start, p.size, p.type, p.uuid, p.name])).toEqual(l.partitions.map((p) => [p.startLba, p.sectors, p.type, p.uuid, p.name]));
    const disk = readFileSync(path);
    // Protective MBR: one partition of type 0xEE, and the boot signature.
    expect(disk[446 + 4]).toBe(0xee);
    expect(disk.readUInt16LE(510)).toBe(0xaa55);
    expect(disk.toString('latin1', 512, 520)).toBe('EFI PART');
    expect(disk.toString('latin1', l.bytes - 512, l.bytes - 504)).toBe('EFI PART');
  });
});
