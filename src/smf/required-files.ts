import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';

// Files an SMF boot cannot reach multi-user without. A full proto area has them all; a profile's
// exclude globs can take them away (usr/share is a tempting thing to drop, and it holds the DTD
// svccfg validates every manifest against), so the check runs on the pruned tree.

export const SMF_REQUIRED_FILES: ReadonlyArray<{ path: string; why: string }> = [
  { path: 'lib/svc/bin/svc.startd', why: 'init starts it from the inittab "smf" entry' },
  { path: 'lib/svc/bin/svc.configd', why: 'it serves the SMF repository' },
  { path: 'usr/sbin/svccfg', why: 'manifest-import imports the manifests with it' },
  { path: 'usr/sbin/svcadm', why: 'manifest-import runs it' },
  { path: 'usr/bin/svcprop', why: 'manifest-import runs it' },
  { path: 'lib/svc/method/manifest-import', why: 'it imports the service manifests on the first boot' },
  { path: 'lib/svc/share/smf_include.sh', why: 'SMF method scripts source it' },
  { path: 'usr/share/lib/xml/dtd/service_bundle.dtd.1', why: 'svccfg validates every manifest against it' },
  { path: 'sbin/bootadm', why: 'the boot-archive service runs it, and filesystem/usr requires that service' },
];

/** The required files the image lacks (as regular files, through symlinks). */
export function missingSmfFiles(tree: StagedTree): Array<{ path: string; why: string }> {
  return SMF_REQUIRED_FILES.filter((f) => {
    const e = tree.resolve(f.path);
    return !e || (e.type !== 'file' && e.type !== 'hardlink');
  });
}

export function requiredFilesError(missing: Array<{ path: string; why: string }>, profile: string): InputError | undefined {
  if (missing.length === 0) return undefined;
  const list = missing.map((m) => `/${m.path} (${m.why})`).join('; ');
  return new InputError(`profile ${profile} boots through SMF, but the image has no ${list}; use a proto area from a full illumos-gate build and keep these files out of "exclude", or use a launcher profile such as pureboot`);
}
