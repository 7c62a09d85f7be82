// The PXE tree with the illumos loader (a proto whose boot/ has pxeboot and loader64.efi): the
// tree's layout and configuration, then real network boots with GRUB network images standing in
// for pxeboot and loader64.efi (no illumos loader binary can be built here). The stand-ins fetch
// boot/loader.conf, the kernel and the archive by TFTP from the paths the loader would use.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPxeTree, type PxeTreeResult } from '../../src/pxe/pxe-tree.js';
import { silentReporter } from '../../src/util/progress.js';
import type { StagedTree } from '../../src/stage/tree.js';
import { EPOCH, isoProfile, isoTempDir, makeNetLoaderStandins, makeTestArchive, stageIsoTree } from '../support/iso.js';
import { TESTKERNEL } from '../support/paths.js';
import { runCli } from '../support/cli.js';

let work: string;
let archive: Awaited<ReturnType<typeof makeTestArchive>>;
const profile = isoProfile({ console: 'ttya' }, 'pureboot');

beforeAll(async () => {
  work = await isoTempDir();
  archive = await makeTestArchive(work, 256 * 1024);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Put a host file into the staged tree under `path` (as if the proto had it). */
async function putHost(tree: StagedTree, path: string, host: string): Promise<void> {
  tree.put({ path, type: 'file', mode: 0o444, uid: 0, gid: 0, mtime: EPOCH, size: (await readFile(host)).length, source: { kind: 'host', path: host, origin: 'proto' } });
}

const build = async (tree: StagedTree, name: string): Promise<PxeTreeResult> =>
  buildPxeTree({ tree, profile, archive: { ...archive, format: 'ufs' }, outPath: join(work, name), epoch: EPOCH, reporter: silentReporter });

describe('PXE tree with the illumos loader', () => {
  it('serves boot/ from the proto with pxeboot and loader64.efi as the boot files, loader.conf pointing at the archive', async () => {
    const pxeboot = join(work, 'pxeboot.bin');
    await writeFile(pxeboot, Buffer.from('PXEBOOT-STANDIN'));
    const tree = await stageIsoTree('loader', TESTKERNEL.unix);
    await putHost(tree, 'boot/pxeboot', pxeboot);
    const r = await build(tree, 'plain.pxe');
    expect(r.loader).toBe('loader');
    expect(r.bootFiles).toEqual({ bios: 'boot/pxeboot', uefi: 'boot/loader64.efi' });
    for (const f of ['boot/pxeboot', 'boot/loader64.efi', 'boot/loader', 'boot/defaults/loader.conf', 'boot/forth/loader.4th', 'boot/loader.conf', 'boot/config', 'platform/i86pc/kernel/amd64/unix', 'platform/i86pc/amd64/boot_archive', 'platform/i86pc/amd64/boot_archive.hash', 'pxe.json', 'README']) {
      expect(r.files, f).toContain(f);
    }
    expect(r.files.some((f) => f.startsWith('boot/grub/'))).toBe(false);
    expect(await readFile(join(r.path, 'boot/pxeboot'), 'utf8')).toBe('PXEBOOT-STANDIN');
    const conf = await readFile(join(r.path, 'boot/loader.conf'), 'utf8');
    expect(conf).toMatch(/boot_archive_load="YES"/);
    expect(conf).toMatch(/boot_archive_name="\/platform\/i86pc\/amd64\/boot_archive"/);
    expect(JSON.parse(await readFile(join(r.path, 'pxe.json'), 'utf8'))).toMatchObject({ loader: 'loader', bootFiles: { bios: 'boot/pxeboot', uefi: 'boot/loader64.efi' } });
    expect(await readFile(join(r.path, 'README'), 'utf8')).toMatch(/dhcp-boot=tag:!efi64,boot\/pxeboot/);
  });

  it('without pxeboot in the proto, auto falls back to GRUB 2, and --bootloader loader says what is missing', async () => {
    const tree = await stageIsoTree('loader', TESTKERNEL.unix);
    expect((await build(tree, 'grub.pxe')).loader).toBe('grub2');
    await expect(buildPxeTree({ tree, profile, archive: { ...archive, format: 'ufs' }, outPath: join(work, 'refused.pxe'), bootloader: 'loader', epoch: EPOCH, reporter: silentReporter })).rejects.toThrow(
      /--bootloader loader needs boot\/pxeboot and boot\/loader64\.efi/,
    );
    expect(existsSync(join(work, 'refused.pxe'))).toBe(false);
  });
});

describe('PXE tree with the illumos loader boots over QEMU\'s TFTP (GRUB stand-ins for pxeboot and loader64.efi)', () => {
  let tree: string;

  beforeAll(async () => {
    const { pxeboot, loader64 } = await makeNetLoaderStandins(work);
    const staged = await stageIsoTree('loader', TESTKERNEL.unix);
    await putHost(staged, 'boot/pxeboot', pxeboot);
    await putHost(staged, 'boot/loader64.efi', loader64);
    tree = (await build(staged, 'standins.pxe')).path;
  });

  for (const firmware of ['bios', 'uefi'] as const) {
    it(firmware, async () => {
      const r = await runCli(['boot-test', '--pxe', tree, '--firmware', firmware, '--json', '-q', '--timeout', '150', '--expect', `STANDIN-LOADER ${firmware === 'bios' ? 'pc' : 'efi'}`, '--expect', '^boot_archive_name="/platform/i86pc/amd64/boot_archive"', '--expect', '^CMDLINE /platform/i86pc/kernel/amd64/unix -B standin=pxe$', '--expect', 'TESTKERNEL DONE']);
      const j = JSON.parse(r.stdout || '{}');
      expect(j.verdict, `${j.reason}\n${r.stderr}`).toBe('pass');
      expect(j.as).toBe('pxe');
    }, 200_000);
  }
});
