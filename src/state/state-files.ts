import type { Classify } from './line-file.js';

// The kernel state files a driver action feeds, and how to recognise an entry of each: which
// driver it belongs to and what makes two entries the same (gate: usr/src/cmd/modload,
// drvsubr.c append_to_file / update_minor_entry, plcysubr.c check_plcy_entry).

export const NAME_TO_MAJOR = 'etc/name_to_major';
export const DRIVER_ALIASES = 'etc/driver_aliases';
export const DRIVER_CLASSES = 'etc/driver_classes';
export const MINOR_PERM = 'etc/minor_perm';
export const DEVICE_POLICY = 'etc/security/device_policy';
export const EXTRA_PRIVS = 'etc/security/extra_privs';
export const DEVLINK_TAB = 'etc/devlink.tab';

export const DRIVER_STATE_FILES = [NAME_TO_MAJOR, DRIVER_ALIASES, DRIVER_CLASSES, MINOR_PERM, DEVICE_POLICY, EXTRA_PRIVS, DEVLINK_TAB] as const;
export type DriverStateFile = (typeof DRIVER_STATE_FILES)[number];

// Stryker disable next-line Regex: splitting at /\s/ rather than /\s+/ only adds empty strings, which filter(Boolean) drops
const words = (s: string) => s.split(/\s+/).filter(Boolean);
const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1');

/** `name major` */
export const classifyNameToMajor: Classify = (c) => {
  const [name] = words(c);
  return { key: name, driver: name };
};

/** `name "alias"`: one entry per (driver, alias). */
export const classifyAlias: Classify = (c) => {
  const [name, alias = ''] = words(c);
  return { key: `${name} ${unquote(alias)}`, driver: name };
};

/** `name<TAB>class` */
export const classifyClass: Classify = (c) => {
  const [name, cls = ''] = words(c);
  return { key: `${name}\t${cls}`, driver: name };
};

/** `name:minor mode owner group`: one entry per name:minor (update_minor_entry replaces it). */
export const classifyMinorPerm: Classify = (c) => {
  const [nameMinor] = words(c);
  return { key: nameMinor, driver: nameMinor.split(':')[0] };
};

/** `name:minor<TAB>tokens`, `name<TAB>tokens` (minor '*'), or the `*` default line. */
export const classifyPolicy: Classify = (c) => {
  const [first] = words(c);
  if (!first.includes(':')) return first === '*' ? { key: '*' } : { key: `${first}:*`, driver: first };
  return { key: first, driver: first.slice(0, first.indexOf(':')) };
};

/** `name:priv` */
export const classifyPriv: Classify = (c) => {
  const [first] = words(c);
  return { key: first, driver: first.split(':')[0] };
};

/** devlink.tab rules belong to no single driver; identical lines are duplicates. */
export const classifyDevlink: Classify = (c) => ({ key: c.replace(/\s+/g, ' ') });

export const CLASSIFIERS: Record<DriverStateFile, Classify> = {
  [NAME_TO_MAJOR]: classifyNameToMajor,
  [DRIVER_ALIASES]: classifyAlias,
  [DRIVER_CLASSES]: classifyClass,
  [MINOR_PERM]: classifyMinorPerm,
  [DEVICE_POLICY]: classifyPolicy,
  [EXTRA_PRIVS]: classifyPriv,
  [DEVLINK_TAB]: classifyDevlink,
};
