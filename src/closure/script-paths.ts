import { RUNTIME_PREFIXES } from './always-needed.js';

// Absolute paths mentioned in shell text (scripts, inittab, the launcher's settings), as image
// paths. A path counts when it stands alone: "/usr/sbin/mount -F tmpfs", "SHELL='/usr/bin/ksh93'"
// and "2<>/dev/msglog" all name a path; "$dir/x" and "a/b" do not.

const ABSOLUTE_PATH = /(?<![A-Za-z0-9_.$}/)-])\/[A-Za-z0-9._+,@%-]+(?:\/[A-Za-z0-9._+,@%-]+)*/g;

export function absolutePathsIn(text: string): string[] {
  const out = new Set<string>();
  // Whole-line comments name no commands (the "#!" line's interpreter is followed separately).
  const code = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  for (const m of code.matchAll(ABSOLUTE_PATH)) {
    // Stryker disable next-line Regex,StringLiteral: ABSOLUTE_PATH matches start with exactly one '/' and never end with one
    const p = m[0].replace(/^\/+/, '').replace(/\/+$/, '');
    // Stryker disable next-line StringLiteral: a match always has a name after its '/', so p is never ''
    if (p === '' || RUNTIME_PREFIXES.some((r) => p === r.slice(0, -1) || p.startsWith(r))) continue;
    out.add(p);
  }
  return [...out];
}

/** PSM module names from etc/mach: one per line, "#" starts a comment. */
export function psmNames(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => /^[A-Za-z0-9_.-]+$/.test(l));
}
