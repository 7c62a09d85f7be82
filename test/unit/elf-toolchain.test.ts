import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withByteSource } from '../../src/elf/byte-source.js';
import { readElfInfo, type ElfInfo } from '../../src/elf/read-elf.js';
import { buildLibrary, buildProgram, haveGcc } from '../fixtures/elf/toolchain.js';

// The reader against objects the host toolchain makes: RUNPATH versus RPATH, 32- and 64-bit.

const gcc = await haveGcc();
let dir = '';

async function info(file: string): Promise<ElfInfo | null> {
  const { size } = await stat(file);
  return withByteSource({ kind: 'host', path: file, origin: 'proto' }, size, readElfInfo);
}

describe.skipIf(!gcc)('readElfInfo on gcc-built objects', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'compose-elf-'));
    await buildLibrary(dir, { out: 'libbase.so.1', soname: 'libbase.so.1' });
    await buildLibrary(dir, { out: 'librun.so.1', soname: 'librun.so.1', needed: ['libbase.so.1'], runpath: '$ORIGIN/../lib:/opt/x/lib' });
    await buildLibrary(dir, { out: 'libr.so.1', soname: 'libr.so.1', needed: ['libbase.so.1'], rpath: '$ORIGIN' });
    await buildLibrary(dir, { out: 'lib32.so.1', soname: 'lib32.so.1', m32: true });
    await buildProgram(dir, { out: 'prog', interp: '/usr/lib/amd64/ld.so.1', needed: ['librun.so.1', 'libr.so.1'] });
    await buildProgram(dir, { out: 'prog32', interp: '/usr/lib/ld.so.1', needed: ['lib32.so.1'], m32: true });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads DT_RUNPATH (new dtags) and not DT_RPATH', async () => {
    const i = await info(join(dir, 'librun.so.1'));
    expect(i).toMatchObject({ elfClass: 64, endian: 'little', machineName: 'amd64', type: 'dyn', soname: 'librun.so.1', needed: ['libbase.so.1'], runpath: '$ORIGIN/../lib:/opt/x/lib' });
    expect(i?.rpath).toBeUndefined();
  });

  it('reads DT_RPATH (old dtags) and not DT_RUNPATH', async () => {
    const i = await info(join(dir, 'libr.so.1'));
    expect(i).toMatchObject({ soname: 'libr.so.1', rpath: '$ORIGIN' });
    expect(i?.runpath).toBeUndefined();
  });

  it('reads an executable: ET_EXEC, PT_INTERP, DT_NEEDED in link order', async () => {
    expect(await info(join(dir, 'prog'))).toMatchObject({ elfClass: 64, type: 'exec', interp: '/usr/lib/amd64/ld.so.1', needed: ['librun.so.1', 'libr.so.1'] });
  });

  it('tells 32-bit objects from 64-bit ones', async () => {
    expect(await info(join(dir, 'lib32.so.1'))).toMatchObject({ elfClass: 32, machineName: 'i386', type: 'dyn', soname: 'lib32.so.1' });
    expect(await info(join(dir, 'prog32'))).toMatchObject({ elfClass: 32, type: 'exec', interp: '/usr/lib/ld.so.1', needed: ['lib32.so.1'] });
  });

  it('says "not ELF" for the C source', async () => {
    expect(await info(new URL('../fixtures/elf/lib.c', import.meta.url).pathname)).toBeNull();
  });
});
