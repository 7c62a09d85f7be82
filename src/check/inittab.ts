// inittab(5) entries as init reads them (usr/src/cmd/init/init.c getcmd): id:rstate:action:process,
// '#' comments, a trailing backslash continuing a line. The entry whose id is "smf" is special:
// init never runs it as a sysinit entry but starts it, in a process contract, once the sysinit
// entries are done, and restarts it when it exits.

export interface InittabEntry {
  id: string;
  rstate: string;
  action: string;
  process: string;
  line: number;
}

export function parseInittab(text: string): InittabEntry[] {
  const out: InittabEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const first = i + 1;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i];
    if (/^\s*(#|$)/.test(line)) continue;
    const parts = line.split(':');
    if (parts.length < 4) continue;
    const [id, rstate, action, ...rest] = parts;
    out.push({ id: id.trim(), rstate: rstate.trim(), action: action.trim(), process: rest.join(':').trim(), line: first });
  }
  return out;
}
