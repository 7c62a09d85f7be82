import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Profile } from '../profile/schema.js';
import type { StagedTree } from '../stage/tree.js';
import { InputError, UsageError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { bootSettingsFor } from '../iso/boot-settings.js';
import { bootConfig, grubCfg, loaderConf, type ArchivePlacement } from '../iso/configs.js';
import { makeGrubImage } from '../iso/grub-image.js';
import { IsoRoot, writeStagedContent } from '../iso/iso-root.js';
import { KERNEL_PATH, stagedFile } from '../iso/pick.js';
import { ARCHIVE_PLACEMENT } from '../archive/boot-archive.js';
import type { ArchiveFormat, BootloaderChoice } from '../iso/types.js';
import { dhcpReadme, PXE_INFO_FILE, type PxeInfo } from './pxe-info.js';

// A network boot tree: what a TFTP (or HTTP) server hands a machine that boots from the network.
// The network boot program (NBP) the DHCP server names is, per firmware:
// - the illumos loader, when the proto has it: boot/pxeboot (BIOS) and boot/loader64.efi (UEFI).
//   With no DHCP root-path, the loader reads the rest of boot/, the kernel and the archive by TFTP
//   from the server that gave it (usr/src/boot/sys/boot/common/dev_net.c, net_parse_rootpath);
// - otherwise the build host's GRUB 2: boot/grub/i386-pc/core.0 (pxeboot.img + core, BIOS) and
//   boot/grub/x86_64-efi/core.efi (UEFI), with grub.cfg beside them; GRUB takes its prefix, and
//   every file after it, from the TFTP server it was loaded from.
// The kernel, the archive and its hash sit where the ISO has them, so one grub.cfg (and one
// loader.conf) serves all media.

export type PxeLoader = 'loader' | 'grub2';

export interface PxeTreeOptions {
  tree: StagedTree;
  profile: Profile;
  archive: { path: string; hashPath: string; sha1: string; format: ArchiveFormat };
  /** The directory to create (it must not exist; the caller publishes it). */
  outPath: string;
  bootloader?: BootloaderChoice;
  epoch: number;
  reporter: Reporter;
}

export interface PxeTreeResult {
  path: string;
  loader: PxeLoader;
  /** The boot file to name in DHCP, per firmware, relative to the tree. */
  bootFiles: PxeInfo['bootFiles'];
  files: string[];
}

const LOADER_NBP = { bios: 'boot/pxeboot', uefi: 'boot/loader64.efi' } as const;
const GRUB_NBP = { bios: 'boot/grub/i386-pc/core.0', uefi: 'boot/grub/x86_64-efi/core.efi' } as const;

/** The loader for a network boot: the illumos loader when the proto has its NBPs, else GRUB 2. */
// Stryker disable next-line StringLiteral: the default is never compared with 'auto'; any value other than the three named choices means auto
export function pickPxeLoader(tree: StagedTree, choice: BootloaderChoice = 'auto'): { loader: PxeLoader; why: string } {
  const hasLoader = stagedFile(tree, LOADER_NBP.bios) !== undefined && stagedFile(tree, LOADER_NBP.uefi) !== undefined;
  if (choice === 'grub-legacy') throw new UsageError('--format pxe boots with the illumos loader or GRUB 2, not GRUB legacy; use --bootloader auto, loader or grub2');
  if (choice === 'grub2') return { loader: 'grub2', why: '--bootloader grub2' };
  if (choice === 'loader' && !hasLoader) throw new InputError(`--bootloader loader needs ${LOADER_NBP.bios} and ${LOADER_NBP.uefi} in the staged tree for a network boot, and they are missing; keep them (the illumos loader package) or use --bootloader grub2`);
  if (hasLoader) return { loader: 'loader', why: `the staged tree has ${LOADER_NBP.bios} and ${LOADER_NBP.uefi}: the illumos loader` };
  return { loader: 'grub2', why: `the staged tree has no ${LOADER_NBP.bios} and ${LOADER_NBP.uefi}: the build host's GRUB 2` };
}

/** Put a file that exists on the host into the tree: a hard link when possible (it is large), else a copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await link(from, to).catch(() => copyFile(from, to));
}

/** Write the PXE tree at opts.outPath. */
export async function buildPxeTree(opts: PxeTreeOptions): Promise<PxeTreeResult> {
  const { tree, profile, reporter } = opts;
  const { loader, why } = pickPxeLoader(tree, opts.bootloader);
  reporter.note(`PXE: ${why}`);
  if (opts.archive.format === 'cpio') reporter.warn('a cpio boot archive cannot be mounted as the root file system; this tree boots only if the kernel arguments point root elsewhere');
  const boot = await bootSettingsFor(tree, profile);
  const archive: ArchivePlacement = { path: `/${ARCHIVE_PLACEMENT.loader}`, hashPath: `/${ARCHIVE_PLACEMENT.loader}.hash`, format: opts.archive.format };
  await mkdir(opts.outPath);
  const root = new IsoRoot(opts.outPath, reporter);
  try {
    // Copied (IsoRoot's putStagedFile would only note a host file for xorriso to graft).
    const kernel = stagedFile(tree, KERNEL_PATH);
    if (!kernel) throw new InputError(`a PXE tree needs ${KERNEL_PATH} in the staged tree, but it is missing; check the proto area`);
    await mkdir(dirname(root.hostPath(KERNEL_PATH)), { recursive: true });
    await writeStagedContent(kernel, root.hostPath(KERNEL_PATH));
    await linkOrCopy(opts.archive.path, root.hostPath(ARCHIVE_PLACEMENT.loader));
    await linkOrCopy(opts.archive.hashPath, root.hostPath(`${ARCHIVE_PLACEMENT.loader}.hash`));
    let bootFiles: PxeInfo['bootFiles'];
    if (loader === 'loader') {
      await root.copyStagedSubtree(tree, 'boot');
      await root.writeFile('boot/loader.conf', loaderConf(boot, archive));
      const config = bootConfig(boot.console);
      if (config !== null) await root.writeFile('boot/config', config);
      bootFiles = { ...LOADER_NBP };
    } else {
      await root.writeFile('boot/grub/grub.cfg', grubCfg(boot, archive));
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: boot/grub exists (grub.cfg was just written there) and i386-pc is new in a fresh tree, so recursive changes nothing
      await mkdir(root.hostPath('boot/grub/i386-pc'), { recursive: true });
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: boot/grub exists (grub.cfg was just written there) and x86_64-efi is new in a fresh tree, so recursive changes nothing
      await mkdir(root.hostPath('boot/grub/x86_64-efi'), { recursive: true });
      await makeGrubImage('i386-pc', root.hostPath(GRUB_NBP.bios), undefined, 'pxe');
      await makeGrubImage('x86_64-efi', root.hostPath(GRUB_NBP.uefi), undefined, 'pxe');
      bootFiles = { ...GRUB_NBP };
    }
    const info: PxeInfo = { profile: profile.name, loader, bootFiles, archive: ARCHIVE_PLACEMENT.loader, sha1: opts.archive.sha1 };
    await writeFile(root.hostPath(PXE_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
    await writeFile(root.hostPath('README'), dhcpReadme(info));
    await root.pinTimestamps(opts.epoch);
    return { path: opts.outPath, loader, bootFiles, files: await root.files() };
  } catch (err) {
    await rm(opts.outPath, { recursive: true, force: true });
    throw err;
  }
}
