import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../src/manifest/load.js';
import { applyManifestMetadata } from '../../src/manifest/metadata.js';
import { parseIdFile } from '../../src/manifest/accounts.js';
import type { StagedEntry } from '../../src/stage/model.js';
import { StagedTree } from '../../src/stage/tree.js';
import { InputError } from '../../src/util/errors.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const TRANSFORMS = join(FIXTURES, 'transforms');

// The first lines of illumos's etc/passwd and etc/group.
const PASSWD = 'root:x:0:0:Super-User:/root:/usr/bin/bash\ndaemon:x:1:1::/:\nbin:x:2:2::/usr/bin:\nsys:x:3:3::/:\nadm:x:4:4:Admin:/var/adm:\nuucp:x:5:5:uucp Admin:/usr/lib/uucp:\n';
const GROUP = 'root::0:\nother::1:root\nbin::2:root,daemon\nsys::3:root,bin,adm\nadm::4:root,daemon\nuucp::5:root\nmail::6:root\ntty::7:root,adm\n';

const file = (path: string, mode: number, data = 'x'): StagedEntry => ({ path, type: 'file', mode, uid: 0, gid: 0, size: data.length, mtime: 1, source: { kind: 'generated', data: Buffer.from(data), generator: 'test' } });

const hostDir = mkdtempSync(join(tmpdir(), 'proto-'));
writeFileSync(join(hostDir, 'thing'), 'proto bytes');

function protoTree(): StagedTree {
  const t = new StagedTree(1);
  t.put(file('etc/passwd', 0o644, PASSWD));
  t.put(file('etc/group', 0o644, GROUP));
  // The proto area has the build's modes: no setuid bit, everything owned by the builder.
  t.put(file('usr/bin/passwd', 0o555));
  t.put({ path: 'usr/bin/yppasswd', type: 'hardlink', mode: 0o555, uid: 0, gid: 0, size: 0, mtime: 1, target: 'usr/bin/passwd' });
  t.put(file('usr/bin/ls', 0o755));
  t.put({ path: 'usr/bin/sh', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 5, mtime: 1, target: 'ksh93' });
  t.put(file('kernel/drv/amd64/tpm', 0o644));
  t.put({ path: 'opt/extra/thing', type: 'file', mode: 0o640, uid: 0, gid: 0, size: 11, mtime: 1, source: { kind: 'host', path: join(hostDir, 'thing'), origin: 'proto' } });
  return t;
}

describe('applyManifestMetadata', async () => {
  const set = await loadManifests(join(FIXTURES, 'manifests', 'boot'), { transformsDir: TRANSFORMS });

  it('gives a setuid file its bit and the owner and group numbers of the image\'s passwd and group', async () => {
    const t = protoTree();
    const r = await applyManifestMetadata(t, set);
    expect(t.get('usr/bin/passwd')).toMatchObject({ mode: 0o4555, uid: 0, gid: 3 });
    // A hardlink shares the file's inode, so it shares its metadata.
    expect(t.get('usr/bin/yppasswd')).toMatchObject({ mode: 0o4555, uid: 0, gid: 3 });
    expect(r.setid).toEqual(['usr/bin/passwd']);
  });

  it('fills in what the manifest leaves out from the defaults transforms', async () => {
    const t = protoTree();
    await applyManifestMetadata(t, set);
    expect(t.get('usr/bin/ls')).toMatchObject({ mode: 0o555, uid: 0, gid: 2 });
    expect(t.get('kernel/drv/amd64/tpm')).toMatchObject({ mode: 0o755, uid: 0, gid: 3 });
    expect(t.get('usr')).toMatchObject({ mode: 0o755, uid: 0, gid: 3 });
    expect(t.get('usr/bin')).toMatchObject({ mode: 0o755, uid: 0, gid: 2 });
  });

  it('leaves unmentioned entries and symlinks root:root with their proto mode, and lists them', async () => {
    const t = protoTree();
    const r = await applyManifestMetadata(t, set);
    expect(t.get('opt/extra/thing')).toMatchObject({ mode: 0o640, uid: 0, gid: 0 });
    expect(t.get('usr/bin/sh')).toMatchObject({ mode: 0o777, uid: 0, gid: 0 });
    // Generated files (here passwd and group) are the tool's, not the proto's: not listed.
    expect(r.unmentioned).toEqual(['etc', 'kernel', 'kernel/drv', 'kernel/drv/amd64', 'opt', 'opt/extra', 'opt/extra/thing']);
    expect(r.entriesWithMetadata).toBe(5);
    expect(r.notInImage).toBeGreaterThan(0);
  });

  it('does not count what the tool placed as unmentioned, in the list or in the note it prints', async () => {
    const t = protoTree();
    const notes: string[] = [];
    const reporter = { note: (n: string) => notes.push(n), warn: () => {}, progress: () => {}, done: () => {} } as never;
    const r = await applyManifestMetadata(t, set, { reporter, placed: new Set(['kernel/drv', 'opt/extra/thing']) });
    expect(r.unmentioned).toEqual(['etc', 'kernel', 'kernel/drv/amd64', 'opt', 'opt/extra']);
    expect(notes).toContain('ownership and modes from manifests: 5 entries; 5 entries no manifest mentions keep root:root and their proto mode');
  });

  it('reads passwd and group from a host file as well as from generated data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accounts-'));
    writeFileSync(join(dir, 'group'), GROUP.replace('sys::3:', 'sys::33:'));
    const t = protoTree();
    t.put({ path: 'etc/group', type: 'file', mode: 0o644, uid: 0, gid: 0, size: GROUP.length + 1, mtime: 1, source: { kind: 'host', path: join(dir, 'group'), origin: 'proto' } });
    await applyManifestMetadata(t, set);
    expect(t.get('usr/bin/passwd')).toMatchObject({ mode: 0o4555, gid: 33 });
  });

  it('refuses an owner the image does not define, naming it, the manifest and the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'owner-'));
    writeFileSync(join(dir, 'x.p5m'), 'set name=pkg.fmri value=pkg:/x\nfile path=usr/bin/ls owner=nobody group=bin mode=0555\n');
    const bad = await loadManifests(dir, { transformsDir: null });
    const err = await applyManifestMetadata(protoTree(), bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`${join(dir, 'x.p5m')}:2: usr/bin/ls has owner "nobody", which the image's etc/passwd does not define (manifest ${join(dir, 'x.p5m')})`);
  });

  it('refuses ownership when the image has no etc/group', async () => {
    const t = protoTree();
    t.remove('etc/group');
    await expect(applyManifestMetadata(t, set)).rejects.toThrow(/has group "sys", but the image has no etc\/group/);
  });

  it('leaves excluded paths alone', async () => {
    const t = protoTree();
    await applyManifestMetadata(t, set, { exclude: new Set(['usr/bin/ls']) });
    expect(t.get('usr/bin/ls')).toMatchObject({ mode: 0o755, gid: 0 });
  });
});

describe('parseIdFile', () => {
  it('maps names to the numeric third field, skipping comments and NIS lines', () => {
    expect([...parseIdFile('# c\nroot:x:0:0::/:\n+::::::\nbad\nsys::3:root\n')]).toEqual([
      ['root', 0],
      ['sys', 3],
    ]);
  });
});
