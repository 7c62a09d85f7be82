// Just enough of shell syntax to see what a command line or a simple script runs and which files
// it redirects to: the commands (first word of each simple command, after keywords and variable
// assignments) and the redirection targets. Quoting is honoured for single and double quotes;
// expansions ($X, $(...)) are left as they are and never taken for paths.

export interface SimpleCommand {
  /** The command word as written (unquoted). */
  command: string;
  args: string[];
  /** Files redirected to or from: `>/dev/msglog`, `2<>/dev/msglog`, `< /dev/console`. */
  redirects: string[];
  /** 1-based line of the script. */
  line: number;
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'case', 'esac', '!', '{', '}', '(', ')', 'exec', 'time']);
const SEPARATORS = /^(;|&&|\|\||\||&)$/;
const REDIRECT = /^\d*(<>|>>|>\||>&|<&|>|<)(.*)$/;

/** Split a line into words and operators (quotes removed from words; comments dropped). */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      // Stryker disable next-line EqualityOperator: indexOf from i + 1 is never 0, so < 0 and <= 0 agree
      cur += line.slice(i + 1, end < 0 ? line.length : end);
      // Stryker disable next-line EqualityOperator: indexOf from i + 1 is never 0, so < 0 and <= 0 agree
      i = end < 0 ? line.length : end;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === '#' && !inWord) {
      break;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (';&|'.includes(c)) {
      // `2>&1` and `>|` keep their & and | inside the redirection word.
      if (inWord && /^\d*[<>]$/.test(cur) && c !== ';') {
        cur += c;
        continue;
      }
      if (inWord) out.push(cur);
      const two = line.slice(i, i + 2);
      const op = two === '&&' || two === '||' ? two : c;
      out.push(op);
      i += op.length - 1;
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** The simple commands of a script or command line, with their redirections. */
export function simpleCommands(text: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    // Stryker disable next-line ConditionalExpression: a shortcut; shellWords gives no words for a comment line anyway
    if (/^\s*#/.test(lines[n])) continue;
    let cmd: SimpleCommand | undefined;
    const words = shellWords(lines[n]);
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (SEPARATORS.test(w)) {
        cmd = undefined;
        continue;
      }
      const r = REDIRECT.exec(w);
      if (r && (r[1] !== '>&' && r[1] !== '<&')) {
        const target = r[2] !== '' ? r[2] : words[++i];
        if (target !== undefined) (cmd ?? (cmd = pending(n))).redirects.push(target);
        continue;
      }
      if (r) continue;
      if (!cmd || cmd.command === '') {
        if (KEYWORDS.has(w) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || w === '') continue;
        cmd ??= pending(n);
        cmd.command = w;
        out.push(cmd);
      } else cmd.args.push(w);
    }
    // Redirections on a line without a command (": > file") are kept with an empty command.
    // Stryker disable next-line ConditionalExpression: a cmd with a command was pushed when it got it, so out.includes(cmd) already rules it out
    if (cmd && cmd.command === '' && !out.includes(cmd)) out.push(cmd);
  }
  return out;
}

function pending(line: number): SimpleCommand {
  return { command: '', args: [], redirects: [], line: line + 1 };
}
