import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BOOTENV_PATH, serialModeOf, speedOfMode } from '../overlay/bootenv.js';
import { composeTree, type ComposeTreeOptions } from '../pipeline/compose-tree.js';
import type { Manifest as ManifestFile } from '../emit/manifest.js';
import { readManifestFile } from '../report/manifest-file.js';
import { trampolineMethod } from '../overlay/trampoline.js';
import { readStagedText } from '../state/read-staged.js';
import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';
import { unpackArchiveFile, unpackIso } from './boot-media.js';
import type { ConsoleName } from './context.js';
import type { CheckReport, Finding } from './findings.js';
import { ufsImageTree } from './image-tree.js';
import { runBootCheck } from './run-check.js';

// What `compose check` can be pointed at: a proto area (composed with a profile, as a build
// would, then checked), a built UFS image, a boot_archive (gzip'd or not), an ISO (its loader
// configuration, hash and archive too), or a build's manifest (the image beside it, which must
// hold what the manifest lists).

export interface CheckTargetOptions extends Omit<ComposeTreeOptions, 'proto'> {
  /** The console the kernel will use, for images that do not say (a .ufs or a boot_archive). */
  console?: ConsoleName;
}

type Kind = 'proto' | 'iso' | 'ufs' | 'gzip' | 'manifest';

async function sniff(path: string): Promise<Kind> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InputError(`${path} does not exist; give a proto area, a .ufs image, a boot_archive, an .iso or a build's manifest.json`);
  if (st.isDirectory() || /\.(tar|tar\.gz|tgz)$/i.test(path)) return 'proto';
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(32774);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const b = buf.subarray(0, bytesRead);
    if (b.length >= 32774 && b.toString('latin1', 32769, 32774) === 'CD001') return 'iso';
    if (b.length >= 8192 + 1376 && b.readUInt32LE(8192 + 1372) === 0x011954) return 'ufs';
    if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (/^\s*\{/.test(b.toString('utf8', 0, Math.min(b.length, 64)))) return 'manifest';
  } finally {
    await fh.close();
  }
  throw new InputError(`${path} is neither a proto area, a Solaris UFS image, a gzip'd boot_archive, an ISO 9660 image nor a manifest.json (${st.size < 9568 ? 'it is too short to be an image' : 'no known signature'})`);
}

/** The serial speed the loader runs vs. the one the kernel will take: they must agree on a serial console. */
async function serialFinding(tree: StagedTree, console: ConsoleName, loaderSpeed: number | undefined, handedMode: string | undefined, config: string): Promise<Finding | undefined> {
  if (console === 'text' || loaderSpeed === undefined) return undefined;
  const kernelMode = handedMode ?? serialModeOf(await readStagedText(tree, BOOTENV_PATH), console);
  const kernelSpeed = speedOfMode(kernelMode);
  if (kernelSpeed === undefined || kernelSpeed === loaderSpeed) return undefined;
  return {
    step: 'console',
    severity: 'unusable',
    message: `${config} runs ${console} at ${loaderSpeed} baud, but the kernel sets it to ${kernelSpeed} (${handedMode ? `${console}-mode from the loader` : `${console}-mode in /${BOOTENV_PATH}`}): on a real serial line everything after the loader is garbled (emulators ignore the speed)`,
    source: 'usr/src/uts/i86pc/os/fakebop.c read_bootenvrc; usr/src/uts/common/io/asy.c asy_parse_mode',
    fix: 'rebuild with this version of compose (every loader runs at the kernel\'s speed), or set boot.serial_speed in the profile',
  };
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(process.env.COMPOSE_TMPDIR ?? tmpdir(), 'illumos-compose-check-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkUfs(file: string, label: string, console: ConsoleName, launcher: boolean | undefined, media: Finding[] = [], manifest?: ManifestFile): Promise<CheckReport> {
  const img = await ufsImageTree(file);
  try {
    if (manifest) media.push(...manifestFindings(img.tree, manifest));
    return await runBootCheck(img.tree, { target: label, console, mediaFindings: media, launcher });
  } finally {
    await img.close();
  }
}

/** The image must hold what the manifest lists: a mismatch means the outputs are from different builds. */
function manifestFindings(tree: StagedTree, manifest: ManifestFile): Finding[] {
  const differ: string[] = [];
  const listed = new Set<string>();
  for (const m of manifest.entries) {
    listed.add(m.path);
    const e = tree.get(m.path);
    const type = e?.type === 'hardlink' ? 'file' : e?.type;
    const mtype = m.type === 'hardlink' ? 'file' : m.type;
    if (!e) differ.push(`/${m.path} is listed but not in the image`);
    else if (type !== mtype || e.mode !== parseInt(m.mode, 8) || e.uid !== m.uid || e.gid !== m.gid || (m.type === 'file' && e.type === 'file' && e.size !== m.size)) differ.push(`/${m.path} differs (type, mode, owner or size)`);
  }
  for (const e of tree.entries()) if (e.path !== '' && !listed.has(e.path)) differ.push(`/${e.path} is in the image but not listed`);
  if (!differ.length) return [];
  return [{ step: 'root', severity: 'degraded', message: `the image does not hold what the manifest lists (${differ.length} difference${differ.length > 1 ? 's' : ''}, e.g. ${differ.slice(0, 3).join('; ')}): the outputs are not from one build`, source: 'illumos-compose outputs', fix: 'rebuild into a fresh output directory' }];
}

/** Check whatever `target` is. */
export async function checkTarget(target: string, opts: CheckTargetOptions): Promise<CheckReport> {
  const kind = await sniff(target);
  const launcher = undefined;
  switch (kind) {
    case 'proto': {
      const c = await composeTree({ ...opts, proto: target });
      return runBootCheck(c.tree, {
        target: `${target} with profile ${opts.profile.name}`,
        console: opts.profile.boot.console,
        launcher: opts.profile.init.mode === 'launcher',
        trampoline: opts.profile.init.mode === 'trampoline' ? { method: trampolineMethod(opts.profile) } : undefined,
      });
    }
    case 'ufs':
      return checkUfs(target, target, opts.console ?? opts.profile.boot.console, launcher);
    case 'gzip':
      return withTemp(async (dir) => {
        const raw = join(dir, 'archive.ufs');
        const { sha1 } = await unpackArchiveFile(target, raw);
        const media: Finding[] = [];
        const hashFile = `${target}.hash`;
        if (existsSync(hashFile)) {
          const want = (await readFile(hashFile, 'latin1')).trim();
          if (want !== sha1) media.push({ step: 'loader', severity: 'panic', message: `the archive's SHA-1 is ${sha1}, but ${basename(hashFile)} says ${want}: dboot panics with "hash mismatch!"`, source: 'usr/src/uts/i86pc/dboot/dboot_startkern.c check_images', fix: 'rebuild: the archive and its hash must come from the same build' });
        }
        return checkUfs(raw, target, opts.console ?? opts.profile.boot.console, launcher, media);
      });
    case 'iso':
      return withTemp(async (dir) => {
        const raw = join(dir, 'archive.ufs');
        const u = await unpackIso(target, raw);
        const img = await ufsImageTree(raw);
        try {
          const media = [...u.findings];
          const serial = await serialFinding(img.tree, u.plan.console, u.plan.serialSpeed, u.plan.kernelSerialMode, u.plan.config);
          if (serial) media.push(serial);
          return await runBootCheck(img.tree, { target: `${target} (${u.plan.loader}, console ${u.plan.console})`, console: u.plan.console, mediaFindings: media });
        } finally {
          await img.close();
        }
      });
    case 'manifest': {
      const manifest = await readManifestFile(target);
      const base = join(dirname(target), basename(target).replace(/\.manifest\.json$/, ''));
      const ufs = `${base}.ufs`;
      if (existsSync(ufs)) return checkUfs(ufs, `${ufs} (with ${basename(target)})`, opts.console ?? opts.profile.boot.console, launcher, [], manifest);
      const archive = `${base}.boot_archive`;
      if (existsSync(archive)) {
        return withTemp(async (dir) => {
          const raw = join(dir, 'archive.ufs');
          await unpackArchiveFile(archive, raw);
          return checkUfs(raw, `${archive} (with ${basename(target)})`, opts.console ?? opts.profile.boot.console, launcher, [], manifest);
        });
      }
      throw new InputError(`${target}: there is no ${basename(ufs)} or ${basename(archive)} beside it to check; build with --format ufs or iso`);
    }
  }
}
