/** Byte-level edits of an image file, for the checker's corruption tests. */
import { copyFile, open } from 'node:fs/promises';

/** Copy `src` to `dst` and let `edit` change bytes of the copy in place. */
export async function patchedCopy(src: string, dst: string, edit: (io: ImageIO) => Promise<void>): Promise<string> {
  await copyFile(src, dst);
  const fh = await open(dst, 'r+');
  try {
    await edit({
      async read(pos, len) {
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, pos);
        return buf;
      },
      async write(pos, data) {
        await fh.write(data, 0, data.length, pos);
      },
    });
  } finally {
    await fh.close();
  }
  return dst;
}

export interface ImageIO {
  read(pos: number, len: number): Promise<Buffer>;
  write(pos: number, data: Buffer): Promise<void>;
}

/** Flip bit `bit` (0..7) of the byte at `pos`. */
export async function flipBit(io: ImageIO, pos: number, bit: number): Promise<void> {
  const b = await io.read(pos, 1);
  b[0] ^= 1 << bit;
  await io.write(pos, b);
}

export async function addInt32(io: ImageIO, pos: number, delta: number): Promise<void> {
  const b = await io.read(pos, 4);
  b.writeInt32LE(b.readInt32LE(0) + delta, 0);
  await io.write(pos, b);
}

export async function addInt16(io: ImageIO, pos: number, delta: number): Promise<void> {
  const b = await io.read(pos, 2);
  b.writeInt16LE(b.readInt16LE(0) + delta, 0);
  await io.write(pos, b);
}
