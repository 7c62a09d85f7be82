/**
 * The stand-in "unix" test kernel (testkernel/): its build, what it reports when booted
 * by QEMU's multiboot-1 loader and by GRUB (multiboot 1/2, BIOS/UEFI), and the parser
 * and host-side checksums in src/boot/kernel-report.ts that the boot tests rely on.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checksumBuffer,
  checksumFile,
  parseKernelReport,
  stripTerminalNoise,
  unescapeKernelString,
  type ModuleReport,
} from '../../src/boot/kernel-report.js';
import {
  OVMF_CODE,
  OVMF_VARS,
  TESTKERNEL_EXIT_OK,
  bootIso,
  bootWithQemuLoader,
  buildTestKernel,
  describeBoot,
  hasCommand,
  makeGrubIso,
  newcCpio,
  seededBytes,
  type BootResult,
} from '../support/testkernel.js';
import { buildHandUfs, corrupt, entryOffset, type HandUfs } from '../support/testkernel-ufs.js';

const haveQemu = await hasCommand('qemu-system-x86_64');
const haveXorriso = await hasCommand('xorriso');
const haveGrubMkrescue = (await hasCommand('grub-mkrescue')) && haveXorriso;
const haveOvmf = existsSync(OVMF_CODE) && existsSync(OVMF_VARS);

let work: string;
let unix: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'testkernel-'));
  unix = await buildTestKernel(join(work, 'kernel'));
});

afterAll(async () => {
  if (work && !process.env.KEEP_TESTKERNEL_TMP) await rm(work, { recursive: true, force: true });
});

function expectBooted(r: BootResult): void {
  expect(r.exitCode, describeBoot(r)).toBe(TESTKERNEL_EXIT_OK);
  expect(r.report.started, describeBoot(r)).toBe(true);
  expect(r.report.done, describeBoot(r)).toBe(true);
}

describe('parseKernelReport (unit)', () => {
  const sample = [
    '\x1b[H\x1b[J\x1b[1;1H\x1b[H\x1b[J\x1b[1;1H  Booting `illumos-test (mb2)\'\r',
    '\r',
    'BdsDxe: loading Boot0001 "UEFI QEMU DVD-ROM" from PciRoot(0x0)\r',
    'error: no suitable video mode found.\r',
    '\x1b[0m\x1b[37m\x1b[40mTESTKERNEL START proto=mb2 magic=0x36d76289 info=0x0009f000\r',
    'LOADER GRUB 2.06-13+deb12u2\r',
    'CMDLINE /platform/i86pc/kernel/amd64/unix -B console=ttya,x=a\\\\b\\x09c \r',
    'MEM lower=639 upper=1047420\r',
    'EFI64 systab=0x000000003f5eb018\r',
    'MODULES 3\r',
    'MODULE 0 string=/platform/i86pc/amd64/boot_archive type=rootfs size=720896 fnv=0x882fbe95 crc32=0x5244f0a3 fs=ufs\r',
    'UFS 0 fs_size=704 fs_ncg=1 fs_bsize=8192 fs_fsize=1024 clean=0x01 state_ok=yes\r',
    'UFSDIR 0 2 .\r',
    'UFSDIR 0 2 ..\r',
    'UFSDIR 0 3 name with spaces\r',
    'UFSDIR 0 4 END count=9\r',
    'UFSDIR 0 END count=4\r',
    'MODULE 1 string= size=12 fnv=0x00000001 crc32=0xffffffff fs=iso9660\r',
    'ISO9660 1 volid=MY_VOL\r',
    'MODULE 2 string=odd size=5 name size=3 fnv=0x0000abcd crc32=0x12345678 fs=ufs\r',
    'UFS 2 fs_size=10 fs_ncg=1 fs_bsize=8192 fs_fsize=1024 clean=0xff state_ok=no\r',
    'UFSDIR 2 2 .\r',
    'UFSERR 2 bad d_reclen=0 offset=12\r',
    'COMPOSE-BOOT-OK demo\r',
    'TESTKERNEL DONE\r',
    '',
  ].join('\n');

  it('strips ANSI escapes and \\r and reads every line type', () => {
    expect(stripTerminalNoise('\x1b[1;1Ha\x1b(Bb\r')).toBe('ab');
    const r = parseKernelReport(sample);
    expect(r).toMatchObject({
      started: true,
      proto: 'mb2',
      magic: '0x36d76289',
      loader: 'GRUB 2.06-13+deb12u2',
      cmdline: '/platform/i86pc/kernel/amd64/unix -B console=ttya,x=a\\b\tc ',
      memLowerKiB: 639,
      memUpperKiB: 1047420,
      efi64SystemTable: '0x000000003f5eb018',
      moduleCount: 3,
      bootOk: 'demo',
      done: true,
      failures: [],
    });
    expect(r.modules).toHaveLength(3);
    expect(r.modules[0]).toEqual({
      index: 0,
      string: '/platform/i86pc/amd64/boot_archive type=rootfs',
      size: 720896,
      fnv: '0x882fbe95',
      crc32: '0x5244f0a3',
      fs: 'ufs',
      errors: [],
      ufs: {
        fsSize: 704,
        ncg: 1,
        bsize: 8192,
        fsize: 1024,
        clean: 1,
        stateOk: true,
        complete: true,
        endCount: 4,
        rootEntries: [
          { ino: 2, name: '.' },
          { ino: 2, name: '..' },
          { ino: 3, name: 'name with spaces' },
          { ino: 4, name: 'END count=9' },
        ],
      },
    });
    expect(r.modules[1]).toMatchObject({ string: '', size: 12, fs: 'iso9660', iso9660: { volid: 'MY_VOL' } });
    // The last " size=" decides where the module string ends.
    expect(r.modules[2]).toMatchObject({ string: 'odd size=5 name', size: 3, errors: ['bad d_reclen=0 offset=12'] });
    expect(r.modules[2]!.ufs).toMatchObject({ clean: 0xff, stateOk: false, complete: false });
  });

  it('reports an unfinished boot and keeps only the last boot of a log', () => {
    expect(parseKernelReport('garbage\nmore garbage')).toEqual({
      started: false,
      modules: [],
      done: false,
      failures: [],
    });
    const truncated = parseKernelReport('TESTKERNEL START proto=mb1 magic=0x2badb002 info=0x0\nMODULES 1\n');
    expect(truncated).toMatchObject({ started: true, proto: 'mb1', done: false, moduleCount: 1, modules: [] });
    const twice = parseKernelReport(sample + 'TESTKERNEL START proto=mb1 magic=0x2badb002 info=0x1\r\nMODULES 0\r\n');
    expect(twice).toMatchObject({ proto: 'mb1', moduleCount: 0, modules: [], done: false });
  });

  it('undoes the kernel escaping', () => {
    expect(unescapeKernelString('a\\\\b\\x0a\\x7fc\\')).toBe('a\\b\n\x7fc\\');
  });
});

describe('host checksums', () => {
  it('match known FNV-1a-32 and CRC-32 values', async () => {
    expect(checksumBuffer(Buffer.alloc(0))).toEqual({ size: 0, fnv: '0x811c9dc5', crc32: '0x00000000' });
    expect(checksumBuffer(Buffer.from('a'))).toEqual({ size: 1, fnv: '0xe40c292c', crc32: '0xe8b7be43' });
    expect(checksumBuffer(Buffer.from('123456789')).crc32).toBe('0xcbf43926');
    // Streaming in small chunks gives the same answer as one buffer.
    const data = seededBytes(7, 100_003);
    const file = join(work, 'chunks.bin');
    await writeFile(file, data);
    expect(await checksumFile(file, { chunkSize: 4093 })).toEqual(checksumBuffer(data));
    const gz = join(work, 'chunks.bin.gz');
    await writeFile(gz, gzipSync(data));
    expect(await checksumFile(gz, { gunzip: true })).toEqual(checksumBuffer(data));
  });
});

describe('test kernel build', () => {
  it('is deterministic and multiboot-1/2 compliant', async () => {
    const again = await buildTestKernel(join(work, 'kernel-again'));
    expect(Buffer.compare(await readFile(unix), await readFile(again))).toBe(0);
    const head = await readFile(unix);
    expect(head.subarray(0, 5).toString('latin1')).toBe('\x7fELF\x02'); // ELF64
    if (await hasCommand('grub-file')) {
      for (const flag of ['--is-x86-multiboot', '--is-x86-multiboot2']) {
        const r = await execa('grub-file', [flag, unix], { reject: false });
        expect(r.exitCode, flag).toBe(0);
      }
    }
  });
});

describe.skipIf(!haveQemu)('test kernel under QEMU -kernel (multiboot 1)', () => {
  it('reports cmdline, module checksums and formats', async () => {
    const dir = await mkdtemp(join(work, 'formats-'));
    const files: Array<{ name: string; data: Buffer; fs: string; args?: string }> = [
      { name: 'random.bin', data: seededBytes(0x1badb002, 300_001), fs: 'unknown', args: 'type=rootfs' },
      { name: 'payload.gz', data: gzipSync(seededBytes(42, 50_000)), fs: 'gzip', args: 'type=hash' },
      { name: 'archive.cpio', data: newcCpio('etc/motd', Buffer.from('hello\n')), fs: 'cpio', args: 'type=file' },
      {
        name: 'fake.zst',
        data: Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), seededBytes(3, 1001)]),
        fs: 'zstd',
      },
      {
        name: 'fake.xz',
        data: Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), seededBytes(4, 999)]),
        fs: 'xz',
      },
      {
        name: 'fake.ufs2',
        data: (() => {
          const b = Buffer.alloc(65536 + 2048);
          b.writeUInt32LE(0x19540119, 65536 + 0x55c);
          return b;
        })(),
        fs: 'ufs2',
      },
      {
        name: 'fake.mtb',
        data: (() => {
          const b = Buffer.alloc(16384);
          b.writeUInt32LE(0xdecade, 8192 + 0x55c);
          return b;
        })(),
        fs: 'ufs-mtb',
      },
    ];
    for (const f of files) await writeFile(join(dir, f.name), f.data);
    if (haveXorriso) {
      const tree = join(dir, 'isotree');
      await execa('mkdir', ['-p', join(tree, 'platform')]);
      await writeFile(join(tree, 'platform/hello.txt'), 'hello\n');
      await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-V', 'TK_VOLUME', '-o', join(dir, 'small.iso'), tree]);
      files.push({ name: 'small.iso', data: await readFile(join(dir, 'small.iso')), fs: 'iso9660', args: 'type=file' });
    }

    const r = await bootWithQemuLoader({
      kernel: unix,
      append: '-B console=ttya',
      modules: files.map((f) => ({ path: join(dir, f.name), args: f.args })),
      logFile: join(dir, 'serial.log'),
    });
    expectBooted(r);
    const rep = r.report;
    expect(rep.proto).toBe('mb1');
    expect(rep.loader).toBe('qemu');
    expect(rep.cmdline).toContain('-B console=ttya');
    expect(rep.cmdline?.startsWith(unix)).toBe(true); // QEMU passes the kernel path first
    expect(rep.bootOk).toBe('demo');
    expect(rep.moduleCount).toBe(files.length);
    expect(rep.modules).toHaveLength(files.length);
    for (const [i, f] of files.entries()) {
      const path = join(dir, f.name);
      const mod = rep.modules[i]!;
      expect(mod.index).toBe(i);
      expect(mod.string).toBe(f.args ? `${path} ${f.args}` : path);
      const sums = await checksumFile(path);
      expect({ size: mod.size, fnv: mod.fnv, crc32: mod.crc32 }, f.name).toEqual(sums);
      expect(mod.fs, f.name).toBe(f.fs);
      expect(mod.errors, f.name).toEqual([]);
    }
    if (haveXorriso) expect(rep.modules.at(-1)!.iso9660).toEqual({ volid: 'TK_VOLUME' });
    expect(r.durationMs).toBeLessThan(30_000);
  });

  it('lists the root directory of a Solaris UFS image and survives corrupt ones', async () => {
    const dir = await mkdtemp(join(work, 'ufs-'));
    const small = buildHandUfs({
      entries: [
        { name: 'hello', ino: 3 },
        { name: 'platform', ino: 4 },
        { name: 'etc', ino: 5, chunk: 1 }, // second 512-byte chunk of the first block
      ],
    });
    // 13 directory blocks: the last one only reachable through the single-indirect block.
    const big = buildHandUfs({
      entries: [
        { name: 'name with spaces', ino: 3 },
        { name: 'tab\there', ino: 4 },
        { name: 'back\\slash', ino: 5 },
        { name: 'ünïcödé', ino: 6 },
        { name: 'in-block-1', ino: 7, chunk: 16 },
        { name: 'via-indirect', ino: 8, chunk: 12 * 16 },
      ],
      clean: 0,
      stateOk: false,
    });
    const many = buildHandUfs({
      entries: Array.from({ length: 600 }, (_, k) => ({ name: `f${String(k).padStart(4, '0')}`, ino: 10 + k })),
    });

    const images: Array<{ name: string; data: Buffer; check: (m: ModuleReport) => void }> = [
      {
        name: 'small.ufs',
        data: small.image,
        check: (m) => {
          expect(m.errors).toEqual([]);
          expect(m.ufs).toEqual({
            fsSize: small.image.length / 1024,
            ncg: 1,
            bsize: 8192,
            fsize: 1024,
            clean: 1,
            stateOk: true,
            complete: true,
            endCount: 5,
            rootEntries: [
              { ino: 2, name: '.' },
              { ino: 2, name: '..' },
              { ino: 3, name: 'hello' },
              { ino: 4, name: 'platform' },
              { ino: 5, name: 'etc' },
            ],
          });
        },
      },
      {
        name: 'big.ufs',
        data: big.image,
        check: (m) => {
          expect(m.errors).toEqual([]);
          expect(m.ufs).toMatchObject({ clean: 0, stateOk: false, complete: true, endCount: 8 });
          expect(m.ufs!.rootEntries).toEqual(big.expected);
          expect(m.ufs!.rootEntries.at(-1)).toEqual({ ino: 8, name: 'via-indirect' });
        },
      },
      {
        name: 'many.ufs',
        data: many.image,
        check: (m) => {
          expect(m.ufs!.rootEntries).toHaveLength(512);
          expect(m.ufs!.rootEntries).toEqual(many.expected.slice(0, 512));
          expect(m.ufs!.complete).toBe(false);
          expect(m.errors.join()).toMatch(/too many entries/);
        },
      },
      ...corruptions(small, big).map((c) => ({
        name: c.name,
        data: c.data,
        check: (m: ModuleReport) => {
          expect(m.fs).toBe('ufs');
          expect(m.ufs?.complete).toBe(false);
          expect(m.errors).toHaveLength(1);
          expect(m.errors[0]).toMatch(c.error);
        },
      })),
    ];
    for (const img of images) await writeFile(join(dir, img.name), img.data);

    const r = await bootWithQemuLoader({
      kernel: unix,
      append: '-B console=ttya,compose.profile=ufs-check',
      modules: images.map((img) => ({ path: join(dir, img.name), args: 'type=rootfs' })),
      logFile: join(dir, 'serial.log'),
    });
    expectBooted(r);
    expect(r.report.bootOk).toBe('ufs-check');
    expect(r.report.modules).toHaveLength(images.length);
    for (const [i, img] of images.entries()) {
      const mod = r.report.modules[i]!;
      expect({ size: mod.size, fnv: mod.fnv, crc32: mod.crc32 }, img.name).toEqual(checksumBuffer(img.data));
      try {
        img.check(mod);
      } catch (e) {
        throw new Error(`${img.name}: ${(e as Error).message}\n${JSON.stringify(mod, null, 1)}`);
      }
    }
  });
});

/** Broken variants of the hand-made images, each with the UFSERR reason it must produce. */
function corruptions(small: HandUfs, big: HandUfs): Array<{ name: string; data: Buffer; error: RegExp }> {
  const ino = small.rootInode;
  return [
    {
      name: 'reclen0.ufs',
      data: corrupt(small, (img, u) => void img.writeUInt16LE(0, entryOffset(u, 'hello') + 4)),
      error: /^bad d_reclen=0 offset=24$/,
    },
    {
      name: 'reclen-overrun.ufs',
      data: corrupt(small, (img, u) => void img.writeUInt16LE(1024, entryOffset(u, 'hello') + 4)),
      error: /^bad d_reclen=1024 offset=24$/,
    },
    {
      name: 'namlen.ufs',
      data: corrupt(small, (img, u) => void img.writeUInt16LE(300, entryOffset(u, 'platform') + 6)),
      error: /^bad d_namlen=300 offset=40$/,
    },
    {
      name: 'notdir.ufs',
      data: corrupt(small, (img) => void img.writeUInt16LE(0o100644, ino)),
      error: /^root inode is not a directory mode=33188$/,
    },
    {
      name: 'nlink0.ufs',
      data: corrupt(small, (img) => void img.writeUInt16LE(0, ino + 2)),
      error: /^root inode has link count 0$/,
    },
    {
      name: 'blockptr.ufs',
      data: corrupt(small, (img) => void img.writeUInt32LE(0x7fffff00, ino + 40)),
      error: /^directory block outside image frag=2147483392$/,
    },
    {
      name: 'hole.ufs',
      data: corrupt(small, (img) => void img.writeUInt32LE(0, ino + 40)),
      error: /^hole in directory lbn=0$/,
    },
    {
      name: 'hugesize.ufs',
      data: corrupt(small, (img) => void img.writeBigUInt64LE(1n << 40n, ino + 8)),
      error: /^bad root directory size/,
    },
    {
      name: 'oddsize.ufs',
      data: corrupt(small, (img) => void img.writeBigUInt64LE(700n, ino + 8)),
      error: /^root directory size not a multiple of 512/,
    },
    {
      name: 'bsize.ufs',
      data: corrupt(small, (img) => void img.writeUInt32LE(12345, 8192 + 0x30)),
      error: /^bad superblock fs_bsize=12345$/,
    },
    {
      name: 'ipg0.ufs',
      data: corrupt(small, (img) => void img.writeUInt32LE(0, 8192 + 0xb8)),
      error: /^bad superblock: .*zero$/,
    },
    {
      name: 'truncated.ufs',
      data: corrupt(small, (img) => img.subarray(0, 8192 + 2048)),
      error: /^inode outside image ino=2$/,
    },
    {
      name: 'no-indirect.ufs',
      data: corrupt(big, (img, u) => void img.writeUInt32LE(0, u.rootInode + 88)),
      error: /^missing indirect block for directory block lbn=12$/,
    },
    {
      name: 'indirect-outside.ufs',
      data: corrupt(big, (img, u) => void img.writeUInt32LE(0x00ffffff, u.rootInode + 88)),
      error: /^indirect block outside image/,
    },
  ];
}

describe.skipIf(!haveQemu || !haveGrubMkrescue)('test kernel booted by GRUB from an ISO', () => {
  const cases: Array<{ protocol: 'mb1' | 'mb2'; firmware: 'bios' | 'uefi' }> = [
    { protocol: 'mb1', firmware: 'bios' },
    { protocol: 'mb2', firmware: 'bios' },
    ...(haveOvmf ? [{ protocol: 'mb2', firmware: 'uefi' } as const] : []),
  ];

  it.each(cases)('$protocol / $firmware', async ({ protocol, firmware }) => {
    const dir = await mkdtemp(join(work, `grub-${protocol}-${firmware}-`));
    const ufs = buildHandUfs({ entries: [{ name: 'platform', ino: 3 }, { name: 'etc', ino: 4 }] });
    const archive = join(dir, 'boot_archive');
    const hash = join(dir, 'boot_archive.hash');
    await writeFile(archive, ufs.image);
    await writeFile(hash, gzipSync(Buffer.from('not really a hash\n')));
    const kernelPath = '/platform/i86pc/kernel/amd64/unix';
    const archivePath = '/platform/i86pc/amd64/boot_archive';
    const iso = join(dir, 'boot.iso');
    await makeGrubIso({
      workDir: dir,
      iso,
      kernel: unix,
      kernelIsoPath: kernelPath,
      // GRUB 2 drops the first word, hence the repeated path (as a real menu must do).
      kernelWords: `${kernelPath} -B console=ttya,compose.profile=grub-${protocol}`,
      protocol,
      modules: [
        { source: archive, isoPath: archivePath, words: `${archivePath} type=rootfs` },
        { source: hash, isoPath: '/platform/i86pc/amd64/boot_archive.hash' }, // no words: empty string
      ],
    });
    const r = await bootIso({ iso, firmware, logFile: join(dir, 'serial.log'), workDir: dir });
    expectBooted(r);
    const rep = r.report;
    expect(rep.proto).toBe(protocol);
    expect(rep.loader).toMatch(/^GRUB/);
    expect(rep.cmdline).toBe(`${kernelPath} -B console=ttya,compose.profile=grub-${protocol}`);
    expect(rep.bootOk).toBe(`grub-${protocol}`);
    expect(rep.modules.map((m) => m.string)).toEqual([`${archivePath} type=rootfs`, '']);
    expect(rep.modules.map((m) => m.fs)).toEqual(['ufs', 'gzip']);
    for (const [i, file] of [archive, hash].entries()) {
      const m = rep.modules[i]!;
      expect({ size: m.size, fnv: m.fnv, crc32: m.crc32 }).toEqual(await checksumFile(file));
    }
    expect(rep.modules[0]!.ufs?.rootEntries).toEqual(ufs.expected);
    expect(rep.modules[0]!.ufs?.complete).toBe(true);
    if (firmware === 'uefi') expect(rep.efi64SystemTable).toMatch(/^0x[0-9a-f]{16}$/);
    else expect(rep.efi64SystemTable).toBeUndefined();
  });
});
