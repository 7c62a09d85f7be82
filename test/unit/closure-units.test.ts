import { describe, expect, it } from 'vitest';
import { companionTable } from '../../src/closure/companions.js';
import { hardwareModules } from '../../src/closure/hardware.js';
import { ContentInspector, SCRIPT_TEXT_LIMIT, shebangInterpreter } from '../../src/closure/inspect.js';
import { driverConfPath, isKernelPath, moduleCandidates, resolveModule } from '../../src/closure/kernel.js';
import { concurrencyLimit } from '../../src/closure/limit.js';
import { closureError } from '../../src/closure/problems.js';
import { absolutePathsIn, psmNames } from '../../src/closure/script-paths.js';
import { tracePath } from '../../src/closure/trace-path.js';
import { expandTokens, libraryCandidates, librarySearchDirs, resolveLibrary } from '../../src/closure/userland.js';
import { closureRoots, keepEntryRoots } from '../../src/closure/roots.js';
import { ALWAYS_FILES, KERNEL_OBJECTS, MOUNT_POINT_DIRS } from '../../src/closure/always-needed.js';
import { buildSyntheticElf } from '../../src/elf/write-synthetic.js';
import type { ElfInfo } from '../../src/elf/read-elf.js';
import { ProfileError } from '../../src/util/errors.js';
import { stagedTreeOf } from '../fixtures/elf/tree.js';

const lib64 = (needed: string[] = []) => buildSyntheticElf({ type: 'dyn', needed });
const mod = (needed: string[] = []) => buildSyntheticElf({ type: 'rel', needed });
const info64: ElfInfo = { elfClass: 64, needed: [], endian: 'little', machine: 62, machineName: 'amd64', type: 'exec' };

describe('concurrencyLimit', () => {
  const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('hung')), 1000))]);

  it('runs at most `max` tasks at once, hands slots on, and frees them after a failure', async () => {
    const limit = concurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const task = (v: number, fail = false) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (fail) throw new Error(`fail ${v}`);
      return v;
    };
    const results = await within(Promise.allSettled([1, 2, 3, 4, 5].map((v) => limit(task(v, v === 2)))));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([1, 'fail 2', 3, 4, 5]);
    expect(peak).toBe(2);
    // After everything finished, both slots are free again: two tasks run together, a third waits.
    peak = 0;
    expect(await within(Promise.all([limit(task(6)), limit(task(7)), limit(task(8))]))).toEqual([6, 7, 8]);
    expect(peak).toBe(2);
  });
});

describe('closure problems, word for word', () => {
  it('lists up to twenty items and counts the rest', () => {
    const items = Array.from({ length: 21 }, (_, i) => `p${i}`);
    expect(closureError({ unmatchedKeep: items, missing: [] }, 'x')?.message).toBe(
      `profile x: its keep list names things the proto area does not have: ${items.slice(0, 20).join('; ')}; and 1 more; add the missing files to the proto area (or an overlay), or drop what needs them from "keep"`,
    );
    expect(closureError({ unmatchedKeep: items.slice(0, 20), missing: [{ object: 'a', dependency: 'b' }] }, 'x')?.message).toBe(
      `profile x: its keep list names things the proto area does not have: ${items.slice(0, 20).join('; ')}; and kept objects need what the proto area does not have: /a needs b; add the missing files to the proto area (or an overlay), or drop what needs them from "keep"`,
    );
  });
});

describe('hardware shorthands, exactly', () => {
  it('lists each machine and merges without duplicates', () => {
    expect(hardwareModules(['qemu'])).toEqual(['drv/ahci', 'drv/sd', 'drv/ata', 'drv/cmdk', 'drv/vioblk', 'drv/vioscsi', 'drv/nvme', 'drv/e1000g', 'drv/vioif', 'misc/virtio', 'drv/asy', 'drv/i8042', 'drv/kb8042', 'drv/vgatext', 'drv/pci_pci', 'drv/pcieb']);
    expect(hardwareModules(['virtualbox'])).toEqual(['drv/ahci', 'drv/sd', 'drv/ata', 'drv/cmdk', 'drv/e1000g', 'drv/pcn', 'drv/vioif', 'misc/virtio', 'drv/asy', 'drv/i8042', 'drv/kb8042', 'drv/vgatext', 'drv/pci_pci', 'drv/pcieb']);
    expect(hardwareModules(['bhyve'])).toEqual(['drv/vioblk', 'drv/vioif', 'misc/virtio', 'drv/ahci', 'drv/sd', 'drv/nvme', 'drv/asy', 'drv/pci_pci', 'drv/pcieb']);
    expect(() => hardwareModules(['vmware'])).toThrow(new ProfileError('key "hardware": unknown machine "vmware"; known: qemu, virtualbox, bhyve'));
  });
});

describe('companion table', () => {
  it('holds each program and merges entries whose objects are one file', () => {
    const t = stagedTreeOf({
      'sbin/init': lib64(),
      'usr/sbin/mount': { symlink: '../../sbin/init' },
      'lib/libc.so.1': lib64(),
      'lib/amd64/libc.so.1': { symlink: '../libc.so.1' },
    });
    expect([...companionTable(t)]).toEqual([
      [
        'sbin/init',
        {
          object: 'sbin/init',
          files: ['sbin/sh', 'etc/inittab', 'etc/default/init', 'etc/ioctl.syscon', 'etc/vfstab', 'etc/default/fs', 'etc/fs/ufs/mount', 'usr/lib/fs/ufs/mount', 'usr/lib/fs/tmpfs/mount', 'usr/lib/fs/fd/mount'],
          libraries: [],
        },
      ],
      ['usr/sbin/devfsadm', { object: 'usr/sbin/devfsadm', files: ['usr/lib/devfsadm/linkmod/*', 'usr/lib/devfsadm/devfsadmd', 'etc/devlink.tab'] }],
      ['lib/libc.so.1', { object: 'lib/libc.so.1', files: ['etc/nsswitch.conf', 'etc/nsswitch.conf'], libraries: ['nss_files.so.1', 'nss_files.so.1'] }],
    ]);
    expect([...companionTable(stagedTreeOf({})).keys()]).toEqual(['sbin/init', 'usr/sbin/mount', 'usr/sbin/devfsadm', 'lib/libc.so.1', 'lib/amd64/libc.so.1']);
    expect(companionTable(stagedTreeOf({})).get('lib/amd64/libc.so.1')).toEqual({ object: 'lib/amd64/libc.so.1', files: ['etc/nsswitch.conf'], libraries: ['nss_files.so.1'] });
  });
});

describe('shebang lines', () => {
  it('reads the interpreter of a "#!" line and nothing else', () => {
    const sb = (s: string) => shebangInterpreter(Buffer.from(s, 'latin1'));
    expect(sb('#!x')).toBe('x');
    expect(sb('#! /bin/sh -x\nexit\n')).toBe('/bin/sh');
    expect(sb('#!/bin/ksh')).toBe('/bin/ksh');
    expect(sb('!!/bin/sh\n')).toBeUndefined();
    expect(sb('#?/bin/sh\n')).toBeUndefined();
    expect(sb('abc/x\n')).toBeUndefined();
    expect(sb('#!')).toBeUndefined();
    expect(sb(`#!/${'a'.repeat(300)}`)).toBe(`/${'a'.repeat(253)}`);
  });
});

describe('ContentInspector', () => {
  it('examines content once per file, however many links lead to it', async () => {
    const t = stagedTreeOf({ 'usr/bin/a': lib64(), 'usr/bin/b': { hardlink: 'usr/bin/a' }, 'usr/bin/bad': { hardlink: 'usr/bin/gone' }, 'opt': { dir: true } });
    const ins = new ContentInspector(t);
    const p = ins.inspect(t.get('usr/bin/a')!);
    expect(ins.inspect(t.get('usr/bin/b')!)).toBe(p);
    expect((await p).kind).toBe('elf');
    expect(await ins.inspect(t.get('usr/bin/bad')!)).toEqual({ kind: 'error', error: 'hardlink "usr/bin/bad" points at "usr/bin/gone", which is not a file in the image' });
    expect(await ins.inspect(t.get('opt')!)).toEqual({ kind: 'data' });
    expect(await ins.readText(t.get('opt')!, 10)).toBeUndefined();
  });

  it('reads a script whole up to the limit, and only its interpreter above it', async () => {
    const script = (size: number) => {
      const head = '#!/sbin/sh\n';
      const tail = 'x /usr/bin/late\n';
      return head + ' '.repeat(size - head.length - tail.length) + tail;
    };
    const t = stagedTreeOf({ 'a': script(1000), 'b': script(SCRIPT_TEXT_LIMIT), 'c': script(SCRIPT_TEXT_LIMIT + 1), 'd': 'hello world' });
    const ins = new ContentInspector(t);
    expect(await ins.inspect(t.get('a')!)).toEqual({ kind: 'script', interpreter: '/sbin/sh', text: script(1000) });
    expect(await ins.inspect(t.get('b')!)).toEqual({ kind: 'script', interpreter: '/sbin/sh', text: script(SCRIPT_TEXT_LIMIT) });
    expect(await ins.inspect(t.get('c')!)).toEqual({ kind: 'script', interpreter: '/sbin/sh', text: undefined });
    expect(await ins.inspect(t.get('d')!)).toEqual({ kind: 'data' });
    expect(await ins.readText(t.get('d')!, 5)).toBe('hello');
  });
});

describe('kernel module lookup details', () => {
  it('knows kernel paths, candidates and driver.conf names exactly', () => {
    expect(isKernelPath('kernel/drv/x')).toBe(true);
    expect(isKernelPath('opt/kernel/drv/x')).toBe(false);
    expect(moduleCandidates('//misc/mac')[0]).toBe('platform/i86pc/kernel/misc/amd64/mac');
    expect(moduleCandidates('/genunix', 32)).toEqual(['platform/i86pc/kernel/genunix', 'kernel/genunix', 'usr/kernel/genunix']);
    expect(driverConfPath('kernel/drv/e1000g')).toBe('kernel/drv/e1000g.conf');
    expect(driverConfPath('kernel/drv/e1000g.conf')).toBeUndefined();
    expect(driverConfPath('opt/kernel/drv/x')).toBeUndefined();
    expect(driverConfPath('kernel/drv/amd64/x/y')).toBeUndefined();
  });

  it('loads a module that is a hardlink, and passes over directories', () => {
    const t = stagedTreeOf({ 'kernel/misc/amd64/real': mod(), 'kernel/misc/amd64/mac': { hardlink: 'kernel/misc/amd64/real' }, 'platform/i86pc/kernel/misc/amd64/dls': { dir: true }, 'kernel/misc/amd64/dls': mod() });
    expect(resolveModule(t, 'misc/mac')).toMatchObject({ path: 'kernel/misc/amd64/mac', links: [], entry: { type: 'hardlink' } });
    expect(resolveModule(t, 'misc/dls')?.path).toBe('kernel/misc/amd64/dls');
    expect(resolveModule(t, 'misc/none')).toBeNull();
  });
});

describe('shell text and etc/mach', () => {
  it('takes paths outside comments and the run-time trees only', () => {
    expect(absolutePathsIn('/usr/bin/a # /usr/bin/b\n  # /usr/bin/c\n/dev /dev/x /devx /t /tmp\n')).toEqual(['usr/bin/a', 'usr/bin/b', 'devx', 't']);
  });

  it('reads one PSM name a line', () => {
    expect(psmNames('apix  \npcplusmp #\n\nbad name\n# c\nuppc#x\n')).toEqual(['apix', 'pcplusmp', 'uppc']);
  });
});

describe('tracePath limits', () => {
  it('follows up to 40 links, and refuses escapes and ".." paths', () => {
    const spec: Record<string, { symlink: string } | string> = { f: 'x', up: { symlink: '../../x' } };
    for (let i = 0; i < 41; i++) spec[`l${i}`] = { symlink: i === 0 ? 'f' : `l${i - 1}` };
    const t = stagedTreeOf(spec);
    expect(tracePath(t, 'l39')?.links).toHaveLength(40);
    expect(tracePath(t, 'l40')).toBeNull();
    expect(tracePath(t, 'up')).toBeNull();
    expect(tracePath(t, '../f')).toBeNull();
  });
});

describe('ld.so.1 search details', () => {
  it('expands every token, up to eight of them', () => {
    expect(expandTokens('$OSNAME/$OSREL', 'a')).toEqual(['SunOS/5.11']);
    expect(expandTokens('$ISALIST', 'a')).toEqual(['amd64', 'pentium_pro+mmx', 'pentium_pro', 'pentium+mmx', 'pentium', 'i486', 'i386', 'i86']);
    expect(expandTokens('$OSREL/'.repeat(8), 'a')).toEqual(['5.11/'.repeat(8)]);
    expect(expandTokens('$OSREL/'.repeat(9), 'a')).toEqual([]);
  });

  it('turns search paths into image paths', () => {
    expect(librarySearchDirs('usr/bin/p', { ...info64, runpath: '/opt/lib/::$ORIGIN/..' })).toEqual(['opt/lib', 'usr', 'lib/64', 'usr/lib/64']);
    expect(libraryCandidates('bin/p', { ...info64, runpath: '$ORIGIN/..' }, 'libx.so.1')[0]).toBe('libx.so.1');
    expect(libraryCandidates('opt/bin/p', info64, '$ORIGIN/libx.so.1')).toEqual(['opt/bin/libx.so.1']);
    expect(librarySearchDirs('p', { ...info64, elfClass: 32 })).toEqual(['lib', 'usr/lib']);
  });

  it('passes over data, scripts and directories, and takes a hardlink or an unreadable object', async () => {
    const broken = lib64().subarray(0, 80);
    const t = stagedTreeOf({
      'o/a/libx.so.1': 'data',
      'o/b/libx.so.1': '#!/bin/sh\n',
      'o/c/libx.so.1': { dir: true },
      'o/d/real': lib64(),
      'o/d/libx.so.1': { hardlink: 'o/d/real' },
      'o/e/liby.so.1': broken,
      'o/f/liby.so.1': lib64(),
    });
    const ins = new ContentInspector(t);
    expect(await resolveLibrary(t, ins, 'usr/bin/p', { ...info64, runpath: '/o/a:/o/b:/o/c:/o/d' }, 'libx.so.1')).toMatchObject({ path: 'o/d/libx.so.1', links: [] });
    expect((await resolveLibrary(t, ins, 'usr/bin/p', { ...info64, runpath: '/o/e:/o/f' }, 'liby.so.1'))?.path).toBe('o/e/liby.so.1');
  });
});

describe('closure roots', () => {
  const tree = () => stagedTreeOf({ 'usr/bin/x': 'x', 'etc/.profile': 'p', 'etc/motd': 'm' });
  const all = (t: ReturnType<typeof tree>) => () => t.entries().map((e) => e.path);

  it('turns keep entries into paths and modules', () => {
    const t = tree();
    expect(keepEntryRoots(t, ' //usr/bin/x// ', all(t))).toEqual({ paths: [{ path: 'usr/bin/x', required: true, subtree: true }], modules: [] });
    expect(keepEntryRoots(t, 'etc/*', all(t))).toEqual({ paths: [{ path: 'etc/.profile', required: true, subtree: true }, { path: 'etc/motd', required: true, subtree: true }], modules: [] });
    expect(keepEntryRoots(t, 'opt/**/y', all(t))).toEqual({ paths: [{ path: 'opt/**/y', required: true, subtree: false }], modules: [] });
    expect(keepEntryRoots(t, 'drv/e1000g', all(t))).toEqual({ paths: [], modules: [{ name: 'drv/e1000g', required: true }] });
    expect(keepEntryRoots(t, 'x/drv/e1000g', all(t))).toEqual({ paths: [{ path: 'x/drv/e1000g', required: true, subtree: false }], modules: [] });
    expect(keepEntryRoots(t, 'drv', all(t))).toEqual({ paths: [{ path: 'drv', required: true, subtree: false }], modules: [] });
  });

  it('lists protected paths sorted, then the always-needed set, and the PSMs of the first 64 KiB of etc/mach', async () => {
    const t = stagedTreeOf({ 'etc/mach': `apix\n${'#'.repeat(70 * 1024)}\npcplusmp\n` });
    const r = await closureRoots(t, { keep: [], hardware: [], protect: new Set(['z/p', 'a/p']) });
    expect(r.paths).toEqual([
      { path: 'a/p', required: false, subtree: false },
      { path: 'z/p', required: false, subtree: false },
      ...ALWAYS_FILES.map((path) => ({ path, required: false, subtree: true })),
      ...MOUNT_POINT_DIRS.map((path) => ({ path, required: false, subtree: false })),
      ...KERNEL_OBJECTS.map((path) => ({ path, required: false, subtree: false })),
    ]);
    const empty = await closureRoots(stagedTreeOf({}), { keep: [], hardware: [], protect: new Set() });
    expect(r.modules.slice(empty.modules.length)).toEqual([{ name: 'mach/apix', required: false }]);
    const none = await closureRoots(stagedTreeOf({ 'etc/mach': { dir: true } }), { keep: [], hardware: [], protect: new Set() });
    expect(none.modules).toEqual(empty.modules);
    const bare = stagedTreeOf({});
    bare.put({ path: 'etc/mach', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 });
    expect((await closureRoots(bare, { keep: [], hardware: [], protect: new Set() })).modules).toEqual(empty.modules);
    const linked = await closureRoots(stagedTreeOf({ 'etc/mach.real': 'pcplusmp\n', 'etc/mach': { hardlink: 'etc/mach.real' } }), { keep: [], hardware: [], protect: new Set() });
    expect(linked.modules.slice(empty.modules.length)).toEqual([{ name: 'mach/pcplusmp', required: false }]);
  });
});
