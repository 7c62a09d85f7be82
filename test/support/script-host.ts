import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScriptHost } from '../../src/bootpath/commands.js';
import { ScriptState, type PathFact } from '../../src/check/script/state.js';
import { PROJECT } from './paths.js';

// A small image for the script interpreter's tests: the paths it has (directories end in "/"),
// the texts of the files scripts read, the kernel modules that load and the drivers with a major.

export interface FakeImage {
  paths: string[];
  texts?: Record<string, string>;
  modules?: string[];
  majors?: string[];
  /** Programs that cannot run (path -> problem). */
  broken?: Record<string, string>;
}

export function fakeHost(img: FakeImage): ScriptHost {
  const dirs = new Set<string>(['/']);
  const files = new Set<string>();
  for (const p of img.paths) {
    const clean = `/${p.replace(/^\/+/, '').replace(/\/$/, '')}`;
    if (p.endsWith('/')) dirs.add(clean);
    else files.add(clean);
    for (let d = clean.slice(0, clean.lastIndexOf('/')); d; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(d);
  }
  for (const t of Object.keys(img.texts ?? {})) files.add(`/${t}`);
  return {
    imageStat(path: string): PathFact {
      if (dirs.has(path)) return { exists: 'yes', kind: 'dir' };
      if (files.has(path)) return { exists: 'yes', kind: 'file', executable: 'yes' };
      return { exists: 'no' };
    },
    programProblems: async (p) => (img.broken?.[p] ? [img.broken[p]] : files.has(`/${p}`) ? [] : [`/${p} is not in the image`]),
    moduleProblem: async (m) => (img.modules?.includes(m) ? undefined : `${m} is not in the image`),
    hasMajor: async (d) => img.majors?.includes(d) ?? false,
    deviceProblem: async (p) => (files.has(`/${p}`) ? undefined : `/${p} is not in the image`),
    readText: async (p) => img.texts?.[p.replace(/^\/+/, '')],
  };
}

/** The kernel's state at init: the ramdisk read-only on /, the kernel's own mounts. */
export function bootState(): ScriptState {
  const s = new ScriptState();
  s.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'no', contents: 'image' });
  s.mounts.set('/devices', { fstype: 'devfs', present: 'yes', writable: 'no', contents: 'unknown' });
  s.mounts.set('/dev', { fstype: 'dev', present: 'yes', writable: 'no', contents: 'image' });
  s.mounts.set('/proc', { fstype: 'proc', present: 'yes', writable: 'no', contents: 'unknown' });
  s.mounts.set('/etc/svc/volatile', { fstype: 'tmpfs', present: 'yes', writable: 'yes', contents: 'empty' });
  return s;
}

export const overlayScript = (rel: string): string => readFileSync(join(PROJECT, 'overlays', rel), 'utf8');
