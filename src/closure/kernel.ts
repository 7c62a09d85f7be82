import type { ElfClass } from '../elf/read-elf.js';
import type { StagedTree } from '../stage/tree.js';
import { tracePath, type TracedPath } from './trace-path.js';

// How krtld finds a module such as "misc/mac" or "genunix" (uts/common/krtld/kobj.c): the module
// path of an i86pc kernel is "/platform/i86pc/kernel /kernel /usr/kernel" (mach_modpath() puts the
// directory unix was booted from first, minus its amd64 suffix, then MOD_DEFPATH). kobj_open_path()
// tries every directory with the ISA directory inserted before the module's base name
// (kernel/misc/amd64/mac), and only then every directory without it (kobj_load_module()).
// Dependencies come from the module's DT_NEEDED entries or, lacking those, its `_depends_on`
// string. The first file that exists is the one loaded.

export const KERNEL_PLATFORM = 'i86pc';
/** MODDIR_SUFFIX of a 64-bit x86 kernel. */
export const KERNEL_ISA_DIR = 'amd64';
export const MODULE_PATH = [`platform/${KERNEL_PLATFORM}/kernel`, 'kernel', 'usr/kernel'];

const KERNEL_TREE = /^(?:kernel|usr\/kernel|platform\/[^/]+\/kernel)\//;

/** Whether an image path lies in a kernel module directory. */
export function isKernelPath(path: string): boolean {
  return KERNEL_TREE.test(path);
}

/** A module's dependency names: DT_NEEDED if it has any, else the `_depends_on` words. */
export function moduleDependencyNames(needed: string[], dependsOn: string | undefined): string[] {
  if (needed.length) return needed;
  // Stryker disable next-line Regex: empty words are filtered out, so splitting on one blank or a run of them gives the same names
  return (dependsOn ?? '').split(/[ \t]+/).filter(Boolean);
}

/** The files krtld would try for module `name`, in order. 32-bit modules have no ISA directory. */
export function moduleCandidates(name: string, elfClass: ElfClass = 64): string[] {
  const clean = name.replace(/^\/+/, '');
  const slash = clean.lastIndexOf('/');
  // Stryker disable next-line EqualityOperator: leading slashes are stripped above, so a slash is never at index 0
  const withSuffix = slash < 0 ? `${KERNEL_ISA_DIR}/${clean}` : `${clean.slice(0, slash)}/${KERNEL_ISA_DIR}/${clean.slice(slash + 1)}`;
  const suffixed = elfClass === 64 ? MODULE_PATH.map((d) => `${d}/${withSuffix}`) : [];
  return [...suffixed, ...MODULE_PATH.map((d) => `${d}/${clean}`)];
}

export interface ResolvedModule extends TracedPath {
  path: string;
}

/** The module krtld would load for `name`; null if there is none. */
export function resolveModule(tree: StagedTree, name: string, elfClass: ElfClass = 64): ResolvedModule | null {
  for (const path of moduleCandidates(name, elfClass)) {
    const traced = tracePath(tree, path);
    if (traced && (traced.entry.type === 'file' || traced.entry.type === 'hardlink')) return { path, ...traced };
  }
  return null;
}

/**
 * The driver configuration file that goes with a driver module: kernel/drv/amd64/e1000g ->
 * kernel/drv/e1000g.conf (driver.conf files live in the class directory, without the ISA part).
 */
export function driverConfPath(modulePath: string): string | undefined {
  const m = /^((?:kernel|usr\/kernel|platform\/[^/]+\/kernel)\/drv)\/(?:[^/]+\/)?([^/]+)$/.exec(modulePath);
  if (!m || m[2].endsWith('.conf')) return undefined;
  return `${m[1]}/${m[2]}.conf`;
}
