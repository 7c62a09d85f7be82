import { ComposeError, EXIT } from '../../src/util/errors.js';
import { classifySystemError } from '../../src/util/fs-errors.js';

// Seeded fuzzing: the same mutations every run (a failure is reproducible from its case number),
// each case judged as the CLI would end it: success (0), a known failure with its exit code and
// one-line message (1 or 3), or anything else, which is what the fuzz tests exist to catch.

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)];
export const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x011954];

/** Mutate a copy of `base`: 1-3 bit flips, byte sets or 32-bit words, in `regions` (half the time) or anywhere. */
export function mutate(base: Buffer, r: () => number, regions: ReadonlyArray<[number, number]>): Buffer {
  const b = Buffer.from(base);
  const n = int(r, 1, 3);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = regions.length && r() < 0.8 ? pick(r, regions) : [0, b.length];
    const at = int(r, lo, Math.max(lo, Math.min(hi, b.length) - 4));
    switch (int(r, 0, 3)) {
      case 0:
        b[at] ^= 1 << int(r, 0, 7);
        break;
      case 1:
        b[at] = int(r, 0, 255);
        break;
      case 2:
        b.writeUInt32LE(pick(r, INTERESTING) >>> 0, at);
        break;
      default:
        b.writeUInt32LE(Math.floor(r() * 0x100000000) >>> 0, at);
    }
  }
  return b;
}

export interface Outcome {
  exitCode: number;
  message?: string;
}

/** How the CLI would end after `fn`: its exit code and one-line message; an unexpected error is returned as exit -1. */
export async function outcome(fn: () => Promise<unknown>): Promise<Outcome & { unexpected?: unknown }> {
  try {
    await fn();
    return { exitCode: EXIT.ok };
  } catch (e) {
    const known = e instanceof ComposeError ? e : classifySystemError(e);
    if (known) return { exitCode: known.exitCode, message: known.message };
    return { exitCode: -1, unexpected: e };
  }
}

export interface FuzzStats {
  cases: number;
  byExit: Record<string, number>;
  slowestMs: number;
  peakRssMb: number;
}

/**
 * Run `cases` fuzz cases; each must end with an allowed exit code and a one-line message, within
 * `maxMs`, and the process must stay under `maxRssMb`. Returns what happened, for the test to
 * assert (and print).
 */
export async function fuzz(cases: number, run: (i: number) => Promise<Outcome & { unexpected?: unknown }>, opts: { allowed: number[]; maxMs?: number; maxRssMb?: number }): Promise<FuzzStats & { failures: string[] }> {
  const stats: FuzzStats = { cases, byExit: {}, slowestMs: 0, peakRssMb: 0 };
  const failures: string[] = [];
  for (let i = 0; i < cases; i++) {
    const t0 = performance.now();
    const o = await run(i);
    const ms = performance.now() - t0;
    const rss = process.memoryUsage().rss / 1048576;
    stats.slowestMs = Math.max(stats.slowestMs, ms);
    stats.peakRssMb = Math.max(stats.peakRssMb, rss);
    stats.byExit[o.exitCode] = (stats.byExit[o.exitCode] ?? 0) + 1;
    if (!opts.allowed.includes(o.exitCode)) failures.push(`case ${i}: exit ${o.exitCode}${o.unexpected ? `: ${(o.unexpected as Error)?.stack ?? String(o.unexpected)}` : `: ${o.message}`}`);
    else if (o.message !== undefined && (o.message.includes('\n    at ') || o.message.trim() === '')) failures.push(`case ${i}: message is not one clear line: ${o.message}`);
    if (ms > (opts.maxMs ?? 5000)) failures.push(`case ${i}: took ${ms.toFixed(0)} ms`);
    if (rss > (opts.maxRssMb ?? 1024)) failures.push(`case ${i}: rss ${rss.toFixed(0)} MB`);
    if (failures.length >= 5) break;
  }
  return { ...stats, failures };
}
