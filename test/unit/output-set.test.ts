import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { OutputSet } from '../../src/pipeline/output-set.js';
import { OutputError } from '../../src/util/errors.js';

// Publishing the outputs of one build together: a journal a killed publish leaves is finished by
// the next build, stale staging directories go, locks of dead builds are taken over, a live
// lock refuses.

const fresh = () => mkdtemp(join(tmpdir(), 'output-set-'));

describe('OutputSet', () => {
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
});
