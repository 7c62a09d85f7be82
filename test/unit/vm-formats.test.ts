import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { convertDisk, DISK_EXTENSIONS, DISK_FORMATS, patchVmdkCid } from '../../src/disk/vm-formats.js';
import { caught } from '../support/caught.js';
import { openUnder } from '../support/open-files.js';

/** Every command run through src/util/children.js; `instead` replaces the real run when set. */
const runs = vi.hoisted(() => ({ calls: [] as Array<[string, string[]]>, instead: undefined as undefined | ((args: string[]) => void) }));

vi.mock('../../src/util/children.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/util/children.js')>();
  return {
    ...real,
    run: (file: string, args: string[], options?: object) => {
      runs.calls.push([file, [...args]]);
      if (runs.instead) {
        runs.instead(args);
        return Promise.resolve({});
      }
      return real.run(file, args, options);
    },
  };
});

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

afterEach(() => {
  tools.asked = [];
  runs.calls = [];
  runs.instead = undefined;
});


// qemu-img prints a VMDK's content id without leading zeros ("CID=%x"): 1 in 16 ids is shorter
// than 8 digits, and the descriptor text is then shorter too. The patch must give the same bytes
// whatever length qemu-img wrote.

/** The descriptor area (offset, size) of a monolithicSparse VMDK, from its header. */
function descriptorArea(file: Buffer): { offset: number; size: number } {
  return { offset: Number(file.readBigUInt64LE(28)) * 512, size: Number(file.readBigUInt64LE(36)) * 512 };
}

/** Rewrite the CID line of a VMDK to `cid` as given (any length), as qemu-img might have. */
function setCid(path: string, cid: string): void {
  const file = readFileSync(path);
  const { offset, size } = descriptorArea(file);
  const end = file.indexOf(0, offset);
  const text = file.toString('latin1', offset, end).replace(/\nCID=[0-9a-f]+\n/, `\nCID=${cid}\n`);
  const area = Buffer.alloc(size);
  area.write(text, 'latin1');
  area.copy(file, offset);
  writeFileSync(path, file);
}

describe('patchVmdkCid', () => {
  it('gives the same bytes whether qemu-img wrote an 8-digit or a shorter id, and qemu-img still reads the image', async () => {
    // The same name in two directories: the descriptor's extent line names the file.
    const [long, short] = [join(await mkdtemp(join(tmpdir(), 'vmdk-')), 'disk.vmdk'), join(await mkdtemp(join(tmpdir(), 'vmdk-')), 'disk.vmdk')];
    for (const p of [long, short]) await execa('qemu-img', ['create', '-q', '-f', 'vmdk', p, '16M']);
    setCid(long, '8a9b0c1d');
    setCid(short, '5');
    // qemu-img's own ids differ between the two files only in the CID line: now they are unequal.
    expect(readFileSync(long).equals(readFileSync(short))).toBe(false);
    for (const p of [long, short]) patchVmdkCid(p, '0000beef');
    expect(readFileSync(long).equals(readFileSync(short))).toBe(true);
    const file = readFileSync(short);
    const { offset } = descriptorArea(file);
    expect(file.toString('latin1', offset, file.indexOf(0, offset))).toMatch(/\nCID=0000beef\nparentCID=ffffffff\n/);
    await execa('qemu-img', ['check', short]);
    expect(JSON.parse((await execa('qemu-img', ['info', '--output', 'json', short])).stdout)['virtual-size']).toBe(16 * 1024 * 1024);
  });

  it('refuses a file that is not a sparse VMDK', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmdk-'));
    writeFileSync(join(dir, 'x.vmdk'), Buffer.alloc(4096));
    expect(() => patchVmdkCid(join(dir, 'x.vmdk'), '0000beef')).toThrow(/without the VMDK sparse header/);
  });
});

/** A synthetic sparse VMDK: the header's descriptor area at `offsetSectors` for `sizeSectors`, holding `text`. */
function fakeVmdk(text: string | Buffer, offsetSectors = 1, sizeSectors = 1, fileSectors = offsetSectors + sizeSectors): string {
  const path = join(tmpdir(), `fake-${process.pid}-${Math.random().toString(16).slice(2)}.vmdk`);
  const b = Buffer.alloc(Math.max(fileSectors, 1) * 512);
  b.write('KDMV', 0, 'latin1');
  b.writeBigUInt64LE(BigInt(offsetSectors), 28);
  b.writeBigUInt64LE(BigInt(sizeSectors), 36);
  (typeof text === 'string' ? Buffer.from(text, 'latin1') : text).copy(b, offsetSectors * 512);
  writeFileSync(path, b);
  return path;
}
const descriptorOf = (path: string, offsetSectors = 1, sizeSectors = 1): Buffer => readFileSync(path).subarray(offsetSectors * 512, (offsetSectors + sizeSectors) * 512);
const zeros = (n: number): Buffer => Buffer.alloc(n);

describe('patchVmdkCid on a synthetic descriptor', () => {
  it('rewrites the CID line to the given id and zeros the rest of the area', () => {
    // Latin-1 in, Latin-1 out: a byte above 0x7f (a file name's) stays one byte.
    const path = fakeVmdk('# Disk DescriptorFile\nversion=1\nCID=5\nparentCID=ffffffff\nrest \xe9\n');
    patchVmdkCid(path, '0000beef');
    expect(openUnder(path)).toEqual([]);
    const text = '# Disk DescriptorFile\nversion=1\nCID=0000beef\nparentCID=ffffffff\nrest \xe9\n';
    expect(descriptorOf(path).toString('latin1')).toBe(text + '\0'.repeat(512 - text.length));
    expect(readFileSync(path).toString('latin1', 0, 4)).toBe('KDMV');
  });

  it('reads the descriptor only up to its first NUL, and only from the header\'s offset', () => {
    // A CID line after a NUL is not the descriptor's.
    const hidden = fakeVmdk('\0\nCID=1\n');
    expect(() => patchVmdkCid(hidden, '0000beef')).toThrow(`qemu-img wrote a VMDK without the expected "CID=" line in ${hidden}`);
    const after = fakeVmdk('x\nCID=12\n\0\nCID=34\n');
    patchVmdkCid(after, '0000beef');
    expect(descriptorOf(after).toString('latin1')).toBe('x\nCID=0000beef\n' + '\0'.repeat(512 - 15));
    // Offset 2 sectors, size 2 sectors: the text at sector 1 is not looked at.
    const far = fakeVmdk(Buffer.concat([Buffer.from('\nCID=1\n'), zeros(505), Buffer.from('a\nCID=abc\nz')]), 1, 1, 5);
    const b = readFileSync(far);
    b.writeBigUInt64LE(2n, 28);
    b.writeBigUInt64LE(2n, 36);
    writeFileSync(far, b);
    patchVmdkCid(far, '12345678');
    const out = readFileSync(far);
    expect(out.toString('latin1', 512, 519)).toBe('\nCID=1\n');
    expect(out.toString('latin1', 1024, 1024 + 16)).toBe('a\nCID=12345678\nz');
    expect(out.subarray(1024 + 16, 2048).equals(zeros(1024 - 16))).toBe(true);
  });

  it('refuses a descriptor area at offset 0, of size 0, or larger than 1 MiB; takes one of exactly 1 MiB', () => {
    const at0 = fakeVmdk('', 0, 1, 2);
    expect(() => patchVmdkCid(at0, '0000beef')).toThrow(`qemu-img wrote a VMDK whose descriptor area (0+512) is not where expected: ${at0}`);
    const empty = fakeVmdk('', 1, 0, 2);
    expect(() => patchVmdkCid(empty, '0000beef')).toThrow(`qemu-img wrote a VMDK whose descriptor area (512+0) is not where expected: ${empty}`);
    const huge = fakeVmdk('', 1, 2049, 2);
    expect(() => patchVmdkCid(huge, '0000beef')).toThrow(`qemu-img wrote a VMDK whose descriptor area (512+1049088) is not where expected: ${huge}`);
    const mib = fakeVmdk('\nCID=1\n', 1, 2048);
    patchVmdkCid(mib, '0000beef');
    expect(descriptorOf(mib, 1, 2048).toString('latin1', 0, 15)).toBe('\nCID=0000beef\n\0');
  });

  it('refuses a descriptor that fills its area (no NUL) or that an 8-digit id would fill', () => {
    // 505 bytes + 7 more for the 8-digit id: exactly 512, no room for the terminating zeros.
    const exact = fakeVmdk('\nCID=1\n' + 'y'.repeat(498));
    expect(() => patchVmdkCid(exact, '0000beef')).toThrow(/^the VMDK descriptor of .* has no room for an 8-digit CID$/);
    const fits = fakeVmdk('\nCID=1\n' + 'y'.repeat(497));
    patchVmdkCid(fits, '0000beef');
    expect(descriptorOf(fits).toString('latin1')).toBe('\nCID=0000beef\n' + 'y'.repeat(497) + '\0');
    const full = fakeVmdk('\nCID=abcdef12\n' + 'y'.repeat(512 - 14));
    expect(() => patchVmdkCid(full, '0000beef')).toThrow(`the VMDK descriptor of ${full} has no room for an 8-digit CID`);
  });
});

describe('convertDisk', () => {
  it('names the formats and their extensions', () => {
    expect(DISK_FORMATS).toEqual(['raw', 'qcow2', 'vmdk', 'vdi']);
    expect(DISK_EXTENSIONS).toEqual({ raw: 'img', qcow2: 'qcow2', vmdk: 'vmdk', vdi: 'vdi' });
  });

  const rawDisk = async (): Promise<{ dir: string; raw: string }> => {
    const dir = await mkdtemp(join(tmpdir(), 'convert-'));
    const raw = join(dir, 'disk.img');
    const b = Buffer.alloc(1024 * 1024);
    b.write('hello disk', 4096);
    writeFileSync(raw, b);
    return { dir, raw };
  };

  it('converts with qemu-img convert from raw, and leaves a qcow2 as qemu-img wrote it', async () => {
    const { dir, raw } = await rawDisk();
    const out = join(dir, 'disk.qcow2');
    await convertDisk(raw, out, 'qcow2', 'seed');
    expect(runs.calls).toEqual([[expect.stringMatching(/\/qemu-img$/), ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, out]]]);
    // The purpose is what a missing qemu-img's error message gives.
    expect(tools.asked).toEqual([['qemu-img', 'to write a qcow2 disk image']]);
    const info = JSON.parse((await execa('qemu-img', ['info', '--output', 'json', out])).stdout);
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBe(1024 * 1024);
  });

  it('gives a VMDK the content id of the seed: the first 8 hex digits of sha256("vmdk:" + seed)', async () => {
    const { dir, raw } = await rawDisk();
    const out = join(dir, 'disk.vmdk');
    await convertDisk(raw, out, 'vmdk', 'seed');
    const cid = createHash('sha256').update('vmdk:seed').digest('hex').slice(0, 8);
    expect(cid).toBe('b617f14c');
    const file = readFileSync(out);
    const { offset } = descriptorArea(file);
    const text = file.toString('latin1', offset, file.indexOf(0, offset));
    expect(text).toContain(`\nCID=${cid}\n`);
    expect(runs.calls[0]![1]).toEqual(['convert', '-q', '-f', 'raw', '-O', 'vmdk', raw, out]);
    await execa('qemu-img', ['check', out]);
  });

  it('gives a VDI version 4 creation and modification UUIDs from sha256("vdi:" + seed), whatever qemu-img chose', async () => {
    const { dir, raw } = await rawDisk();
    const out = join(dir, 'disk.vdi');
    await convertDisk(raw, out, 'vdi', 'seed');
    expect(openUnder(dir)).toEqual([]);
    const file = readFileSync(out);
    expect(file.readUInt32LE(0x40)).toBe(0xbeda107f);
    const id = createHash('sha256').update('vdi:seed').digest();
    const want = (u: Buffer): string => {
      const c = Buffer.from(u);
      c[7] = (c[7]! & 0x0f) | 0x40;
      c[8] = (c[8]! & 0x3f) | 0x80;
      return c.toString('hex');
    };
    expect(file.subarray(0x188, 0x198).toString('hex')).toBe(want(id.subarray(0, 16)));
    expect(file.subarray(0x198, 0x1a8).toString('hex')).toBe(want(id.subarray(16, 32)));
    expect(file.subarray(0x188, 0x1a8).toString('hex')).toMatchInlineSnapshot(`"b94584a80d9a774c9e818edd3bc214b2c15f64bc04148743aaa1568ce62430d8"`);
    expect(runs.calls[0]![1]).toEqual(['convert', '-q', '-f', 'raw', '-O', 'vdi', raw, out]);
    await execa('qemu-img', ['check', out]);
  });

  it('refuses what qemu-img wrote without the VDI signature', async () => {
    const { dir, raw } = await rawDisk();
    const out = join(dir, 'disk.vdi');
    runs.instead = () => writeFileSync(out, Buffer.alloc(1024));
    const e = await caught(convertDisk(raw, out, 'vdi', 'seed'));
    expect(e.message).toBe(`qemu-img wrote a file without the VDI signature at 0x40: ${out}`);
  });
});
