import type { Profile } from '../profile/schema.js';
import type { StagedTree } from '../stage/tree.js';
import type { Reporter } from '../util/progress.js';
import { checkSmfLibraries, smfLibrariesError } from './libraries.js';
import { danglingProfileLinks, profileLinksError } from './profile-links.js';
import { missingSmfFiles, requiredFilesError } from './required-files.js';
import { SSHD_PATH } from './ssh-key.js';

// The checks an SMF image must pass before anything is written, run on the pruned tree: the files
// SMF reads on the way to multi-user are there, every SMF program finds its libraries (the usual
// failure: no adjunct with libxml2, zlib and libcrypto), and the system profile links resolve.

export interface SmfCheckResult {
  /** SMF programs whose libraries were checked. */
  programs: number;
}

/** Throw the first problem found (an InputError naming what is missing and what to do). */
export async function checkSmfImage(tree: StagedTree, profile: Profile, o: { sshKey?: boolean; reporter: Reporter }): Promise<SmfCheckResult> {
  const filesError = requiredFilesError(missingSmfFiles(tree), profile.name);
  if (filesError) throw filesError;
  const libs = await checkSmfLibraries(tree, o.sshKey ? [SSHD_PATH] : []);
  const libError = smfLibrariesError(libs, profile.name);
  if (libError) throw libError;
  for (const u of libs.unreadable) o.reporter.note(`cannot read /${u.path} as ELF (${u.error}); its libraries were not checked`);
  const linksError = profileLinksError(danglingProfileLinks(tree, profile.smf.profileLinks), profile.name);
  if (linksError) throw linksError;
  return { programs: libs.programs.length };
}
