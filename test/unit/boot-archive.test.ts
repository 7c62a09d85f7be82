import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { makeBootArchive } from '../../src/archive/boot-archive.js';

async function image(): Promise<{ dir: string; path: string; data: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'archive-test-'));
  // Half random, half repetitive, like a file system image.
  const data = Buffer.concat([randomBytes(3 << 20), Buffer.alloc(3 << 20, 7)]);
  const path = join(dir, 'image.ufs');
  await writeFile(path, data);
  return { dir, path, data };
}

describe('makeBootArchive', () => {
  it.each([
    ['pigz', process.env.PATH ?? ''],
    ['node-zlib', '/nonexistent'],
  ])('writes one gzip stream and the SHA-1 of the uncompressed image (%s)', async (tool, path) => {
    const { dir, path: img, data } = await image();
    const saved = process.env.PATH;
    process.env.PATH = path;
    let r;
    try {
      r = await makeBootArchive(img, join(dir, 'boot_archive'), 6);
    } finally {
      process.env.PATH = saved;
    }
    expect(r.gzip).toBe(tool);
    const gz = await readFile(join(dir, 'boot_archive'));
    expect(gunzipSync(gz).equals(data)).toBe(true);
    // gzip -t (not our code) accepts it, and it is a single member: no name, no timestamp.
    await execa('gzip', ['-t', join(dir, 'boot_archive')]);
    expect(gz.readUInt32LE(4)).toBe(0); // MTIME
    expect(gz[3] & 0x08).toBe(0); // FNAME flag
    // One member: the last trailer's ISIZE covers the whole image.
    expect(gz.readUInt32LE(gz.length - 4)).toBe(data.length);
    expect(await readFile(join(dir, 'boot_archive.hash'), 'utf8')).toBe(`${createHash('sha1').update(data).digest('hex')}\n`);
    expect(r.archiveBytes).toBe(gz.length);
  });
});
