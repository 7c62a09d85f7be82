import { beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDemoProto, runCli, tempDir } from '../support/cli.js';

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
});
