import { UsageError } from '../util/errors.js';

// root's password in etc/shadow. illumos-gate ships root with an empty password field, which on a
// booted image means anyone at the console (or on the serial line) is root without a password.
// The build refuses that unless told so, and can set a hash the user made elsewhere.

export const SHADOW_PATH = 'etc/shadow';
export const CRYPT_CONF_PATH = 'etc/security/crypt.conf';

/** Password fields illumos can check, with the crypt.conf(5) algorithm each needs. */
const HASH_FORMATS: Array<{ re: RegExp; algorithm?: string }> = [
  { re: /^\$5\$(?:rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43}$/, algorithm: '5' },
  { re: /^\$6\$(?:rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/, algorithm: '6' },
  { re: /^\$2b\$\d\d\$[./0-9A-Za-z]{53}$/, algorithm: '2b' },
  { re: /^\$2a\$\d\d\$[./0-9A-Za-z]{53}$/, algorithm: '2a' },
  // No password login at all (keys or nothing), and a locked account.
  { re: /^NP$/ },
  { re: /^\*LK\*$/ },
];

export const HASH_HELP = 'a SHA-512 or SHA-256 crypt hash ($6$... or $5$..., e.g. from "openssl passwd -6"), a bcrypt hash ($2b$...), NP (no password login) or *LK* (locked)';

/**
 * The crypt.conf(5) algorithm a password field needs ("5", "6", "2b"...), null for NP and *LK*;
 * throws a UsageError for anything else.
 */
export function checkPasswordHash(hash: string): string | null {
  const format = HASH_FORMATS.find((f) => f.re.test(hash));
  if (!format) throw new UsageError(`--root-password-hash is not a password hash illumos can check; give ${HASH_HELP}, in single quotes so the shell leaves the $ alone`);
  return format.algorithm ?? null;
}

/** The algorithm names a crypt.conf lists. */
export function cryptConfAlgorithms(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    names.add(t.split(/\s+/)[0]);
  }
  return names;
}

function rootLineIndex(lines: string[]): number {
  return lines.findIndex((l) => l.split(':')[0] === 'root');
}

/** root's password field, or undefined when the shadow text has no root line. */
export function rootPasswordField(shadow: string): string | undefined {
  const lines = shadow.split('\n');
  const i = rootLineIndex(lines);
  return i < 0 ? undefined : (lines[i].split(':')[1] ?? '');
}

/** The shadow text with root's password field set; the other fields and lines stay as they are. */
export function withRootPassword(shadow: string, hash: string): string {
  const lines = shadow.replace(/\n$/, '').split('\n');
  const i = rootLineIndex(lines);
  if (i < 0) {
    // shadow(5): name:password:lastchg:min:max:warn:inactive:expire:flag
    lines.unshift(`root:${hash}::::::::`);
  } else {
    const fields = lines[i].split(':');
    while (fields.length < 9) fields.push('');
    fields[1] = hash;
    lines[i] = fields.join(':');
  }
  return `${lines.join('\n')}\n`;
}
