import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { patchVmdkCid } from '../../src/disk/vm-formats.js';

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
