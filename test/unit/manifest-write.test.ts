import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeManifest, type Manifest } from '../../src/emit/manifest.js';

// The manifest is written an entry at a time; the text must be exactly what
// JSON.stringify(manifest, null, 2) gives, which readers (and earlier builds) expect.

describe('writeManifest', () => {
  it.each<[string, Manifest]>([
    ['no entries', { profile: 'p', proto: '/x', entries: [] }],
    [
      'every kind of entry',
      {
        profile: 'pure"boot',
        proto: '/work/proto/root_i386',
        entries: [
          { path: 'dev', type: 'dir', mode: '0755', uid: 0, gid: 3, size: 0 },
          { path: 'devices/pseudo/null', type: 'char', mode: '0666', uid: 0, gid: 3, size: 0, rdev: { major: 13, minor: 2 } },
          { path: 'etc/motd', type: 'file', mode: '0644', uid: 0, gid: 0, size: 5, sha256: 'a'.repeat(64) },
          { path: 'usr/share/ünï\ncode', type: 'symlink', mode: '0777', uid: 0, gid: 0, size: 3, target: '../x' },
        ],
      },
    ],
  ])('writes what JSON.stringify writes (%s)', async (_, manifest) => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    await writeManifest(join(dir, 'm.json'), manifest);
    expect(await readFile(join(dir, 'm.json'), 'utf8')).toBe(`${JSON.stringify(manifest, null, 2)}\n`);
  });
});
