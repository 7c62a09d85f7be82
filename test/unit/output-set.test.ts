import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir, hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { OutputSet } from '../../src/pipeline/output-set.js';
import { InputError, OutputError } from '../../src/util/errors.js';
import { classifySystemError } from '../../src/util/fs-errors.js';

// openSync and unlinkSync can be made to misbehave, to reach the lock's rarer paths in-process.
const fsControl = vi.hoisted(() => ({ openError: undefined as string | undefined, keepLocks: false, unlinks: [] as string[], renameFailsInto: undefined as string | undefined }));

// rename can be made to fail once for a target path ending in renameFailsInto (a move of the publish).
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const rename = (async (from: string, to: string) => {
    if (fsControl.renameFailsInto && String(to).endsWith(fsControl.renameFailsInto)) {
      fsControl.renameFailsInto = undefined;
      throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO' });
    }
    return real.rename(from, to);
  }) as typeof real.rename;
  return { ...real, default: { ...real, rename }, rename };
});

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    if (fsControl.openError && String(path).endsWith('.compose.lock')) {
      const code = fsControl.openError;
      fsControl.openError = undefined;
      throw Object.assign(new Error(`${code}: refused, open '${path}'`), { code });
    }
    return (real.openSync as (...a: unknown[]) => number)(path, ...rest);
  }) as typeof real.openSync;
  const unlinkSync = ((path: string) => {
    fsControl.unlinks.push(String(path));
    if (fsControl.keepLocks && String(path).endsWith('.compose.lock')) return;
    real.unlinkSync(path);
  }) as typeof real.unlinkSync;
  return { ...real, default: { ...real, openSync, unlinkSync }, openSync, unlinkSync };
});

afterEach(() => {
  fsControl.openError = undefined;
  fsControl.keepLocks = false;
  fsControl.unlinks = [];
  fsControl.renameFailsInto = undefined;
  vi.restoreAllMocks();
});

// Publishing the outputs of one build together: a journal a killed publish leaves is finished by
// the next build, stale staging directories go, locks of dead builds are taken over, a live
// lock refuses.

const fresh = () => mkdtemp(join(tmpdir(), 'output-set-'));

/** An output directory holding old p.iso and p.tar, and a set with new ones (and `more`) staged. */
async function newOverOld(more: string[] = []): Promise<{ out: string; set: OutputSet }> {
  const out = await fresh();
  writeFileSync(join(out, 'p.iso'), 'old iso');
  writeFileSync(join(out, 'p.tar'), 'old tar');
  const set = await OutputSet.open(out, out);
  for (const name of ['p.iso', 'p.tar', ...more]) writeFileSync(set.path(name), `new ${name.slice(2)}`);
  return { out, set };
}

describe('OutputSet', () => {
  it('a move that fails during the publish leaves the journal and the staged outputs for the next build, which finishes it', async () => {
    const { out, set } = await newOverOld();
    fsControl.renameFailsInto = `${out}/p.tar`;
    await expect(set.publish([])).rejects.toThrow(/EIO/);
    await set.close();
    // Half published: the next build must see the journal and the staged tar.
    expect(readFileSync(join(out, 'p.iso'), 'utf8')).toBe('new iso');
    expect(existsSync(join(out, '.compose-publish.json'))).toBe(true);
    const next = await OutputSet.open(out, out);
    expect(readFileSync(join(out, 'p.tar'), 'utf8')).toBe('new tar');
    expect(existsSync(join(out, '.compose-publish.json'))).toBe(false);
    expect(readdirSync(out).filter((n) => n.startsWith('.compose-staging-'))).toEqual([basename(dirname(next.path('x')))]);
    await next.close();
    expect(readdirSync(out).sort()).toEqual(['p.iso', 'p.tar']);
  });

  it('a failed move is reported only after every other move has been made', async () => {
    const { out, set } = await newOverOld(['p.ufs']);
    // The first of the moves fails; the others are made all the same, before publish() returns.
    fsControl.renameFailsInto = `${out}/p.iso`;
    await expect(set.publish([])).rejects.toThrow(/EIO/);
    expect(readFileSync(join(out, 'p.tar'), 'utf8')).toBe('new tar');
    expect(readFileSync(join(out, 'p.ufs'), 'utf8')).toBe('new ufs');
    expect(readFileSync(join(out, 'p.iso'), 'utf8')).toBe('old iso');
    await set.close();
    const next = await OutputSet.open(out, out);
    expect(readFileSync(join(out, 'p.iso'), 'utf8')).toBe('new iso');
    await next.close();
  });

  it('finishes a publish that a killed build had committed to, before anything else', async () => {
    const out = await fresh();
    const staging = join(out, '.compose-staging-999999-abc');
    mkdirSync(staging);
    writeFileSync(join(staging, 'p.iso'), 'new iso');
    writeFileSync(join(out, 'p.boot_archive'), 'already moved');
    writeFileSync(join(out, 'p.tar'), 'stale');
    writeFileSync(join(out, 'p.iso'), 'old iso');
    writeFileSync(join(out, '.compose-publish.json'), JSON.stringify({ staging, move: ['p.boot_archive', 'p.iso'], remove: ['p.tar'] }));
    const set = await OutputSet.open(out, out);
    expect(readFileSync(join(out, 'p.iso'), 'utf8')).toBe('new iso');
    expect(readFileSync(join(out, 'p.boot_archive'), 'utf8')).toBe('already moved');
    expect(existsSync(join(out, 'p.tar'))).toBe(false);
    expect(existsSync(join(out, '.compose-publish.json'))).toBe(false);
    expect(existsSync(staging)).toBe(false);
    await set.close();
    expect(readdirSync(out).sort()).toEqual(['p.boot_archive', 'p.iso']);
  });

  it('publishes staged files over old ones and removes stale outputs; an unpublished set leaves nothing', async () => {
    const out = await fresh();
    writeFileSync(join(out, 'p.tar'), 'old tar');
    writeFileSync(join(out, 'p.ufs'), 'old ufs');
    const set = await OutputSet.open(out, out);
    writeFileSync(set.path('p.tar'), 'new tar');
    mkdirSync(set.path('p.root'));
    expect(await set.publish(['p.ufs', 'p.iso'])).toEqual(['p.ufs']);
    await set.close();
    expect(readdirSync(out).sort()).toEqual(['p.root', 'p.tar']);
    expect(readFileSync(join(out, 'p.tar'), 'utf8')).toBe('new tar');

    const aborted = await OutputSet.open(out, out);
    writeFileSync(aborted.path('p.tar'), 'half');
    await aborted.close();
    expect(readdirSync(out).sort()).toEqual(['p.root', 'p.tar']);
    expect(readFileSync(join(out, 'p.tar'), 'utf8')).toBe('new tar');
  });

  it('republishes a directory output over the old one: the old directory\'s files do not survive', async () => {
    const out = await fresh();
    const first = await OutputSet.open(out, out);
    mkdirSync(first.path('p.pxe'));
    writeFileSync(join(first.path('p.pxe'), 'old-only'), 'a');
    writeFileSync(join(first.path('p.pxe'), 'both'), 'old');
    await first.publish([]);
    await first.close();
    const second = await OutputSet.open(out, out);
    mkdirSync(second.path('p.pxe'));
    writeFileSync(join(second.path('p.pxe'), 'both'), 'new');
    await second.publish([]);
    await second.close();
    expect(readdirSync(join(out, 'p.pxe'))).toEqual(['both']);
    expect(readFileSync(join(out, 'p.pxe', 'both'), 'utf8')).toBe('new');
  });

  it('takes over the lock of a dead build, refuses a live one', async () => {
    const out = await fresh();
    writeFileSync(join(out, '.compose.lock'), `2147483646 ${hostname()}\n`);
    const set = await OutputSet.open(out, out);
    await set.close();
    expect(existsSync(join(out, '.compose.lock'))).toBe(false);
    writeFileSync(join(out, '.compose.lock'), `1 ${hostname()}\n`); // pid 1 is alive
    await expect(OutputSet.open(out, 'out')).rejects.toThrow(OutputError);
    await expect(OutputSet.open(out, 'out')).rejects.toThrow(/another compose \(pid 1\) is building into out/);
  });

  it('creates a missing output directory, parents and all, and says errors below it are the output\'s', async () => {
    const out = join(await fresh(), 'a', 'b');
    const set = await OutputSet.open(out, 'out');
    expect(readdirSync(out)).toEqual([set.staging.slice(out.length + 1), '.compose.lock'].sort());
    const err = classifySystemError(Object.assign(new Error('EACCES'), { code: 'EACCES', path: join(out, 'p.iso'), syscall: 'open' }));
    expect(err).toBeInstanceOf(OutputError);
    expect(err?.message).toBe(`cannot write ${join(out, 'p.iso')}: permission denied (EACCES); pick a writable output directory with -o`);
    await set.close();
    expect(readdirSync(out)).toEqual([]);
  });

  it('an output directory that cannot be created is an OutputError naming it', async () => {
    const base = await fresh();
    writeFileSync(join(base, 'file'), 'x');
    const out = join(base, 'file', 'sub');
    const open = OutputSet.open(out, 'LABEL');
    await expect(open).rejects.toThrow(OutputError);
    await expect(open).rejects.toThrow(`cannot create the output directory LABEL (ENOTDIR: not a directory, mkdir '${out}'); pick another with -o`);
  });

  it('a lock that cannot be created for another reason than EEXIST is an OutputError', async () => {
    const out = await fresh();
    fsControl.openError = 'EACCES';
    const open = OutputSet.open(out, 'LABEL');
    await expect(open).rejects.toThrow(OutputError);
    await expect(open).rejects.toThrow(`cannot lock the output directory LABEL (EACCES: refused, open '${join(out, '.compose.lock')}'); pick a writable directory with -o`);
    expect(readdirSync(out)).toEqual([]);
  });

  it('gives up when the lock comes back after it was removed twice', async () => {
    const out = await fresh();
    const lock = join(out, '.compose.lock');
    writeFileSync(lock, `2147483646 ${hostname()}\n`);
    fsControl.keepLocks = true;
    const open = OutputSet.open(out, 'LABEL');
    await expect(open).rejects.toThrow(OutputError);
    await expect(open).rejects.toThrow(`cannot lock the output directory LABEL; remove ${lock} if no build is running`);
    // Two attempts, no more.
    expect(fsControl.unlinks).toEqual([lock, lock]);
  });

  it('a process it may not signal (EPERM) counts as alive', async () => {
    const out = await fresh();
    const realKill = process.kill.bind(process);
    vi.spyOn(process, 'kill').mockImplementation((pid: number, signal?: string | number) => {
      if (pid === 424242) throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
      return realKill(pid, signal);
    });
    writeFileSync(join(out, '.compose.lock'), `424242 ${hostname()}\n`);
    await expect(OutputSet.open(out, 'out')).rejects.toThrow('another compose (pid 424242) is building into out; wait for it to finish, or pick another output directory with -o');
    expect(readFileSync(join(out, '.compose.lock'), 'utf8')).toBe(`424242 ${hostname()}\n`);
  });

  it('reads the lock however its words are spaced', async () => {
    const out = await fresh();
    const lock = join(out, '.compose.lock');
    for (const text of [`  1 ${hostname()}\n`, `1\t\t${hostname()}`, `1  ${hostname()}  \n`]) {
      writeFileSync(lock, text);
      await expect(OutputSet.open(out, 'out')).rejects.toThrow('another compose (pid 1) is building into out; wait for it to finish, or pick another output directory with -o');
      expect(readFileSync(lock, 'utf8')).toBe(text);
    }
  });

  it('refuses a lock of another host, even for a pid alive here', async () => {
    const out = await fresh();
    const lock = join(out, '.compose.lock');
    for (const pid of ['1', '2147483646', 'x']) {
      writeFileSync(lock, `${pid} elsewhere.example\n`);
      const open = OutputSet.open(out, 'LABEL');
      await expect(open).rejects.toThrow(OutputError);
      await expect(open).rejects.toThrow(`LABEL is locked by a compose on elsewhere.example (pid ${pid}); if no build is running there, remove ${lock}`);
      expect(readFileSync(lock, 'utf8')).toBe(`${pid} elsewhere.example\n`);
    }
  });

  it('takes over locks that name no live other process: no host, pid 0, its own pid, empty', async () => {
    const out = await fresh();
    const lock = join(out, '.compose.lock');
    for (const text of ['2147483646\n', `0 ${hostname()}\n`, `-1 ${hostname()}\n`, `${process.pid} ${hostname()}\n`, '', `nonsense ${hostname()}\n`]) {
      writeFileSync(lock, text);
      const set = await OutputSet.open(out, 'out');
      expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
      await set.close();
      expect(existsSync(lock)).toBe(false);
    }
  });

  it('leaves a lock that is no longer its own', async () => {
    const out = await fresh();
    const lock = join(out, '.compose.lock');
    const set = await OutputSet.open(out, 'out');
    writeFileSync(lock, `1${process.pid} ${hostname()}\n`);
    await set.close();
    expect(readFileSync(lock, 'utf8')).toBe(`1${process.pid} ${hostname()}\n`);
  });

  it('removes staging directories killed builds left, and nothing else', async () => {
    const out = await fresh();
    mkdirSync(join(out, '.compose-staging-123-abcdef', 'p.pxe'), { recursive: true });
    writeFileSync(join(out, '.compose-staging-123-abcdef', 'p.pxe', 'f'), 'x');
    writeFileSync(join(out, '.compose-staging-456-000000'), 'a file');
    writeFileSync(join(out, 'p.iso'), 'keep');
    mkdirSync(join(out, 'x.compose-staging-'));
    const set = await OutputSet.open(out, 'out');
    expect(readdirSync(out).sort()).toEqual(['.compose.lock', set.staging.slice(out.length + 1), 'p.iso', 'x.compose-staging-'].sort());
    await set.close();
    expect(readdirSync(out).sort()).toEqual(['p.iso', 'x.compose-staging-']);
  });

  it('a journal it cannot read is dropped', async () => {
    const out = await fresh();
    writeFileSync(join(out, '.compose-publish.json'), '{"staging": ');
    writeFileSync(join(out, 'p.iso'), 'keep');
    const set = await OutputSet.open(out, 'out');
    await set.close();
    expect(readdirSync(out)).toEqual(['p.iso']);
  });

  it('finishes a journal whose removals and staging directory are gone already', async () => {
    const out = await fresh();
    mkdirSync(join(out, 'p.pxe', 'boot'), { recursive: true });
    writeFileSync(join(out, 'p.pxe', 'boot', 'f'), 'stale dir');
    writeFileSync(join(out, '.compose-publish.json'), JSON.stringify({ staging: join(out, '.compose-staging-1-gone'), move: ['p.iso'], remove: ['p.pxe', 'p.tar'] }));
    const set = await OutputSet.open(out, 'out');
    await set.close();
    expect(readdirSync(out)).toEqual([]);
  });

  it('a journal that cannot be finished fails the open, and releases the lock', async () => {
    const out = await fresh();
    const staging = join(out, '.compose-staging-1-abc');
    mkdirSync(join(staging, 'sub'), { recursive: true });
    writeFileSync(join(staging, 'sub', 'x'), 'x');
    writeFileSync(join(out, '.compose-publish.json'), JSON.stringify({ staging, move: ['sub/x'], remove: [] }));
    await expect(OutputSet.open(out, 'out')).rejects.toThrow(/^ENOENT: no such file or directory, rename/);
    expect(existsSync(join(out, '.compose.lock'))).toBe(false);
    expect(existsSync(join(out, '.compose-publish.json'))).toBe(true);
  });

  it('writes the journal with sorted names before it moves anything', async () => {
    const out = await fresh();
    // readdirSync comes back in byte (UTF-8) order; the journal's is JavaScript's (UTF-16) order,
    // which puts an astral character before U+FFFD.
    const names = ['p9', 'p8', 'p7', 'p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0', 'm', 'l', 'k', 'q\uFFFD', 'q\u{1F600}'];
    for (const n of ['s5', 's4', 's3', 's2', 's1', 's0']) writeFileSync(join(out, n), 'stale');
    const set = await OutputSet.open(out, 'out');
    for (const n of names) writeFileSync(set.path(n), n);
    mkdirSync(set.path('zz'));
    writeFileSync(join(set.path('zz'), 'f'), 'f');
    // A failed move keeps the journal to look at.
    fsControl.renameFailsInto = `${out}/zz`;
    await expect(set.publish(['s5', 's3', 'missing', 's1', 's4', 's0', 's2'])).rejects.toThrow(/EIO/);
    const journal = JSON.parse(readFileSync(join(out, '.compose-publish.json'), 'utf8'));
    expect(journal).toEqual({ staging: set.staging, move: [...names, 'zz'].sort(), remove: ['s0', 's1', 's2', 's3', 's4', 's5'] });
    expect(journal.move.slice(-3)).toEqual(['q\u{1F600}', 'q\uFFFD', 'zz']);
    await set.close();
  });

  it('renames each replaced output aside, then removes them all: a directory replaces a file, a file a directory', async () => {
    const out = await fresh();
    writeFileSync(join(out, 'p.pxe'), 'a file where a directory is published');
    mkdirSync(join(out, 'p.iso'));
    writeFileSync(join(out, 'p.iso', 'f'), 'a directory where a file is published');
    writeFileSync(join(out, 'p.tar'), 'old tar');
    const set = await OutputSet.open(out, 'out');
    mkdirSync(set.path('p.pxe'));
    writeFileSync(join(set.path('p.pxe'), 'f'), 'new pxe');
    writeFileSync(set.path('p.iso'), 'new iso');
    writeFileSync(set.path('p.tar'), 'new tar');
    await set.publish([]);
    await set.close();
    expect(readdirSync(out).sort()).toEqual(['p.iso', 'p.pxe', 'p.tar']);
    expect(readFileSync(join(out, 'p.pxe', 'f'), 'utf8')).toBe('new pxe');
    expect(readFileSync(join(out, 'p.iso'), 'utf8')).toBe('new iso');
    expect(readFileSync(join(out, 'p.tar'), 'utf8')).toBe('new tar');
  });

  it('a build killed between renaming an old output aside and moving the new one in is finished by the next', async () => {
    const out = await fresh();
    const staging = join(out, '.compose-staging-999999-abc');
    mkdirSync(join(staging, '.compose-replaced'), { recursive: true });
    writeFileSync(join(staging, 'p.iso'), 'new iso');
    writeFileSync(join(staging, '.compose-replaced', 'p.iso'), 'old iso');
    writeFileSync(join(out, '.compose-publish.json'), JSON.stringify({ staging, move: ['p.iso'], remove: [] }));
    const set = await OutputSet.open(out, out);
    await set.close();
    expect(readdirSync(out)).toEqual(['p.iso']);
    expect(readFileSync(join(out, 'p.iso'), 'utf8')).toBe('new iso');
  });

  it('close does not mind a staging directory that is gone', async () => {
    const out = await fresh();
    const set = await OutputSet.open(out, 'out');
    rmSync(set.staging, { recursive: true });
    await set.close();
    expect(readdirSync(out)).toEqual([]);
  });

  it('at exit, removes the lock and staging directory of a set never closed', async () => {
    vi.resetModules();
    const before = new Set(process.listeners('exit'));
    const { OutputSet: Fresh } = await import('../../src/pipeline/output-set.js');
    const handlers = process.listeners('exit').filter((l) => !before.has(l));
    expect(handlers).toHaveLength(1);
    const out = await fresh();
    const set = await Fresh.open(out, 'out');
    mkdirSync(set.path('p.pxe'));
    writeFileSync(join(set.path('p.pxe'), 'f'), 'x');
    unlinkSync(join(out, '.compose.lock')); // gone already: the handler must not mind
    (handlers[0] as () => void)();
    expect(readdirSync(out)).toEqual([]);
    process.removeListener('exit', handlers[0]);
  });
});
