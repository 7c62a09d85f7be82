import type { ScriptHost } from '../../bootpath/commands.js';
import type { CheckContext } from '../context.js';
import { ScriptState, type PathFact } from './state.js';

// The system as the kernel leaves it when it starts init: the ramdisk mounted read-only on /
// (usr/src/uts/common/fs/ufs/ufs_vfsops.c ufs_mountroot, ROOT_INIT sets VFS_RDONLY), and the file
// systems vfs_mountroot mounts by itself (usr/src/uts/common/fs/vfs.c vfs_mountroot,
// vfs_mountdevices, vfs_mountdev1), each only when its module loads and its mount point exists.

const KERNEL_MOUNTS: ReadonlyArray<{ path: string; fstype: string; module: string; dir: boolean; writable: 'yes' | 'no'; contents: 'empty' | 'unknown' | 'image' }> = [
  { path: '/devices', fstype: 'devfs', module: 'fs/devfs', dir: true, writable: 'no', contents: 'unknown' },
  { path: '/dev', fstype: 'dev', module: 'fs/dev', dir: true, writable: 'no', contents: 'image' },
  { path: '/system/contract', fstype: 'ctfs', module: 'fs/ctfs', dir: true, writable: 'no', contents: 'unknown' },
  { path: '/proc', fstype: 'proc', module: 'fs/procfs', dir: true, writable: 'no', contents: 'unknown' },
  { path: '/etc/mnttab', fstype: 'mntfs', module: 'fs/mntfs', dir: false, writable: 'no', contents: 'unknown' },
  { path: '/etc/svc/volatile', fstype: 'tmpfs', module: 'fs/tmpfs', dir: true, writable: 'yes', contents: 'empty' },
  { path: '/system/object', fstype: 'objfs', module: 'fs/objfs', dir: true, writable: 'no', contents: 'unknown' },
  { path: '/system/boot', fstype: 'bootfs', module: 'fs/bootfs', dir: true, writable: 'no', contents: 'unknown' },
  { path: '/etc/dfs/sharetab', fstype: 'sharefs', module: 'fs/sharefs', dir: false, writable: 'no', contents: 'unknown' },
];

export async function kernelBootState(ctx: CheckContext): Promise<ScriptState> {
  const s = new ScriptState();
  s.mounts.set('/', { fstype: 'ufs', present: 'yes', writable: 'no', contents: 'image' });
  for (const m of KERNEL_MOUNTS) {
    const there = m.dir ? ctx.isDir(m.path) : ctx.isFile(m.path);
    const loads = there && !(await ctx.moduleProblem(m.module));
    s.mounts.set(m.path, { fstype: m.fstype, present: loads ? 'yes' : 'no', writable: m.writable, contents: m.contents });
  }
  return s;
}

/** The image as the rules see it, answered by the check's context. */
export function scriptHost(ctx: CheckContext): ScriptHost {
  return {
    imageStat(path: string): PathFact {
      const t = ctx.trace(path.replace(/^\/+/, ''));
      if (!t) return { exists: 'no' };
      const e = t.entry;
      if (e.type === 'dir') return { exists: 'yes', kind: 'dir' };
      if (e.type === 'file' || e.type === 'hardlink') return { exists: 'yes', kind: 'file', executable: (ctx.tree.contentOwner(e).mode & 0o111) !== 0 ? 'yes' : 'no' };
      return { exists: 'yes' };
    },
    programProblems: (path) => ctx.programProblems(path),
    moduleProblem: (m) => ctx.moduleProblem(m),
    hasMajor: async (d) => (await ctx.nameToMajor()).has(d),
    deviceProblem: async (p) => (await ctx.device(p)).problem,
    readText: (p) => ctx.text(p.replace(/^\/+/, '')),
    async fileInfo(path) {
      const t = ctx.trace(path.replace(/^\/+/, ''));
      if (!t || (t.entry.type !== 'file' && t.entry.type !== 'hardlink')) return undefined;
      const owner = ctx.tree.contentOwner(t.entry);
      const what = await ctx.inspector.inspect(t.entry);
      return { size: owner.size, elfClass: what.kind === 'elf' ? what.info.elfClass : undefined };
    },
    programInfo: (path) => ctx.bootProgram(path),
  };
}
