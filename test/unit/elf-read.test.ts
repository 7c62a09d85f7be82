import { describe, expect, it } from 'vitest';
import { bufferSource, withByteSource } from '../../src/elf/byte-source.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFormatError, readElfInfo, readElfInfoFromBuffer } from '../../src/elf/read-elf.js';
import { buildSyntheticElf } from '../../src/elf/write-synthetic.js';
import { EM_SPARCV9 } from '../../src/elf/constants.js';

/** A 64-byte big-endian ELF64 header, written field by field: an executable with no tables. */
function handMadeBigEndianHeader(): Buffer {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2 /* ELFCLASS64 */, 2 /* ELFDATA2MSB */, 1 /* EV_CURRENT */]);
  b.writeUInt16BE(2, 16); // e_type ET_EXEC
  b.writeUInt16BE(43, 18); // e_machine EM_SPARCV9
  b.writeUInt32BE(1, 20); // e_version
  b.writeUInt16BE(64, 52); // e_ehsize
  return b;
}

describe('readElfInfo', () => {
  it('reads a little-endian ELF64 shared object: needed, soname, runpath', async () => {
    const b = buildSyntheticElf({ type: 'dyn', needed: ['libbase.so.1', 'libc.so.1'], soname: 'liba.so.1', runpath: '$ORIGIN/../lib' });
    expect(await readElfInfoFromBuffer(b)).toEqual({
      elfClass: 64,
      endian: 'little',
      machine: 62,
      machineName: 'amd64',
      type: 'dyn',
      needed: ['libbase.so.1', 'libc.so.1'],
      soname: 'liba.so.1',
      runpath: '$ORIGIN/../lib',
    });
  });

  it('reads a big-endian ELF32 executable with an interpreter and an RPATH', async () => {
    const b = buildSyntheticElf({ type: 'exec', elfClass: 32, endian: 'big', machine: 2, needed: ['libc.so.1'], interp: '/usr/lib/ld.so.1', rpath: '/opt/lib' });
    const info = await readElfInfoFromBuffer(b);
    expect(info).toMatchObject({ elfClass: 32, endian: 'big', machineName: 'sparc', type: 'exec', needed: ['libc.so.1'], interp: '/usr/lib/ld.so.1', rpath: '/opt/lib' });
    expect(info?.runpath).toBeUndefined();
  });

  it('decodes a hand-made big-endian header', async () => {
    const info = await readElfInfoFromBuffer(handMadeBigEndianHeader());
    expect(info).toEqual({ elfClass: 64, endian: 'big', machine: EM_SPARCV9, machineName: 'sparcv9', type: 'exec', needed: [] });
  });

  it('finds the string table through the section headers when DT_STRTAB is unusable', async () => {
    const b = buildSyntheticElf({ type: 'dyn', needed: ['libx.so.1'] });
    // Point DT_STRTAB far outside every segment; the .dynamic section's sh_link still names .dynstr.
    let patched = 0;
    for (let i = 0; i + 16 <= b.length; i += 8) {
      if (b.readBigUInt64LE(i) === 5n && b.readBigUInt64LE(i + 8) < BigInt(b.length)) {
        b.writeBigUInt64LE(0xdead0000n, i + 8);
        patched++;
      }
    }
    expect(patched).toBe(1);
    expect((await readElfInfoFromBuffer(b))?.needed).toEqual(['libx.so.1']);
    // Without section headers there is nothing to fall back on: a format error, not a crash.
    const bare = buildSyntheticElf({ type: 'dyn', needed: ['libx.so.1'], sections: false });
    for (let i = 0; i + 16 <= bare.length; i += 8) if (bare.readBigUInt64LE(i) === 5n) bare.writeBigUInt64LE(0xdead0000n, i + 8);
    await expect(readElfInfoFromBuffer(bare)).rejects.toBeInstanceOf(ElfFormatError);
  });

  it('reads a kernel module: DT_NEEDED from the .dynamic section of an ET_REL object', async () => {
    const b = buildSyntheticElf({ type: 'rel', needed: ['misc/mac', 'drv/ip'] });
    expect(await readElfInfoFromBuffer(b)).toMatchObject({ type: 'rel', needed: ['misc/mac', 'drv/ip'] });
  });

  it('reads an old-style module from its _depends_on symbol, in both byte orders and classes', async () => {
    for (const [elfClass, endian] of [[64, 'little'], [32, 'big'], [64, 'big'], [32, 'little']] as const) {
      const b = buildSyntheticElf({ type: 'rel', elfClass, endian, dependsOn: 'misc/scsi drv/ip' });
      expect(await readElfInfoFromBuffer(b)).toMatchObject({ type: 'rel', elfClass, endian, needed: [], dependsOn: 'misc/scsi drv/ip' });
    }
  });

  it('reads a _depends_on whose name and value cross read-chunk boundaries (the 256 KiB string-table chunk, the 64 KiB cached head, the 256-byte string step)', async () => {
    const modules = Array.from({ length: 60 }, (_, i) => `misc/module_${i}`).join(' '); // > 256 bytes
    // "\0" + "_init\0" + padding: the name starts 5 bytes before the 256 KiB chunk boundary.
    const padStrtab = 256 * 1024 - 7 - 5;
    // The value starts 10 bytes before the end of the 64 KiB head the file source caches.
    const padData = 64 * 1024 - 10 - 64 - 16;
    const b = buildSyntheticElf({ type: 'rel', dependsOn: modules, padStrtab, padData });
    const valueAt = b.indexOf(modules);
    expect(valueAt).toBeLessThan(64 * 1024);
    expect(valueAt + modules.length).toBeGreaterThan(64 * 1024);
    expect((await readElfInfoFromBuffer(b))?.dependsOn).toBe(modules);
    const dir = mkdtempSync(join(tmpdir(), 'elf-chunks-'));
    writeFileSync(join(dir, 'mod'), b);
    const info = await withByteSource({ kind: 'host', path: join(dir, 'mod'), origin: 'proto' }, b.length, (src) => readElfInfo(src));
    expect(info?.dependsOn).toBe(modules);
  });

  it('prefers DT_NEEDED over _depends_on, as krtld does', async () => {
    const b = buildSyntheticElf({ type: 'rel', needed: ['misc/mac'], dependsOn: 'misc/old' });
    const info = await readElfInfoFromBuffer(b);
    expect(info?.needed).toEqual(['misc/mac']);
    expect(info?.dependsOn).toBeUndefined();
  });

  it('says "not ELF" for other files', async () => {
    expect(await readElfInfoFromBuffer(Buffer.from('#!/sbin/sh\necho hi\n'))).toBeNull();
    expect(await readElfInfoFromBuffer(Buffer.alloc(0))).toBeNull();
    expect(await readElfInfoFromBuffer(Buffer.from([0x7f, 0x45]))).toBeNull();
  });

  it('reports every truncation of a valid object as a format error, never a crash', async () => {
    for (const o of [buildSyntheticElf({ type: 'dyn', needed: ['liba.so.1'], interp: '/usr/lib/ld.so.1' }), buildSyntheticElf({ type: 'rel', dependsOn: 'misc/a' })]) {
      for (let n = 4; n < o.length; n++) {
        const r = await readElfInfo(bufferSource(o.subarray(0, n))).then(
          (v) => v,
          (e: unknown) => e,
        );
        // A cut past every structure the reader needs still parses; anything else is an ElfFormatError.
        if (!(r instanceof ElfFormatError)) expect(r).toMatchObject({ type: expect.any(String) });
      }
    }
  });

  it('survives random corruption with a format error or a result', async () => {
    const good = buildSyntheticElf({ type: 'dyn', needed: ['liba.so.1', 'libb.so.1'], runpath: '/x', interp: '/usr/lib/amd64/ld.so.1' });
    let seed = 7;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 500; i++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 1 + rnd(8); k++) b[4 + rnd(b.length - 4)] = rnd(256);
      const r = await readElfInfoFromBuffer(b).then(
        (v) => v,
        (e: unknown) => e,
      );
      if (r instanceof Error) expect(r).toBeInstanceOf(ElfFormatError);
    }
  });

  it('reads a large file with bounded reads', async () => {
    // A 40 MB "library" whose dynamic section sits at the start: only a few KiB are read.
    const head = buildSyntheticElf({ type: 'dyn', needed: ['libc.so.1'], soname: 'libhuge.so.1' });
    const size = 40 * 1024 * 1024;
    let bytesRead = 0;
    const src = {
      size,
      async read(offset: number, length: number) {
        const end = Math.min(size, offset + length);
        bytesRead += Math.max(0, end - offset);
        const out = Buffer.alloc(Math.max(0, end - offset));
        if (offset < head.length) head.copy(out, 0, offset, Math.min(head.length, end));
        return out;
      },
      async close() {},
    };
    expect(await readElfInfo(src)).toMatchObject({ soname: 'libhuge.so.1', needed: ['libc.so.1'] });
    expect(bytesRead).toBeLessThan(64 * 1024);
  });
});
