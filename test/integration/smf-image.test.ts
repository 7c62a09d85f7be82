import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAdjuncts } from '../../src/adjunct/apply-adjuncts.js';
import { writeDemoAdjunct, writeSmfDemoFiles } from '../../src/demo/demo-adjunct.js';
import { applyOverlays } from '../../src/overlay/apply-overlays.js';
import { putGeneratedFile } from '../../src/overlay/generated.js';
import { addMountPoints } from '../../src/overlay/mountpoints.js';
import { resolveProfile } from '../../src/profile/resolve.js';
import type { Profile } from '../../src/profile/schema.js';
import { locateProto } from '../../src/proto/locate.js';
import { stageProto } from '../../src/proto/stage-proto.js';
import { pruneByGlobs } from '../../src/prune/globs.js';
import { checkSmfImage } from '../../src/smf/check-smf.js';
import { composeSmfImage, type ComposeSmfOptions } from '../../src/smf/compose-smf.js';
import { checkSmfOptions } from '../../src/smf/options.js';
import { resolveInImage, type StagedTree } from '../../src/stage/tree.js';
import { readStagedText } from '../../src/state/read-staged.js';
import { InputError, UsageError } from '../../src/util/errors.js';
import type { Reporter } from '../../src/util/progress.js';
import { silentReporter } from '../../src/util/progress.js';
import { makeDemoProto } from '../support/cli.js';

// An SMF image composed from the demo workspace and the demo adjunct, in the order the pipeline
// runs: stage the proto, lay the adjunct over it, the profile's overlays and mount points, the
// SMF generators, pruning, then the SMF checks. The expectations go through ImageView, so the same
// assertions can later read a listing of the written UFS image instead of the staged tree.

/** What the assertions need of an image: entries by path and file text (through symlinks). */
interface ImageView {
  entry(path: string): { type: string; mode: number; uid: number; gid: number; target?: string } | undefined;
  text(path: string): Promise<string | undefined>;
  /** Where a symlink resolves to inside the image, or undefined. */
  resolve(path: string): string | undefined;
}

function viewOfStagedTree(tree: StagedTree): ImageView {
  return {
    entry: (path) => {
      const e = tree.get(path);
      return e && (e.type === 'hardlink' ? { ...tree.contentOwner(e), type: 'file' } : e);
    },
    text: (path) => readStagedText(tree, path),
    resolve: (path) => tree.resolve(path)?.path,
  };
}

/** The facts every SMF image must show, whatever wrote it. */
async function expectSmfImage(view: ImageView, o: { profile: string; nodename: string; testMode: boolean; rootField: string }): Promise<void> {
  const inittab = (await view.text('etc/inittab')) ?? '';
  expect(inittab).toMatch(/^smf::sysinit:\/lib\/svc\/bin\/svc\.startd/m);
  expect(inittab).not.toMatch(/etc\/compose\/launcher/);
  expect(view.entry('etc/svc/repository.db')).toMatchObject({ type: 'file', mode: 0o600, uid: 0, gid: 3 });
  expect((await view.text('etc/svc/repository.db'))?.startsWith('** This file contains an SQLite 2.1 database **')).toBe(true);
  for (const [link, target] of [
    ['generic.xml', 'generic_limited_net.xml'],
    ['platform.xml', 'platform_none.xml'],
    ['name_service.xml', 'ns_files.xml'],
    ['inetd_services.xml', 'inetd_generic.xml'],
  ]) {
    expect(view.entry(`etc/svc/profile/${link}`)).toMatchObject({ type: 'symlink', target });
    expect(view.entry(`etc/svc/profile/${target}`)?.type).toBe('file');
  }
  const site = (await view.text('etc/svc/profile/site.xml')) ?? '';
  expect(site).toContain("<service_bundle type='profile' name='site'>");
  // svc:/system/boot-archive stays enabled (filesystem/usr requires it), with compose's method:
  // on a ramdisk the gate's would have filesystem/usr reboot on every boot.
  expect(site).not.toMatch(/name='system\/boot-archive'/);
  expect(await view.text('lib/svc/method/boot-archive')).toMatch(/^#!\/sbin\/sh\n#\n# illumos-compose: the start method of svc:\/system\/boot-archive on a ramdisk root/);
  expect(site).toMatch(/<service name='system\/boot-archive-update' version='1' type='service'>\n.*\n\s+<instance name='default' enabled='false'\/>/);
  const vfstab = ((await view.text('etc/vfstab')) ?? '').split('\n').filter((l) => l && !l.startsWith('#'));
  expect(vfstab[0].split(/\s+/)).toEqual(['/devices/ramdisk:a', '-', '/', 'ufs', '-', 'no', 'rw,nologging']);
  expect(vfstab.map((l) => l.split(/\s+/)[2])).toEqual(['/', '/devices', '/proc', '/system/contract', '/system/object', '/etc/dfs/sharetab', '/dev/fd', '/tmp']);
  expect(await view.text('etc/nodename')).toBe(`${o.nodename}\n`);
  expect(view.entry('etc/hosts')).toMatchObject({ type: 'symlink', target: './inet/hosts' });
  expect(await view.text('etc/inet/hosts')).toMatch(new RegExp(`^127\\.0\\.0\\.1\\s+localhost ${o.nodename}$`, 'm'));
  expect(await view.text('etc/default/init')).toMatch(/^TZ=UTC$/m);
  expect(((await view.text('etc/shadow')) ?? '').split('\n')[0].split(':')[1]).toBe(o.rootField);
  expect(await view.text('etc/compose/boot-ok.conf')).toBe(`# Written by illumos-compose; read by /lib/svc/method/compose-boot-ok.\nCOMPOSE_PROFILE='${o.profile}'\nCOMPOSE_TEST_MODE=${o.testMode ? 1 : 0}\n`);
  expect(view.entry('lib/svc/method/compose-boot-ok')).toMatchObject({ type: 'file', mode: 0o555 });
  expect(await view.text('lib/svc/manifest/site/compose-boot-ok.xml')).toContain("<service_fmri value='svc:/milestone/multi-user:default' />");
  expect(view.entry('etc/svc/volatile')?.type).toBe('dir');
  expect(view.entry('reconfigure')?.type).toBe('file');
}

const HASH = `$6$compose$${'x'.repeat(86)}`;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1c3QgYSB0ZXN0IGtleQ== tester@example';

let work = '';
let protoRoot = '';
let adjunct = '';
let smf: Profile;

interface Built {
  tree: StagedTree;
  placed: Set<string>;
}

/** The pipeline up to and including the SMF checks, on a fresh staging of the demo proto. */
async function compose(o: Partial<ComposeSmfOptions> & { adjuncts?: string[]; profile?: Profile; edit?: (t: StagedTree) => void } = {}): Promise<Built> {
  const profile = o.profile ?? smf;
  const reporter = o.reporter ?? silentReporter;
  checkSmfOptions(profile, o);
  const { tree } = await stageProto(await locateProto(protoRoot), { mtime: 1767225600 });
  await applyAdjuncts(tree, o.adjuncts ?? [adjunct], { mtime: 1767225600, reporter });
  o.edit?.(tree);
  const placed = await applyOverlays(tree, profile.overlays, 1767225600);
  for (const p of addMountPoints(tree, 1767225600)) placed.add(p);
  for (const p of await composeSmfImage(tree, profile, { mtime: 1767225600, reporter, ...o })) placed.add(p);
  pruneByGlobs(tree, profile.include, profile.exclude, placed);
  await checkSmfImage(tree, profile, { sshKey: o.sshKey !== undefined, reporter });
  return { tree, placed };
}

function withShadow(text: string): (t: StagedTree) => void {
  return (t) => putGeneratedFile(t, 'etc/shadow', text, 'test', 0, 0o400);
}

describe('an SMF image from the demo workspace', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'compose-smf-image-'));
    protoRoot = await makeDemoProto();
    await writeSmfDemoFiles(protoRoot);
    adjunct = (await writeDemoAdjunct(join(work, 'adjunct'))).root;
    smf = resolveProfile('smf');
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('boots through svc.startd with the seed, the profile links, site.xml, vfstab and identity', async () => {
    const { tree } = await compose({ testMode: true });
    await expectSmfImage(viewOfStagedTree(tree), { profile: 'smf', nodename: 'illumos', testMode: true, rootField: '$5$demo$notarealhash' });
    // The demo adjunct's files are there, with the owners its manifests give.
    expect(tree.get('usr/lib/amd64/libxml2.so.2')).toMatchObject({ type: 'file', uid: 0, gid: 2, mode: 0o755 });
    expect(tree.get('usr/lib/ssh/sshd')).toMatchObject({ mode: 0o555, gid: 2 });
    expect(tree.has('.compose')).toBe(false);
  });

  it('sets root\'s password hash and installs an ssh key root can use', async () => {
    const keyFile = join(work, 'id.pub');
    await writeFile(keyFile, `${KEY}\n`);
    const notes: string[] = [];
    const reporter: Reporter = { ...silentReporter, note: (m) => notes.push(m) };
    const { tree } = await compose({ rootPasswordHash: HASH, sshKey: keyFile, reporter });
    const view = viewOfStagedTree(tree);
    await expectSmfImage(view, { profile: 'smf', nodename: 'illumos', testMode: false, rootField: HASH });
    expect(view.entry('etc/shadow')).toMatchObject({ mode: 0o400 });
    expect(view.entry('root/.ssh')).toMatchObject({ type: 'dir', mode: 0o700, uid: 0 });
    expect(view.entry('root/.ssh/authorized_keys')).toMatchObject({ type: 'file', mode: 0o600, uid: 0 });
    expect(await view.text('root/.ssh/authorized_keys')).toBe(`${KEY}\n`);
    expect(await view.text('etc/ssh/sshd_config')).toMatch(/^PermitRootLogin prohibit-password$/m);
    expect(notes.some((n) => n.includes('PermitRootLogin'))).toBe(true);
  });

  it('follows a derived profile\'s smf settings', async () => {
    const file = join(work, 'box.yaml');
    await writeFile(file, 'extends: smf\nsmf:\n  nodename: box7\n  disable: [svc:/network/smtp:sendmail]\n  console_login: false\n  profile_links:\n    inetd_services.xml: null\n');
    const { tree } = await compose({ profile: resolveProfile(file) });
    expect(await readStagedText(tree, 'etc/nodename')).toBe('box7\n');
    const site = (await readStagedText(tree, 'etc/svc/profile/site.xml')) ?? '';
    expect(site).toMatch(/<service name='network\/smtp'[^>]*>\n.*\n\s+<instance name='sendmail' enabled='false'\/>/);
    expect(site).toMatch(/<service name='system\/console-login'[^>]*>\n.*\n\s+<instance name='default' enabled='false'\/>/);
    expect(await readStagedText(tree, 'lib/svc/method/compose-boot-ok')).toBeDefined();
    expect(await readStagedText(tree, 'etc/compose/boot-ok.conf')).toContain("COMPOSE_PROFILE='box'");
    expect(tree.has('etc/svc/profile/inetd_services.xml')).toBe(false);
    expect(resolveInImage('etc/hosts', tree.get('etc/hosts')!.target!)).toBe('etc/inet/hosts');
  });

  it('refuses root\'s empty password unless allowed, and then says so loudly', async () => {
    const gateShadow = withShadow('root::6445::::::\ndaemon:NP:6445::::::\n');
    await expect(compose({ edit: gateShadow })).rejects.toThrow(/gives root an empty password .* pass --root-password-hash '<hash>' .* or --allow-empty-root-password/);
    const warnings: string[] = [];
    // The gate's login.dfl: PASSREQ=YES would refuse root's empty password at the console.
    const gateLogin = (t: StagedTree) => {
      gateShadow(t);
      putGeneratedFile(t, 'etc/default/login', '# login defaults\nCONSOLE=/dev/console\nPASSREQ=YES\nSYSLOG=YES\n', 'test', 0, 0o444);
    };
    const { tree } = await compose({ edit: gateLogin, allowEmptyRootPassword: true, reporter: { ...silentReporter, warn: (m) => warnings.push(m) } });
    expect(warnings.join('\n')).toMatch(/ROOT HAS NO PASSWORD/);
    expect(rootField(await readStagedText(tree, 'etc/shadow'))).toBe('');
    expect(await readStagedText(tree, 'etc/default/login')).toBe('# login defaults\nCONSOLE=/dev/console\n# illumos-compose --allow-empty-root-password: root has no password, and login must let it in.\nPASSREQ=NO\nSYSLOG=YES\n');
    expect(tree.get('etc/default/login')?.mode).toBe(0o444);
    const set = await compose({ edit: gateLogin, rootPasswordHash: 'NP' });
    expect(rootField(await readStagedText(set.tree, 'etc/shadow'))).toBe('NP');
    // With a password set, the gate's PASSREQ=YES stays.
    expect(await readStagedText(set.tree, 'etc/default/login')).toMatch(/^PASSREQ=YES$/m);
  });

  it('checks the options before any work', () => {
    expect(() => checkSmfOptions(smf, { rootPasswordHash: 'hunter2' })).toThrow(UsageError);
    expect(() => checkSmfOptions(smf, { rootPasswordHash: HASH, allowEmptyRootPassword: true })).toThrow(/contradict/);
    expect(() => checkSmfOptions(resolveProfile('pureboot'), { sshKey: 'k.pub', repository: 'r.db' })).toThrow('--repository, --ssh-key only apply to profiles that boot through SMF (init.mode smf); profile pureboot runs the launcher');
    expect(() => checkSmfOptions(resolveProfile('pureboot'), {})).not.toThrow();
  });

  it('wants sshd for a key, a repository to start from, and the boot-test service for test mode', async () => {
    const keyFile = join(work, 'id2.pub');
    await writeFile(keyFile, `${KEY}\n`);
    await expect(compose({ adjuncts: [], sshKey: keyFile })).rejects.toThrow('--ssh-key: the image has no /usr/lib/ssh/sshd (OpenSSH is not part of illumos-gate), so the key would let nobody in; add OpenSSH with --adjunct or drop --ssh-key');
    const noSeed = (t: StagedTree) => t.remove('lib/svc/seed/global.db');
    await expect(compose({ edit: noSeed })).rejects.toThrow('the image has no /lib/svc/seed/global.db to seed the SMF repository from; build illumos-gate with its SMF seed (usr/src/cmd/svc/seed) or pass --repository <repository.db>');
    const repo = join(work, 'repository.db');
    await writeFile(repo, '** This file contains an SQLite 2.1 database **\0captured\n');
    const given = await compose({ edit: noSeed, repository: repo });
    expect(await readStagedText(given.tree, 'etc/svc/repository.db')).toContain('captured');
    const sqlite3 = join(work, 'v3.db');
    await writeFile(sqlite3, 'SQLite format 3\0....');
    await expect(compose({ repository: sqlite3 })).rejects.toThrow(/is an SQLite 3 database, but svc\.configd reads only SQLite 2/);
    const bare = { ...smf, overlays: [] };
    await expect(compose({ profile: bare, testMode: true })).rejects.toThrow(/--test-mode needs the boot-test service of the "smf" overlay/);
  });

  it('stops at an inittab without svc.startd, and at files SMF needs that the profile prunes', async () => {
    const noStartd = (t: StagedTree) => putGeneratedFile(t, 'etc/inittab', 'ap::sysinit:/sbin/autopush -f /etc/iu.ap\n', 'test', 0);
    await expect(compose({ edit: noStartd })).rejects.toThrow(/has no "smf" entry starting svc\.startd/);
    const lean = { ...smf, exclude: [...smf.exclude, 'usr/share/lib/xml'] };
    await expect(compose({ profile: lean })).rejects.toThrow(/the image has no \/usr\/share\/lib\/xml\/dtd\/service_bundle\.dtd\.1 \(svccfg validates every manifest against it\)/);
    const noTargets = { ...smf, exclude: [...smf.exclude, 'etc/svc/profile/ns_files.xml'] };
    await expect(compose({ profile: noTargets })).rejects.toThrow(InputError);
  });
});

function rootField(shadow: string | undefined): string | undefined {
  return shadow?.split('\n').find((l) => l.startsWith('root:'))?.split(':')[1];
}

/**
 * An ImageView of a written UFS image: metadata from `compose inspect`'s listing, file text from
 * GRUB's grub-fstest (a reader we did not write).
 */
async function viewOfUfsImage(image: string): Promise<ImageView> {
  const { listUfs } = await import('../../src/ufs/index.js');
  const { execa } = await import('execa');
  const byPath = new Map((await listUfs(image, { hash: false })).map((e) => [e.path, e]));
  const resolve = (path: string, depth = 0): string | undefined => {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const e = byPath.get(prefix);
      if (!e) return undefined;
      if (e.type === 'symlink' && depth < 20) {
        const t = resolveInImage(prefix, e.target!);
        return t === null ? undefined : resolve([t, ...parts.slice(i)].filter(Boolean).join('/'), depth + 1);
      }
    }
    return path;
  };
  return {
    entry: (path) => {
      const e = byPath.get(path);
      return e && { type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, target: e.target };
    },
    text: async (path) => {
      const real = resolve(path);
      if (!real || byPath.get(real)?.type !== 'file') return undefined;
      const r = await execa('grub-fstest', [image, 'cat', `/${real}`], { encoding: 'utf8' });
      return r.stdout + (byPath.get(real)!.size > 0 && !r.stdout.endsWith('\n') ? '\n' : '');
    },
    resolve,
  };
}

describe('compose -p smf on the demo workspace with the demo adjunct, read back from the UFS image', () => {
  it('writes the SMF image the profile describes', async () => {
    const { runCli, tempDir } = await import('../support/cli.js');
    const { TESTKERNEL } = await import('../support/paths.js');
    const base = await tempDir();
    const d = await runCli(['demo-proto', join(base, 'ws'), '--kernel', TESTKERNEL.unix, '--adjunct', join(base, 'adjunct'), '--quiet']);
    expect(d.exitCode, d.stderr).toBe(0);
    const out = join(base, 'out');
    const r = await runCli(['-p', 'smf', '--format', 'ufs', '--test-mode', '--adjunct', join(base, 'adjunct'), '-o', out, '--quiet', join(base, 'ws/proto')]);
    expect(r.exitCode, r.stderr).toBe(0);
    await expectSmfImage(await viewOfUfsImage(join(out, 'smf.ufs')), { profile: 'smf', nodename: 'illumos', testMode: true, rootField: '$5$demo$notarealhash' });
  });

  it('names each missing library when the adjunct is left out', async () => {
    // The demo's svc.startd and svccfg are small ELF objects needing libxml2 and zlib, which only
    // the demo adjunct supplies (test/integration/smf-libraries.test.ts does the same with gcc).
    const { runCli, tempDir } = await import('../support/cli.js');
    const { TESTKERNEL } = await import('../support/paths.js');
    const base = await tempDir();
    await runCli(['demo-proto', join(base, 'ws'), '--kernel', TESTKERNEL.unix, '--quiet']);
    const r = await runCli(['-p', 'smf', '--format', 'ufs', '-o', join(base, 'out'), join(base, 'ws/proto')]);
    expect(r.exitCode).toBe(3);
    for (const prog of ['/lib/svc/bin/svc.startd', '/usr/sbin/svccfg']) {
      expect(r.stderr).toContain(`${prog}: missing 64-bit libxml2.so.2 (normally supplied by libxml2)`);
      expect(r.stderr).toContain(`${prog}: missing 64-bit libz.so.1 (normally supplied by zlib)`);
    }
  });
});
