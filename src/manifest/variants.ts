import { attrList, type ManifestAction } from './action.js';

// IPS installs an action only when its variant tags match the image's variants. Our image is an
// i386 global zone: actions tagged `variant.arch` without i386 (sparc only) and actions tagged
// `variant.opensolaris.zone` without `global` (nonglobal only) are not part of it. Other variants
// (variant.debug.*) are not decided here: both alternatives are kept, and the first action for a
// path wins where it matters.

export const IMAGE_VARIANTS: Readonly<Record<string, string>> = {
  'variant.arch': 'i386',
  'variant.opensolaris.zone': 'global',
};

/** True when the action belongs in an i386 global-zone image. */
export function inImageVariant(action: Pick<ManifestAction, 'attrs'>): boolean {
  for (const [variant, wanted] of Object.entries(IMAGE_VARIANTS)) {
    const values = attrList(action, variant);
    if (values.length && !values.includes(wanted)) return false;
  }
  return true;
}
