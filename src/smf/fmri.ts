// SMF instance names as a profile writes them. A site profile can only enable or disable an
// instance, so every FMRI resolves to a service and an instance; "svc:/system/foo" and
// "system/foo" mean its default instance, as svcadm takes them.

export interface InstanceRef {
  /** Service name without the scheme, e.g. system/boot-archive-update. */
  service: string;
  instance: string;
}

const NAME = '[A-Za-z0-9][A-Za-z0-9_.,-]*';

/** What a profile may write: an optional svc:/ scheme, a service path and an optional instance. */
export const FMRI_PATTERN = new RegExp(`^(?:svc:/)?${NAME}(?:/${NAME})*(?::${NAME})?$`);

/** Parse an instance FMRI; undefined when it is not one. */
export function parseInstanceFmri(text: string): InstanceRef | undefined {
  if (!FMRI_PATTERN.test(text)) return undefined;
  const bare = text.replace(/^svc:\//, '');
  const colon = bare.indexOf(':');
  return colon < 0 ? { service: bare, instance: 'default' } : { service: bare.slice(0, colon), instance: bare.slice(colon + 1) };
}

/** The canonical spelling, svc:/<service>:<instance>. */
export function formatInstanceFmri(ref: InstanceRef): string {
  return `svc:/${ref.service}:${ref.instance}`;
}

/** Canonical spelling of a valid FMRI; throws for text that FMRI_PATTERN rejects (validated earlier). */
export function canonicalFmri(text: string): string {
  const ref = parseInstanceFmri(text);
  if (!ref) throw new Error(`not an SMF instance FMRI: ${text}`);
  return formatInstanceFmri(ref);
}
