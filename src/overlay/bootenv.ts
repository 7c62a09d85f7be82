// boot/solaris/bootenv.rc: `setprop <name> <value>` lines the boot loader turns into boot
// properties (boot/forth/support.4th include_bootenv for the illumos loader). Without the loader
// (GRUB) the kernel reads the file itself from the boot archive before the console is set up
// (usr/src/uts/i86pc/os/fakebop.c read_bootenvrc: a property set on the command line wins).
// The serial console's line speed is one of them: `ttya-mode 9600,8,n,1,-` in the gate's file
// (usr/src/uts/intel/os/bootenv.rc), which is also the asy driver's default when no property is
// set (usr/src/uts/common/io/asy.c: asy_bidx = B9600, "default to 9600").

export const BOOTENV_PATH = 'boot/solaris/bootenv.rc';
/** The line settings the kernel uses for a serial console when bootenv.rc says nothing. */
export const DEFAULT_SERIAL_MODE = '9600,8,n,1,-';
export const SERIAL_SPEEDS = [9600, 19200, 38400, 57600, 115200] as const;

const SETPROP = /^\s*setprop\s+(\S+)\s+(.*?)\s*$/;

function unquote(v: string): string {
  const m = /^(['"])(.*)\1$/.exec(v);
  return m ? m[2] : v;
}

/** The value of a property in bootenv.rc text (the last setprop wins, as each one replaces the last). */
export function bootenvProperty(text: string, name: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split('\n')) {
    const m = SETPROP.exec(line);
    if (m && m[1] === name) value = unquote(m[2]);
  }
  return value;
}

/** The mode (speed,bits,parity,stop,handshake) the kernel gives a serial console port. */
export function serialModeOf(bootenv: string | undefined, port: 'ttya' | 'ttyb'): string {
  return (bootenv !== undefined ? bootenvProperty(bootenv, `${port}-mode`) : undefined) ?? DEFAULT_SERIAL_MODE;
}

/** The speed in a mode string, or undefined when it does not start with a number. */
export function speedOfMode(mode: string): number | undefined {
  const m = /^\s*(\d+)/.exec(mode);
  return m ? Number(m[1]) : undefined;
}

/**
 * bootenv.rc with every serial port's line speed set to `speed` (the rest of each mode kept):
 * existing ttyX-mode lines are rewritten in place, missing ones appended for ttya and ttyb.
 */
export function withSerialSpeed(bootenv: string | undefined, speed: number): string {
  const lines = (bootenv ?? '').replace(/\n$/, '').split('\n').filter((l, i, all) => !(all.length === 1 && l === ''));
  const seen = new Set<string>();
  const out = lines.map((line) => {
    const m = SETPROP.exec(line);
    const port = m && /^(tty[a-d])-mode$/.exec(m[1])?.[1];
    if (!m || !port) return line;
    seen.add(port);
    const rest = unquote(m[2]).split(',').slice(1);
    const mode = [String(speed), ...(rest.length ? rest : DEFAULT_SERIAL_MODE.split(',').slice(1))].join(',');
    return `setprop ${port}-mode '${mode}'`;
  });
  for (const port of ['ttya', 'ttyb']) if (!seen.has(port)) out.push(`setprop ${port}-mode '${[String(speed), ...DEFAULT_SERIAL_MODE.split(',').slice(1)].join(',')}'`);
  return `${out.join('\n')}\n`;
}
