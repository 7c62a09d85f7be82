import { describe, expect, it } from 'vitest';
import { CheckContext } from '../../src/check/context.js';
import { syntheticObject } from '../../src/demo/synthetic-objects.js';
import { buildSyntheticElf } from '../../src/elf/write-synthetic.js';
import { stagedTreeOf, type TreeSpec } from '../fixtures/elf/tree.js';

// CheckContext: the lookups every step of `compose check` asks of the image.

const ctxOf = (spec: TreeSpec) => new CheckContext(stagedTreeOf(spec), { console: 'text' });
const base = { uid: 0, gid: 0, mtime: 0 };
const gen = (data: string | Buffer) => ({ kind: 'generated' as const, data: Buffer.isBuffer(data) ? data : Buffer.from(data), generator: 'test' });
const mod = (needed: string[]) => buildSyntheticElf({ type: 'rel', needed });
const LIBS = { 'usr/lib/ld.so.1': syntheticObject('usr/lib/ld.so.1'), 'lib/libc.so.1': syntheticObject('lib/libc.so.1'), 'usr/lib/amd64/ld.so.1': syntheticObject('usr/lib/amd64/ld.so.1'), 'lib/amd64/libc.so.1': syntheticObject('lib/amd64/libc.so.1') };

describe('CheckContext basics', () => {
  it('serial is any console but text, and add/checked go to the finding list', () => {
    const ctx = ctxOf({});
    expect(ctx.serial).toBe(false);
    expect(new CheckContext(stagedTreeOf({}), { console: 'ttyb' }).serial).toBe(true);
    ctx.add('init', 'note', 'm', 's', 'f');
    ctx.addFinding({ step: 'smf', severity: 'panic', message: 'n', source: 's2', fix: 'f2' });
    ctx.checked('init');
    ctx.checked('init', 2);
    expect(ctx.findings.findings).toEqual([
      { step: 'init', severity: 'note', message: 'm', source: 's', fix: 'f' },
      { step: 'smf', severity: 'panic', message: 'n', source: 's2', fix: 'f2' },
    ]);
    expect(ctx.findings.report('t').steps.find((s) => s.step === 'init')!.checked).toBe(3);
  });

  it('text reads a file once and keeps it; a missing file is undefined', async () => {
    const ctx = ctxOf({ 'etc/a': 'one', 'etc/l': { symlink: 'a' } });
    const first = ctx.text('etc/a');
    expect(await first).toBe('one');
    ctx.tree.put({ path: 'etc/a', type: 'file', mode: 0o644, size: 3, source: gen('two'), ...base });
    expect(ctx.text('etc/a')).toBe(first);
    expect(await ctx.text('etc/a')).toBe('one');
    expect(await ctx.text('etc/l')).toBe('two');
    expect(await ctx.text('etc/none')).toBeUndefined();
  });

  it('trace drops every leading slash', () => {
    const ctx = ctxOf({ 'etc/a': 'x', 'etc/l': { symlink: 'a' } });
    expect(ctx.trace('//etc/l')!.entry.path).toBe('etc/a');
    expect(ctx.trace('etc/a')!.entry.path).toBe('etc/a');
    expect(ctx.trace('/etc/none')).toBeNull();
  });

  it('isFile: files, hardlinks and links to them; not directories or missing paths', () => {
    const ctx = ctxOf({ 'bin/f': 'x', 'bin/h': { hardlink: 'bin/f' }, 'bin/l': { symlink: 'f' }, 'bin/d': { dir: true }, 'bin/ld': { symlink: 'd' } });
    expect(['bin/f', '/bin/h', 'bin/l', 'bin/d', 'bin/ld', 'bin/none'].map((p) => ctx.isFile(p))).toEqual([true, true, true, false, false, false]);
    expect(['bin/d', 'bin/ld', 'bin/f', 'bin/none'].map((p) => ctx.isDir(p))).toEqual([true, true, false, false]);
  });

  it('bootProgram: by the path given, the real path it leads to, or the real path a table entry leads to', () => {
    const ctx = ctxOf({ 'sbin/init': 'x', 'usr/bin/init2': { symlink: '../../sbin/init' }, 'usr/sbin/real-sh': 'sh', 'sbin/sh': { symlink: '../usr/sbin/real-sh' }, 'usr/bin/sh2': { symlink: '../sbin/real-sh' } });
    expect(ctx.bootProgram('//sbin/init')!.path).toBe('sbin/init');
    expect(ctx.bootProgram('usr/bin/init2')!.path).toBe('sbin/init');
    expect(ctx.bootProgram('usr/sbin/real-sh')!.path).toBe('sbin/sh');
    expect(ctx.bootProgram('usr/bin/none')).toBeUndefined();
    expect(ctx.bootProgram('usr/bin/sh2')!.path).toBe('sbin/sh');
    // A missing path matches no entry through a missing table path.
    expect(ctxOf({}).bootProgram('usr/bin/x')).toBeUndefined();
    // A table entry that is not in the image is still found by its path, however many slashes lead it.
    expect(ctxOf({}).bootProgram('//sbin/init')!.path).toBe('sbin/init');
  });

  it('nameToMajor parses etc/name_to_major once', async () => {
    const ctx = ctxOf({ 'etc/name_to_major': 'cn 0\nsy 22\n' });
    const m = await ctx.nameToMajor();
    expect([...m]).toEqual([
      ['cn', 0],
      ['sy', 22],
    ]);
    expect(await ctx.nameToMajor()).toBe(m);
    expect([...(await ctxOf({}).nameToMajor())]).toEqual([]);
  });

  it('aliases: alias -> driver, quoted or not, comments and blank lines skipped, parsed once', async () => {
    const ctx = ctxOf({ 'etc/driver_aliases': ['ata "pciclass,0101"', '  ahci    pciclass,010601', '#nope "x"', '', 'half "open', 'tail close"', 'asy\t"isa,pnp"'].join('\n') });
    const a = await ctx.aliases();
    expect([...a]).toEqual([
      ['pciclass,0101', 'ata'],
      ['pciclass,010601', 'ahci'],
      ['open', 'half'],
      ['close', 'tail'],
      ['isa,pnp', 'asy'],
    ]);
    expect(await ctx.aliases()).toBe(a);
    expect([...(await ctxOf({}).aliases())]).toEqual([]);
  });
});

describe('CheckContext.moduleProblem', () => {
  it('a module and its dependencies in the image: no problem; cycles end', async () => {
    const ctx = ctxOf({ 'kernel/fs/amd64/a': mod(['fs/b']), 'kernel/fs/amd64/b': mod(['fs/a', 'cpu/$CPU']) });
    expect(await ctx.moduleProblem('fs/a')).toBeUndefined();
    expect(await ctx.moduleProblem('fs/none', new Set(['fs/none']))).toBeUndefined();
    expect(await ctx.moduleProblem('mach/$MMU')).toBeUndefined();
  });

  it('names what is missing, or not ELF, through the dependency chain', async () => {
    const ctx = ctxOf({ 'kernel/fs/amd64/a': mod(['fs/b']), 'kernel/fs/amd64/b': mod(['misc/c']), 'kernel/misc/amd64/c': 'not elf', 'kernel/misc/amd64/d': mod(['misc/e']) });
    expect(await ctx.moduleProblem('fs/a')).toBe('fs/a needs fs/b: fs/b needs misc/c: /kernel/misc/amd64/c is not a kernel module (not an ELF object)');
    expect(await ctx.moduleProblem('misc/d')).toBe('misc/d needs misc/e: misc/e is not in the image (krtld looks in platform/i86pc/kernel, kernel and usr/kernel, under amd64)');
  });

  it('an object that cannot be read says why', async () => {
    const ctx = ctxOf({ 'kernel/misc/amd64/t': mod([]).subarray(0, 40) });
    expect(await ctx.moduleProblem('misc/t')).toBe(`/kernel/misc/amd64/t is not a kernel module (not an ELF object: ${truncated(64)})`);
  });
});

const truncated = (n: number) => `truncated: the ELF header (${n} bytes at offset 0) runs past the end of the 40-byte file`;

describe('CheckContext.programProblems', () => {
  it('missing, not a file, not executable, unreadable, not a program', async () => {
    const ctx = ctxOf({ 'bin/d': { dir: true }, 'bin/ld': { symlink: 'd' }, 'bin/t': syntheticObject('bin/t').subarray(0, 40), 'bin/data': 'plain data', 'bin/h': { hardlink: 'bin/data' } });
    ctx.tree.put({ path: 'bin/ro', type: 'file', mode: 0o644, size: 3, source: gen('#!/sbin/sh\n'), ...base });
    ctx.tree.put({ path: 'bin/sock', type: 'socket' as never, mode: 0o755, size: 0, ...base });
    expect(await ctx.programProblems('//bin/none')).toEqual(['/bin/none is not in the image']);
    expect(await ctx.programProblems('/bin/ld')).toEqual(['/bin/ld is a dir, not a program']);
    expect(await ctx.programProblems('bin/ro')).toEqual(['/bin/ro is not executable (mode 644)']);
    expect(await ctx.programProblems('bin/t')).toEqual([`/bin/t cannot be read as ELF: ${truncated(52)}`]);
    expect(await ctx.programProblems('bin/data')).toEqual(['/bin/data is neither an ELF program nor a "#!" script']);
    expect(await ctx.programProblems('bin/h')).toEqual(['/bin/h is neither an ELF program nor a "#!" script']);
  });

  it('a hardlink to a file that is not executable is judged by the file', async () => {
    const ctx = ctxOf({});
    ctx.tree.put({ path: 'bin/ro', type: 'file', mode: 0o600, size: 3, source: gen('abc'), ...base });
    ctx.tree.put({ path: 'bin/h', type: 'hardlink', mode: 0o755, size: 0, target: 'bin/ro', ...base });
    expect(await ctx.programProblems('bin/h')).toEqual(['/bin/h is not executable (mode 600)']);
  });

  it('a program and its libraries; a missing library is named', async () => {
    const ctx = ctxOf({ ...LIBS, 'usr/bin/ok': syntheticObject('usr/bin/ok'), 'usr/bin/ls': buildSyntheticElf({ type: 'exec', elfClass: 32, interp: '/usr/lib/ld.so.1', needed: ['libc.so.1', 'libnone.so.1'] }), 'sbin/s': '#!/sbin/sh\necho\n', 'sbin/sh': syntheticObject('sbin/sh') });
    expect(await ctx.programProblems('usr/bin/ok')).toEqual([]);
    expect(await ctx.programProblems('sbin/s')).toEqual([]);
    expect(await ctx.programProblems('usr/bin/ls')).toEqual(['/usr/bin/ls needs libnone.so.1, which is not in the image']);
  });

  it('an unreadable library is the closure\'s finding, not the program\'s', async () => {
    const ctx = ctxOf({ ...LIBS, 'lib/libbad.so.1': syntheticObject('lib/libbad.so.1').subarray(0, 40), 'usr/bin/p': buildSyntheticElf({ type: 'exec', elfClass: 32, interp: '/usr/lib/ld.so.1', needed: ['libc.so.1', 'libbad.so.1'] }) });
    expect(await ctx.programProblems('usr/bin/p')).toEqual([]);
  });

  it('isaexec links run the per-ISA programs', async () => {
    const ctx = ctxOf({
      ...LIBS,
      'usr/lib/isaexec': syntheticObject('usr/lib/isaexec'),
      'usr/bin/a': { hardlink: 'usr/lib/isaexec' },
      'usr/bin/amd64/a': buildSyntheticElf({ type: 'exec', elfClass: 32, interp: '/usr/lib/ld.so.1', needed: ['libc.so.1', 'libx.so.1'] }),
      'usr/bin/i86/a': buildSyntheticElf({ type: 'exec', elfClass: 32, interp: '/usr/lib/ld.so.1', needed: ['libc.so.1', 'liby.so.1'] }),
      'usr/bin/b': { hardlink: 'usr/lib/isaexec' },
      'usr/bin/c': { symlink: 'b' },
      'usr/bin/i86/c': syntheticObject('usr/bin/i86/c'),
    });
    expect(await ctx.programProblems('usr/bin/a')).toEqual(['/usr/bin/amd64/a needs libx.so.1, which is not in the image', '/usr/bin/i86/a needs liby.so.1, which is not in the image']);
    expect(await ctx.programProblems('usr/bin/b')).toEqual(['/usr/bin/b is a link to isaexec, which runs /usr/bin/amd64/b or /usr/bin/i86/b, and neither is in the image']);
    expect(await ctx.programProblems('usr/bin/c')).toEqual([]);
    expect(await ctx.programProblems('usr/lib/isaexec')).toEqual([]);
  });

  it('a file that isaexec is a hardlink of is an isaexec link too', async () => {
    const ctx = ctxOf({ ...LIBS, 'usr/bin/p': syntheticObject('usr/bin/p'), 'usr/lib/isaexec': { hardlink: 'usr/bin/p' }, 'usr/bin/q': syntheticObject('usr/bin/q'), 'usr/bin/q2': { hardlink: 'usr/bin/q' } });
    expect(await ctx.programProblems('usr/bin/p')).toEqual(['/usr/bin/p is a link to isaexec, which runs /usr/bin/amd64/p or /usr/bin/i86/p, and neither is in the image']);
    expect(await ctx.programProblems('usr/bin/q2')).toEqual([]);
    expect(await ctx.programProblems('usr/bin/q')).toEqual([]);
  });
});

describe('CheckContext.device', () => {
  const DEV = { 'etc/name_to_major': 'cn 0\nclone 11\nptm 12\nsd 13\n', 'etc/driver_aliases': 'sd "scsiclass,00"\n' };
  it('follows /dev links to /devices nodes and names the driver', async () => {
    const ctx = ctxOf({
      ...DEV,
      'dev/console': { symlink: '../devices/pseudo/cn@0:console' },
      'dev/ptmx': { symlink: '../devices/pseudo/clone@0:ptm' },
      'dev/pts': { symlink: '../devices/pseudo/clone@0:pts' },
      'dev/dsk': { symlink: '../devices/pci@0,0' },
      'dev/x': { symlink: '../devices/pseudo/zz@1:x' },
      'dev/cnu': { symlink: '../devices/pseudo/cn:console' },
      'dev/al': { symlink: '../devices/pci@0/scsiclass,00@10,2:a' },
      'dev/at': { symlink: '../devices/pseudo/@cn:console' },
    });
    expect(await ctx.device('/dev/console')).toEqual({ node: 'devices/pseudo/cn@0:console', driver: 'cn' });
    expect(await ctx.device('dev/ptmx')).toEqual({ node: 'devices/pseudo/clone@0:ptm', driver: 'ptm' });
    expect(await ctx.device('dev/pts')).toEqual({ node: 'devices/pseudo/clone@0:pts', driver: 'pts', problem: '/devices/pseudo/clone@0:pts belongs to driver pts, which has no etc/name_to_major entry' });
    expect(await ctx.device('dev/dsk')).toEqual({ node: 'devices/pci@0,0', problem: '/devices/pci@0,0 is not a device node path (expected .../<driver>@<unit>:<minor>)' });
    expect(await ctx.device('dev/at')).toEqual({ node: 'devices/pseudo/@cn:console', problem: '/devices/pseudo/@cn:console is not a device node path (expected .../<driver>@<unit>:<minor>)' });
    expect(await ctx.device('dev/x')).toEqual({ node: 'devices/pseudo/zz@1:x', driver: 'zz', problem: '/devices/pseudo/zz@1:x belongs to driver zz, which has no etc/name_to_major entry' });
    expect(await ctx.device('dev/cnu')).toEqual({ node: 'devices/pseudo/cn:console', driver: 'cn' });
    expect(await ctx.device('dev/al')).toEqual({ node: 'devices/pci@0/scsiclass,00@10,2:a', driver: 'sd' });
    expect(await ctx.device('devices/pseudo/cn@0:console')).toEqual({ node: 'devices/pseudo/cn@0:console', driver: 'cn' });
    expect(await ctx.device('//devices/pseudo/cn@0:console')).toEqual({ node: 'devices/pseudo/cn@0:console', driver: 'cn' });
  });

  it('clone nodes need the clone driver too', async () => {
    const ctx = ctxOf({ 'etc/name_to_major': 'ptm 12\n', 'dev/ptmx': { symlink: '../devices/pseudo/clone@0:ptm' } });
    expect(await ctx.device('dev/ptmx')).toEqual({ node: 'devices/pseudo/clone@0:ptm', driver: 'ptm', problem: '/devices/pseudo/clone@0:ptm belongs to driver clone, which has no etc/name_to_major entry' });
  });

  it('device nodes in /dev, missing links, links through linked directories, files, escapes and loops', async () => {
    const chain: TreeSpec = {};
    for (let i = 0; i < 16; i++) chain[`dev/c${i}`] = { symlink: `c${i + 1}` };
    const ctx = ctxOf({
      ...DEV,
      ...chain,
      'dev/term': { symlink: '../devices/pseudo' },
      'devices/pseudo': { dir: true },
      'dev/f': 'file',
      'dev/out': { symlink: '../../../x' },
      'dev/loop': { symlink: 'loop2' },
      'dev/loop2': { symlink: 'loop' },
      'dev/d': { dir: true },
    });
    ctx.tree.put({ path: 'dev/null', type: 'char', mode: 0o666, size: 0, ...base });
    ctx.tree.put({ path: 'dev/blk', type: 'block', mode: 0o666, size: 0, ...base });
    ctx.tree.put({ path: 'dev/c16', type: 'char', mode: 0o666, size: 0, ...base });
    expect(await ctx.device('dev/null')).toEqual({});
    expect(await ctx.device('dev/blk')).toEqual({});
    expect(await ctx.device('dev/c1')).toEqual({});
    expect(await ctx.device('dev/c0')).toEqual({ problem: '/dev/c0 is a loop of links' });
    expect(await ctx.device('//dev/none')).toEqual({ problem: "/dev/none is not in the image (the kernel's /dev makes no link by itself before devfsadm runs)" });
    expect(await ctx.device('dev/d/none')).toEqual({ problem: "/dev/d/none is not in the image (the kernel's /dev makes no link by itself before devfsadm runs)" });
    expect(await ctx.device('dev/term/cn@0:console')).toEqual({ node: 'devices/pseudo/cn@0:console', driver: 'cn' });
    expect(await ctx.device('dev/f')).toEqual({ problem: '/dev/f is a file, not a link to a device node' });
    expect(await ctx.device('dev/d')).toEqual({ problem: '/dev/d is a dir, not a link to a device node' });
    expect(await ctx.device('dev/out')).toEqual({ problem: '/dev/out points outside the image (../../../x)' });
    expect(await ctx.device('/dev/loop')).toEqual({ problem: '//dev/loop is a loop of links' });
  });
});
