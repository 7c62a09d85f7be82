import { InputError } from '../util/errors.js';

// root's authorized_keys. OpenSSH is not part of illumos-gate (an adjunct brings it), so a key is
// only worth installing when the image has sshd; and illumos distributions ship sshd_config with
// "PermitRootLogin no", which would refuse the key.

export const SSHD_PATH = 'usr/lib/ssh/sshd';
export const SSHD_CONFIG_PATH = 'etc/ssh/sshd_config';

const KEY_TYPE = /^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|(?:ssh-(?:rsa|ed25519)|ecdsa-sha2-nistp(?:256|384|521))-cert-v01@openssh\.com)$/;

/**
 * The authorized_keys text from a public key file: every line that is not blank or a comment must
 * hold a key type followed by base64 (options may come first). Throws for a private key.
 */
export function authorizedKeysText(text: string, file: string): string {
  if (/PRIVATE KEY/.test(text)) throw new InputError(`--ssh-key ${file} is a private key; give the public key (the .pub file)`);
  const keys = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (keys.length === 0) throw new InputError(`--ssh-key ${file} holds no public key; give a file such as ~/.ssh/id_ed25519.pub`);
  keys.forEach((line, i) => {
    const words = line.split(/\s+/);
    const at = words.findIndex((w) => KEY_TYPE.test(w));
    if (at < 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(words[at + 1] ?? '')) {
      throw new InputError(`--ssh-key ${file}: key ${i + 1} is not an OpenSSH public key line ("ssh-ed25519 AAAA... comment"); give a file such as ~/.ssh/id_ed25519.pub`);
    }
  });
  return `${keys.join('\n')}\n`;
}

/** root's home directory from passwd text, as an image path ('' for /); undefined without a root line. */
export function rootHome(passwd: string): string | undefined {
  const line = passwd.split('\n').find((l) => l.split(':')[0] === 'root');
  if (line === undefined) return undefined;
  const home = line.split(':')[5] ?? '';
  return home.replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * sshd_config allowing root to log in with a key: an active "PermitRootLogin no" becomes
 * "prohibit-password" (keys only). Returns undefined when nothing needs to change.
 */
export function sshdConfigAllowingRootKeys(config: string): string | undefined {
  let changed = false;
  const out = config.split('\n').map((line) => {
    const m = /^(\s*PermitRootLogin\s+)no(\s*(?:#.*)?)$/i.exec(line);
    if (!m) return line;
    changed = true;
    return `${m[1]}prohibit-password${m[2]}`;
  });
  return changed ? out.join('\n') : undefined;
}
