import { z } from 'zod';
import { ProfileError } from '../util/errors.js';
import { canonicalFmri, FMRI_PATTERN } from './fmri.js';

// The "smf:" section of a profile: how an image that boots through svc.startd is set up. Only
// profiles with init.mode smf use it; the schema and the merge live here so the profile schema
// gains one key.

const fmri = z.string().regex(FMRI_PATTERN, 'an SMF instance such as svc:/system/boot-archive-update:default');

/** A hostname: dot-separated labels of letters, digits and inner hyphens. */
const HOSTNAME = /^(?=.{1,255}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A zoneinfo name (UTC, Europe/Berlin, Etc/GMT+5): no "..", no leading "/". */
const TIMEZONE = /^(?!.*\.\.)[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

/** File names inside etc/svc/profile. */
const PROFILE_FILE = /^[A-Za-z0-9][A-Za-z0-9_.,-]*\.xml$/;

export const smfFileSchema = z.strictObject({
  profile_links: z
    .record(z.string().regex(PROFILE_FILE, 'a file name in etc/svc/profile such as generic.xml'), z.string().regex(PROFILE_FILE, 'a file name in etc/svc/profile such as generic_limited_net.xml').nullable())
    .optional(),
  disable: z.array(fmri).optional(),
  enable: z.array(fmri).optional(),
  nodename: z.string().regex(HOSTNAME, 'a host name of letters, digits and hyphens, such as illumos').optional(),
  timezone: z.string().regex(TIMEZONE, 'a zoneinfo name such as UTC or Europe/Berlin').optional(),
  console_login: z.boolean().optional(),
});

export type SmfFileSettings = z.infer<typeof smfFileSchema>;

export interface SmfSettings {
  /** etc/svc/profile/<link> -> <target>: which system profiles manifest-import applies. */
  profileLinks: Record<string, string>;
  /** Instances site.xml disables, as svc:/<service>:<instance>. */
  disable: string[];
  /** Instances site.xml enables. */
  enable: string[];
  nodename: string;
  timezone: string;
  /** Keep svc:/system/console-login:default (ttymon on /dev/console) enabled. */
  consoleLogin: boolean;
}

/** What an installed system links (install tools and Tribblix do the same). */
export const DEFAULT_PROFILE_LINKS: Readonly<Record<string, string>> = {
  'generic.xml': 'generic_limited_net.xml',
  'platform.xml': 'platform_none.xml',
  'name_service.xml': 'ns_files.xml',
  'inetd_services.xml': 'inetd_generic.xml',
};

export function defaultSmfSettings(): SmfSettings {
  return { profileLinks: { ...DEFAULT_PROFILE_LINKS }, disable: [], enable: [], nodename: 'illumos', timezone: 'UTC', consoleLogin: true };
}

function moveTo(list: string[], other: string[], item: string): void {
  const i = other.indexOf(item);
  if (i >= 0) other.splice(i, 1);
  if (!list.includes(item)) list.push(item);
}

/**
 * Merge one file's smf section into the settings resolved so far (parent first). A derived
 * profile's enable undoes its parent's disable of the same instance and the other way round; a
 * link set to null removes the parent's link.
 */
export function mergeSmfSettings(into: SmfSettings, d: SmfFileSettings, file: string): void {
  const disable = (d.disable ?? []).map(canonicalFmri);
  const enable = (d.enable ?? []).map(canonicalFmri);
  const both = disable.find((f) => enable.includes(f));
  if (both) throw new ProfileError(`${file}: key "smf": ${both} is in both "disable" and "enable"; keep it in one`);
  for (const f of disable) moveTo(into.disable, into.enable, f);
  for (const f of enable) moveTo(into.enable, into.disable, f);
  for (const [link, target] of Object.entries(d.profile_links ?? {})) {
    if (target === null) delete into.profileLinks[link];
    else into.profileLinks[link] = target;
  }
  if (d.nodename !== undefined) into.nodename = d.nodename;
  if (d.timezone !== undefined) into.timezone = d.timezone;
  if (d.console_login !== undefined) into.consoleLogin = d.console_login;
}
