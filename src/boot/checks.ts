/**
 * Checks of what the stand-in kernel saw against what was put on the image:
 * the boot archive module (size, CRC-32, file system) and the archive's root
 * directory (against the build's manifest). Each problem is one failed check,
 * so the report reads one line per problem.
 */
import { open, readFile } from 'node:fs/promises';
import { InputError } from '../util/errors.js';
import { checksumFile, type Checksums, type KernelReport, type ModuleReport } from './kernel-report.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** At most this many names are listed per kind of manifest difference. */
const MAX_LISTED = 25;

/** The module the kernel takes as its root file system: "type=rootfs", else the first (dboot's legacy rule). */
export function rootfsModule(report: KernelReport): ModuleReport | undefined {
  return report.modules.find((m) => /(^|\s)type=rootfs(\s|$)/.test(m.string)) ?? report.modules[0];
}

const describeModule = (m: ModuleReport): string => `module ${m.index}${m.string ? ` (${m.string})` : ''}`;

/** Size and checksums of what GRUB hands over for this file: gzip'd files are decompressed first. */
export async function archiveChecksums(path: string): Promise<{ sums: Checksums; gzipped: boolean }> {
  let gzipped: boolean;
  try {
    const fh = await open(path, 'r');
    try {
      const head = Buffer.alloc(2);
      const { bytesRead } = await fh.read(head, 0, 2, 0);
      gzipped = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new InputError(`cannot read the boot archive ${path} (--check-archive): ${(err as Error).message}`);
  }
  try {
    return { sums: await checksumFile(path, { gunzip: gzipped }), gzipped };
  } catch (err) {
    throw new InputError(`cannot checksum the boot archive ${path} (--check-archive): ${(err as Error).message}`);
  }
}

const NO_REPORT = (option: string): Check => ({
  name: option === '--check-archive' ? 'archive' : 'manifest',
  ok: false,
  detail: `the serial log has no test-kernel report (TESTKERNEL START): ${option} needs an image booted with the stand-in kernel`,
});

/** The rootfs module must be the archive as GRUB delivers it (uncompressed), holding a UFS. */
export function checkArchive(report: KernelReport, archive: { path: string; sums: Checksums; gzipped: boolean }): Check[] {
  if (!report.started) return [NO_REPORT('--check-archive')];
  const mod = rootfsModule(report);
  if (!mod) return [{ name: 'archive', ok: false, detail: 'the kernel was handed no modules, so no boot archive' }];
  const what = describeModule(mod);
  const ofWhat = archive.gzipped ? `the uncompressed ${archive.path}` : archive.path;
  const checks: Check[] = [];
  checks.push(
    mod.size === archive.sums.size
      ? { name: 'archive-size', ok: true, detail: `${what}: size ${mod.size} matches ${ofWhat}` }
      : { name: 'archive-size', ok: false, detail: `${what}: size ${mod.size}, but ${ofWhat} is ${archive.sums.size} bytes` },
  );
  checks.push(
    mod.crc32 === archive.sums.crc32
      ? { name: 'archive-crc32', ok: true, detail: `${what}: crc32 ${mod.crc32} matches` }
      : { name: 'archive-crc32', ok: false, detail: `${what}: crc32 ${mod.crc32}, but ${ofWhat} has ${archive.sums.crc32}` },
  );
  if (mod.fs === 'ufs') checks.push({ name: 'archive-fs', ok: true, detail: `${what}: fs=ufs` });
  else {
    const hint = mod.fs === 'gzip' ? ' (still gzip-compressed: the loader did not decompress it, e.g. module --nounzip)' : '';
    checks.push({ name: 'archive-fs', ok: false, detail: `${what}: fs=${mod.fs}, expected ufs${hint}` });
  }
  return checks;
}

export interface ManifestLike {
  profile?: string;
  entries: Array<{ path: string }>;
}

/** Read a manifest written by `compose build` ({profile, proto, entries:[{path,...}]}). */
export async function loadManifest(path: string): Promise<ManifestLike> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read the manifest ${path} (--check-manifest): ${(err as Error).message}`);
  }
  const m = data as { profile?: unknown; entries?: unknown };
  if (
    typeof m !== 'object' || m === null || !Array.isArray(m.entries) ||
    !m.entries.every((e) => typeof e === 'object' && e !== null && typeof (e as { path?: unknown }).path === 'string')
  ) {
    throw new InputError(`${path} is not a compose manifest (expected {"profile", "proto", "entries": [{"path", ...}]}) (--check-manifest)`);
  }
  return { profile: typeof m.profile === 'string' ? m.profile : undefined, entries: m.entries as Array<{ path: string }> };
}

/** Names of the manifest's top-level entries (paths without "/"), sorted. */
export function topLevelNames(manifest: ManifestLike): string[] {
  const names = new Set<string>();
  for (const e of manifest.entries) {
    const p = e.path.replace(/^\/+|\/+$/g, '');
    if (p !== '' && !p.includes('/')) names.add(p);
  }
  return [...names].sort();
}

/** The kernel's listing of the archive's root directory must name exactly the manifest's top-level entries. */
export function checkManifest(report: KernelReport, manifest: ManifestLike): Check[] {
  if (!report.started) return [NO_REPORT('--check-manifest')];
  const mod = rootfsModule(report);
  if (!mod) return [{ name: 'manifest', ok: false, detail: 'the kernel was handed no modules, so no boot archive to list' }];
  const what = describeModule(mod);
  const ufs = mod.ufs;
  if (!ufs) {
    const why = mod.errors.length ? `: ${mod.errors.join('; ')}` : ` (fs=${mod.fs})`;
    return [{ name: 'manifest', ok: false, detail: `${what}: the kernel could not read a UFS root directory${why}` }];
  }
  const checks: Check[] = [];
  if (!ufs.complete) {
    const why = mod.errors.length ? mod.errors.join('; ') : 'no "UFSDIR END" line';
    checks.push({ name: 'manifest-listing', ok: false, detail: `${what}: the root directory listing is incomplete: ${why}` });
  }
  const got = ufs.rootEntries.map((e) => e.name).filter((n) => n !== '.' && n !== '..');
  const want = topLevelNames(manifest);
  const gotSet = new Set(got);
  const wantSet = new Set(want);

  const missing = want.filter((n) => !gotSet.has(n));
  const extra = [...new Set(got.filter((n) => !wantSet.has(n)))].sort();
  const dups = [...new Set(got.filter((n, i) => got.indexOf(n) !== i))].sort();
  const listed = (names: string[], make: (n: string) => Check): Check[] => {
    const out = names.slice(0, MAX_LISTED).map(make);
    if (names.length > MAX_LISTED) out.push({ ...make(`... and ${names.length - MAX_LISTED} more`), detail: `... and ${names.length - MAX_LISTED} more` });
    return out;
  };
  checks.push(...listed(missing, (n) => ({ name: 'manifest-missing', ok: false, detail: `"${n}" is in the manifest but not in the boot archive's root` })));
  checks.push(...listed(extra, (n) => ({ name: 'manifest-unexpected', ok: false, detail: `"${n}" is in the boot archive's root but not in the manifest` })));
  checks.push(...listed(dups, (n) => ({ name: 'manifest-duplicate', ok: false, detail: `"${n}" appears more than once in the boot archive's root` })));
  checks.push(
    got.length === want.length
      ? { name: 'manifest-count', ok: true, detail: `${what}: ${got.length} root entries, as in the manifest` }
      : { name: 'manifest-count', ok: false, detail: `${what}: ${got.length} root entries, the manifest has ${want.length} top-level entries` },
  );
  if (missing.length === 0 && extra.length === 0 && dups.length === 0) {
    checks.push({ name: 'manifest-names', ok: true, detail: `root entries match the manifest: ${want.join(' ') || '(none)'}` });
  }
  return checks;
}

/** Failures the stand-in kernel reported itself (bad boot magic, too many modules). */
export function checkKernelFailures(report: KernelReport): Check[] {
  return report.failures.map((f) => ({ name: 'kernel', ok: false, detail: `the test kernel reported: ${f}` }));
}
