import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { ProfileError } from '../util/errors.js';
import { OVERLAYS_DIR } from '../util/project.js';
import { parseSize } from '../util/size.js';
import { loadProfileChain, type LoadedProfileFile } from './load.js';
import type { Profile } from './schema.js';
import { defaultSmfSettings, mergeSmfSettings } from '../smf/settings.js';

/**
 * Where an overlay reference points: a path relative to the profile that names it, or else a
 * built-in overlay under overlays/ (a bare name such as "pureboot").
 */
function resolveOverlay(ref: string, profileFile: string): string {
  const local = isAbsolute(ref) ? ref : resolve(dirname(profileFile), ref);
  const builtin = resolve(OVERLAYS_DIR, ref);
  const dir = ref.includes('/') || (existsSync(local) && statSync(local).isDirectory()) ? local : builtin;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ProfileError(`${profileFile}: key "overlays": overlay "${ref}" is not a directory (looked for ${dir})`);
  }
  return dir;
}

function percentOf(v: string | number): number {
  return typeof v === 'number' ? v : Number(v.slice(0, -1));
}

/**
 * Merge a profile chain into one resolved profile. A derived profile's scalars replace its
 * parent's; the lists include, exclude, keep, hardware, overlays, init.startup and
 * boot.kernel_args are concatenated, parent first, so a child adds to what it extends.
 */
export function mergeChain(chain: LoadedProfileFile[]): Profile {
  const top = chain[0];
  const name = basename(top.file, extname(top.file));
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new ProfileError(`${top.file}: the profile name "${name}" (from the file name) may only hold letters, digits, ".", "_" and "-"`);
  }
  const p: Profile = {
    name,
    files: chain.map((c) => c.file),
    description: '',
    include: [],
    exclude: [],
    overlays: [],
    prune: 'globs',
    keep: [],
    hardware: [],
    init: { mode: 'launcher', banner: '', shell: '/usr/bin/ksh93', startup: [] },
    boot: { console: 'text', kernelArgs: [], autobootDelay: 5 },
    ramdisk: { size: 'auto', freePercent: 10, nbpi: 16384, lostAndFound: false },
    archive: { format: 'ufs', gzipLevel: 9 },
    iso: { volumeId: 'illumos', bootloader: 'auto' },
    smf: defaultSmfSettings(),
    trampoline: { root: 'pool:rpool', init: '/sbin/init', tries: 10 },
  };
  for (const { file, data: d } of [...chain].reverse()) {
    if (d.description !== undefined) p.description = d.description;
    p.include.push(...(d.include ?? []));
    p.exclude.push(...(d.exclude ?? []));
    p.keep.push(...(d.keep ?? []));
    for (const h of d.hardware ?? []) if (!p.hardware.includes(h)) p.hardware.push(h);
    if (d.prune !== undefined) p.prune = d.prune;
    for (const o of d.overlays ?? []) {
      const dir = resolveOverlay(o, file);
      if (!p.overlays.includes(dir)) p.overlays.push(dir);
    }
    if (d.init) {
      if (d.init.mode !== undefined) p.init.mode = d.init.mode;
      if (d.init.banner !== undefined) p.init.banner = d.init.banner;
      if (d.init.shell !== undefined) p.init.shell = d.init.shell;
      p.init.startup.push(...(d.init.startup ?? []));
    }
    if (d.boot) {
      if (d.boot.console !== undefined) p.boot.console = d.boot.console;
      if (d.boot.autoboot_delay !== undefined) p.boot.autobootDelay = d.boot.autoboot_delay;
      if (d.boot.serial_speed !== undefined) p.boot.serialSpeed = d.boot.serial_speed;
      p.boot.kernelArgs.push(...(d.boot.kernel_args ?? []));
    }
    if (d.archive?.format !== undefined) p.archive.format = d.archive.format;
    if (d.archive?.gzip_level !== undefined) p.archive.gzipLevel = d.archive.gzip_level;
    if (d.iso?.volume_id !== undefined) p.iso.volumeId = d.iso.volume_id;
    if (d.iso?.bootloader !== undefined) p.iso.bootloader = d.iso.bootloader;
    if (d.smf) mergeSmfSettings(p.smf, d.smf, file);
    if (d.trampoline?.root !== undefined) p.trampoline.root = d.trampoline.root;
    if (d.trampoline?.init !== undefined) p.trampoline.init = d.trampoline.init;
    if (d.trampoline?.tries !== undefined) p.trampoline.tries = d.trampoline.tries;
    if (d.storage) p.storage = storageOf(d.storage, file);
    if (d.ramdisk) {
      if (d.ramdisk.size !== undefined) {
        p.ramdisk.size = d.ramdisk.size === 'auto' ? 'auto' : parseSize(d.ramdisk.size);
        if (p.ramdisk.size !== 'auto' && p.ramdisk.size < 1024 * 1024) {
          throw new ProfileError(`${file}: key "ramdisk.size": ${d.ramdisk.size} is below 1M; give a size such as 512M or auto`);
        }
      }
      if (d.ramdisk.free !== undefined) p.ramdisk.freePercent = percentOf(d.ramdisk.free);
      if (d.ramdisk.nbpi !== undefined) p.ramdisk.nbpi = d.ramdisk.nbpi;
      if (d.ramdisk.lost_and_found !== undefined) p.ramdisk.lostAndFound = d.ramdisk.lost_and_found;
    }
  }
  if (!p.init.banner) p.init.banner = `illumos-compose: ${name}`;
  if (p.storage && p.init.mode === 'trampoline') {
    throw new ProfileError(`${top.file}: key "storage": a trampoline hands its root over to a disk, so it has no ramdisk to keep data beside; use storage with init.mode launcher or smf`);
  }
  // The storage script, and for SMF the service that runs it.
  if (p.storage) for (const o of p.init.mode === 'smf' ? ['storage', 'storage-smf'] : ['storage']) if (!p.overlays.includes(resolve(OVERLAYS_DIR, o))) p.overlays.push(resolve(OVERLAYS_DIR, o));
  return p;
}

/** The storage key: datasets of the pool, directories parents first (so /var mounts before /var/x). */
function storageOf(d: { pool: string; mounts: Record<string, string> }, file: string): NonNullable<Profile['storage']> {
  const mounts = Object.entries(d.mounts).map(([dir, dataset]) => ({ dir, dataset }));
  if (mounts.length === 0) throw new ProfileError(`${file}: key "storage.mounts": name at least one directory and its dataset, such as { /var: ${d.pool}/var }`);
  for (const m of mounts) {
    if (!/^\/[^\s=]*[^\s=/]$/.test(m.dir)) throw new ProfileError(`${file}: key "storage.mounts.${m.dir}": not an absolute directory; name one such as /var`);
    if (m.dataset !== d.pool && !m.dataset.startsWith(`${d.pool}/`)) throw new ProfileError(`${file}: key "storage.mounts.${m.dir}": ${m.dataset} is not a dataset of the pool ${d.pool}; name it ${d.pool}/...`);
    if (m.dir === '/' || ['/dev', '/devices', '/proc', '/system', '/etc', '/usr', '/kernel', '/platform', '/lib', '/sbin', '/tmp'].some((x) => m.dir === x || m.dir.startsWith(`${x}/`))) {
      throw new ProfileError(`${file}: key "storage.mounts.${m.dir}": the system needs ${m.dir} from the ramdisk at boot; keep data in directories such as /var, /opt or /export`);
    }
  }
  mounts.sort((a, b) => a.dir.split('/').length - b.dir.split('/').length || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return { pool: d.pool, mounts };
}

/** Load, validate and resolve a profile by name or path. */
export function resolveProfile(ref: string, cwd = process.cwd()): Profile {
  return mergeChain(loadProfileChain(ref, cwd));
}
