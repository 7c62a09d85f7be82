// Split a transform operation's arguments into words the way Python's shlex.split (POSIX mode)
// does, which is what pkgmogrify uses: blanks separate words; '...' is literal; "..." allows
// backslash to escape \, ", $ and `; outside quotes a backslash escapes the next character.

export class WordsError extends Error {}

export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new WordsError(`no closing quote in ${s}`);
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new WordsError(`no closing quote in ${s}`);
        const d = s[i];
        if (d === '"') break;
        if (d === '\\' && i + 1 < s.length && '\\"$`'.includes(s[i + 1])) {
          cur += s[i + 1];
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new WordsError(`trailing backslash in ${s}`);
      cur += s[i + 1];
      inWord = true;
      i += 2;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
