import type { StagedTree } from '../stage/tree.js';

// Where a 64-bit i86pc kernel finds driver modules: its module path is /platform/i86pc/kernel,
// /kernel and /usr/kernel, and drivers live in drv/amd64 below each.

export const DRIVER_DIRS = ['kernel/drv/amd64', 'platform/i86pc/kernel/drv/amd64', 'usr/kernel/drv/amd64'];

export function driverDirs(extra: readonly string[] = []): string[] {
  const out = [...DRIVER_DIRS];
  for (const d of extra) {
    const norm = d.replace(/^\/+/, '').replace(/\/+$/, '');
    if (!out.includes(norm)) out.push(norm);
  }
  return out;
}

/** The image path of a driver's module, if the image has it as a regular file (through links). */
export function findDriverModule(tree: StagedTree, name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    const e = tree.resolve(path);
    if (e && (e.type === 'file' || e.type === 'hardlink')) return path;
  }
  return undefined;
}

/** Every module in the driver directories: name -> first path found. */
export function listDriverModules(tree: StagedTree, dirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    const d = tree.resolve(dir);
    // Stryker disable next-line ConditionalExpression: a non-directory has no children, so the loop below would do nothing anyway
    if (!d || d.type !== 'dir') continue;
    for (const child of tree.children(d.path)) {
      const name = child.slice(child.lastIndexOf('/') + 1);
      if (name.endsWith('.conf') || found.has(name)) continue;
      if (findDriverModule(tree, name, [dir])) found.set(name, `${dir}/${name}`);
    }
  }
  return found;
}
