import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// The demo generators' common ground: how a demo file is described and written.

export interface DemoFile {
  path: string;
  mode: number;
  /** Literal content; otherwise deterministic filler of `size` bytes. */
  text?: string;
  /** Literal bytes (a small ELF object, say). */
  data?: Buffer;
  size?: number;
  /** Copy this host file (the stand-in kernel). */
  copyFrom?: string;
}

/** Deterministic filler: a sha256 counter stream seeded by the path, so files differ and compress realistically poorly. */
export function filler(path: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, block = 0; off < size; off += 32) createHash('sha256').update(`${path}:${block++}`).digest().copy(out, off);
  const header = Buffer.from(`illumos-compose demo stand-in for /${path}\n`);
  header.copy(out, 0, 0, Math.min(header.length, size));
  return out;
}

/** Write demo files under `root` with their modes and a pinned timestamp. */
export async function writeDemoFiles(root: string, files: readonly DemoFile[], mtime: number): Promise<void> {
  for (const f of files) {
    const dest = join(root, f.path);
    await mkdir(dirname(dest), { recursive: true });
    if (f.copyFrom) await copyFile(f.copyFrom, dest);
    else await writeFile(dest, f.data ?? (f.text !== undefined ? f.text : filler(f.path, f.size ?? 0)));
    await chmod(dest, f.mode);
    await utimes(dest, mtime, mtime);
  }
}
