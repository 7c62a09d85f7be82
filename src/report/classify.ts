import type { ManifestEntry } from '../emit/manifest.js';

// How the size report groups files. Kernel modules are everything under a kernel directory
// (kernel/, usr/kernel/, platform/*/kernel/); libraries are lib*.so* and *.so.N; executables are
// files with an execute bit in the command and library directories; everything else is "other".

export type SizeClass = 'kernel modules' | 'libraries' | 'executables' | 'other';
export const SIZE_CLASSES: readonly SizeClass[] = ['kernel modules', 'libraries', 'executables', 'other'];

const EXEC_DIRS = /^(?:bin|sbin|usr\/bin|usr\/sbin|usr\/lib)\//;
const LIBRARY = /^lib.*\.so|\.so\.\d+(?:\.\d+)*$/;

export function sizeClassOf(e: Pick<ManifestEntry, 'path' | 'mode'>): SizeClass {
  const base = e.path.slice(e.path.lastIndexOf('/') + 1);
  if (/(?:^|\/)kernel\//.test(e.path)) return 'kernel modules';
  if (LIBRARY.test(base)) return 'libraries';
  if ((parseInt(e.mode, 8) & 0o111) !== 0 && EXEC_DIRS.test(e.path) && !/\.so(\.|$)/.test(base)) return 'executables';
  return 'other';
}

/** The top-level directory an entry is under (a top-level directory is under itself); "/" for files at the root. */
export function topDirectory(e: Pick<ManifestEntry, 'path' | 'type'>): string {
  const i = e.path.indexOf('/');
  if (i >= 0) return e.path.slice(0, i);
  return e.type === 'dir' ? e.path : '/';
}

/**
 * Bytes an entry adds to the image: a file's size. A hardlink shares its file's bytes and the
 * manifest repeats that size on it, so it adds none.
 */
export function contentBytes(e: Pick<ManifestEntry, 'type' | 'size'>): number {
  return e.type === 'file' ? e.size : 0;
}
