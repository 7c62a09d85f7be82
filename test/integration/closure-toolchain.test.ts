import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneByClosure } from '../../src/closure/prune.js';
import { buildLibrary, buildProgram, haveGcc } from '../fixtures/elf/toolchain.js';
import { nonDirectoryPaths, stagedTreeOf, type TreeSpec } from '../fixtures/elf/tree.js';

// Closure pruning over objects built by the host toolchain, laid out like an illumos proto area:
// 64-bit libraries under lib/amd64 and usr/lib/amd64 reached through the lib/64 links, 32-bit
// ones under lib and usr/lib, a diamond, a $ORIGIN runpath and an RPATH, a library reached only
// through its symlink, a wrong-class decoy, and a library that is not there.

const gcc = await haveGcc();
let dir = '';
const spec: TreeSpec = {};

async function host(imagePath: string, file: string): Promise<void> {
  spec[imagePath] = { host: file, size: (await stat(file)).size };
}

describe.skipIf(!gcc)('closure pruning of gcc-built objects', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'compose-closure-'));
    const lib = (o: Parameters<typeof buildLibrary>[1]) => buildLibrary(dir, o);
    const prog = (o: Parameters<typeof buildProgram>[1]) => buildProgram(dir, o);
    await host('lib/amd64/ld.so.1', await lib({ out: 'ld64.so.1', soname: 'ld.so.1' }));
    await host('lib/ld.so.1', await lib({ out: 'ld32.so.1', soname: 'ld.so.1', m32: true }));
    await host('lib/amd64/libc.so.1', await lib({ out: 'libc64.so.1', soname: 'libc.so.1' }));
    await host('lib/libc.so.1', await lib({ out: 'libc.so.1', soname: 'libc.so.1', m32: true }));
    await host('lib/amd64/libbase.so.1', await lib({ out: 'libbase.so.1', soname: 'libbase.so.1', needed: ['libc64.so.1'] }));
    await host('usr/lib/amd64/liba.so.1', await lib({ out: 'liba.so.1', soname: 'liba.so.1', needed: ['libbase.so.1'] }));
    await host('usr/lib/amd64/libb.so.1', await lib({ out: 'libb.so.1', soname: 'libb.so.1', needed: ['libbase.so.1'] }));
    await host('usr/lib/amd64/libfoo.so.1.2', await lib({ out: 'libfoo.so.1', soname: 'libfoo.so.1' }));
    await host('opt/app/lib/libapp.so.1', await lib({ out: 'libapp.so.1', soname: 'libapp.so.1', needed: ['libbase.so.1'] }));
    await host('lib/amd64/libunused.so.1', await lib({ out: 'libunused.so.1', soname: 'libunused.so.1' }));
    await lib({ out: 'libgone.so.1', soname: 'libgone.so.1' });
    await host('usr/lib/lib32.so.1', await lib({ out: 'lib32.so.1', soname: 'lib32.so.1', needed: ['libc.so.1'], m32: true }));
    // A 64-bit library with the 32-bit one's name, first in the 32-bit search order: passed over.
    await host('lib/lib32.so.1', await lib({ out: 'lib32-wrong.so.1', soname: 'lib32.so.1' }));
    await host('usr/bin/prog', await prog({ out: 'prog', interp: '/usr/lib/amd64/ld.so.1', needed: ['liba.so.1', 'libb.so.1', 'libfoo.so.1', 'libc64.so.1'] }));
    await host('opt/app/bin/tool', await prog({ out: 'tool', interp: '/usr/lib/amd64/ld.so.1', needed: ['libapp.so.1'], runpath: '$ORIGIN/../lib' }));
    await host('opt/app/bin/tool-rpath', await prog({ out: 'tool-rpath', interp: '/usr/lib/amd64/ld.so.1', needed: ['libapp.so.1'], rpath: '$ORIGIN/../lib' }));
    await host('usr/bin/prog32', await prog({ out: 'prog32', interp: '/usr/lib/ld.so.1', needed: ['lib32.so.1'], m32: true }));
    await host('usr/bin/broken', await prog({ out: 'broken', interp: '/usr/lib/amd64/ld.so.1', needed: ['libgone.so.1'] }));
    await host('usr/bin/other', await prog({ out: 'other', interp: '/usr/lib/amd64/ld.so.1', needed: ['libunused.so.1'] }));
    Object.assign(spec, {
      'lib/64': { symlink: 'amd64' },
      'usr/lib/64': { symlink: 'amd64' },
      'usr/lib/amd64/ld.so.1': { symlink: '../../../lib/amd64/ld.so.1' },
      'usr/lib/ld.so.1': { symlink: '../../lib/ld.so.1' },
      'usr/lib/amd64/libfoo.so.1': { symlink: 'libfoo.so.1.2' },
      'usr/bin/prog-again': { hardlink: 'usr/bin/prog' },
      'etc/system': '* nothing\n',
      'etc/name_to_major': 'ramdisk 1\n',
      'etc/passwd': 'root:x:0:0::/root:/sbin/sh\n',
      'usr/share/man/man1/prog.1': 'manual\n',
      'usr/include/prog.h': 'header\n',
    });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps exactly the closure of the kept programs plus the always-needed files present', async () => {
    const t = stagedTreeOf(spec);
    const r = await pruneByClosure(t, { keep: ['/usr/bin/prog', 'opt/app/bin/tool', 'opt/app/bin/tool-rpath', 'usr/bin/prog32', 'usr/bin/broken'], hardware: ['qemu'], protect: new Set() });
    expect(nonDirectoryPaths(t)).toEqual([
      'etc/name_to_major',
      'etc/passwd',
      'etc/system',
      'lib/64',
      'lib/amd64/ld.so.1',
      'lib/amd64/libbase.so.1',
      'lib/amd64/libc.so.1',
      'lib/ld.so.1',
      'lib/libc.so.1',
      'opt/app/bin/tool',
      'opt/app/bin/tool-rpath',
      'opt/app/lib/libapp.so.1',
      'usr/bin/broken',
      'usr/bin/prog',
      'usr/bin/prog-again',
      'usr/bin/prog32',
      'usr/lib/64',
      'usr/lib/amd64/ld.so.1',
      'usr/lib/amd64/liba.so.1',
      'usr/lib/amd64/libb.so.1',
      'usr/lib/amd64/libfoo.so.1',
      'usr/lib/amd64/libfoo.so.1.2',
      'usr/lib/ld.so.1',
      'usr/lib/lib32.so.1',
    ]);
    expect(r.missing).toEqual([{ object: 'usr/bin/broken', dependency: 'libgone.so.1' }]);
    expect(r.unusedLibraries).toEqual(['lib/amd64/libunused.so.1', 'lib/lib32.so.1']);
    expect(r.elfErrors).toEqual([]);
    expect(r.unmatchedKeep).toEqual([]);
    expect(r.removedBytes).toBeGreaterThan(0);
  });
});
