/**
 * Line matcher for a serial console: feed it text as it arrives, and it tells
 * whether every expectation has matched in order, or a fail pattern has.
 *
 * Rules:
 * - Text is split into lines on "\n"; "\r" and terminal escape codes are removed
 *   from each complete line (escapes may straddle reads, so never from fragments).
 * - Each line can satisfy at most one expectation, and only the next unmatched one.
 * - Fail patterns are checked on every line before expectations, so a line that
 *   matches both is a failure; the first failure is kept and ends the matching.
 * - A partial last line (a prompt such as "login: " has no newline) is tried
 *   against the next expectation only when the console has gone quiet (idle()),
 *   so a line is not matched while it is still being written.
 */
import { stripTerminalNoise } from './kernel-report.js';

export interface ExpectMatch {
  /** Index of the expectation. */
  index: number;
  pattern: string;
  line: string;
  /** Milliseconds since the VM started, as passed to feed()/idle()/end(). */
  atMs: number;
}

export interface FailMatch {
  pattern: string;
  line: string;
  atMs: number;
}

export interface MatcherOptions {
  expect: readonly RegExp[];
  fail: readonly RegExp[];
  /** How many recent non-empty lines to keep for timeout reports. Default 20. */
  keepLines?: number;
}

/** "/re/" as a user would read it, flags included. */
export function showPattern(re: RegExp): string {
  return `/${re.source}/${re.flags}`;
}

export class SerialMatcher {
  readonly matches: ExpectMatch[] = [];
  private failure: FailMatch | undefined;
  private pending = '';
  /** The pending partial line already satisfied an expectation while idle. */
  private pendingUsed = false;
  private readonly recent: string[] = [];
  private readonly keep: number;
  private firstOutput: number | undefined;

  constructor(private readonly opts: MatcherOptions) {
    this.keep = opts.keepLines ?? 20;
    // A global or sticky regex keeps lastIndex between test() calls: drop those flags.
    this.opts = {
      ...opts,
      expect: opts.expect.map(plain),
      fail: opts.fail.map(plain),
    };
  }

  /** Every expectation has matched (trivially true with none). */
  get done(): boolean {
    return this.matches.length === this.opts.expect.length;
  }

  get failed(): FailMatch | undefined {
    return this.failure;
  }

  /** Time of the first byte of output, if any. */
  get firstOutputMs(): number | undefined {
    return this.firstOutput;
  }

  /** The last non-empty lines seen (cleaned), the partial line included. */
  lastLines(n = this.keep): string[] {
    const tail = clean(this.pending);
    const all = tail.trim() === '' ? this.recent : [...this.recent, tail];
    return all.slice(-n);
  }

  /** New serial text; lines may be split anywhere across calls. */
  feed(text: string, atMs: number): void {
    if (text.length === 0) return;
    if (this.firstOutput === undefined) this.firstOutput = atMs;
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop()!;
    const firstUsed = this.pendingUsed;
    this.pendingUsed = false;
    parts.forEach((raw, i) => this.line(clean(raw), atMs, i === 0 && firstUsed));
    // The unfinished line carries its "used" mark only if no newline arrived.
    if (parts.length === 0) this.pendingUsed = firstUsed;
  }

  /** No new output since the last call: a partial line may be a prompt. */
  idle(atMs: number): void {
    if (this.failure || this.done || this.pendingUsed || this.pending === '') return;
    const line = clean(this.pending);
    if (this.failPattern(line)) return; // a failure is only final once the line is complete
    if (this.tryExpect(line, atMs)) this.pendingUsed = true;
  }

  /** The stream has ended: the partial line, if any, is complete now. */
  end(atMs: number): void {
    if (this.pending === '') return;
    const raw = this.pending;
    const used = this.pendingUsed;
    this.pending = '';
    this.pendingUsed = false;
    this.line(clean(raw), atMs, used);
  }

  private line(line: string, atMs: number, alreadyUsed: boolean): void {
    if (line.trim() !== '') {
      this.recent.push(line);
      if (this.recent.length > this.keep) this.recent.shift();
    }
    if (this.failure) return;
    const bad = this.failPattern(line);
    if (bad) {
      this.failure = { pattern: showPattern(bad), line, atMs };
      return;
    }
    if (!alreadyUsed && !this.done) this.tryExpect(line, atMs);
  }

  private failPattern(line: string): RegExp | undefined {
    return this.opts.fail.find((re) => re.test(line));
  }

  private tryExpect(line: string, atMs: number): boolean {
    const index = this.matches.length;
    const re = this.opts.expect[index]!;
    if (!re.test(line)) return false;
    this.matches.push({ index, pattern: showPattern(re), line, atMs });
    return true;
  }
}

function clean(raw: string): string {
  return stripTerminalNoise(raw);
}

function plain(re: RegExp): RegExp {
  return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}
