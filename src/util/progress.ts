// Progress and notes on stderr. Progress lines redraw in place and appear only on a TTY and
// without --quiet; notes (one-line facts the user should know) appear unless --quiet.

export interface Reporter {
  /** A one-line fact worth telling the user ("using proto/root_i386"). */
  note(message: string): void;
  /** A warning: always shown unless --quiet, prefixed so it stands out. */
  warn(message: string): void;
  /** Progress of a long step; `total` may be 0 when unknown. */
  progress(step: string, done: number, total: number): void;
  /** End the current progress line. */
  done(step: string): void;
}

export function makeReporter(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Reporter {
  const stream = opts.stream ?? process.stderr;
  const quiet = !!opts.quiet;
  const live = !quiet && !!stream.isTTY;
  let lastDraw = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return {
    note(message) {
      if (quiet) return;
      clear();
      stream.write(`${message}\n`);
    },
    warn(message) {
      if (quiet) return;
      clear();
      stream.write(`warning: ${message}\n`);
    },
    progress(step, done, total) {
      if (!live) return;
      const now = Date.now();
      if (now - lastDraw < 100 && done !== total) return;
      lastDraw = now;
      const pct = total > 0 ? ` ${Math.floor((100 * done) / total)}%` : '';
      stream.write(`\r\x1b[K${step}: ${done}${total > 0 ? `/${total}` : ''}${pct}`);
      drawn = true;
    },
    done(_step) {
      clear();
    },
  };
}

export const silentReporter: Reporter = { note() {}, warn() {}, progress() {}, done() {} };
