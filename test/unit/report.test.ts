import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest, ManifestEntry } from '../../src/emit/manifest.js';
import { sizeClassOf } from '../../src/report/classify.js';
import { buildSizeReport, formatSizeReport } from '../../src/report/size-report.js';
import { diffManifests, formatManifestDiff } from '../../src/report/diff.js';
import { summarizeAgainstPrevious, summarizeStreams } from '../../src/report/summary.js';
import { streamManifestFile } from '../../src/report/manifest-stream.js';
import { writeManifest } from '../../src/emit/manifest.js';
import { readManifestFile } from '../../src/report/manifest-file.js';
import { InputError } from '../../src/util/errors.js';
import { runCli } from '../support/cli.js';

const sha = (c: string) => c.repeat(64);
const file = (path: string, size: number, mode = '0755', hash = 'a'): ManifestEntry => ({ path, type: 'file', mode, uid: 0, gid: 3, size, sha256: sha(hash) });
const dir = (path: string): ManifestEntry => ({ path, type: 'dir', mode: '0755', uid: 0, gid: 0, size: 0 });
const link = (path: string, target: string): ManifestEntry => ({ path, type: 'symlink', mode: '0777', uid: 0, gid: 0, size: target.length, target });

function manifestA(): Manifest {
  return {
    profile: 'pureboot',
    proto: '/proto/root_i386',
    entries: [
      link('bin', './usr/bin'),
      dir('kernel'),
      file('kernel/drv/amd64/e1000g', 400_000),
      file('kernel/drv/e1000g.conf', 2_000, '0644'),
      dir('lib'),
      file('lib/amd64/libc.so.1', 2_000_000),
      file('lib/ld.so.1', 300_000),
      dir('usr'),
      file('usr/bin/ls', 50_000, '0555'),
      { path: 'usr/bin/ls-link', type: 'hardlink', mode: '0555', uid: 0, gid: 3, size: 50_000, target: 'usr/bin/ls' },
      file('usr/lib/isaexec', 10_000, '0555'),
      file('usr/share/man/man1/ls.1', 5_000, '0444'),
      { path: 'dev/null', type: 'char', mode: '0666', uid: 0, gid: 3, size: 0, rdev: { major: 13, minor: 2 } },
      file('reconfigure', 0, '0644'),
    ],
  };
}

function manifestB(): Manifest {
  const m = manifestA();
  m.profile = 'minimal';
  m.entries = m.entries.filter((e) => !e.path.startsWith('usr/share'));
  const ls = m.entries.find((e) => e.path === 'usr/bin/ls')!;
  Object.assign(ls, { size: 51_000, sha256: sha('b') });
  Object.assign(m.entries.find((e) => e.path === 'usr/lib/isaexec')!, { mode: '0755', uid: 2 });
  Object.assign(m.entries.find((e) => e.path === 'bin')!, { target: 'usr/bin' });
  m.entries.push(file('kernel/misc/amd64/mac', 100_000));
  return m;
}

describe('size report', () => {
  it('classifies files', () => {
    expect(sizeClassOf({ path: 'platform/i86pc/kernel/amd64/unix', mode: '0755' })).toBe('kernel modules');
    expect(sizeClassOf({ path: 'usr/lib/amd64/libfoo.so.1.2', mode: '0755' })).toBe('libraries');
    expect(sizeClassOf({ path: 'lib/ld.so.1', mode: '0755' })).toBe('libraries');
    expect(sizeClassOf({ path: 'usr/sbin/mount', mode: '0555' })).toBe('executables');
    expect(sizeClassOf({ path: 'usr/lib/isaexec', mode: '0555' })).toBe('executables');
    expect(sizeClassOf({ path: 'usr/bin/data.txt', mode: '0644' })).toBe('other');
    expect(sizeClassOf({ path: 'etc/rc', mode: '0755' })).toBe('other');
  });

  it('adds up bytes by top directory and kind, lists the largest files and counts entry types', () => {
    const r = buildSizeReport(manifestA(), 3);
    expect(r.totalBytes).toBe(400_000 + 2_000 + 2_000_000 + 300_000 + 50_000 + 10_000 + 5_000);
    expect(r.byTopDirectory[0]).toEqual({ directory: 'lib', bytes: 2_300_000, entries: 3 });
    expect(r.byTopDirectory.find((d) => d.directory === 'usr')).toEqual({ directory: 'usr', bytes: 65_000, entries: 5 });
    expect(r.byTopDirectory.find((d) => d.directory === '/')).toEqual({ directory: '/', bytes: 0, entries: 2 });
    expect(r.byClass).toEqual([
      { class: 'kernel modules', bytes: 402_000, files: 2 },
      { class: 'libraries', bytes: 2_300_000, files: 2 },
      { class: 'executables', bytes: 60_000, files: 2 },
      { class: 'other', bytes: 5_000, files: 2 },
    ]);
    expect(r.largest.map((f) => f.path)).toEqual(['lib/amd64/libc.so.1', 'kernel/drv/amd64/e1000g', 'lib/ld.so.1']);
    expect(r.byEntryType).toEqual({ file: 8, dir: 3, symlink: 1, hardlink: 1, char: 1, block: 0, fifo: 0 });
    const text = formatSizeReport(r);
    expect(text).toMatch(/\/lib +2\.2 MiB/);
    expect(text).toMatch(/hardlink 1/);
  });
});

describe('manifest diff', () => {
  it('lists added, removed and changed entries and the size moves', () => {
    const d = diffManifests(manifestA(), manifestB());
    expect(d.added.map((e) => e.path)).toEqual(['kernel/misc/amd64/mac']);
    expect(d.removed.map((e) => e.path)).toEqual(['usr/share/man/man1/ls.1']);
    expect(d.changed.map((c) => [c.path, c.changes])).toEqual([
      ['bin', ['target']],
      ['usr/bin/ls', ['content']],
      ['usr/lib/isaexec', ['mode', 'owner']],
    ]);
    expect(d.sizeByTopDirectory).toEqual([
      { directory: 'kernel', before: 402_000, after: 502_000, delta: 100_000 },
      { directory: 'usr', before: 65_000, after: 61_000, delta: -4_000 },
    ]);
    expect(d.totalDelta).toBe(96_000);
    expect(d.identical).toBe(false);
    const text = formatManifestDiff(d);
    expect(text).toContain('+ /kernel/misc/amd64/mac');
    expect(text).toContain('~ /usr/lib/isaexec: mode 0555 -> 0755, owner 0:3 -> 2:3');
  });

  it('says when two manifests are the same', () => {
    const d = diffManifests(manifestA(), manifestA());
    expect(d.identical).toBe(true);
    expect(formatManifestDiff(d)).toContain('no differences');
  });

  it('summarizes a build against the previous one', () => {
    expect(summarizeAgainstPrevious(undefined, manifestA())).toMatch(/^first build of pureboot in this output directory: 14 entries/);
    expect(summarizeAgainstPrevious(manifestA(), manifestA())).toMatch(/^same as the previous build: 14 entries/);
    expect(summarizeAgainstPrevious(manifestA(), manifestB())).toBe(
      'against the previous build (profile pureboot -> minimal): 1 entries added, 1 removed, 3 changed (14 -> 14, +0); file content 2.6 MiB -> 2.7 MiB (+93.8 KiB).',
    );
  });
});

describe('comparing with the previous build an entry at a time', () => {
  const sortedCopy = (m: Manifest): Manifest => ({ ...m, entries: [...m.entries].sort((a, b) => (a.path < b.path ? -1 : 1)) });

  it('streams a written manifest back entry for entry, and summarizes as the whole-manifest comparison does', async () => {
    const d = await mkdtemp(join(tmpdir(), 'compose-report-'));
    const [a, b] = [sortedCopy(manifestA()), sortedCopy(manifestB())];
    await writeManifest(join(d, 'a.json'), a);
    await writeManifest(join(d, 'b.json'), b);
    const sa = streamManifestFile(join(d, 'a.json'))!;
    expect([...sa.entries]).toEqual(a.entries);
    expect(sa.profile).toBe('pureboot');
    for (const [x, y] of [[a, b], [a, a], [b, a]]) {
      const fx = x === a ? 'a.json' : 'b.json';
      const fy = y === a ? 'a.json' : 'b.json';
      expect(summarizeStreams(streamManifestFile(join(d, fx)), streamManifestFile(join(d, fy))!)).toBe(summarizeAgainstPrevious(x, y));
    }
    expect(summarizeStreams(undefined, streamManifestFile(join(d, 'b.json'))!)).toBe(summarizeAgainstPrevious(undefined, b));
  });

  it('reads names that straddle its read chunks (multi-byte UTF-8 over megabytes)', async () => {
    const d = await mkdtemp(join(tmpdir(), 'compose-report-'));
    const entries = Array.from({ length: 12_000 }, (_, i) => file(`usr/share/ünïcødé-${'é'.repeat(i % 37)}/${String(i).padStart(6, '0')}`, i));
    const m: Manifest = { profile: 'p', proto: '/x', entries: entries.sort((p, q) => (p.path < q.path ? -1 : 1)) };
    await writeManifest(join(d, 'm.json'), m);
    expect([...streamManifestFile(join(d, 'm.json'))!.entries]).toEqual(m.entries);
  });

  it('leaves a manifest in another layout to the whole-file reader', async () => {
    const d = await mkdtemp(join(tmpdir(), 'compose-report-'));
    await writeFile(join(d, 'compact.json'), JSON.stringify(manifestA()));
    expect(streamManifestFile(join(d, 'compact.json'))).toBeUndefined();
  });
});

describe('reading manifests', () => {
  it('names the file when it is not JSON or not a manifest', async () => {
    const d = await mkdtemp(join(tmpdir(), 'compose-report-'));
    await writeFile(join(d, 'bad.json'), '{"profile": ');
    await writeFile(join(d, 'other.json'), JSON.stringify({ profile: 'x', proto: 'y', entries: [{ path: 'a', type: 'file', mode: 'rwx', uid: 0, gid: 0, size: 1 }] }));
    await expect(readManifestFile(join(d, 'bad.json'))).rejects.toThrow(InputError);
    await expect(readManifestFile(join(d, 'bad.json'))).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(readManifestFile(join(d, 'other.json'))).rejects.toThrow(/other\.json is not a compose manifest: "entries\.0\.mode"/);
    await expect(readManifestFile(join(d, 'none.json'))).rejects.toThrow(/cannot read the manifest .*none\.json \(ENOENT\)/);
  });
});

describe('compose report and compose diff', () => {
  it('print text and JSON and exit 0 even when the manifests differ', async () => {
    const d = await mkdtemp(join(tmpdir(), 'compose-report-'));
    const a = join(d, 'a.manifest.json');
    const b = join(d, 'b.manifest.json');
    await writeFile(a, JSON.stringify(manifestA()));
    await writeFile(b, JSON.stringify(manifestB()));
    const report = await runCli(['report', a, '--top', '2']);
    expect(report.exitCode).toBe(0);
    expect(report.stdout).toContain('largest files:');
    const json = await runCli(['report', a, '--json']);
    expect(JSON.parse(json.stdout).totalBytes).toBe(2_767_000);
    const diff = await runCli(['diff', a, b]);
    expect(diff.exitCode).toBe(0);
    expect(diff.stdout).toContain('1 added, 1 removed, 3 changed');
    const diffJson = await runCli(['diff', a, b, '--json']);
    expect(JSON.parse(diffJson.stdout).totalDelta).toBe(96_000);
    const bad = await runCli(['report', join(d, 'missing.json')]);
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toMatch(/missing\.json/);
    const badTop = await runCli(['report', a, '--top', 'many']);
    expect(badTop.exitCode).toBe(2);
  });
});
