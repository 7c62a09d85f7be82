import { describe, expect, it } from 'vitest';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { BOOT_DRIVERS, checkBootDrivers, findBootDriverProblems } from '../../src/state/boot-drivers.js';
import { InputError } from '../../src/util/errors.js';

const module = (path: string): StagedEntry => ({ path, type: 'file', mode: 0o755, uid: 0, gid: 3, size: 3, mtime: 1, source: { kind: 'generated', data: Buffer.from('ELF'), generator: 'test' } });
const PLATFORM = ['rootnex', 'npe', 'isa'];
const ALL = [...BOOT_DRIVERS.flatMap((d) => d.names).filter((n) => n !== 'pci'), 'i8042', 'kb8042', 'conskbd'];

function bootable(): { tree: StagedTree; majors: Map<string, number> } {
  const tree = new StagedTree(1);
  const majors = new Map<string, number>();
  ALL.forEach((name, i) => {
    tree.put(module(PLATFORM.includes(name) ? `platform/i86pc/kernel/drv/amd64/${name}` : `kernel/drv/amd64/${name}`));
    majors.set(name, i);
  });
  return { tree, majors };
}

describe('checkBootDrivers', () => {
  it('passes an image with every boot driver in the tree and in name_to_major', () => {
    const { tree, majors } = bootable();
    expect(checkBootDrivers(tree, majors)).toEqual({ problems: [], warnings: [] });
  });

  it('lists each missing driver with what is missing and why it matters, in one error', () => {
    const { tree, majors } = bootable();
    tree.remove('kernel/drv/amd64/ramdisk');
    majors.delete('cn');
    tree.remove('kernel/drv/amd64/pts');
    majors.delete('pts');
    let err: unknown;
    try {
      checkBootDrivers(tree, majors);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg.split('\n').slice(1, 4)).toEqual([
      '  ramdisk — holds the root file system: the kernel mounts root from the ramdisk only if rootdev has its major (ramdisk: module not in the image (looked in kernel/drv/amd64, platform/i86pc/kernel/drv/amd64, usr/kernel/drv/amd64))',
      '  cn — /dev/console, /dev/syscon and /dev/systty, which init opens (cn: no name_to_major entry)',
      '  pts — pseudo-terminal subsidiaries (/dev/pts/N) (pts: module not in the image and no name_to_major entry)',
    ]);
  });

  it('accepts pci in place of npe', () => {
    const { tree, majors } = bootable();
    tree.remove('platform/i86pc/kernel/drv/amd64/npe');
    expect(findBootDriverProblems(tree, majors).problems).toHaveLength(1);
    tree.put(module('platform/i86pc/kernel/drv/amd64/pci'));
    majors.set('pci', 99);
    expect(findBootDriverProblems(tree, majors).problems).toEqual([]);
  });

  it('warns, without failing, when only the serial console can take input', () => {
    const { tree, majors } = bootable();
    tree.remove('kernel/drv/amd64/kb8042');
    expect(checkBootDrivers(tree, majors).warnings).toEqual(['no VGA console keyboard (kb8042 missing from the image or name_to_major): only a serial console (asy) will take input']);
  });
});
