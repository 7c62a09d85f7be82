import type { CheckContext } from '../context.js';

// Step console: /dev/console leads to cn, and autopush will give the console's stream ldterm
// and ttcompat. The console's stream is that of the real console driver (asy for a serial
// console, wc for the screen); cn forwards to it (usr/src/uts/common/io/cons.c), and autopush
// settings apply when that stream is created (usr/src/uts/common/os/streamio.c stropen), keyed by
// the driver's major (usr/src/cmd/autopush/autopush.c, MODGETMAJBIND).

export const IU_AP = 'etc/iu.ap';

export interface AutopushLine {
  driver: string;
  minor: string;
  lastMinor: string;
  modules: string[];
}

/** etc/iu.ap lines: `driver minor lastminor module...`, '#' comments. */
export function parseIuAp(text: string): AutopushLine[] {
  const out: AutopushLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    // Stryker disable next-line ConditionalExpression: a blank line splits into one empty field and fails the modules.length test below
    if (!line) continue;
    const [driver, minor, lastMinor, ...modules] = line.split(/\s+/);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: split gives a non-empty driver and both minors whenever modules is non-empty, so only modules.length decides
    if (driver && minor !== undefined && lastMinor !== undefined && modules.length) out.push({ driver, minor, lastMinor, modules });
  }
  return out;
}

export async function checkConsole(ctx: CheckContext): Promise<void> {
  ctx.checked('console');
  const dev = await ctx.device('dev/console');
  if (dev.problem) ctx.add('console', 'unusable', `/dev/console: ${dev.problem}`, 'usr/src/cmd/init/init.c (CONSOLE); usr/src/uts/common/io/sysmsg.c', 'keep the /dev links the build adds (src/devlinks) and the cn driver with its major');

  const driver = ctx.serial ? 'asy' : 'wc';
  ctx.checked('console');
  const iuap = await ctx.text(IU_AP);
  const source = 'usr/src/cmd/autopush/autopush.c; usr/src/cmd/netadm/iu.ap.sh; usr/src/uts/common/io/sad_conf.c sad_ap_verify';
  if (iuap === undefined) {
    ctx.add('console', 'unusable', `/${IU_AP} is not in the image: autopush gives the console (${driver}) no ldterm or ttcompat: no echo, no CR-NL, no ^C`, source, 'keep etc/iu.ap from the proto area (SUNWcsd delivers it)');
    return;
  }
  const line = parseIuAp(iuap).find((l) => l.driver === driver);
  if (!line) {
    ctx.add('console', 'unusable', `/${IU_AP} has no line for ${driver}, the console's driver: its stream gets no ldterm or ttcompat`, source, `add "${driver} -1 0 ldterm ttcompat" to etc/iu.ap (as the gate's iu.ap.sh does)`);
    return;
  }
  for (const mod of ['ldterm', 'ttcompat']) {
    if (!line.modules.includes(mod)) ctx.add('console', 'unusable', `/${IU_AP}'s line for ${driver} does not push ${mod}`, source, `make the ${driver} line "${driver} -1 0 ldterm ttcompat"`);
  }
  // autopush rejects the whole line when one module cannot be loaded, or the driver has no major.
  for (const mod of line.modules) {
    const p = await ctx.moduleProblem(`strmod/${mod}`);
    if (p) ctx.add('console', 'unusable', `/${IU_AP} pushes ${mod} on ${driver}, but ${p}: autopush rejects the whole line, so the console gets no line discipline`, source, `keep strmod/${mod} in the image`);
  }
  if (!(await ctx.nameToMajor()).has(driver)) ctx.add('console', 'unusable', `autopush cannot resolve ${driver} (no etc/name_to_major entry), so its etc/iu.ap line is rejected`, source, 'give the build the driver actions (--manifests) or --state-from');
}
