import { readFileSync } from 'node:fs';
import { putGeneratedFile } from '../overlay/generated.js';
import type { StagedTree } from '../stage/tree.js';
import { readStagedText } from '../state/read-staged.js';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { CRYPT_CONF_PATH, checkPasswordHash, cryptConfAlgorithms, rootPasswordField, SHADOW_PATH, withRootPassword } from './root-account.js';
import { authorizedKeysText, rootHome, SSHD_CONFIG_PATH, SSHD_PATH, sshdConfigAllowingRootKeys } from './ssh-key.js';
import { ILLUMOS_GID, imageGroupId, replaceFile } from './staged-files.js';

// How root gets in: a password hash in etc/shadow, an authorized key for sshd, or (only when the
// user says so) the empty password illumos-gate ships.

export interface RootAccessOptions {
  rootPasswordHash?: string;
  allowEmptyRootPassword?: boolean;
  sshKey?: string;
  mtime: number;
  reporter: Reporter;
}

/** Set or check root's password; returns the paths written. */
export async function setRootPassword(tree: StagedTree, o: RootAccessOptions): Promise<string[]> {
  const shadow = await readStagedText(tree, SHADOW_PATH);
  if (shadow === undefined) throw new InputError(`the image has no /${SHADOW_PATH}, so nobody could log in; add one to the proto area or an overlay`);
  const sys = await imageGroupId(tree, 'sys', ILLUMOS_GID.sys);
  if (o.rootPasswordHash !== undefined) {
    const algorithm = checkPasswordHash(o.rootPasswordHash);
    const conf = algorithm ? await readStagedText(tree, CRYPT_CONF_PATH) : undefined;
    if (algorithm && conf !== undefined && !cryptConfAlgorithms(conf).has(algorithm)) {
      throw new InputError(`--root-password-hash: the image's /${CRYPT_CONF_PATH} has no "${algorithm}" algorithm, so illumos could not check this hash; give a $6$ (SHA-512) or $5$ (SHA-256) hash`);
    }
    return [replaceFile(tree, SHADOW_PATH, withRootPassword(shadow, o.rootPasswordHash), 'shadow', o.mtime, { mode: 0o400, uid: 0, gid: sys })];
  }
  const field = rootPasswordField(shadow);
  if (field === undefined) throw new InputError(`the image's /${SHADOW_PATH} has no root line; pass --root-password-hash '<hash>' to add one`);
  if (field === '') {
    if (!o.allowEmptyRootPassword) {
      throw new InputError(`the image's /${SHADOW_PATH} gives root an empty password (as illumos-gate ships it), so anyone at the console would be root; pass --root-password-hash '<hash>' (e.g. from "openssl passwd -6"), or --allow-empty-root-password for a throwaway test image`);
    }
    o.reporter.warn('ROOT HAS NO PASSWORD in this image (--allow-empty-root-password): anyone at the console or on the serial line is root. Do not use it outside a test machine.');
    // The gate's /etc/default/login says PASSREQ=YES: login then refuses an empty password
    // (usr/src/cmd/login/login.c: PAM_DISALLOW_NULL_AUTHTOK; pam_authtok_get asks "Password:"
    // and fails), so root could not log in at all. The test image this flag is for lets it in.
    const login = await readStagedText(tree, LOGIN_DEFAULTS_PATH);
    if (login !== undefined && passreq(login) !== 'NO') {
      const e = tree.resolve(LOGIN_DEFAULTS_PATH);
      return [replaceFile(tree, LOGIN_DEFAULTS_PATH, withPassreqNo(login), 'default/login', o.mtime, { mode: e?.mode ?? 0o444, uid: e?.uid ?? 0, gid: e?.gid ?? sys })];
    }
  }
  return [];
}

export const LOGIN_DEFAULTS_PATH = 'etc/default/login';

/** The PASSREQ value /etc/default/login sets (upper case), or undefined. */
export function passreq(text: string): string | undefined {
  const m = /^PASSREQ=(\S*)/m.exec(text);
  return m ? m[1].toUpperCase() : undefined;
}

/** /etc/default/login with PASSREQ=NO in place of its PASSREQ line (or added). */
export function withPassreqNo(text: string): string {
  const note = '# illumos-compose --allow-empty-root-password: root has no password, and login must let it in.';
  if (/^PASSREQ=/m.test(text)) return text.replace(/^PASSREQ=.*$/m, `${note}\nPASSREQ=NO`);
  return `${text.replace(/\n?$/, '\n')}${note}\nPASSREQ=NO\n`;
}

/** Install root's authorized_keys (and let sshd accept it); returns the paths written. */
export async function installSshKey(tree: StagedTree, o: RootAccessOptions & { sshKey: string }): Promise<string[]> {
  const sshd = tree.resolve(SSHD_PATH);
  if (!sshd || (sshd.type !== 'file' && sshd.type !== 'hardlink')) {
    throw new InputError(`--ssh-key: the image has no /${SSHD_PATH} (OpenSSH is not part of illumos-gate), so the key would let nobody in; add OpenSSH with --adjunct or drop --ssh-key`);
  }
  let text: string;
  try {
    text = readFileSync(o.sshKey, 'utf8');
  } catch (e) {
    throw new InputError(`--ssh-key ${o.sshKey} cannot be read (${(e as Error).message}); give a public key file such as ~/.ssh/id_ed25519.pub`);
  }
  const keys = authorizedKeysText(text, o.sshKey);
  const passwd = await readStagedText(tree, 'etc/passwd');
  const home = passwd === undefined ? undefined : rootHome(passwd);
  if (home === undefined) throw new InputError(`--ssh-key: the image's /etc/passwd has no root entry to find root's home directory in`);
  const placed: string[] = [];
  const dir = (path: string) => {
    if (path === '') return;
    const e = tree.resolve(path);
    if (e && e.type !== 'dir') throw new InputError(`--ssh-key: /${path} in the image is not a directory; root's home and its .ssh must be directories`);
    if (!e) tree.put({ path, type: 'dir', mode: 0o700, uid: 0, gid: 0, size: 0, mtime: o.mtime });
    placed.push(path);
  };
  dir(home);
  // Home may be a symlink (to export/home/root, say): .ssh goes where it points.
  const realHome = home === '' ? '' : tree.resolve(home)!.path;
  const sshDir = realHome === '' ? '.ssh' : `${realHome}/.ssh`;
  dir(sshDir);
  // sshd's StrictModes refuses keys in a directory others can write.
  const sshDirEntry = tree.resolve(sshDir)!;
  Object.assign(sshDirEntry, { mode: 0o700, uid: 0 });
  placed.push(putGeneratedFile(tree, `${sshDirEntry.path}/authorized_keys`, keys, 'authorized_keys', o.mtime, 0o600));
  const config = await readStagedText(tree, SSHD_CONFIG_PATH);
  const allowed = config === undefined ? undefined : sshdConfigAllowingRootKeys(config);
  if (allowed !== undefined) {
    placed.push(replaceFile(tree, SSHD_CONFIG_PATH, allowed, 'sshd_config', o.mtime, { mode: 0o644, uid: 0, gid: 0 }));
    o.reporter.note(`/${SSHD_CONFIG_PATH}: "PermitRootLogin no" changed to "prohibit-password" so root can log in with the key`);
  }
  return placed;
}
