// The files that give an installed system its name and time zone, which an installer writes and
// a proto area lacks or leaves generic: etc/nodename (read by svc:/system/identity:node),
// etc/hosts (the node name must resolve, or services that look it up stall) and the TZ line of
// etc/default/init (init passes it to every process).

export const NODENAME_PATH = 'etc/nodename';
/** On illumos etc/hosts is a symlink to ./inet/hosts; writers follow it. */
export const HOSTS_PATH = 'etc/hosts';
export const DEFAULT_INIT_PATH = 'etc/default/init';
export const ZONEINFO_DIR = 'usr/share/lib/zoneinfo';

export function nodenameText(nodename: string): string {
  return `${nodename}\n`;
}

const LOOPBACKS: Array<{ address: string; names: string[] }> = [
  { address: '::1', names: ['localhost'] },
  { address: '127.0.0.1', names: ['localhost', 'loghost'] },
];

/**
 * etc/hosts with the node name on the loopback lines. Other lines and comments stay; a missing
 * loopback line is added. `existing` undefined means the image has no hosts file.
 */
export function hostsWithNodename(existing: string | undefined, nodename: string): string {
  const lines = existing === undefined ? ['#', '# Internet host table (written by illumos-compose)', '#'] : existing.replace(/\n$/, '').split('\n');
  const seen = new Set<string>();
  const out = lines.map((line) => {
    const [body, comment] = splitComment(line);
    const fields = body.trim().split(/\s+/).filter(Boolean);
    const loop = LOOPBACKS.find((l) => l.address === fields[0]);
    if (!loop) return line;
    seen.add(loop.address);
    if (fields.slice(1).includes(nodename)) return line;
    return `${[fields[0], fields.slice(1).join(' ') || loop.names.join(' ')].join('\t')} ${nodename}${comment}`;
  });
  for (const l of LOOPBACKS) if (!seen.has(l.address)) out.push(`${l.address}\t${l.names.join(' ')} ${nodename}`);
  return `${out.join('\n')}\n`;
}

function splitComment(line: string): [string, string] {
  const i = line.indexOf('#');
  return i < 0 ? [line, ''] : [line.slice(0, i), `\t${line.slice(i)}`];
}

/** etc/default/init with TZ set (the first TZ= line replaced, or one added); other lines stay. */
export function defaultInitWithTimezone(existing: string | undefined, timezone: string): string {
  const lines = existing === undefined ? ['# Written by illumos-compose.', 'CMASK=022'] : existing.replace(/\n$/, '').split('\n');
  const tz = `TZ=${timezone}`;
  const i = lines.findIndex((l) => /^\s*TZ=/.test(l));
  if (i >= 0) lines[i] = tz;
  else lines.push(tz);
  return `${lines.join('\n')}\n`;
}
