import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildCache } from '../../src/cache/build-cache.js';
import { cachedMacroLines, cachedManifestSet, manifestSetStore, RACY_MS, rememberMacroLines, rememberManifestSet } from '../../src/cache/manifest-cache.js';
import { loadManifests, type ManifestSet, type SetKey } from '../../src/manifest/load.js';
import { scanMacroLines } from '../../src/manifest/infer-macros.js';
import { I386_DEFINES } from '../../src/manifest/macros.js';

// The parsed-manifest cache (src/cache/manifest-cache.ts): a set comes back equal to a fresh load,
// and any change to what it was made from (a manifest, an include, a transform file, a new file
// beside them, the macro values) makes it miss. A file changed just before it was read is never
// trusted by its stamp.

const FIXTURES = join(import.meta.dirname, '../fixtures');
const tmp = () => mkdtempSync(join(tmpdir(), 'manifest-cache-'));

/** A copy of the fixture workspace's manifests and transforms. */
function workspace(): { manifests: string; transforms: string } {
  const root = tmp();
  cpSync(join(FIXTURES, 'manifests'), join(root, 'manifests'), { recursive: true });
  cpSync(join(FIXTURES, 'transforms'), join(root, 'transforms'), { recursive: true });
  return { manifests: join(root, 'manifests'), transforms: join(root, 'transforms') };
}


/** A store whose reads start well after every file was written, so the racy rule keeps nothing out. */
function settledStore(cache: BuildCache) {
  const store = manifestSetStore(cache)!;
  return { get: store.get, put: (k: SetKey, s: ManifestSet) => store.put(k, s, Date.now() + 2 * RACY_MS) };
}

async function loadTwice(ws: { manifests: string }, cache: BuildCache, defines: Record<string, string> = {}) {
  const store = settledStore(cache);
  const first = await loadManifests(ws.manifests, { store, defines });
  cache.flush();
  const notes: string[] = [];
  const again = await loadManifests(ws.manifests, { store, defines, reporter: { note: (n: string) => notes.push(n), warn: () => {}, progress: () => {}, done: () => {} } as never });
  return { first, again, fromCache: notes.some((n) => n.includes('taken from the cache')) };
}

describe('the parsed-manifest cache', () => {
  it('gives back the set a fresh load gives, every action with its attributes, origin and payload', async () => {
    const ws = workspace();
    const cache = BuildCache.open(tmp())!;
    const { first, again, fromCache } = await loadTwice(ws, cache);
    expect(fromCache).toBe(true);
    expect(first.actions.length).toBeGreaterThan(50);
    expect(first.inputs).toContain(join(ws.transforms, 'defaults'));
    expect(first.inputs.some((p) => p.endsWith('.mf'))).toBe(true);
    expect(again.fromCache).toBe(true);
    expect(first.fromCache).toBeUndefined();
    expect({ ...again, fromCache: undefined }).toEqual(first);
    expect(again.actions[0]).toBe(again.manifests[0].actions[0]);
    expect(again.actions.some((a) => a.payload !== undefined)).toBe(first.actions.some((a) => a.payload !== undefined));
  });

  it('a set file that does not read back (cut short, edited by hand) is a miss, not a failure', async () => {
    const ws = workspace();
    const dir = tmp();
    const cache = BuildCache.open(dir)!;
    await loadTwice(ws, cache);
    const key: SetKey = { dir: ws.manifests, transformsDir: ws.transforms, transformFiles: [join(ws.transforms, 'defaults')], defines: I386_DEFINES };
    expect(cachedManifestSet(cache, key)).toBeDefined();
    const file = join(cache.dir, readdirSync(cache.dir).find((n) => n.startsWith('manifest-set-') && n.endsWith('.lines'))!);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, -20));
    expect(cachedManifestSet(cache, key)).toBeUndefined();
    writeFileSync(file, `${text}junk\n`);
    expect(cachedManifestSet(cache, key)).toBeUndefined();
    writeFileSync(file, text.replace('compose-manifest-set', 'something-else'));
    expect(cachedManifestSet(cache, key)).toBeUndefined();
    // A head of the wrong shape: no listings, or no set.
    writeFileSync(file, text.replace('"listings"', '"listingz"'));
    expect(cachedManifestSet(cache, key)).toBeUndefined();
    writeFileSync(file, text.replace('"set":{', '"sat":{'));
    expect(cachedManifestSet(cache, key)).toBeUndefined();
    // Written by another version of the format.
    writeFileSync(file, text.replace('"version":1,', '"version":0,'));
    expect(cachedManifestSet(cache, key)).toBeUndefined();
    writeFileSync(file, text);
    expect(cachedManifestSet(cache, key)).toBeDefined();
  });

  it('keeps a set only when its inputs last changed RACY_MS or more before the read began, and its directories are there', async () => {
    const ws = workspace();
    const set = await loadManifests(ws.manifests);
    const key: SetKey = { dir: ws.manifests, transformsDir: ws.transforms, transformFiles: [join(ws.transforms, 'defaults')], defines: I386_DEFINES };
    const changed = Math.max(...set.inputs.map((p) => Math.max(statSync(p).mtimeMs, statSync(p).ctimeMs)));
    const cache = BuildCache.open(tmp())!;
    expect(rememberManifestSet(cache, key, set, changed + RACY_MS)).toBe(false);
    expect(rememberManifestSet(cache, key, set, changed + RACY_MS + 1)).toBe(true);
    // No cache, or a transforms directory that has gone: nothing kept, nothing thrown.
    expect(rememberManifestSet(undefined, key, set, changed + 2 * RACY_MS)).toBe(false);
    expect(rememberManifestSet(cache, { ...key, transformsDir: join(ws.transforms, 'gone') }, set, changed + 2 * RACY_MS)).toBe(false);
  });

  it('misses after an edited manifest, an edited transform file, a new file beside them, or other macro values', async () => {
    const edits: Array<[string, (ws: { manifests: string; transforms: string }) => void, Record<string, string>?]> = [
      ['a manifest line', (ws) => appendFileSync(join(ws.manifests, 'SUNWcsd.mf'), 'dir path=var/new owner=root group=sys mode=0755\n')],
      ['the transform file', (ws) => appendFileSync(join(ws.transforms, 'defaults'), '\n# changed\n')],
      ['a new manifest', (ws) => writeFileSync(join(ws.manifests, 'zz-new.mf'), 'set name=pkg.fmri value=pkg:/zz@1\n')],
      ['a new file in the transforms directory', (ws) => writeFileSync(join(ws.transforms, 'extra.inc'), '\n')],
    ];
    for (const [what, edit] of edits) {
      const ws = workspace();
      const cache = BuildCache.open(tmp())!;
      const store = settledStore(cache);
      await loadManifests(ws.manifests, { store });
      cache.flush();
      edit(ws);
      const key: SetKey = { dir: ws.manifests, transformsDir: ws.transforms, transformFiles: [join(ws.transforms, 'defaults')], defines: I386_DEFINES };
      expect(cachedManifestSet(cache, key), what).toBeUndefined();
    }
    const ws = workspace();
    const cache = BuildCache.open(tmp())!;
    const { fromCache } = await loadTwice(ws, cache, { PYTHON_VERSION: '3.9' });
    expect(fromCache).toBe(true);
    const other = await loadManifests(ws.manifests, { store: settledStore(cache), defines: { PYTHON_VERSION: '3.11' }, reporter: { note: (n: string) => expect(n).not.toContain('taken from the cache'), warn: () => {}, progress: () => {}, done: () => {} } as never });
    expect(other.actions.length).toBeGreaterThan(0);
  });

  it('misses after a same-size edit whose modification time was put back (the change time moved)', async () => {
    const ws = workspace();
    const file = join(ws.manifests, 'SUNWcsd.mf');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const cache = BuildCache.open(tmp())!;
    await loadTwice(ws, cache);
    const st = statSync(file);
    const text = readFileSync(file, 'utf8');
    const edited = text.replace('group=sys', 'group=bin');
    expect(edited).not.toBe(text);
    expect(edited.length).toBe(text.length);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, edited);
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file).mtimeMs).toBe(st.mtimeMs);
    const key: SetKey = { dir: ws.manifests, transformsDir: ws.transforms, transformFiles: [join(ws.transforms, 'defaults')], defines: I386_DEFINES };
    expect(cachedManifestSet(cache, key)).toBeUndefined();
  });

  it('keeps nothing read from a file changed less than RACY_MS before the read began, and nothing before the build flushes', async () => {
    const ws = workspace();
    const cache = BuildCache.open(tmp())!;
    const set = await loadManifests(ws.manifests);
    const key: SetKey = { dir: ws.manifests, transformsDir: ws.transforms, transformFiles: [join(ws.transforms, 'defaults')], defines: I386_DEFINES };
    // The files were written just now: a read that began now cannot trust their stamps.
    expect(rememberManifestSet(cache, key, set, Date.now())).toBe(false);
    expect(rememberManifestSet(cache, key, set, Date.now() + 2 * RACY_MS)).toBe(true);
    expect(cachedManifestSet(cache, key)).toBeUndefined();
    cache.flush();
    expect(cachedManifestSet(cache, key)).toBeDefined();
    expect(cachedManifestSet(cache, { ...key, transformFiles: [] })).toBeUndefined();
    expect(cachedManifestSet(undefined, key)).toBeUndefined();
  });

  it('the same macro values given in another order hit; a file whose modification time lies ahead is not trusted; a set without transforms round-trips', async () => {
    const ws = { manifests: join(tmp(), 'manifests'), transforms: join(tmp(), 'transforms') };
    mkdirSync(ws.manifests);
    writeFileSync(join(ws.manifests, 'SUNWcsd.mf'), 'set name=pkg.fmri value=pkg:/a@1\ndir path=etc owner=root group=sys mode=0755\n');
    const cache = BuildCache.open(tmp())!;
    const set = await loadManifests(ws.manifests, { transformsDir: null });
    const key: SetKey = { dir: ws.manifests, transformFiles: [], defines: { A: '1', B: '2', ...I386_DEFINES } };
    expect(rememberManifestSet(cache, key, set, Date.now() + 2 * RACY_MS)).toBe(true);
    cache.flush();
    const back = cachedManifestSet(cache, { ...key, defines: { ...I386_DEFINES, B: '2', A: '1' } });
    expect(back).toBeDefined();
    expect(back!.transformsDir).toBeUndefined();
    expect('transformsDir' in back!).toBe(false);
    expect({ ...back!, fromCache: undefined }).toEqual({ ...set, transformsDir: undefined });
    expect(cachedManifestSet(cache, { ...key, transformsDir: ws.transforms })).toBeUndefined();
    // A modification time in the future: later than any read could begin, so never trusted.
    const file = join(ws.manifests, 'SUNWcsd.mf');
    const ahead = (Date.now() + 60_000) / 1000;
    utimesSync(file, ahead, ahead);
    expect(rememberManifestSet(cache, key, set, Date.now() + 2 * RACY_MS)).toBe(false);
    // A manifests directory that is gone keeps nothing and finds nothing.
    expect(rememberManifestSet(cache, { ...key, dir: join(ws.manifests, 'gone') }, set, Date.now() + 2 * RACY_MS)).toBe(false);
    expect(cachedManifestSet(cache, { ...key, dir: join(ws.manifests, 'gone') })).toBeUndefined();
    expect(rememberManifestSet(undefined, key, set, 0)).toBe(false);
    expect(rememberMacroLines(undefined, ws.manifests, I386_DEFINES, [], [], 0)).toBe(false);
    expect(cachedMacroLines(undefined, ws.manifests, I386_DEFINES)).toBeUndefined();
  });

  it('the macro lines: kept with the files they came from and the known values', async () => {
    const ws = workspace();
    writeFileSync(join(ws.manifests, 'python.mf'), 'file path=usr/lib/python$(PYTHON_VERSION)/x.py owner=root group=bin mode=0444\n');
    const cache = BuildCache.open(tmp())!;
    const read: string[] = [];
    const lines = await scanMacroLines(ws.manifests, I386_DEFINES, read);
    expect(read).toContain(join(ws.manifests, 'python.mf'));
    expect(lines.map((l) => l.text)).toContain('file path=usr/lib/python$(PYTHON_VERSION)/x.py owner=root group=bin mode=0444');
    expect(rememberMacroLines(cache, ws.manifests, I386_DEFINES, read, lines, Date.now())).toBe(false);
    expect(rememberMacroLines(cache, ws.manifests, I386_DEFINES, read, lines, Date.now() + 2 * RACY_MS)).toBe(true);
    cache.flush();
    expect(cachedMacroLines(cache, ws.manifests, I386_DEFINES)).toEqual(lines);
    expect(cachedMacroLines(cache, ws.manifests, { ...I386_DEFINES, PYTHON_VERSION: '3.9' })).toBeUndefined();
    utimesSync(join(ws.manifests, 'python.mf'), new Date(0), new Date(0));
    expect(cachedMacroLines(cache, ws.manifests, I386_DEFINES)).toBeUndefined();
  });
});
