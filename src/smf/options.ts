import type { Profile } from '../profile/schema.js';
import { UsageError } from '../util/errors.js';
import { checkPasswordHash } from './root-account.js';

/** Build options that shape an SMF image (from the command line). */
export interface SmfBuildOptions {
  /** --repository: an SMF repository.db to use instead of the proto's seed. */
  repository?: string;
  /** --root-password-hash: root's password field in etc/shadow. */
  rootPasswordHash?: string;
  /** --allow-empty-root-password: accept the proto's empty root password. */
  allowEmptyRootPassword?: boolean;
  /** --ssh-key: a public key file installed as root's authorized_keys. */
  sshKey?: string;
}

const FLAGS: Array<[keyof SmfBuildOptions, string]> = [
  ['repository', '--repository'],
  ['rootPasswordHash', '--root-password-hash'],
  ['allowEmptyRootPassword', '--allow-empty-root-password'],
  ['sshKey', '--ssh-key'],
];

/** Reject SMF options that cannot apply, before any work is done. */
export function checkSmfOptions(profile: Profile, o: SmfBuildOptions): void {
  const given = FLAGS.filter(([k]) => o[k] !== undefined && o[k] !== false).map(([, flag]) => flag);
  if (profile.init.mode !== 'smf' && given.length) {
    throw new UsageError(`${given.join(', ')} only ${given.length === 1 ? 'applies' : 'apply'} to profiles that boot through SMF (init.mode smf); profile ${profile.name} runs the launcher`);
  }
  if (o.rootPasswordHash !== undefined && o.allowEmptyRootPassword) {
    throw new UsageError('--root-password-hash and --allow-empty-root-password contradict each other; give one');
  }
  if (o.rootPasswordHash !== undefined) checkPasswordHash(o.rootPasswordHash);
}
