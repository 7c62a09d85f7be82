import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDevLinks } from '../../src/devlinks/add-dev-links.js';
import { DEV_LINKS, SUNWCSD_DIRS } from '../../src/devlinks/table.js';
import { loadManifests } from '../../src/manifest/load.js';
import { attrOne } from '../../src/manifest/action.js';
import { StagedTree } from '../../src/stage/tree.js';

const MANIFESTS = join(import.meta.dirname, '../fixtures/manifests');

describe('addDevLinks', () => {
  it('makes the links devfsadm would make for the console, memory, tty, log and random devices', () => {
    const t = new StagedTree(1);
    addDevLinks(t, 5);
    const link = (p: string) => t.get(p)?.target;
    expect(link('dev/console')).toBe('../devices/pseudo/cn@0:console');
    expect(link('dev/syscon')).toBe('../devices/pseudo/cn@0:syscon');
    expect(link('dev/systty')).toBe('../devices/pseudo/cn@0:systty');
    expect(link('dev/null')).toBe('../devices/pseudo/mm@0:null');
    expect(link('dev/zero')).toBe('../devices/pseudo/mm@0:zero');
    expect(link('dev/kmem')).toBe('../devices/pseudo/mm@0:kmem');
    expect(link('dev/mem')).toBe('../devices/pseudo/mm@0:mem');
    expect(link('dev/allkmem')).toBe('../devices/pseudo/mm@0:allkmem');
    expect(link('dev/tty')).toBe('../devices/pseudo/sy@0:tty');
    expect(link('dev/msglog')).toBe('../devices/pseudo/sysmsg@0:msglog');
    expect(link('dev/sysmsg')).toBe('../devices/pseudo/sysmsg@0:sysmsg');
    expect(link('dev/conslog')).toBe('../devices/pseudo/log@0:conslog');
    expect(link('dev/log')).toBe('../devices/pseudo/log@0:log');
    expect(link('dev/random')).toBe('../devices/pseudo/random@0:random');
    expect(link('dev/urandom')).toBe('../devices/pseudo/random@0:urandom');
    // ptm's ptmx minor is a CLONE_DEV node: devfs shows it only as clone@0:ptm (ptm.c, devfs_subr.c).
    expect(link('dev/ptmx')).toBe('../devices/pseudo/clone@0:ptm');
    // autopush opens /dev/sad/admin; one more "../" for the subdirectory, as devfsadm writes it.
    expect(link('dev/sad/admin')).toBe('../../devices/pseudo/sad@0:admin');
    expect(link('dev/sad/user')).toBe('../../devices/pseudo/sad@0:user');
    // soconfig configures AF_UNIX sockets only over these (sock2path.d/system%2Fkernel).
    expect(link('dev/ticotsord')).toBe('../devices/pseudo/tl@0:ticotsord');
    expect(link('dev/ticlts')).toBe('../devices/pseudo/tl@0:ticlts');
    expect(link('dev/stdin')).toBe('./fd/0');
    expect(link('dev/stdout')).toBe('./fd/1');
    expect(link('dev/stderr')).toBe('./fd/2');
    expect(t.get('dev/console')).toMatchObject({ type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: 5, size: '../devices/pseudo/cn@0:console'.length });
  });

  it('creates SUNWcsd\'s /dev skeleton, with groups when the image\'s are given', () => {
    const t = new StagedTree(1);
    const placed = addDevLinks(t, 5, { groups: new Map([['sys', 3], ['root', 0]]) });
    for (const d of ['dev/dsk', 'dev/fd', 'dev/ipnet', 'dev/net', 'dev/pts', 'dev/rdsk', 'dev/rmt', 'dev/sad', 'dev/swap', 'dev/term', 'dev/vt', 'dev/zcons', 'devices/pseudo']) {
      expect(t.get(d)?.type).toBe('dir');
    }
    expect(t.get('dev/fd')).toMatchObject({ mode: 0o555, gid: 0 });
    expect(t.get('dev/dsk')).toMatchObject({ mode: 0o755, gid: 3 });
    expect(placed).toEqual([...SUNWCSD_DIRS.map((d) => d.path), ...DEV_LINKS.map((l) => l.path)]);
  });

  it('matches the SUNWcsd manifest, and takes its directories and links from it when given', async () => {
    const set = await loadManifests(MANIFESTS);
    const csd = set.actions.filter((a) => a.manifest.endsWith('SUNWcsd.mf'));
    const dirs = csd.filter((a) => a.type === 'dir' && /^dev(ices)?(\/|$)/.test(attrOne(a, 'path')!)).map((a) => attrOne(a, 'path'));
    expect(dirs).toEqual(SUNWCSD_DIRS.map((d) => d.path).sort());
    const t = new StagedTree(1);
    addDevLinks(t, 5, { manifests: set });
    // system-kernel delivers /dev/dld as a link action.
    expect(t.get('dev/dld')?.target).toBe('../devices/pseudo/dld@0:ctl');
    expect(t.get('dev/stderr')?.target).toBe('./fd/2');
  });

  it('leaves entries the image already has', () => {
    const t = new StagedTree(1);
    t.put({ path: 'dev/null', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 4, mtime: 1, target: 'elsewhere' });
    t.put({ path: 'dev', type: 'dir', mode: 0o700, uid: 0, gid: 0, size: 0, mtime: 1 });
    addDevLinks(t, 5);
    expect(t.get('dev/null')?.target).toBe('elsewhere');
    expect(t.get('dev')?.mode).toBe(0o700);
  });
});

describe('the /dev skeleton from manifests', () => {
  const action = (type: string, attrs: Record<string, string>) => ({ type, attrs: new Map(Object.entries(attrs).map(([k, v]) => [k, [v]])), manifest: 'x.mf', line: 1 });
  const set = (actions: ReturnType<typeof action>[]) => ({ dir: '/m', manifests: [], actions }) as never;

  it('takes dev and devices directories (mode, group, or 0755 and root) and dev links; nothing else', () => {
    const t = new StagedTree(1);
    const placed = addDevLinks(t, 5, {
      groups: new Map([['sys', 3], ['root', 7]]),
      manifests: set([
        action('dir', { path: 'dev/zz', mode: '0700', group: 'sys' }),
        action('dir', { path: 'dev', mode: '0755', group: 'sys' }),
        action('dir', { path: 'devices' }),
        action('dir', { path: 'etc/dev' }),
        action('dir', { path: 'devicesX' }),
        action('dir', { path: 'xdev/y' }),
        action('link', { path: 'dev/mylink', target: '../devices/pseudo/x@0:y' }),
        action('link', { path: 'dev/notarget' }),
        action('link', { path: 'dev/null', target: 'not-this' }),
        action('link', { path: 'etc/link', target: 'x' }),
        action('file', { path: 'dev/afile' }),
      ]),
    });
    expect(t.get('dev/zz')).toMatchObject({ type: 'dir', mode: 0o700, gid: 3 });
    expect(t.get('devices')).toMatchObject({ type: 'dir', mode: 0o755, gid: 7 });
    for (const p of ['etc/dev', 'devicesX', 'xdev/y', 'dev/notarget', 'etc/link', 'dev/afile', 'dev/dsk']) expect(t.get(p), p).toBeUndefined();
    expect(t.get('dev/mylink')?.target).toBe('../devices/pseudo/x@0:y');
    // The built-in link stays: devfsadm writes it so.
    expect(t.get('dev/null')?.target).toBe('../devices/pseudo/mm@0:null');
    // Directories parents first, then the built-in links, then the manifests' own.
    expect(placed.slice(0, 3)).toEqual(['dev', 'dev/zz', 'devices']);
    expect(placed.at(-1)).toBe('dev/mylink');
    expect(placed.filter((p) => p === 'dev/null')).toHaveLength(1);
  });

  it('manifests without a /dev directory leave the built-in skeleton', () => {
    const t = new StagedTree(1);
    addDevLinks(t, 5, { manifests: set([action('dir', { path: 'etc' })]) });
    expect(t.get('dev/dsk')?.type).toBe('dir');
  });
});
