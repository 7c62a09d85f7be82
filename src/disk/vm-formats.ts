import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { run } from '../util/children.js';
import { requireTool } from '../iso/tools.js';

// The raw disk image converted for other hypervisors by qemu-img: qcow2 for QEMU, vmdk for
// VMware (and bhyve users who keep VMware images), vdi for VirtualBox. qemu-img writes a random
// id into the last two (VMDK: the descriptor's content id, "CID=8 hex digits"; VDI: the image's
// creation and modification UUIDs at header offsets 0x188 and 0x198). Those are replaced by ids
// derived from the image, so the same inputs give the same bytes; the formats hold no checksum
// over them. An image whose content differs gets different ids, as the hypervisors expect.

export const DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vdi'] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];

/** The output file's extension for each format. */
export const DISK_EXTENSIONS: Record<DiskFormat, string> = { raw: 'img', qcow2: 'qcow2', vmdk: 'vmdk', vdi: 'vdi' };

/** Convert the raw image `raw` into `out` (a fresh path) in `format`, with fixed ids derived from `seed`. */
export async function convertDisk(raw: string, out: string, format: Exclude<DiskFormat, 'raw'>, seed: string): Promise<void> {
  const qemuImg = await requireTool('qemu-img', `to write a ${format} disk image`);
  await run(qemuImg, ['convert', '-q', '-f', 'raw', '-O', format, raw, out]);
  const id = createHash('sha256').update(`${format}:${seed}`).digest();
  if (format === 'vmdk') patchVmdkCid(out, id.toString('hex').slice(0, 8));
  if (format === 'vdi') patchVdiUuids(out, id);
}

function patchVmdkCid(path: string, cid: string): void {
  const fd = openSync(path, 'r+');
  try {
    // The descriptor is text in the first sectors of a monolithicSparse VMDK.
    const head = Buffer.alloc(64 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    const at = head.subarray(0, n).indexOf('\nCID=');
    if (at < 0 || !/^[0-9a-f]{8}\n$/.test(head.toString('latin1', at + 5, at + 14))) throw new Error(`qemu-img wrote a VMDK without the expected "CID=" line in ${path}`);
    writeSync(fd, Buffer.from(cid, 'latin1'), 0, 8, at + 5);
  } finally {
    closeSync(fd);
  }
}

/** VDI header (VirtualBox VDIHeader1Plus): creation UUID at 0x188, modification UUID at 0x198. */
function patchVdiUuids(path: string, id: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    const sig = Buffer.alloc(4);
    readSync(fd, sig, 0, 4, 0x40);
    if (sig.readUInt32LE(0) !== 0xbeda107f) throw new Error(`qemu-img wrote a file without the VDI signature at 0x40: ${path}`);
    const create = Buffer.from(id.subarray(0, 16));
    const modify = Buffer.from(id.subarray(16, 32));
    // Version 4 UUIDs (VirtualBox reads them as RTUUIDs; the bits keep them well-formed).
    for (const u of [create, modify]) {
      u[7] = (u[7] & 0x0f) | 0x40;
      u[8] = (u[8] & 0x3f) | 0x80;
    }
    writeSync(fd, create, 0, 16, 0x188);
    writeSync(fd, modify, 0, 16, 0x198);
  } finally {
    closeSync(fd);
  }
}
