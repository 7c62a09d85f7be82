import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readTarMembers } from '../../src/proto/tar-reader.js';
import { InputError } from '../../src/util/errors.js';

// Members a tarball proto may not carry are refused by name, each by its own rule.

const tmp = () => mkdtempSync(join(tmpdir(), 'compose-tar-refusals-'));

async function packWith(entries: Array<{ header: tarStream.Headers; body?: string }>): Promise<string> {
  const file = join(tmp(), 'p.tar');
  const pack = tarStream.pack();
  const done = pipeline(pack, createWriteStream(file));
  for (const e of entries) pack.entry(e.header, e.body ?? '');
  pack.finalize();
  await done;
  return file;
}

const read = (file: string) => readTarMembers(file, false, { label: file });

describe('tar members compose refuses', () => {
  it('a PAX sparse member known only by its GNU.sparse records (its name looks like any file)', async () => {
    const file = await packWith([
      { header: { name: 'etc/motd', type: 'file', mode: 0o644 }, body: 'hi\n' },
      { header: { name: 'var/big', type: 'file', mode: 0o644, pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.realsize': '1048576' } }, body: 'map' },
    ]);
    const err = await read(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`${file}: member "var/big" is a sparse file (PAX GNU.sparse format), which compose does not read; make the tarball without --sparse`);
  });

  it('the same member without those records is read', async () => {
    const file = await packWith([{ header: { name: 'var/big', type: 'file', mode: 0o644, pax: { comment: 'plain' } }, body: 'map' }]);
    expect((await read(file)).map((e) => e.path)).toContain('var/big');
  });

  it('a symbolic link whose target is not UTF-8', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'ok'), 'x');
    symlinkSync(Buffer.from([0x6f, 0x6b, 0xff]), join(dir, 'root', 'link'));
    const file = join(dir, 'p.tar');
    await execa('tar', ['--format=gnu', '-cf', file, '-C', join(dir, 'root'), 'ok', 'link']);
    const err = await read(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/: member "link" has a link target that is not valid UTF-8 \(shown with U\+FFFD for its other bytes\)/);
  });
});
