import { beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { makeDemoProto, runCli, tempDir } from '../support/cli.js';
import { readTar } from '../support/tar-read.js';
import { RACY_MS } from '../../src/cache/manifest-cache.js';

// Rebuilds into the same -o reuse what the previous build learned (the file hashes, the boot
// archive's compressed chunks) and write exactly the bytes a cold build writes.

let ws: string;
let proto: string;
let profile: string;

beforeAll(async () => {
  const demo = await makeDemoProto();
  ws = join(await tempDir(), 'ws');
  cpSync(join(demo, '../..'), ws, { recursive: true, verbatimSymlinks: true });
  proto = join(ws, 'proto/root_i386');
  profile = join(ws, 'demo.yaml');
  // Files changed less than RACY_MS before a build began are not trusted by their stamps.
  await new Promise((r) => setTimeout(r, RACY_MS + 100));
}, 120_000);

const OUTPUTS = ['demo.iso', 'demo.boot_archive', 'demo.boot_archive.hash', 'demo.ufs', 'demo.tar', 'demo.manifest.json'];

async function build(out: string, ...extra: string[]) {
  const r = await runCli(['-p', profile, '--format', 'iso,ufs,tar', '-o', out, '--json', '--quiet', ...extra, proto]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { boot: { chunks: number; reusedChunks: number }; notes: string[] };
}

function expectSameOutputs(a: string, b: string): void {
  for (const name of OUTPUTS) expect(readFileSync(join(a, name)).equals(readFileSync(join(b, name))), name).toBe(true);
}

describe('incremental rebuilds', () => {
  it('after a one-file change, a rebuild reuses the unchanged chunks and file hashes, and matches a cold build byte for byte', async () => {
    const out = await tempDir();
    const first = await build(out);
    expect(first.boot.reusedChunks).toBe(0);
    expect(first.boot.chunks).toBeGreaterThan(4);
    expect(existsSync(join(out, '.compose-cache'))).toBe(true);

    const manifestBefore = readFileSync(join(out, 'demo.manifest.json'), 'utf8');
    appendFileSync(join(proto, 'etc/motd'), 'rebuilt\n'.repeat(300));
    const again = await build(out);
    expect(again.boot.reusedChunks).toBeGreaterThan(0);
    expect(again.boot.reusedChunks).toBeLessThan(again.boot.chunks);
    expect(again.notes.join('\n')).toMatch(/cache: \d+ of \d+ boot_archive chunks reused/);
    expect(again.notes.join('\n')).toMatch(/cache: \d+ file hash\(es\) reused/);

    const cold = await tempDir();
    const c = await build(cold, '--no-cache');
    expect(c.boot.reusedChunks).toBe(0);
    expect(readdirSync(cold)).not.toContain('.compose-cache');
    expectSameOutputs(out, cold);
    expect(readFileSync(join(out, 'demo.manifest.json'), 'utf8')).not.toBe(manifestBefore);
  });

  it('a damaged cache only costs time: garbage in every cache file, the same outputs', async () => {
    const out = await tempDir();
    await build(out);
    for (const f of readdirSync(join(out, '.compose-cache'))) writeFileSync(join(out, '.compose-cache', f), '{"format":1,"data":{"gzip":');
    appendFileSync(join(proto, 'etc/motd'), 'again\n');
    const r = await build(out);
    expect(r.boot.reusedChunks).toBe(0);
    const cold = await tempDir();
    await build(cold, '--no-cache');
    expectSameOutputs(out, cold);
  });

  it('an archive rewritten behind the cache\'s back is not trusted; --cache puts the cache elsewhere', async () => {
    const out = await tempDir();
    const cacheDir = join(await tempDir(), 'cache');
    await build(out, '--cache', cacheDir);
    expect(readdirSync(out)).not.toContain('.compose-cache');
    expect(readdirSync(cacheDir).some((n) => n.startsWith('archive-'))).toBe(true);
    // Same bytes, new file (another inode and time): the index no longer describes it.
    const archive = join(out, 'demo.boot_archive');
    const bytes = readFileSync(archive);
    writeFileSync(`${archive}.x`, bytes);
    cpSync(`${archive}.x`, archive);
    const r = await build(out, '--cache', cacheDir);
    expect(r.boot.reusedChunks).toBe(0);
    const r2 = await build(out, '--cache', cacheDir);
    expect(r2.boot.reusedChunks).toBe(r2.boot.chunks);
  });

  // Issue 20: the parsed manifests are cached too; whatever they depend on must show up.
  describe('with the workspace manifests cached', () => {
    const manifests = () => join(ws, 'usr/src/pkg/manifests');
    const edit = (name: string, from: string, to: string) => {
      const file = join(manifests(), name);
      const text = readFileSync(file, 'utf8');
      expect(text, `${name} holds ${from}`).toContain(from);
      writeFileSync(file, text.replace(from, to));
    };
    /** A rebuild into `out` and its stderr; with `cold`, a cold build of the same inputs it must equal. */
    async function rebuild(out: string, cold: boolean, ...extra: string[]) {
      const r = await runCli(['-p', profile, '--format', 'iso,tar', '-o', out, ...extra, proto]);
      expect(r.exitCode, r.stderr).toBe(0);
      if (cold) {
        const dir = await tempDir();
        const c = await runCli(['-p', profile, '--format', 'iso,tar', '-o', dir, '--no-cache', '--quiet', ...extra, proto]);
        expect(c.exitCode, c.stderr).toBe(0);
        for (const name of ['demo.iso', 'demo.boot_archive', 'demo.tar', 'demo.manifest.json']) expect(readFileSync(join(out, name)).equals(readFileSync(join(dir, name))), name).toBe(true);
      }
      return r.stderr;
    }
    const member = async (out: string, name: string) => (await readTar(join(out, 'demo.tar'))).find((m) => m.name.replace(/^\.?\//, '').replace(/\/$/, '') === name);
    const settle = () => new Promise((r) => setTimeout(r, RACY_MS + 100));

    it('a rebuild with nothing changed takes them from the cache; a changed owner, mode, driver alias or --define is in the rebuild', async () => {
      // A manifest written less than RACY_MS before it is read is never trusted by its stamp.
      await settle();
      const out = await tempDir();
      await rebuild(out, false);
      expect(await rebuild(out, false)).toContain('package manifests unchanged since the last build');
      const json = (await build(out)) as unknown as { manifests: { packages: number; actions: number; fromCache: boolean }; notes: string[] };
      expect(json.manifests).toMatchObject({ packages: 4, fromCache: true });
      expect(json.manifests.actions).toBeGreaterThan(50);
      expect(json.notes).toContain('cache: 4 parsed package manifests reused');

      edit('demo-SUNWcs.p5m', 'file path=usr/bin/su group=sys mode=4555', 'file path=usr/bin/su owner=adm group=sys mode=4511');
      edit('demo-system-kernel.p5m', 'driver name=kb8042 alias=pnpPNP,303', 'driver name=kb8042 alias=pnpPNP,3f3');
      expect(await rebuild(out, true)).not.toContain('package manifests unchanged');
      const su = await member(out, 'usr/bin/su');
      expect(su?.mode.toString(8)).toBe('4511');
      expect(su?.uid).toBe(4);
      const aliases = readFileSync(join(out, 'demo.tar')).toString('latin1');
      expect(aliases).toContain('kb8042 "pnpPNP,3f3"');
      expect(aliases).not.toContain('kb8042 "pnpPNP,303"');

      // A macro the proto cannot infer: its value comes only from --define.
      edit('demo-SUNWcs.p5m', 'file path=etc/shadow group=sys mode=0400', 'file path=etc/shadow group=sys mode=$(SHADOW_MODE)');
      await settle();
      await rebuild(out, false, '--define', 'SHADOW_MODE=0400');
      expect(await rebuild(out, false, '--define', 'SHADOW_MODE=0400')).toContain('package manifests unchanged');
      expect((await member(out, 'etc/shadow'))?.mode.toString(8)).toBe('400');
      expect(await rebuild(out, true, '--define', 'SHADOW_MODE=0440')).not.toContain('package manifests unchanged');
      expect((await member(out, 'etc/shadow'))?.mode.toString(8)).toBe('440');
      edit('demo-SUNWcs.p5m', 'mode=$(SHADOW_MODE)', 'mode=0400');
    }, 240_000);

    it('a same-size edit of a manifest with its modification time put back is read again', async () => {
      const file = join(manifests(), 'demo-SUNWcs.p5m');
      utimesSync(file, 1_700_000_000, 1_700_000_000);
      await settle();
      const out = await tempDir();
      await rebuild(out, false);
      const before = statSync(file);
      edit('demo-SUNWcs.p5m', 'file path=usr/bin/passwd group=sys mode=6555', 'file path=usr/bin/passwd group=sys mode=6511');
      utimesSync(file, 1_700_000_000, 1_700_000_000);
      expect(statSync(file).size).toBe(before.size);
      expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
      expect(await rebuild(out, true)).not.toContain('package manifests unchanged');
      expect((await member(out, 'usr/bin/passwd'))?.mode.toString(8)).toBe('6511');
    }, 240_000);

    it('a same-size edit of a proto file with its modification time put back is rebuilt', async () => {
      const file = join(proto, 'etc/motd');
      utimesSync(file, 1_700_000_000, 1_700_000_000);
      const out = await tempDir();
      await rebuild(out, false);
      const st = statSync(file);
      const changed = Buffer.from(readFileSync(file));
      changed[0] ^= 0x20;
      writeFileSync(file, changed);
      utimesSync(file, 1_700_000_000, 1_700_000_000);
      expect(statSync(file).size).toBe(st.size);
      expect(statSync(file).mtimeMs).toBe(st.mtimeMs);
      await rebuild(out, true);
      expect((await member(out, 'etc/motd'))?.sha256).toBe(createHash('sha256').update(changed).digest('hex'));
    }, 240_000);
  });
});
