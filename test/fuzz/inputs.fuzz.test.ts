import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContentInspector } from '../../src/closure/inspect.js';
import { pruneByClosure } from '../../src/closure/prune.js';
import { buildSyntheticElf } from '../../src/elf/write-synthetic.js';
import { I386_DEFINES } from '../../src/manifest/macros.js';
import { loadManifestFile } from '../../src/manifest/load.js';
import { readTarball } from '../../src/proto/tar-reader.js';
import { tempDir } from '../support/cli.js';
import { stagedTreeOf } from '../fixtures/elf/tree.js';
import { fuzz, int, mutate, outcome, pick, prng } from './fuzz-support.js';

// Seeded fuzzing of the other inputs: 1,000 mutated tarballs through the proto reader, 1,000
// mutated ELF objects through the closure's reader, 1,000 mutated manifests through the parser.
// Each case ends as the CLI would: exit 0 or 3 with one line, fast, in bounded memory.

const FIXTURES = join(import.meta.dirname, '../fixtures');
let dir: string;

beforeAll(async () => {
  dir = await tempDir();
});

describe('fuzzed proto tarballs', () => {
  it('1,000 mutations through the tarball reader: exit 0 or 3', async () => {
    const proto = join(dir, 'proto');
    for (const d of ['kernel/drv', 'platform/i86pc/kernel', 'usr/bin', 'etc']) mkdirSync(join(proto, d), { recursive: true });
    writeFileSync(join(proto, 'etc/motd'), 'hello\n');
    writeFileSync(join(proto, 'usr/bin/ls'), Buffer.alloc(3000, 7));
    await execa('ln', ['-s', '../etc/motd', join(proto, 'usr/motd')]);
    await execa('ln', [join(proto, 'usr/bin/ls'), join(proto, 'usr/bin/dir')]);
    const tar = join(dir, 'base.tar');
    await execa('tar', ['--format=gnu', '-cf', tar, '-C', proto, '.']);
    const base = readFileSync(tar);
    expect(await outcome(() => readTarball(tar, false))).toEqual({ exitCode: 0 });
    // The headers are the first 512 bytes of each member.
    const headers: Array<[number, number]> = [];
    for (let off = 0; off + 512 <= base.length; off += 512) if (base.readUInt32LE(off + 257) === 0x61747375) headers.push([off, off + 512]);
    const r = prng(0x7a4b1);
    const file = join(dir, 'case.tar');
    const result = await fuzz(
      1000,
      async () => {
        let b = r() < 0.05 ? base.subarray(0, int(r, 0, base.length)) : mutate(base, r, headers);
        // Most of the time give the mutated headers a right checksum, so the mutation reaches
        // the fields behind it (sizes, types, names) instead of stopping at the checksum.
        if (r() < 0.8) b = withChecksums(b, headers);
        writeFileSync(file, b);
        return outcome(() => readTarball(file, false));
      },
      { allowed: [0, 3], maxMs: 5000, maxRssMb: 300 + process.memoryUsage().rss / 1048576 },
    );
    console.log(`tar fuzz: ${JSON.stringify({ ...result, failures: result.failures.length })}`);
    expect(result.failures).toEqual([]);
    expect(result.byExit['3']).toBeGreaterThan(0);
    expect(result.byExit['0']).toBeGreaterThan(50);
    expect(result.byExit['0']).toBeGreaterThan(0);
  }, 300_000);
});

describe('fuzzed ELF objects', () => {
  it('1,000 mutations through the closure reader: never a crash, errors reported per file', async () => {
    const bases = [
      buildSyntheticElf({ type: 'exec', needed: ['libc.so.1', 'libm.so.2'], interp: '/usr/lib/amd64/ld.so.1', runpath: '$ORIGIN/../lib' }),
      buildSyntheticElf({ type: 'dyn', elfClass: 32, soname: 'libx.so.1', needed: ['libc.so.1'] }),
      buildSyntheticElf({ type: 'rel', dependsOn: 'misc/mac drv/ip', needed: [] }),
      buildSyntheticElf({ type: 'rel', needed: ['misc/acpica', 'misc/pcie'] }),
      buildSyntheticElf({ type: 'dyn', endian: 'big', elfClass: 64, machine: 43, soname: 'libbe.so.1', needed: ['libc.so.1'] }),
    ];
    const r = prng(0xe1f);
    const kinds: Record<string, number> = {};
    const result = await fuzz(
      1000,
      async () => {
        const base = pick(r, bases);
        const obj = mutate(base, r, [[0, 64], [64, Math.min(base.length, 400)]]);
        const path = r() < 0.5 ? 'usr/bin/prog' : 'kernel/drv/amd64/mod';
        const tree = stagedTreeOf({ [path]: obj, 'lib/libc.so.1': bases[1], 'lib/64': { symlink: 'amd64' } });
        return outcome(async () => {
          const what = await new ContentInspector(tree).inspect(tree.get(path)!);
          kinds[what.kind] = (kinds[what.kind] ?? 0) + 1;
          if (!['elf', 'data', 'script', 'error'].includes(what.kind)) throw new Error(`unexpected inspection ${JSON.stringify(what)}`);
          // The closure walk over it: missing dependencies and unreadable objects are reported, never thrown.
          await pruneByClosure(tree, { keep: [path], hardware: [], protect: new Set() });
        });
      },
      { allowed: [0], maxMs: 5000, maxRssMb: 300 + process.memoryUsage().rss / 1048576 },
    );
    console.log(`elf fuzz: ${JSON.stringify({ ...result, kinds, failures: result.failures.length })}`);
    expect(result.failures).toEqual([]);
    // Both readable and unreadable objects come out of the mutations.
    expect(kinds.elf).toBeGreaterThan(100);
    expect(kinds.error).toBeGreaterThan(100);
  }, 300_000);
});

describe('fuzzed package manifests', () => {
  it('1,000 mutations through the manifest parser: exit 0 or 3 with the file and line', async () => {
    const base = readFileSync(join(FIXTURES, 'manifests/driver-network-e1000g.mf'), 'utf8') + readFileSync(join(FIXTURES, 'manifests/SUNWcsd.mf'), 'utf8');
    const file = join(dir, 'case.mf');
    writeFileSync(file, base);
    expect(await outcome(() => loadManifestFile(file, { defines: I386_DEFINES, includeDirs: [join(FIXTURES, 'transforms')], transformFiles: [] }))).toEqual({ exitCode: 0 });
    const pieces = ['\\', '"', "'", '=', ' ', '\n', '<transform', '<include x>', '$(', ')', '#', 'path=', 'driver ', 'file ', '\u00ff', '\0'];
    const r = prng(0x3a2f);
    const result = await fuzz(
      1000,
      async () => {
        let text = base;
        for (let n = int(r, 1, 4); n > 0; n--) {
          const at = int(r, 0, text.length);
          const op = int(r, 0, 2);
          if (op === 0) text = text.slice(0, at) + pick(r, pieces) + text.slice(at);
          else if (op === 1) text = text.slice(0, at) + text.slice(at + int(r, 1, 40));
          else text = text.slice(0, at) + String.fromCharCode(int(r, 0, 255)) + text.slice(at + 1);
        }
        writeFileSync(file, text);
        return outcome(() => loadManifestFile(file, { defines: I386_DEFINES, includeDirs: [join(FIXTURES, 'transforms')], transformFiles: [] }));
      },
      { allowed: [0, 3], maxMs: 5000, maxRssMb: 300 + process.memoryUsage().rss / 1048576 },
    );
    console.log(`manifest fuzz: ${JSON.stringify({ ...result, failures: result.failures.length })}`);
    expect(result.failures).toEqual([]);
    expect(result.byExit['3']).toBeGreaterThan(0);
    expect(result.byExit['0']).toBeGreaterThan(0);
  }, 300_000);
});

/** Recompute the checksum of each ustar header (bytes 148-155: the sum of the header with the field as spaces). */
function withChecksums(b: Buffer, headers: Array<[number, number]>): Buffer {
  const out = Buffer.from(b);
  for (const [lo] of headers) {
    if (lo + 512 > out.length) continue;
    out.fill(0x20, lo + 148, lo + 156);
    let sum = 0;
    for (let i = lo; i < lo + 512; i++) sum += out[i];
    out.write(`${sum.toString(8).padStart(6, '0')}\0 `, lo + 148, 'latin1');
  }
  return out;
}
