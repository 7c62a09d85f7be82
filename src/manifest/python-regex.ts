// Transforms are written for Python's `re`. JavaScript regular expressions accept nearly the
// same syntax; these convert the two spellings that differ and that transforms use.

/** Python pattern -> JavaScript pattern: named groups `(?P<n>...)` and back-references `(?P=n)`. */
export function pythonRegex(pattern: string): string {
  if (/\(\?[aiLmsux]+\)/.test(pattern)) throw new Error(`inline flags are not supported in "${pattern}"`);
  return pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
}

/** Python re.sub replacement -> String.replace replacement: `\1`, `\g<1>`, `\g<name>`; a literal `$` must be doubled. */
export function pythonReplacement(repl: string): string {
  let out = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i];
    if (c === '$') out += '$$';
    else if (c === '\\' && i + 1 < repl.length) {
      const rest = repl.slice(i + 1);
      const num = /^\d{1,2}/.exec(rest);
      const named = /^g<(\w+)>/.exec(rest);
      if (num) {
        out += `$${num[0]}`;
        i += num[0].length;
      } else if (named) {
        out += /^\d+$/.test(named[1]) ? `$${named[1]}` : `$<${named[1]}>`;
        i += named[0].length;
      } else {
        const esc: Record<string, string> = { n: '\n', t: '\t', '\\': '\\' };
        out += esc[rest[0]] ?? `\\${rest[0]}`;
        i += 1;
      }
    } else out += c;
  }
  return out;
}
