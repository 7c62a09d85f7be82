import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';

// The system profiles manifest-import applies are chosen by symlinks in etc/svc/profile:
// generic.xml (which services run), platform.xml, name_service.xml (pulled in by generic.xml via
// xi:include) and inetd_services.xml. An installer makes these links; a proto area may lack them.

export const PROFILE_DIR = 'etc/svc/profile';

export interface ProfileLink {
  /** etc/svc/profile/<name> */
  path: string;
  target: string;
}

export function profileLinkList(links: Readonly<Record<string, string>>): ProfileLink[] {
  return Object.keys(links)
    .sort()
    .map((name) => ({ path: `${PROFILE_DIR}/${name}`, target: links[name] }));
}

/** Put the links (replacing whatever is at each path); returns the paths placed. */
export function placeProfileLinks(tree: StagedTree, links: Readonly<Record<string, string>>, mtime: number): string[] {
  return profileLinkList(links).map((l) => {
    tree.put({ path: l.path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: Buffer.byteLength(l.target), mtime, target: l.target });
    return l.path;
  });
}

/** Links whose target the image does not have as a regular file. */
export function danglingProfileLinks(tree: StagedTree, links: Readonly<Record<string, string>>): ProfileLink[] {
  return profileLinkList(links).filter((l) => {
    const e = tree.resolve(`${PROFILE_DIR}/${l.target}`);
    return !e || (e.type !== 'file' && e.type !== 'hardlink');
  });
}

/**
 * A dangling profile link is an error: svccfg apply fails on it, and for generic.xml that leaves
 * the services the profile enables (ssh, cron, utmp...) off without a word at boot.
 */
export function profileLinksError(dangling: ProfileLink[], profile: string): InputError | undefined {
  if (dangling.length === 0) return undefined;
  const list = dangling.map((l) => `/${l.path} -> ${l.target}`).join(', ');
  return new InputError(`profile ${profile}: SMF profile links point at files the image does not have (${list}); keep those files in ${PROFILE_DIR}/ or change "smf.profile_links" in the profile`);
}
