import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { runCli, tempDir } from '../support/cli.js';
import { TESTKERNEL } from '../support/paths.js';
import { buildIso } from '../../src/iso/index.js';
import { resolveProfile } from '../../src/profile/resolve.js';
import { readDirTree } from '../../src/proto/dir-reader.js';
import { listUfs } from '../../src/ufs/index.js';
import { gunzipSync } from 'node:zlib';
import { bootWithQemuLoader, TESTKERNEL_EXIT_OK } from '../support/testkernel.js';

// The whole product on the demo workspace: compose the ISO, then boot it with `compose boot-test`
// under BIOS and UEFI, as a CD and as a disk, and check what the stand-in kernel saw against the
// boot_archive and manifest we wrote. This is the CI matrix.

let ws: string;
let out: string;
const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

beforeAll(async () => {
  ws = join(await tempDir(), 'ws');
  const d = await runCli(['demo-proto', ws, '--kernel', TESTKERNEL.unix, '--quiet']);
  expect(d.exitCode, d.stderr).toBe(0);
  out = join(await tempDir(), 'out');
  const r = await runCli(['-p', join(ws, 'demo.yaml'), '--format', 'iso,ufs', '-o', out, '--quiet', '--json', join(ws, 'proto')]);
  expect(r.exitCode, r.stderr).toBe(0);
});

describe('the demo image', () => {
  it('has a boot_archive that is the gzip of the UFS image, and a hash of the uncompressed image', async () => {
    const image = await readFile(join(out, 'demo.ufs'));
    expect(gunzipSync(await readFile(join(out, 'demo.boot_archive'))).equals(image)).toBe(true);
    expect(await readFile(join(out, 'demo.boot_archive.hash'), 'utf8')).toBe(`${createHash('sha1').update(image).digest('hex')}\n`);
  });

  it('is reproducible: a second build gives the same UFS image, boot_archive and ISO bytes', async () => {
    const out2 = join(await tempDir(), 'out');
    const r = await runCli(['-p', join(ws, 'demo.yaml'), '--format', 'iso,ufs', '-o', out2, '--quiet', join(ws, 'proto')]);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const f of ['demo.ufs', 'demo.boot_archive', 'demo.boot_archive.hash', 'demo.iso', 'demo.manifest.json']) {
      expect(await sha(join(out2, f)), f).toBe(await sha(join(out, f)));
    }
  });

  it('holds in its UFS image exactly the staged entries of the manifest (our reader, checked against GRUB elsewhere)', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'demo.manifest.json'), 'utf8'));
    const listing = await listUfs(join(out, 'demo.ufs'));
    const byPath = new Map(listing.map((e) => [e.path, e]));
    for (const m of manifest.entries) {
      const e = byPath.get(m.path);
      expect(e, m.path).toBeDefined();
      expect(e!.mode.toString(8).padStart(4, '0'), m.path).toBe(m.mode);
      expect([e!.uid, e!.gid], m.path).toEqual([m.uid, m.gid]);
      if (m.type === 'file') expect(e!.sha256, m.path).toBe(m.sha256);
    }
  });

  it('boots with QEMU -kernel and the uncompressed UFS image: the kernel lists the root directory of the manifest', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'demo.manifest.json'), 'utf8'));
    const top = manifest.entries.map((e: { path: string }) => e.path).filter((p: string) => !p.includes('/')).sort();
    const listing = await listUfs(join(out, 'demo.ufs'), { hash: false });
    const r = await bootWithQemuLoader({ kernel: TESTKERNEL.unix, append: '-B console=ttya', modules: [{ path: join(out, 'demo.ufs'), args: 'type=rootfs' }], logFile: join(out, 'qemu-kernel.log') });
    expect(r.exitCode, r.log).toBe(TESTKERNEL_EXIT_OK);
    const ufs = r.report.modules[0].ufs!;
    expect(ufs.stateOk).toBe(true);
    expect(ufs.complete).toBe(true);
    const names = ufs.rootEntries.map((e) => e.name).filter((n) => n !== '.' && n !== '..').sort();
    expect(names).toEqual(top);
    // The inode numbers the kernel read are the ones our reader finds.
    for (const e of ufs.rootEntries.filter((x) => x.name !== '.' && x.name !== '..')) expect(e.ino, e.name).toBe(listing.find((l) => l.path === e.name)!.ino);
  });

  it('compose inspect lists the image like the manifest and its checker flags a corrupted copy', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'demo.manifest.json'), 'utf8'));
    const r = await runCli(['inspect', '--json', join(out, 'demo.ufs')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.check.ok).toBe(true);
    const listed = new Map(j.entries.map((e: { path: string; sha256?: string }) => [e.path, e]));
    for (const m of manifest.entries.filter((e: { type: string }) => e.type === 'file')) expect((listed.get(m.path) as { sha256?: string })?.sha256, m.path).toBe(m.sha256);
    // Flip one byte of cylinder group 0's header (at frag 24): the checker must notice.
    const bad = join(await tempDir(), 'bad.ufs');
    const img = await readFile(join(out, 'demo.ufs'));
    img[24 * 1024 + 300] ^= 0xff;
    await writeFile(bad, img);
    const c = await runCli(['inspect', '--check-only', bad]);
    expect(c.exitCode).toBe(1);
    expect(c.stderr).toMatch(/is not consistent: cg 0/);
    // A truncated image: the listing cannot be read, but the checker's findings are reported.
    const cut = join(await tempDir(), 'cut.ufs');
    await writeFile(cut, (await readFile(join(out, 'demo.ufs'))).subarray(0, 2 << 20));
    const t = await runCli(['inspect', cut]);
    expect(t.exitCode).toBe(1);
    expect(t.stdout).toMatch(/check: \d+ problem/);
    const d = await runCli(['inspect', await tempDir()]);
    expect(d.exitCode).toBe(3);
    expect(d.stderr).toMatch(/is not a file/);
  });

  it.each([
    ['bios', 'cdrom'],
    ['bios', 'disk'],
    ['uefi', 'cdrom'],
    ['uefi', 'disk'],
  ])('boots under %s as a %s, and the kernel saw our boot_archive and root directory', async (firmware, as) => {
    const log = join(out, `boot-${firmware}-${as}.log`);
    const r = await runCli(['boot-test', join(out, 'demo.iso'), '--firmware', firmware, '--as', as, '--timeout', '120', '--log', log, '--check-archive', join(out, 'demo.boot_archive'), '--check-manifest', join(out, 'demo.manifest.json'), '--json']);
    const v = JSON.parse(r.stdout);
    expect(v.verdict, `${v.reason}\n${r.stderr}`).toBe('pass');
    expect(r.exitCode).toBe(0);
    expect(v.log).toBe(log);
    expect(v.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['archive-size', true],
      ['archive-crc32', true],
      ['archive-fs', true],
      ['manifest-count', true],
      ['manifest-names', true],
    ]);
    const rootfs = v.kernel.modules.find((m: { string: string }) => m.string.includes('type=rootfs'));
    expect(rootfs.string).toContain('/platform/i86pc/amd64/boot_archive');
    expect(rootfs.ufs.stateOk).toBe(true);
    expect(v.kernel.cmdline).toContain('/platform/i86pc/kernel/amd64/unix');
    expect(v.kernel.cmdline).toContain('console=ttya');
    expect(v.kernel.modules.some((m: { string: string }) => m.string.includes('type=hash'))).toBe(true);
  });

  it('fails, within the timeout, to boot an ISO whose boot_archive was truncated', async () => {
    const work = await tempDir();
    const archive = join(out, 'demo.boot_archive');
    const truncated = join(work, 'boot_archive');
    const full = await readFile(archive);
    await writeFile(truncated, full.subarray(0, Math.floor(full.length / 3)));
    await copyFile(`${archive}.hash`, `${truncated}.hash`);
    const sha1 = (await readFile(`${archive}.hash`, 'utf8')).trim();
    const tree = await readDirTree(join(ws, 'proto/root_i386'), { origin: 'proto', mtime: 1767225600 });
    const iso = join(work, 'broken.iso');
    await buildIso({ tree, archive: { path: truncated, hashPath: `${truncated}.hash`, sha1 }, profile: resolveProfile(join(ws, 'demo.yaml')), bootloader: 'grub2', outPath: iso, epoch: 1767225600 });
    const started = Date.now();
    const r = await runCli(['boot-test', iso, '--profile', 'demo', '--timeout', '20', '--check-archive', archive, '--json']);
    const v = JSON.parse(r.stdout);
    expect(r.exitCode).toBe(1);
    expect(['fail', 'timeout']).toContain(v.verdict);
    expect(Date.now() - started).toBeLessThan(40_000);
    // Nothing of QEMU is left behind.
    const ps = await execa('pgrep', ['-f', iso], { reject: false });
    expect(ps.stdout.trim()).toBe('');
  });
});
