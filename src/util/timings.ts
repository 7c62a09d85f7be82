import { performance } from 'node:perf_hooks';

// Where a build's time goes, stage by stage (reported in `--json` as `timings` and by the
// benchmark): each measured step adds its wall-clock milliseconds under its name.

export class Timings {
  private readonly raw: Record<string, number> = {};

  /** Whole milliseconds per stage. */
  get ms(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.raw).map(([k, v]) => [k, Math.round(v)]));
  }

  /** Unrounded milliseconds of one stage so far. */
  of(name: string): number {
    return this.raw[name] ?? 0;
  }

  add(name: string, ms: number): void {
    this.raw[name] = (this.raw[name] ?? 0) + ms;
  }

  async time<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(name, performance.now() - t0);
    }
  }
}
