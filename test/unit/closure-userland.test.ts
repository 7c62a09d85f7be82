import { describe, expect, it } from 'vitest';
import { pruneByClosure } from '../../src/closure/prune.js';
import { expandTokens, libraryCandidates } from '../../src/closure/userland.js';
import { absolutePathsIn } from '../../src/closure/script-paths.js';
import { tracePath } from '../../src/closure/trace-path.js';
import { buildSyntheticElf } from '../../src/elf/write-synthetic.js';
import { nonDirectoryPaths, stagedTreeOf } from '../fixtures/elf/tree.js';

const lib64 = (needed: string[] = [], extra: { runpath?: string; rpath?: string } = {}) => buildSyntheticElf({ type: 'dyn', needed, ...extra });
const lib32 = (needed: string[] = []) => buildSyntheticElf({ type: 'dyn', elfClass: 32, needed });
const prog64 = (needed: string[], extra: { runpath?: string; rpath?: string } = {}) => buildSyntheticElf({ type: 'exec', needed, interp: '/usr/lib/amd64/ld.so.1', ...extra });
const prog32 = (needed: string[]) => buildSyntheticElf({ type: 'exec', elfClass: 32, needed, interp: '/usr/lib/ld.so.1' });

function userlandTree() {
  return stagedTreeOf({
    'lib/64': { symlink: 'amd64' },
    'usr/lib/64': { symlink: 'amd64' },
    'lib/amd64/ld.so.1': lib64(),
    'usr/lib/amd64/ld.so.1': { symlink: '../../../lib/amd64/ld.so.1' },
    'lib/ld.so.1': lib32(),
    'usr/lib/ld.so.1': { symlink: '../../lib/ld.so.1' },
    'lib/amd64/libc.so.1': lib64(),
    'lib/libc.so.1': lib32(),
    'lib/amd64/nss_files.so.1': lib64(['libc.so.1']),
    'etc/nsswitch.conf': 'passwd: files\n',
    // A diamond: prog -> liba, libb -> libbase.
    'usr/bin/prog': prog64(['liba.so.1', 'libb.so.1', 'libfoo.so.1', 'libc.so.1']),
    'usr/lib/amd64/liba.so.1': lib64(['libbase.so.1']),
    'usr/lib/amd64/libb.so.1': lib64(['libbase.so.1']),
    'lib/amd64/libbase.so.1': lib64(['libc.so.1']),
    // Reached only through a symlink; the development link is kept because it points at kept files.
    'usr/lib/amd64/libfoo.so.1.2': lib64(),
    'usr/lib/amd64/libfoo.so.1': { symlink: 'libfoo.so.1.2' },
    'usr/lib/amd64/libfoo.so': { symlink: 'libfoo.so.1' },
    // $ORIGIN runpath, and a wrong-class decoy first in the search order.
    'opt/app/bin/tool': prog64(['libapp.so.1'], { runpath: '$ORIGIN/../lib' }),
    'opt/app/lib/libapp.so.1': lib64(['libbase.so.1']),
    'lib/amd64/libapp.so.1': lib64(),
    'usr/bin/prog32': prog32(['libdual.so.1']),
    'lib/libdual.so.1': lib64(),
    'usr/lib/libdual.so.1': lib32(['libc.so.1']),
    'usr/bin/broken': prog64(['libgone.so.1']),
    'usr/lib/amd64/libunused.so.1': lib64(),
    // isaexec: the hardlink runs usr/bin/amd64/<name> (or i86).
    'usr/lib/isaexec': lib64(['libc.so.1']),
    'usr/bin/ksh93': { hardlink: 'usr/lib/isaexec' },
    'usr/bin/truss': { hardlink: 'usr/lib/isaexec' },
    'usr/bin/amd64/ksh93': prog64(['libc.so.1']),
    'usr/bin/i86/ksh93': prog32(['libc.so.1']),
    'usr/bin/amd64/truss': prog64(['libc.so.1']),
    'sbin/sh': { symlink: '../usr/bin/i86/ksh93' },
    // Builtin aliases share one file: kept together at no cost.
    'usr/bin/alias': prog64(['libc.so.1']),
    'usr/bin/cd': { hardlink: 'usr/bin/alias' },
    // init, inittab and a script the inittab runs.
    'sbin/init': prog64(['libc.so.1']),
    'etc/inittab': 'ap::sysinit:/sbin/autopush -f /etc/iu.ap\nsmf::sysinit:/etc/compose/launcher >/dev/msglog 2<>/dev/msglog </dev/console\n',
    'sbin/autopush': prog64(['libc.so.1']),
    'etc/iu.ap': 'ptsl 0 47 ldterm ttcompat\n',
    'etc/compose/launcher': '#!/sbin/sh\n. /etc/compose/launcher.conf\n/usr/sbin/mount -F tmpfs swap /tmp\n"$COMPOSE_SHELL" </dev/console\n',
    'etc/compose/launcher.conf': "COMPOSE_SHELL='/usr/bin/ksh93'\n",
    'usr/sbin/mount': prog64(['libc.so.1']),
    'usr/lib/fs/tmpfs/mount': prog64(['libc.so.1']),
    'usr/lib/fs/nfs/mount': prog64(['libc.so.1']),
    'dev/null': { symlink: '../devices/pseudo/mm@0:null' },
    'bin': { symlink: './usr/bin' },
    'var/adm/messages': 'log',
    'tmp': { dir: true },
    'usr/share/man/man1/ls.1': 'manual',
    'usr/include/stdio.h': 'header',
  });
}

describe('userland library resolution', () => {
  it('expands $ORIGIN and the other tokens', () => {
    expect(expandTokens('$ORIGIN/../lib', 'opt/app/bin')).toEqual(['/opt/app/bin/../lib']);
    expect(expandTokens('${ORIGIN}/x:$PLATFORM', 'a')).toEqual(['/a/x:i86pc']);
    expect(expandTokens('/usr/lib/$ISALIST', 'a').slice(0, 2)).toEqual(['/usr/lib/amd64', '/usr/lib/pentium_pro+mmx']);
    expect(expandTokens('$HWCAP/x', 'a')).toEqual([]);
  });

  it('searches RUNPATH, then the class defaults; RPATH only without RUNPATH', () => {
    const info = { elfClass: 64 as const, runpath: '$ORIGIN/../lib', rpath: '/ignored', needed: [], endian: 'little' as const, machine: 62, machineName: 'amd64', type: 'exec' as const };
    expect(libraryCandidates('opt/app/bin/tool', info, 'libx.so.1')).toEqual(['opt/app/lib/libx.so.1', 'lib/64/libx.so.1', 'usr/lib/64/libx.so.1']);
    expect(libraryCandidates('opt/app/bin/tool', { ...info, runpath: undefined }, 'libx.so.1')[0]).toBe('ignored/libx.so.1');
    expect(libraryCandidates('usr/bin/p', { ...info, elfClass: 32, runpath: undefined, rpath: undefined }, 'libx.so.1')).toEqual(['lib/libx.so.1', 'usr/lib/libx.so.1']);
    expect(libraryCandidates('usr/bin/p', info, '/usr/lib/amd64/libx.so.1')).toEqual(['usr/lib/amd64/libx.so.1']);
  });

  it('traces the symlinks on the way to a file', () => {
    const t = userlandTree();
    const r = tracePath(t, 'usr/lib/64/ld.so.1');
    expect(r?.entry.path).toBe('lib/amd64/ld.so.1');
    expect(r?.links).toEqual(['usr/lib/64', 'usr/lib/amd64/ld.so.1']);
    expect(tracePath(t, 'dev/null')).toBeNull();
  });

  it('finds the paths shell text names', () => {
    expect(absolutePathsIn(`#!/sbin/sh\n# see /usr/share/doc\nSHELL='/usr/bin/ksh93'\n/usr/sbin/mount -F fd fd /dev/fd 2>/dev/null\n$dir/x a/b "/etc/fs/ufs/mount"`)).toEqual(['usr/bin/ksh93', 'usr/sbin/mount', 'etc/fs/ufs/mount']);
  });
});

describe('pruneByClosure on userland objects', () => {
  it('keeps exactly the closure and reports the missing library', async () => {
    const t = userlandTree();
    const isaexecSize = t.get('usr/lib/isaexec')!.size;
    const r = await pruneByClosure(t, { keep: ['usr/bin/prog', 'opt/app/bin/tool', 'usr/bin/prog32', 'usr/bin/broken', 'usr/bin/alias'], hardware: [], protect: new Set(['tmp']) });
    expect(nonDirectoryPaths(t)).toEqual([
      'bin',
      'dev/null',
      'etc/compose/launcher',
      'etc/compose/launcher.conf',
      'etc/inittab',
      'etc/iu.ap',
      'etc/nsswitch.conf',
      'lib/64',
      'lib/amd64/ld.so.1',
      'lib/amd64/libbase.so.1',
      'lib/amd64/libc.so.1',
      'lib/amd64/nss_files.so.1',
      'lib/ld.so.1',
      'lib/libc.so.1',
      'opt/app/bin/tool',
      'opt/app/lib/libapp.so.1',
      'sbin/autopush',
      'sbin/init',
      'sbin/sh',
      'usr/bin/alias',
      'usr/bin/amd64/ksh93',
      'usr/bin/broken',
      'usr/bin/cd',
      'usr/bin/i86/ksh93',
      'usr/bin/ksh93',
      'usr/bin/prog',
      'usr/bin/prog32',
      'usr/lib/64',
      'usr/lib/amd64/ld.so.1',
      'usr/lib/amd64/liba.so.1',
      'usr/lib/amd64/libb.so.1',
      'usr/lib/amd64/libfoo.so',
      'usr/lib/amd64/libfoo.so.1',
      'usr/lib/amd64/libfoo.so.1.2',
      'usr/lib/fs/tmpfs/mount',
      'usr/lib/ld.so.1',
      'usr/lib/libdual.so.1',
      'usr/sbin/mount',
    ]);
    expect(r.missing).toEqual([{ object: 'usr/bin/broken', dependency: 'libgone.so.1' }]);
    expect(r.unusedLibraries).toEqual(['lib/amd64/libapp.so.1', 'lib/libdual.so.1', 'usr/lib/amd64/libunused.so.1']);
    expect(r.elfErrors).toEqual([]);
    expect(r.unmatchedKeep).toEqual([]);
    // Mount points stay, empty; what is below them goes.
    expect(t.get('tmp')?.type).toBe('dir');
    expect(t.get('var')?.type).toBe('dir');
    expect(t.has('var/adm')).toBe(false);
    expect(t.has('usr/share')).toBe(false);
    expect(r.kept).toBe(t.size - 1);
    // usr/lib/isaexec went; the kept link to it now holds the content.
    expect(t.get('usr/bin/ksh93')).toMatchObject({ type: 'file', size: isaexecSize });
  });

  it('keeps a directory named in keep with everything below it, but a protected one alone', async () => {
    const t = userlandTree();
    t.put({ path: 'var/run/x', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 1, source: { kind: 'generated', data: Buffer.from('x'), generator: 't' } });
    await pruneByClosure(t, { keep: ['usr/include'], hardware: [], protect: new Set(['var']) });
    expect(t.has('usr/include/stdio.h')).toBe(true);
    expect(t.get('var')?.type).toBe('dir');
    expect(t.has('var/adm/messages')).toBe(false);
    expect(t.has('var/run/x')).toBe(false);
  });

  it('keeps glob matches and reports a dangling kept symlink', async () => {
    const t = userlandTree();
    const r = await pruneByClosure(t, { keep: ['usr/share/man/**/*.1', 'dev/null'], hardware: [], protect: new Set() });
    expect(t.has('usr/share/man/man1/ls.1')).toBe(true);
    expect(r.missing).toEqual([{ object: 'dev/null', dependency: '../devices/pseudo/mm@0:null' }]);
  });

  it('keeps the companions of a program the launcher reaches through a link, as the gate lays out mount', async () => {
    // In the gate usr/sbin/mount is a link to ../../sbin/mount (SUNWcs.mf); the table names usr/sbin/mount.
    const t = userlandTree();
    t.remove('usr/sbin/mount');
    t.put({ path: 'sbin/mount', type: 'file', mode: 0o555, uid: 0, gid: 0, mtime: 0, size: prog64(['libc.so.1']).length, source: { kind: 'generated', data: prog64(['libc.so.1']), generator: 't' } });
    t.put({ path: 'usr/sbin/mount', type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: 0, size: 16, target: '../../sbin/mount' });
    t.put({ path: 'usr/lib/fs/fd/mount', type: 'file', mode: 0o555, uid: 0, gid: 0, mtime: 0, size: prog64(['libc.so.1']).length, source: { kind: 'generated', data: prog64(['libc.so.1']), generator: 't' } });
    // Nothing names usr/lib/fs/fd/mount but the companion table.
    await pruneByClosure(t, { keep: [], hardware: [], protect: new Set(['etc/compose/launcher', 'etc/compose/launcher.conf']) });
    expect(t.get('sbin/mount')?.type).toBe('file');
    expect(t.get('usr/sbin/mount')?.type).toBe('symlink');
    expect(t.has('usr/lib/fs/fd/mount')).toBe(true);
    expect(t.has('usr/lib/fs/tmpfs/mount')).toBe(true);
    expect(t.has('usr/lib/fs/nfs/mount')).toBe(false);
  });
});
