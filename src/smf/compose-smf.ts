import { hasStartdEntry } from '../overlay/inittab.js';
import { putGeneratedFile } from '../overlay/generated.js';
import type { Profile } from '../profile/schema.js';
import type { StagedTree } from '../stage/tree.js';
import { readStagedText } from '../state/read-staged.js';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { installSshKey, setRootPassword } from './accounts.js';
import { BOOT_OK_CONF_PATH, BOOT_OK_MANIFEST_PATH, BOOT_OK_METHOD_PATH, bootOkConfig } from './boot-ok.js';
import { DEFAULT_INIT_PATH, defaultInitWithTimezone, HOSTS_PATH, hostsWithNodename, NODENAME_PATH, nodenameText, ZONEINFO_DIR } from './identity.js';
import type { SmfBuildOptions } from './options.js';
import { placeProfileLinks } from './profile-links.js';
import { placeRepository } from './repository.js';
import { SITE_PROFILE_PATH, siteProfileStates, siteProfileXml } from './site-profile.js';
import { ILLUMOS_GID, imageGroupId, replaceFile } from './staged-files.js';
import { VFSTAB_PATH, vfstabText } from './vfstab.js';

// Everything an image that boots through svc.startd needs beyond the proto area, in the order an
// installer would do it: keep init's smf entry, give SMF a repository, choose the system profiles,
// write the site profile, the ramdisk vfstab and the machine's identity, decide how root gets in,
// and configure the boot-test service. Runs before pruning; the paths it returns are protected.

export interface ComposeSmfOptions extends SmfBuildOptions {
  testMode?: boolean;
  mtime: number;
  reporter: Reporter;
}

async function checkInittab(tree: StagedTree, profile: Profile): Promise<void> {
  const inittab = await readStagedText(tree, 'etc/inittab');
  if (inittab === undefined || !hasStartdEntry(inittab)) {
    throw new InputError(`profile ${profile.name} boots through SMF but the proto's etc/inittab has no "smf" entry starting svc.startd`);
  }
}

async function writeIdentity(tree: StagedTree, profile: Profile, o: ComposeSmfOptions, sys: number): Promise<string[]> {
  const { nodename, timezone } = profile.smf;
  const etc = { mode: 0o644, uid: 0, gid: sys };
  const placed = [
    replaceFile(tree, NODENAME_PATH, nodenameText(nodename), 'nodename', o.mtime, etc),
    replaceFile(tree, HOSTS_PATH, hostsWithNodename(await readStagedText(tree, HOSTS_PATH), nodename), 'hosts', o.mtime, etc),
    replaceFile(tree, DEFAULT_INIT_PATH, defaultInitWithTimezone(await readStagedText(tree, DEFAULT_INIT_PATH), timezone), 'default/init', o.mtime, etc),
  ];
  if (tree.resolve(ZONEINFO_DIR)?.type === 'dir' && !tree.resolve(`${ZONEINFO_DIR}/${timezone}`)) {
    o.reporter.warn(`profile ${profile.name}: time zone "${timezone}" (smf.timezone) is not in /${ZONEINFO_DIR}; the image will run on GMT`);
  }
  return placed;
}

/** The boot-test service's settings; its manifest and method come from the smf overlay. */
function configureBootTest(tree: StagedTree, profile: Profile, o: ComposeSmfOptions): string[] {
  const manifest = tree.get(BOOT_OK_MANIFEST_PATH);
  const method = tree.get(BOOT_OK_METHOD_PATH);
  if (!manifest || !method) {
    if (o.testMode) throw new InputError(`--test-mode needs the boot-test service of the "smf" overlay (/${BOOT_OK_MANIFEST_PATH}); add "smf" to the overlays of profile ${profile.name}`);
    return [];
  }
  // Modes as the gate gives manifests and methods, whatever the checkout's umask made of them.
  Object.assign(manifest, { mode: 0o444, uid: 0 });
  Object.assign(method, { mode: 0o555, uid: 0 });
  return [putGeneratedFile(tree, BOOT_OK_CONF_PATH, bootOkConfig(profile.name, !!o.testMode), 'boot-ok.conf', o.mtime)];
}

/** Make the staged tree an SMF image; returns the paths placed (for the protected set). */
export async function composeSmfImage(tree: StagedTree, profile: Profile, o: ComposeSmfOptions): Promise<string[]> {
  await checkInittab(tree, profile);
  const sys = await imageGroupId(tree, 'sys', ILLUMOS_GID.sys);
  const placed: string[] = [];
  const repo = await placeRepository(tree, { repository: o.repository, mtime: o.mtime, reporter: o.reporter });
  placed.push(repo.path);
  if (repo.from === 'seed') o.reporter.note(`SMF repository from /${repo.source}: the first boot imports every manifest under /lib/svc/manifest (slow); --repository <repository.db> from a booted image skips that`);
  placed.push(...placeProfileLinks(tree, profile.smf.profileLinks, o.mtime));
  placed.push(putGeneratedFile(tree, SITE_PROFILE_PATH, siteProfileXml(siteProfileStates(profile.smf), profile.name), 'site.xml', o.mtime, 0o444, { uid: 0, gid: sys }));
  placed.push(replaceFile(tree, VFSTAB_PATH, vfstabText(), 'vfstab', o.mtime, { mode: 0o644, uid: 0, gid: sys }));
  placed.push(...(await writeIdentity(tree, profile, o, sys)));
  placed.push(...(await setRootPassword(tree, o)));
  if (o.sshKey !== undefined) placed.push(...(await installSshKey(tree, { ...o, sshKey: o.sshKey })));
  placed.push(...configureBootTest(tree, profile, o));
  return placed;
}
