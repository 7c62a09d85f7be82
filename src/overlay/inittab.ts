// inittab for a launcher image. init(8) treats the entry whose id is "smf" as svc.startd's
// command line: it must exist (without it init enters maintenance) and is restarted when it
// exits. We replace that entry with the launcher and keep the rest (autopush, soconfig, powerfail).

export const LAUNCHER_PATH = 'etc/compose/launcher';

/** The inittab entry id of a line, or undefined for comments and blank lines. */
function entryId(line: string): string | undefined {
  if (/^\s*(#|$)/.test(line)) return undefined;
  return line.split(':')[0].trim();
}

/** Rewrite a proto inittab: drop the smf/svc.startd entry, append one that runs the launcher. */
export function launcherInittab(protoInittab: string | undefined): string {
  const lines = protoInittab === undefined ? defaultInittabLines() : protoInittab.replace(/\n$/, '').split('\n');
  const kept = lines.filter((l) => entryId(l) !== 'smf' && !/svc\.startd/.test(l.replace(/#.*/, '')));
  kept.push(`smf::sysinit:/${LAUNCHER_PATH} >/dev/msglog 2<>/dev/msglog </dev/console`);
  return `${kept.join('\n')}\n`;
}

/** The entries illumos ships besides svc.startd, for a proto area that lacks etc/inittab. */
function defaultInittabLines(): string[] {
  return [
    '# inittab written by illumos-compose (the proto area had none)',
    'ap::sysinit:/sbin/autopush -f /etc/iu.ap',
    'sp::sysinit:/sbin/soconfig -d /etc/sock2path.d',
    'p3:s1234:powerfail:/usr/sbin/shutdown -y -i5 -g0 >/dev/msglog 2<>/dev/msglog',
  ];
}

/** Whether an inittab starts svc.startd through an smf entry (what an SMF image needs). */
export function hasStartdEntry(inittab: string): boolean {
  return inittab.split('\n').some((l) => entryId(l) === 'smf' && /svc\.startd/.test(l));
}
