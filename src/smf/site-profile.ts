import { comparePaths } from '../stage/tree.js';
import { parseInstanceFmri } from './fmri.js';
import type { SmfSettings } from './settings.js';

// etc/svc/profile/site.xml: the site profile manifest-import applies last on the first boot (after
// generic.xml and platform.xml), so what it enables or disables wins. A service_bundle of type
// "profile" holds only service elements with instance elements carrying the enabled state
// (service_bundle.dtd.1: service_bundle (service*), service (... instance* ...)).

export const SITE_PROFILE_PATH = 'etc/svc/profile/site.xml';

export const CONSOLE_LOGIN_FMRI = 'svc:/system/console-login:default';

/**
 * Instances that have nothing to do on a ramdisk root, disabled unless the profile enables them.
 * Deliberately not here: system/boot-archive, because system/filesystem/usr has a require_all
 * dependency on it (usr/src/cmd/svc/milestone/usr-fs.xml: disabled, it would hold / read-only and
 * stop the boot). bootadm does not skip a root on /devices/ramdisk:a (its is_ramdisk() looks for
 * /dev/ramdisk/), so the gate's method would ask filesystem/usr to update the archive and reboot
 * on every boot: the smf overlay replaces the method with one that succeeds at once
 * (overlays/smf/lib/svc/method/boot-archive). Nor system/manifest-import, which must import the
 * manifests on the first boot.
 */
export const RAMDISK_DISABLED: ReadonlyArray<{ fmri: string; why: string }> = [
  { fmri: 'svc:/system/boot-archive-update:default', why: 'rebuilds the boot archive on disk after a reconfiguration boot; a ramdisk has none to rebuild' },
];

export interface InstanceState {
  fmri: string;
  enabled: boolean;
  /** Why, as a comment in the file. */
  why: string;
}

/** The states site.xml sets, sorted by FMRI. */
export function siteProfileStates(smf: SmfSettings): InstanceState[] {
  const states = new Map<string, InstanceState>();
  for (const r of RAMDISK_DISABLED) if (!smf.enable.includes(r.fmri)) states.set(r.fmri, { fmri: r.fmri, enabled: false, why: r.why });
  if (!smf.consoleLogin && !smf.enable.includes(CONSOLE_LOGIN_FMRI)) states.set(CONSOLE_LOGIN_FMRI, { fmri: CONSOLE_LOGIN_FMRI, enabled: false, why: 'the profile sets smf.console_login: false' });
  for (const f of smf.disable) states.set(f, { fmri: f, enabled: false, why: 'the profile disables it' });
  for (const f of smf.enable) states.set(f, { fmri: f, enabled: true, why: 'the profile enables it' });
  return [...states.values()].sort((a, b) => comparePaths(a.fmri, b.fmri));
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text that may sit inside an XML comment ("--" may not). */
function commentText(text: string): string {
  return text.replace(/-(?=-)/g, '- ').replace(/-$/, '- ');
}

/** The site profile document. */
export function siteProfileXml(states: InstanceState[], profileName: string): string {
  const byService = new Map<string, Array<{ instance: string; state: InstanceState }>>();
  for (const s of states) {
    const ref = parseInstanceFmri(s.fmri);
    if (!ref) throw new Error(`not an SMF instance FMRI: ${s.fmri}`);
    byService.set(ref.service, [...(byService.get(ref.service) ?? []), { instance: ref.instance, state: s }]);
  }
  const lines = [
    "<?xml version='1.0'?>",
    "<!DOCTYPE service_bundle SYSTEM '/usr/share/lib/xml/dtd/service_bundle.dtd.1'>",
    '<!--',
    `  Written by illumos-compose for the profile ${commentText(profileName)}. manifest-import applies`,
    '  this site profile last on the first boot, so these states win over generic.xml.',
    '-->',
    "<service_bundle type='profile' name='site'>",
  ];
  for (const [service, instances] of [...byService].sort(([a], [b]) => comparePaths(a, b))) {
    lines.push(`  <service name='${attr(service)}' version='1' type='service'>`);
    for (const { instance, state } of instances) {
      lines.push(`    <!-- ${commentText(state.why)} -->`);
      lines.push(`    <instance name='${attr(instance)}' enabled='${state.enabled}'/>`);
    }
    lines.push('  </service>');
  }
  lines.push('</service_bundle>', '');
  return lines.join('\n');
}
