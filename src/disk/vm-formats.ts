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

/**
 * Replace the descriptor's content id. qemu-img prints it without leading zeros ("CID=%x"), so
 * the line's length varies from run to run: the descriptor text is rewritten with an 8-digit id
 * inside its fixed area (the sparse header's descriptorOffset and descriptorSize, in sectors; the
 * rest of the area is zeros).
 */
export function patchVmdkCid(path: string, cid: string): void {
  const fd = openSync(path, 'r+');
  try {
    const header = Buffer.alloc(512);
    readSync(fd, header, 0, 512, 0);
    if (header.toString('latin1', 0, 4) !== 'KDMV') throw new Error(`qemu-img wrote a file without the VMDK sparse header: ${path}`);
    const offset = Number(header.readBigUInt64LE(28)) * 512;
    const size = Number(header.readBigUInt64LE(36)) * 512;
    if (offset <= 0 || size <= 0 || size > 1 << 20) throw new Error(`qemu-img wrote a VMDK whose descriptor area (${offset}+${size}) is not where expected: ${path}`);
    const area = Buffer.alloc(size);
    readSync(fd, area, 0, size, offset);
    const end = area.indexOf(0);
    const text = area.toString('latin1', 0, end < 0 ? size : end);
    const line = /\nCID=[0-9a-f]{1,8}\n/;
    if (!line.test(text)) throw new Error(`qemu-img wrote a VMDK without the expected "CID=" line in ${path}`);
    const fixed = Buffer.from(text.replace(line, `\nCID=${cid}\n`), 'latin1');
    if (fixed.length >= size) throw new Error(`the VMDK descriptor of ${path} has no room for an 8-digit CID`);
    const out = Buffer.alloc(size);
    fixed.copy(out);
    writeSync(fd, out, 0, size, offset);
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
