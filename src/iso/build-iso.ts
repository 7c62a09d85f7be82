import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeAtomically } from '../util/atomic.js';
import { InputError, UsageError } from '../util/errors.js';
import { silentReporter } from '../util/progress.js';
import type { Backend } from './backends/backend.js';
import { grub2Backend } from './backends/grub2.js';
import { grubLegacyBackend } from './backends/grub-legacy.js';
import { loaderBackend } from './backends/loader.js';
import { bootSettingsFor } from './boot-settings.js';
import { kernelArgWords, type ArchivePlacement, type BootSettings } from './configs.js';
import { IsoRoot } from './iso-root.js';
import { requireTool } from './tools.js';
import { KERNEL_PATH, resolveBootloader } from './pick.js';
import type { Bootloader, BuildIsoOptions, BuildIsoResult } from './types.js';
import { commonMkisofsArgs, grubIsoUuid, isoModificationDate, readBootCatalog, runMkisofs } from './xorriso.js';

export const BACKENDS: Record<Bootloader, Backend> = {
  loader: loaderBackend,
  'grub-legacy': grubLegacyBackend,
  grub2: grub2Backend,
};

/** ISO 9660 volume ids: up to 32 d-characters; xorriso would silently cut longer ones. */
function checkVolumeId(id: string): string {
  if (id.length === 0 || id.length > 32 || !/^[\x20-\x7e]+$/.test(id)) throw new UsageError(`volume id "${id}" must be 1 to 32 printable ASCII characters`);
  return id;
}

/** The archive and its hash must exist and agree: a mismatch would only show as a panic at boot. */
async function checkArchive(archive: BuildIsoOptions['archive']): Promise<void> {
  if (!/^[0-9a-f]{40}$/.test(archive.sha1)) throw new Error(`archive sha1 "${archive.sha1}" is not 40 lowercase hex digits`);
  const isFile = await stat(archive.path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) throw new InputError(`the boot archive ${archive.path} does not exist or is not a file`);
  const hash = await readFile(archive.hashPath, 'utf8').catch(() => undefined);
  if (hash !== `${archive.sha1}\n`) throw new InputError(`${archive.hashPath} should hold the archive's SHA-1 ${archive.sha1} and a newline, but ${hash === undefined ? 'cannot be read' : 'does not'}`);
}

/**
 * Write a bootable ISO: the staged tree's boot/ (for the illumos loader or GRUB legacy) or GRUB 2
 * images, the kernel, the boot archive and its hash, and the boot loader's configuration for the
 * profile. Nothing else goes on it: the rest of the system lives inside the boot archive.
 * Byte-identical output for the same inputs and epoch.
 */
export async function buildIso(opts: BuildIsoOptions): Promise<BuildIsoResult> {
  const reporter = opts.reporter ?? silentReporter;
  const volumeId = checkVolumeId(opts.volumeId ?? 'illumos');
  if (!Number.isInteger(opts.epoch) || opts.epoch < 0 || opts.epoch > 0x7fffffff) throw new UsageError(`epoch ${opts.epoch} is not a whole number of seconds between 0 and 2147483647`);
  await checkArchive(opts.archive);
  await requireTool('xorriso', 'to write the ISO');
  const { bootloader, picked } = resolveBootloader(opts.tree, opts.bootloader);
  const backend = BACKENDS[bootloader];
  const format = opts.archive.format ?? 'ufs';
  reporter.note(`ISO: boot loader ${bootloader} (${picked})`);
  if (format === 'cpio') reporter.warn('a cpio boot archive cannot be mounted as the root file system; this ISO boots only if the kernel arguments point root elsewhere');
  const { profile } = opts;
  if (bootloader === 'grub2' && kernelArgWords(profile.boot.kernelArgs).some((w) => /["'\\]/.test(w))) {
    reporter.warn('GRUB 2 backslash-escapes quotes and backslashes on the kernel command line, so the kernel receives them literally');
  }

  const boot: BootSettings = await bootSettingsFor(opts.tree, profile);
  const archive: ArchivePlacement = {
    path: `/${backend.archivePath}`,
    hashPath: backend.loadsHash ? `/${backend.archivePath}.hash` : null,
    format,
  };
  const seed = `${volumeId}\0${opts.epoch}\0${opts.archive.sha1}\0${bootloader}`;
  // The centiseconds of the volume date vary with the archive, so images of the same epoch get
  // different GRUB file-system UUIDs.
  const modificationDate = isoModificationDate(opts.epoch, parseInt(opts.archive.sha1.slice(0, 8), 16) % 100);

  // xorriso runs in the work directory, so every host path it sees must be absolute.
  const outPath = resolve(opts.outPath);
  const base = resolve(opts.workDir ?? tmpdir());
  await mkdir(base, { recursive: true });
  const work = await mkdtemp(join(base, 'compose-iso-'));
  try {
    const scratch = join(work, 'scratch');
    const root = new IsoRoot(join(work, 'root'), reporter);
    await mkdir(scratch);
    await mkdir(root.dir);

    await root.putStagedFile(opts.tree, KERNEL_PATH, KERNEL_PATH);
    await root.graft(backend.archivePath, resolve(opts.archive.path));
    await root.graft(`${backend.archivePath}.hash`, resolve(opts.archive.hashPath));
    const plan = await backend.prepare({
      tree: opts.tree,
      root,
      boot,
      archive,
      epoch: opts.epoch,
      volumeId,
      isoUuid: grubIsoUuid(modificationDate),
      seed,
      scratch,
      reporter,
    });
    await root.pinTimestamps(opts.epoch);
    const files = await root.files();

    await mkdir(dirname(outPath), { recursive: true });
    const bootCatalog = await writeAtomically(outPath, async (tmp) => {
      const args = [...commonMkisofsArgs({ out: tmp, volumeId, epoch: opts.epoch, modificationDate }), ...plan.mkisofsBootArgs, '-graft-points', ...root.graftPoints()];
      reporter.note(`ISO: writing ${outPath}`);
      await runMkisofs(args, opts.epoch, work);
      if (plan.finish) await plan.finish(tmp, await readBootCatalog(tmp));
      return readBootCatalog(tmp);
    });
    const { size } = await stat(outPath);
    return { bootloader, picked, path: outPath, bytes: size, bootCatalog, files, bootsAs: plan.bootsAs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
