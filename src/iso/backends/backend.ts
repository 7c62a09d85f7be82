import type { StagedTree } from '../../stage/tree.js';
import type { Reporter } from '../../util/progress.js';
import type { ArchivePlacement, BootSettings } from '../configs.js';
import type { IsoRoot } from '../iso-root.js';
import type { BootCatalog, BuildIsoResult } from '../types.js';

/** What a backend gets to lay out its part of the ISO. */
export interface BackendContext {
  tree: StagedTree;
  root: IsoRoot;
  boot: BootSettings;
  /** ISO paths of the archive and its hash (already placed by buildIso). */
  archive: ArchivePlacement;
  epoch: number;
  volumeId: string;
  /** GRUB's name for this ISO's file system (from its modification date). */
  isoUuid: string;
  /** A string unique to this image's inputs, for ids that must be fixed but distinct. */
  seed: string;
  /** Scratch directory outside the ISO root. */
  scratch: string;
  reporter: Reporter;
}

export interface BackendPlan {
  /** The El Torito (and system area) options for `xorriso -as mkisofs`. */
  mkisofsBootArgs: string[];
  /** Work on the written ISO before it is renamed into place (e.g. the illumos hybrid MBR). */
  finish?: (iso: string, catalog: BootCatalog) => Promise<void>;
  bootsAs: BuildIsoResult['bootsAs'];
}

export interface Backend {
  /** Where this boot loader expects the boot archive, as an image path. */
  archivePath: string;
  /** Whether the hash module is loaded (GRUB-era kernels predate it). */
  loadsHash: boolean;
  prepare(ctx: BackendContext): Promise<BackendPlan>;
}

/** Write a generated file into the ISO root, telling the user when it replaces one from the proto. */
export async function writeGenerated(ctx: BackendContext, isoPath: string, data: string | Buffer, why: string): Promise<void> {
  if (await ctx.root.writeFile(isoPath, data)) ctx.reporter.note(`ISO: ${isoPath} from the staged tree is replaced by ${why}`);
}
