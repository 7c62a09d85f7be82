import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { PXE_INFO_FILE, type PxeInfo } from '../pxe/pxe-info.js';
import type { DiskFormat } from '../disk/vm-formats.js';

// What an image given to boot-test is, from its first bytes: an ISO 9660 image (CD001 at byte
// 32769, possibly with a hybrid MBR), a disk image (raw with a boot sector, or qcow2, VMDK or VDI
// by their magic numbers), or a PXE tree (a directory with compose's pxe.json). Anything else is
// refused at once instead of waiting out the timeout.

export type ImageKind = { kind: 'iso' } | { kind: 'disk'; format: DiskFormat } | { kind: 'pxe'; info: PxeInfo };

export async function sniffImage(given: string, path: string): Promise<ImageKind> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InputError(`the image ${given} does not exist`);
  if (st.isDirectory()) return { kind: 'pxe', info: await readPxeInfo(given, path) };
  if (!st.isFile()) throw new InputError(`the image ${given} is not a file`);
  if (st.size === 0) throw new InputError(`the image ${given} is empty`);
  const head = Buffer.alloc(32774);
  const fh = await open(path, 'r');
  let n: number;
  try {
    n = (await fh.read(head, 0, head.length, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  if (n >= 32774 && head.toString('latin1', 32769, 32774) === 'CD001') return { kind: 'iso' };
  if (n >= 4 && head.readUInt32BE(0) === 0x514649fb) return { kind: 'disk', format: 'qcow2' };
  if (n >= 4 && head.toString('latin1', 0, 4) === 'KDMV') return { kind: 'disk', format: 'vmdk' };
  if (n >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f) return { kind: 'disk', format: 'vdi' };
  if (n >= 512 && head[510] === 0x55 && head[511] === 0xaa) return { kind: 'disk', format: 'raw' };
  const ufs = n >= 9568 && head.readUInt32LE(8192 + 1372) === 0x011954;
  throw new InputError(`${given} is ${ufs ? 'a UFS image, not a bootable one: boot its ISO (compose --format iso)' : 'neither an ISO 9660 image nor a disk image (raw with a boot sector, qcow2, VMDK or VDI) nor a PXE tree'}; nothing to boot`);
}

async function readPxeInfo(given: string, dir: string): Promise<PxeInfo> {
  const text = await readFile(join(dir, PXE_INFO_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) throw new InputError(`${given} is a directory without ${PXE_INFO_FILE}: give a PXE tree written by compose --format pxe (<out>/<profile>.pxe)`);
  let info: PxeInfo;
  try {
    info = JSON.parse(text) as PxeInfo;
  } catch {
    throw new InputError(`${join(given, PXE_INFO_FILE)} is not valid JSON; rebuild the tree with compose --format pxe`);
  }
  if (typeof info?.bootFiles?.bios !== 'string' || typeof info.bootFiles.uefi !== 'string' || typeof info.archive !== 'string') {
    throw new InputError(`${join(given, PXE_INFO_FILE)} does not name the boot files and the archive; rebuild the tree with compose --format pxe`);
  }
  return info;
}
