import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveChecksums,
  checkArchive,
  checkKernelFailures,
  checkManifest,
  loadManifest,
  rootfsModule,
  topLevelNames,
} from '../../src/boot/checks.js';
import { checksumBuffer, parseKernelReport } from '../../src/boot/kernel-report.js';
import { InputError } from '../../src/util/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boot-checks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ARCHIVE = Buffer.from('pretend this is a UFS image '.repeat(100));
const sums = checksumBuffer(ARCHIVE);

/** A kernel log with one module (the given string, size, crc, fs) and optionally a UFS root listing. */
function kernelLog(opts: { string?: string; size?: number; crc32?: string; fs?: string; names?: string[]; end?: boolean; extra?: string[] } = {}): string {
  const lines = [
    'TESTKERNEL START proto=mb1 magic=0x2badb002 info=0x00010000',
    'MODULES 2',
    'MODULE 0 string=/platform/i86pc/amd64/boot_archive.hash type=hash size=20 fnv=0x00000001 crc32=0x00000002 fs=unknown',
    `MODULE 1 string=${opts.string ?? '/platform/i86pc/amd64/boot_archive type=rootfs'} size=${opts.size ?? sums.size} fnv=${sums.fnv} crc32=${opts.crc32 ?? sums.crc32} fs=${opts.fs ?? 'ufs'}`,
  ];
  if (opts.names) {
    lines.push('UFS 1 fs_size=704 fs_ncg=1 fs_bsize=8192 fs_fsize=1024 clean=0x01 state_ok=yes', 'UFSDIR 1 2 .', 'UFSDIR 1 2 ..');
    opts.names.forEach((n, i) => lines.push(`UFSDIR 1 ${i + 3} ${n}`));
    if (opts.end !== false) lines.push(`UFSDIR 1 END count=${opts.names.length + 2}`);
  }
  lines.push(...(opts.extra ?? []), 'COMPOSE-BOOT-OK demo', 'TESTKERNEL DONE');
  return lines.map((l) => `${l}\r\n`).join('');
}

describe('rootfsModule', () => {
  it('takes the module marked type=rootfs, else the first', () => {
    expect(rootfsModule(parseKernelReport(kernelLog()))?.index).toBe(1);
    const unmarked = parseKernelReport(kernelLog({ string: '' }).replace(' type=hash', ''));
    expect(rootfsModule(unmarked)?.index).toBe(0);
    expect(rootfsModule(parseKernelReport('TESTKERNEL START proto=mb1\nMODULES 0\n'))).toBeUndefined();
  });
});

describe('archiveChecksums', () => {
  it('checksums a plain archive as is and a gzip one decompressed (as GRUB delivers it)', async () => {
    const plain = join(dir, 'ba');
    const gz = join(dir, 'ba.gz');
    await writeFile(plain, ARCHIVE);
    await writeFile(gz, gzipSync(ARCHIVE));
    expect(await archiveChecksums(plain)).toEqual({ sums, gzipped: false });
    expect(await archiveChecksums(gz)).toEqual({ sums, gzipped: true });
  });
  it('reports an unreadable archive as an input error', async () => {
    await expect(archiveChecksums(join(dir, 'missing'))).rejects.toBeInstanceOf(InputError);
  });
});

describe('checkArchive', () => {
  const archive = { path: '/out/boot_archive', sums, gzipped: false };

  it('passes when size and crc32 match and the kernel found a UFS', () => {
    const checks = checkArchive(parseKernelReport(kernelLog()), archive);
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['archive-size', true],
      ['archive-crc32', true],
      ['archive-fs', true],
    ]);
  });

  it('reports each mismatch on its own line', () => {
    const checks = checkArchive(parseKernelReport(kernelLog({ size: 999, crc32: '0xdeadbeef', fs: 'iso9660' })), archive);
    const bad = checks.filter((c) => !c.ok);
    expect(bad.map((c) => c.name)).toEqual(['archive-size', 'archive-crc32', 'archive-fs']);
    expect(bad[0]!.detail).toBe(`module 1 (/platform/i86pc/amd64/boot_archive type=rootfs): size 999, but /out/boot_archive is ${sums.size} bytes`);
    expect(bad[1]!.detail).toContain(`crc32 0xdeadbeef, but /out/boot_archive has ${sums.crc32}`);
    expect(bad[2]!.detail).toContain('fs=iso9660, expected ufs');
  });

  it('says so when the loader passed a gzip archive through undecompressed', () => {
    const checks = checkArchive(parseKernelReport(kernelLog({ fs: 'gzip' })), { ...archive, gzipped: true });
    expect(checks.find((c) => c.name === 'archive-fs')?.detail).toMatch(/still gzip-compressed/);
    expect(checks.find((c) => c.name === 'archive-size')?.detail).toContain('the uncompressed /out/boot_archive');
  });

  it('fails without a test-kernel report, or without modules', () => {
    expect(checkArchive(parseKernelReport('GRUB only\n'), archive)).toEqual([
      { name: 'archive', ok: false, detail: expect.stringMatching(/no test-kernel report.*--check-archive/) },
    ]);
    expect(checkArchive(parseKernelReport('TESTKERNEL START proto=mb1\nMODULES 0\n'), archive)[0]!.ok).toBe(false);
  });
});

describe('manifest', () => {
  const manifest = {
    profile: 'demo',
    entries: [
      { path: 'bin' },
      { path: 'etc' },
      { path: 'etc/passwd' },
      { path: 'platform/i86pc/kernel' },
      { path: 'platform' },
      { path: 'var' },
    ],
  };

  it('takes the top-level names (paths without "/")', () => {
    expect(topLevelNames(manifest)).toEqual(['bin', 'etc', 'platform', 'var']);
  });

  it('passes when the kernel lists exactly those names (in any order)', () => {
    const checks = checkManifest(parseKernelReport(kernelLog({ names: ['var', 'etc', 'bin', 'platform'] })), manifest);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(checks.map((c) => c.name)).toEqual(['manifest-count', 'manifest-names']);
  });

  it('lists missing, unexpected and duplicate names, one problem per check, and the count', () => {
    const checks = checkManifest(parseKernelReport(kernelLog({ names: ['bin', 'etc', 'etc', 'lost+found'] })), manifest);
    expect(checks.filter((c) => !c.ok).map((c) => c.detail)).toEqual([
      '"platform" is in the manifest but not in the boot archive\'s root',
      '"var" is in the manifest but not in the boot archive\'s root',
      '"lost+found" is in the boot archive\'s root but not in the manifest',
      '"etc" appears more than once in the boot archive\'s root',
    ]);
    // 4 == 4: the count alone does not catch this, the names do.
    expect(checks.find((c) => c.name === 'manifest-count')?.ok).toBe(true);
    const short = checkManifest(parseKernelReport(kernelLog({ names: ['bin'] })), manifest);
    expect(short.find((c) => c.name === 'manifest-count')).toMatchObject({ ok: false, detail: expect.stringContaining('1 root entries, the manifest has 4') });
  });

  it('fails on an incomplete listing or a module that is not UFS', () => {
    const partial = checkManifest(parseKernelReport(kernelLog({ names: ['bin'], end: false, extra: ['UFSERR 1 bad d_reclen=0'] })), manifest);
    expect(partial[0]).toEqual({ name: 'manifest-listing', ok: false, detail: expect.stringContaining('incomplete: bad d_reclen=0') });
    const notUfs = checkManifest(parseKernelReport(kernelLog({ fs: 'iso9660' })), manifest);
    expect(notUfs).toEqual([{ name: 'manifest', ok: false, detail: expect.stringContaining('could not read a UFS root directory (fs=iso9660)') }]);
  });

  it('caps long lists', () => {
    const many = { entries: Array.from({ length: 60 }, (_, i) => ({ path: `d${i}` })) };
    const checks = checkManifest(parseKernelReport(kernelLog({ names: [] })), many);
    const missing = checks.filter((c) => c.name === 'manifest-missing');
    expect(missing).toHaveLength(26);
    expect(missing.at(-1)!.detail).toBe('... and 35 more');
  });

  it('loadManifest reads a compose manifest and rejects anything else as an input error', async () => {
    const good = join(dir, 'm.json');
    await writeFile(good, JSON.stringify({ profile: 'pureboot', proto: '/p', entries: [{ path: 'bin', type: 'dir', mode: '0755', uid: 0, gid: 0, size: 0 }] }));
    expect(await loadManifest(good)).toEqual({ profile: 'pureboot', entries: [expect.objectContaining({ path: 'bin' })] });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ entries: [{ name: 'bin' }] }));
    await expect(loadManifest(bad)).rejects.toThrow(/not a compose manifest/);
    await writeFile(bad, '{ not json');
    await expect(loadManifest(bad)).rejects.toBeInstanceOf(InputError);
    await expect(loadManifest(join(dir, 'nope.json'))).rejects.toBeInstanceOf(InputError);
  });
});

describe('checkKernelFailures', () => {
  it('turns TESTKERNEL FAIL / MODERR into failed checks', () => {
    const r = parseKernelReport('TESTKERNEL START proto=unknown magic=0x00000000 info=0x0\r\nTESTKERNEL FAIL unknown boot magic\r\n');
    expect(checkKernelFailures(r)).toEqual([{ name: 'kernel', ok: false, detail: 'the test kernel reported: unknown boot magic' }]);
    expect(checkKernelFailures(parseKernelReport(kernelLog()))).toEqual([]);
  });
});
