import { attrList, attrOne, where, type ManifestAction } from '../manifest/action.js';
import { InputError } from '../util/errors.js';

// What a `driver` action asks add_drv to record, checked as add_drv checks it. pkg(5) runs
// `add_drv -n -b <root> -i '"a1" "a2"' -c "c1 c2" -m "p1,p2" -p "pol1 pol2" -P "x,y" <name>`,
// then `update_drv -b <root> -a -m "<clone_perms>" clone` for each clone_perms value, and appends
// the devlink values to etc/devlink.tab.

export interface MinorPerm {
  minor: string;
  mode: string;
  owner: string;
  group: string;
}

export interface PolicyEntry {
  /** A minor name, a minor with one '*' wildcard, or a range like "(0-63)c". */
  minor: string;
  /** read_priv_set=... and write_priv_set=... */
  tokens: string[];
}

export interface DriverSpec {
  name: string;
  aliases: string[];
  classes: string[];
  perms: MinorPerm[];
  /** Minor nodes of the clone driver this driver owns (`clone:<minor>` in minor_perm). */
  clonePerms: MinorPerm[];
  policy: PolicyEntry[];
  privs: string[];
  /** devlink.tab lines, with the manifest's "\t" turned into real tabs. */
  devlinks: string[];
  action: ManifestAction;
}

const POLICY_TOKENS = ['read_priv_set', 'write_priv_set'];

function perm(text: string, what: string, action: ManifestAction): MinorPerm {
  const f = text.trim().split(/\s+/);
  if (f.length !== 4) throw new InputError(`${where(action)}: ${what} "${text}" needs four fields: minor mode owner group`);
  if (!/^[0-7]{3,4}$/.test(f[1])) throw new InputError(`${where(action)}: ${what} "${text}" has mode "${f[1]}", not an octal mode such as 0666`);
  return { minor: f[0], mode: f[1], owner: f[2], group: f[3] };
}

/** add_drv's policy parsing: a word without '=' starts a minor; tokens before any minor apply to '*'. */
export function parsePolicy(words: string[], action: ManifestAction): PolicyEntry[] {
  const entries: PolicyEntry[] = [];
  for (const word of words) {
    if (!word.includes('=')) {
      if (word.includes(':')) throw new InputError(`${where(action)}: policy minor "${word}" may not contain ':'`);
      if (word.startsWith('(') && !/^\((\d+|0x[0-9a-fA-F]+)(-(\d+|0x[0-9a-fA-F]+))?\)[cCbB]$/.test(word)) {
        throw new InputError(`${where(action)}: policy minor range "${word}" must look like (0-63)c or (5)b`);
      }
      // Stryker disable next-line ArrayDeclaration: the fallback is used only when there is no '*', and any array of length 0 or 1 passes '> 1' alike
      if ((word.match(/\*/g) ?? []).length > 1) throw new InputError(`${where(action)}: policy minor "${word}" has more than one '*'`);
      entries.push({ minor: word, tokens: [] });
      continue;
    }
    const name = word.slice(0, word.indexOf('='));
    if (!POLICY_TOKENS.includes(name)) throw new InputError(`${where(action)}: unknown policy token "${name}" (expected ${POLICY_TOKENS.join(' or ')})`);
    if (entries.length === 0) entries.push({ minor: '*', tokens: [] });
    entries[entries.length - 1].tokens.push(word);
  }
  for (const e of entries) if (e.tokens.length === 0) throw new InputError(`${where(action)}: policy for minor "${e.minor}" has no read_priv_set or write_priv_set`);
  return entries;
}

export function driverSpec(action: ManifestAction): DriverSpec {
  const name = attrOne(action, 'name');
  if (!name || /[\s/#:]/.test(name)) throw new InputError(`${where(action)}: driver action needs a name without blanks, '/', '#' or ':' (got ${name === undefined ? 'none' : `"${name}"`})`);
  const aliases = attrList(action, 'alias');
  for (const a of aliases) {
    // add_drv rejects '#' and control characters; a blank or quote would break driver_aliases' quoting.
    if (!a || /[\s"#\x00-\x1f\x7f]/.test(a)) throw new InputError(`${where(action)}: driver ${name} has alias "${a}", which may not contain blanks, quotes or '#'`);
  }
  const clonePerms = attrList(action, 'clone_perms').map((cp) => {
    const fields = cp.trim().split(/\s+/);
    // pkg(5): three fields mean the clone minor is named after the driver.
    return perm(fields.length === 3 ? `${name} ${cp}` : cp, 'clone_perms', action);
  });
  return {
    name,
    aliases,
    classes: attrList(action, 'class')
      .flatMap((c) =>
        // Stryker disable next-line MethodExpression,Regex: without trim() or with /\s/ the split only yields extra empty strings, which filter(Boolean) drops
        c.trim().split(/\s+/),
      )
      .filter(Boolean),
    // Each perms value is one entry even when its minor holds a comma ("*,cu"), as the proto's
    // own minor_perm has it; add_drv would split such a value at the comma.
    perms: attrList(action, 'perms').map((p) => perm(p, 'perms', action)),
    clonePerms,
    // Stryker disable next-line Regex: splitting at /\s/ only yields extra empty strings, which filter(Boolean) drops
    policy: parsePolicy(attrList(action, 'policy').join(' ').split(/\s+/).filter(Boolean), action),
    privs: attrList(action, 'privs')
      .join(',')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    devlinks: attrList(action, 'devlink').map((d) => d.replace(/\\t/g, '\t')),
    action,
  };
}
