import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OutputSet } from './output-set.js';
import { Timings } from '../util/timings.js';
import { classifySystemError } from '../util/fs-errors.js';
import type { Profile } from '../profile/schema.js';
import { writeDir } from '../emit/dir.js';
import { hashTree, manifestOf, writeManifest, type ManifestStream } from '../emit/manifest.js';
import { writeTar } from '../emit/tar.js';
import { readManifestFile } from '../report/manifest-file.js';
import { NotSorted, summarizeAgainstPrevious, summarizeStreams } from '../report/summary.js';
import { NotStreamable, streamManifestFile } from '../report/manifest-stream.js';
import { existsSync, statSync } from 'node:fs';
import type { SmfBuildOptions } from '../smf/options.js';
import { emitBootArchive, emitBootMedia, type BootArchiveOutputs, type BootMediaOutputs, type BootOutputs, type DiskRequest } from './emit-boot.js';
import type { BootloaderChoice } from '../iso/index.js';
import type { Reporter } from '../util/progress.js';
import { InputError, UsageError } from '../util/errors.js';
import { runBootCheck } from '../check/run-check.js';
import { loaderFileFindings } from '../check/loader-files.js';
import { pickPxeLoader } from '../pxe/pxe-tree.js';
import { fatalSummary, isFatal, type CheckReport } from '../check/findings.js';
import { composeTree, type ComposedTree } from './compose-tree.js';
import { BOOT_MEDIA, type Format } from './formats.js';
import { summarizeTree, type TreeSummary } from './summary.js';
import { BuildCache } from '../cache/build-cache.js';
import { applyFileHashes, rememberFileHashes } from '../cache/file-hashes.js';
import { previousChunks, rememberChunks } from '../cache/archive-index.js';
import { gzipIdentity } from '../archive/boot-archive.js';
import { trampolineMethod } from '../overlay/trampoline.js';

export interface BuildOptions extends SmfBuildOptions {
  adjuncts?: string[];
  proto: string;
  profile: Profile;
  out: string;
  formats: Format[];
  stateFrom?: string;
  manifests?: string;
  noManifests?: boolean;
  defines?: Record<string, string>;
  /** Build even when the boot check finds the image would not boot. */
  noCheck?: boolean;
  testMode?: boolean;
  reportUnused?: boolean;
  bootloader?: BootloaderChoice;
  epoch?: number;
  /** gzip level of the boot_archive, over the profile's archive.gzip_level. */
  gzipLevel?: number;
  /** The build cache's directory (default <out>/.compose-cache), or false for a cold build. */
  cache?: string | false;
  /** --format disk: the image's format, size and data partition. */
  disk?: DiskRequest;
  reporter: Reporter;
}

export interface BuildOutput {
  format: Format | 'manifest' | 'boot_archive' | 'boot_archive.hash';
  path: string;
}

export interface BuildResult {
  profile: string;
  proto: string;
  outputs: BuildOutput[];
  summary: TreeSummary;
  /** The UFS (or module archive) image, the compressed boot_archive and the ISO, when built. */
  boot?: {
    imageBytes: number;
    archiveFormat: string;
    /** The boot_archive (--format archive or iso): its size, the SHA-1 of the image, the compressor. */
    archiveBytes?: number;
    sha1?: string;
    gzip?: string;
    /** The archive's independently compressed chunks, and how many were reused from the previous build. */
    chunks?: number;
    reusedChunks?: number;
    ufs?: { ncg: number; inodesUsed: number; inodesTotal: number; freeBytes: number };
    iso?: { bootloader: string; picked: string; bytes: number; bootsAs: Record<string, boolean> };
    pxe?: { loader: string; bootFiles: { bios: string; uefi: string } };
    disk?: { format: string; diskBytes: number; fileBytes: number; partitions: Array<{ number: number; name: string; startLba: number; sectors: number }> };
  };
  /** The package manifests used (none without a workspace or --manifests), and whether the build cache gave them. */
  manifests?: { dir: string; packages: number; actions: number; fromCache: boolean; defined: Record<string, string>; inferred: Record<string, string> };
  /** How this build differs from the previous one in the same output directory. */
  change: string;
  /** The boot check of the composed tree. */
  check: CheckReport;
  /** Milliseconds per stage (stage, check, tar, ufs, archive, iso, hash, manifest, publish). */
  timings: Record<string, number>;
  notes: string[];
}

export function protoLabel(c: ComposedTree): string {
  return c.input.kind === 'dir' ? c.input.root : c.input.file;
}

/** Compose the tree and write every requested output plus the manifest. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  const { reporter, profile } = opts;
  const outDir = resolve(opts.out);
  // Refuse what cannot work before any work (and without creating anything yet).
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`-o ${opts.out} exists and is not a directory; pick another output directory`);
  if (opts.formats.includes('ufs') && opts.profile.archive.format !== 'ufs') {
    throw new UsageError(`--format ufs writes a UFS image, but profile ${opts.profile.name} sets archive.format ${opts.profile.archive.format}; drop ufs from --format or use archive.format ufs`);
  }
  const timings = new Timings();
  const startedMs = Date.now();
  // Read now, created only once the build writes (a refused build leaves no -o behind).
  const cacheAt = BuildCache.at(outDir, opts.cache);
  const composed = await timings.time('stage', () => composeTree({ ...opts, outDir, buildCache: cacheAt, timings }));
  const { tree } = composed;
  // The boot check runs before anything is written: an image that would not boot is never made.
  const check = await timings.time('check', () => checkComposed(composed, profile, { pxe: opts.formats.includes('pxe') ? (opts.bootloader ?? 'auto') : undefined }));
  reportCheck(check, reporter, !!opts.noCheck);

  // Every output is written into a staging directory inside -o and published with the others
  // only when all of them are done (output-set.ts).
  const set = await OutputSet.open(outDir, opts.out);
  try {
    const cache = cacheAt?.create() ? cacheAt : undefined;
    const cachedHashes = await timings.time('cache', () => applyFileHashes(cache, outDir, tree));
    const classify = (e: unknown): never => {
      throw classifySystemError(e, opts.out) ?? e;
    };
    const staged = await writeOutputs(opts, composed, set.staging, timings, cache, outDir).catch(classify);
    // The media (xorriso's run, mostly) are made while this thread writes the manifest and the
    // change report, which need neither; both are done before anything is published.
    const media = staged.media?.catch(classify);
    // Awaited below; a failure while the manifest is written must not count as unhandled.
    media?.catch(() => undefined);
    let change: string;
    try {
      // The emitters hashed what they read; what none read (a reflinked dir output) is hashed now.
      await timings.time('hash', () => hashTree(tree, reporter));
      await timings.time('cache', () => rememberFileHashes(cache, outDir, tree, startedMs));
      if (cachedHashes) staged.notes.push(`cache: ${cachedHashes} file hash(es) reused`);
      const manifest = manifestOf(tree, profile.name, protoLabel(composed));
      await timings.time('manifest', () => writeManifest(set.path(`${profile.name}.manifest.json`), manifest));
      // Compared with the previous build's manifest before publishing replaces it.
      const previousManifest = join(outDir, `${profile.name}.manifest.json`);
      change = await timings.time('report', () => changeSincePrevious(existsSync(previousManifest) ? previousManifest : undefined, manifest));
    } catch (e) {
      // Nothing may still be writing into the staging directory when it is removed.
      await media?.catch(() => undefined);
      throw e;
    }
    if (media) {
      const made = await media;
      staged.outputs.push(...mediaOutputs(made));
      staged.boot = { ...staged.boot!, ...made };
    }
    staged.outputs.push({ format: 'manifest', path: set.path(`${profile.name}.manifest.json`) });

    const removed = await timings.time('publish', () => set.publish(outputNames(profile.name).filter((n) => !staged.outputs.some((o) => basename(o.path) === n))));
    cache?.flush();
    if (removed.length) staged.notes.push(`removed what an earlier build wrote and this one does not: ${removed.join(', ')}`);
    const outputs = staged.outputs.map((o) => ({ ...o, path: join(outDir, basename(o.path)) }));
    const boot = staged.boot;
    const bootSummary: BuildResult['boot'] = boot && {
      imageBytes: boot.imageBytes,
      archiveFormat: profile.archive.format,
      archiveBytes: boot.archive?.archiveBytes,
      sha1: boot.archive?.sha1,
      gzip: boot.archive?.gzip,
      chunks: boot.archive?.chunks.length,
      reusedChunks: boot.archive?.reusedChunks,
      ufs: boot.ufs && { ncg: boot.ufs.ncg, inodesUsed: boot.ufs.inodesUsed, inodesTotal: boot.ufs.inodesTotal, freeBytes: boot.ufs.freeBytes },
      iso: boot.iso && { bootloader: boot.iso.bootloader, picked: boot.iso.picked, bytes: boot.iso.bytes, bootsAs: boot.iso.bootsAs },
      pxe: boot.pxe && { loader: boot.pxe.loader, bootFiles: boot.pxe.bootFiles },
      disk: boot.disk && {
        format: boot.disk.format,
        diskBytes: boot.disk.diskBytes,
        fileBytes: boot.disk.fileBytes,
        partitions: boot.disk.layout.partitions.map((p) => ({ number: p.number, name: p.name, startLba: p.startLba, sectors: p.sectors })),
      },
    };
    // Since the process started: Node's start-up and module loading included.
    timings.add('total', performance.now() - timings.of('total'));
    const m = composed.manifests;
    const manifests = m && { dir: m.dir, packages: m.packages, actions: m.actions, fromCache: m.fromCache, defined: m.macros.defined, inferred: Object.fromEntries(m.macros.inferred.map((i) => [i.name, i.value])) };
    if (m?.fromCache) staged.notes.push(`cache: ${m.packages} parsed package manifests reused`);
    return { profile: profile.name, proto: protoLabel(composed), outputs, summary: summarizeTree(tree), boot: bootSummary, manifests, change, check, notes: staged.notes, timings: timings.ms };
  } finally {
    await set.close();
  }
}

/**
 * How this build differs from the previous one in the same -o: both manifests read an entry at a
 * time; a previous manifest in another layout or order is read whole; an unreadable one is ignored.
 */
async function changeSincePrevious(previousFile: string | undefined, next: ManifestStream): Promise<string> {
  if (previousFile) {
    try {
      const stream = streamManifestFile(previousFile);
      if (stream) return summarizeStreams(stream, next);
    } catch (e) {
      if (!(e instanceof NotStreamable) && !(e instanceof NotSorted)) {
        if ((e as NodeJS.ErrnoException).code) return summarizeStreams(undefined, next);
        throw e;
      }
    }
    const whole = await readManifestFile(previousFile).catch(() => undefined);
    if (whole) return summarizeAgainstPrevious(whole, { ...next, entries: [...next.entries] });
  }
  return summarizeStreams(undefined, next);
}

/** Every output name a build of this profile can write (what a rebuild with fewer formats removes). */
export function outputNames(profile: string): string[] {
  return ['manifest.json', 'tar', 'root', 'ufs', 'boot_archive', 'boot_archive.hash', 'iso', 'pxe', 'img', 'qcow2', 'vmdk', 'vdi'].map((ext) => `${profile}.${ext}`);
}

/** The outputs the media steps wrote. */
function mediaOutputs(m: BootMediaOutputs): BuildOutput[] {
  const outputs: BuildOutput[] = [];
  if (m.iso) outputs.push({ format: 'iso', path: m.iso.path });
  if (m.pxe) outputs.push({ format: 'pxe', path: m.pxe.path });
  if (m.disk) outputs.push({ format: 'disk', path: m.disk.path });
  return outputs;
}

/**
 * Write the requested formats into `dir` (the staging directory): the tree's own formats and the
 * boot archive now, the media from it started and handed back as `media`.
 */
async function writeOutputs(opts: BuildOptions, composed: ComposedTree, dir: string, timings: Timings, cache: BuildCache | undefined, outDir: string): Promise<{ outputs: BuildOutput[]; notes: string[]; boot?: BootOutputs; media?: Promise<BootMediaOutputs> }> {
  const { tree } = composed;
  const { profile, reporter } = opts;
  const outputs: BuildOutput[] = [];
  const notes: string[] = [];
  for (const format of opts.formats) {
    if (format === 'dir') {
      const path = join(dir, `${profile.name}.root`);
      const r = await timings.time('dir', () => writeDir(tree, path, reporter));
      if (r.skippedDevices.length) notes.push(`${r.skippedDevices.length} device node(s) are in the manifest but not in ${basename(path)}: creating them needs root`);
      outputs.push({ format, path });
    } else if (format === 'tar') {
      const path = join(dir, `${profile.name}.tar`);
      await timings.time('tar', () => writeTar(tree, path, reporter));
      outputs.push({ format, path });
    }
  }
  let boot: BootArchiveOutputs | undefined;
  let media: Promise<BootMediaOutputs> | undefined;
  if (opts.formats.some((f) => f === 'ufs' || f === 'archive' || BOOT_MEDIA.includes(f))) {
    const gzipLevel = opts.gzipLevel ?? profile.archive.gzipLevel;
    // The published archive of the previous build is where unchanged chunks are copied from.
    const published = join(outDir, `${profile.name}.boot_archive`);
    const request = {
      gzipLevel,
      previous: previousChunks(cache, published, gzipIdentity(gzipLevel)),
      tree,
      profile,
      outDir: dir,
      keepImage: opts.formats.includes('ufs'),
      archive: opts.formats.includes('archive'),
      iso: opts.formats.includes('iso'),
      pxe: opts.formats.includes('pxe'),
      disk: opts.formats.includes('disk') ? (opts.disk ?? { format: 'raw', dataPartition: false }) : undefined,
      bootloader: opts.bootloader,
      time: opts.epoch ?? Math.floor(Date.now() / 1000),
      reporter,
      timings,
    };
    boot = await emitBootArchive(request);
    if (boot.image) outputs.push({ format: 'ufs', path: boot.image.path });
    if (boot.archive) {
      // Indexed now, under the name it will be published as: publishing renames it, which keeps
      // the inode and modification time the index identifies it by.
      rememberChunks(cache, published, boot.archive.archive, boot.archive.gzip, boot.archive.chunks);
      if (boot.archive.reusedChunks) notes.push(`cache: ${boot.archive.reusedChunks} of ${boot.archive.chunks.length} boot_archive chunks reused`);
      outputs.push({ format: 'boot_archive', path: boot.archive.archive }, { format: 'boot_archive.hash', path: boot.archive.hashFile });
    }
    // Last: nothing here may fail once the media are being written.
    media = emitBootMedia(request, boot);
  }
  return { outputs, notes, boot, media };
}

/** The boot check of a composed tree, with the profile's console (and, for a PXE tree, the files its loader fetches). */
export async function checkComposed(c: ComposedTree, profile: Profile, media: { pxe?: BootloaderChoice } = {}): Promise<CheckReport> {
  const mediaFindings = media.pxe !== undefined && pickPxeLoader(c.tree, media.pxe).loader === 'loader' ? await loaderFileFindings(c.tree) : [];
  return runBootCheck(c.tree, {
    mediaFindings,
    target: `the ${profile.name} image`,
    console: profile.boot.console,
    profile: profile.name,
    launcher: profile.init.mode === 'launcher',
    trampoline: profile.init.mode === 'trampoline' ? { method: trampolineMethod(profile) } : undefined,
  });
}

/** Print the check's findings; a fatal one stops the build unless --no-check. */
function reportCheck(check: CheckReport, reporter: Reporter, noCheck: boolean): void {
  for (const f of check.findings) {
    if (isFatal(f) && !noCheck) continue;
    const line = `boot check: ${f.severity}: ${f.message} (${f.source}); fix: ${f.fix}`;
    if (f.severity === 'note') reporter.note(line);
    else reporter.warn(line);
  }
  if (!check.bootable && !noCheck) {
    throw new InputError(`the image would not boot to a usable shell on an illumos kernel (nothing was written):\n${fatalSummary(check)}\nrun "compose check" for the whole report, or --no-check to build it anyway`);
  }
}
