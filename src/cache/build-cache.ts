import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { SequentialWriter } from '../util/sequential-writer.js';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';

// The build cache: what one build learned that the next can reuse without changing a single
// output byte. It lives in <out>/.compose-cache unless --cache names another directory, and
// everything in it is an optimisation: a missing, stale or unreadable cache makes a build slower,
// never different. Files are written under a temporary name and renamed, so a killed build
// leaves the previous cache or the new one, and builds sharing a --cache directory never read a
// half-written file.

export const DEFAULT_CACHE_NAME = '.compose-cache';
/**
 * A file changed less than this before it was read is not trusted by its stamp (size, times,
 * inode): a second change within the same clock tick could leave every field as it was.
 */
export const RACY_MS = 1000;
const FORMAT = 1;

export class BuildCache {
  /** Writes held back until the build has published its outputs (see `writeLater`). */
  private readonly held: Array<() => void> = [];

  private constructor(readonly dir: string) {}

  /** The cache for a build into `outDir` (`dir` from --cache), or none with --no-cache. */
  static open(outDir: string, dir?: string | false): BuildCache | undefined {
    const cache = BuildCache.at(outDir, dir);
    return cache?.create() ? cache : undefined;
  }

  /**
   * The same cache without creating its directory: for reading before the build knows it will
   * write anything (a build refused by its boot check leaves no -o behind).
   */
  static at(outDir: string, dir?: string | false): BuildCache | undefined {
    return dir === false ? undefined : new BuildCache(resolve(dir ?? join(outDir, DEFAULT_CACHE_NAME)));
  }

  /** Create the directory; false when it cannot be (a cache that cannot be created only costs time). */
  create(): boolean {
    try {
      mkdirSync(this.dir, { recursive: true });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Store what `make` gives under `name` when `flush` is called: after the build's outputs are
   * published. It is made then, not now, so it never adds to the build's peak memory.
   */
  writeLater(name: string, make: () => unknown): void {
    this.held.push(() => this.write(name, make()));
  }

  /** `writeStream` at `flush`, like `writeLater`. */
  writeStreamLater(name: string, fill: (out: SequentialWriter) => void): void {
    this.held.push(() => this.writeStream(name, fill));
  }

  /** Write what `writeLater` and `writeStreamLater` held back. */
  flush(): void {
    if (this.held.length && this.create()) for (const write of this.held) write();
    this.held.length = 0;
  }

  /** A file name for data about `subject` (an absolute path): distinct subjects never share one. */
  nameFor(kind: string, subject: string, extension = 'json'): string {
    return `${kind}-${createHash('sha256').update(subject).digest('hex').slice(0, 16)}.${extension}`;
  }

  /** The parsed content of a cache file written by this version's format, or undefined. */
  read<T>(name: string): T | undefined {
    try {
      const doc = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as { format?: number; data?: T };
      return doc.format === FORMAT ? doc.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** A cache file's bytes, or undefined. */
  readBytes(name: string): Buffer | undefined {
    try {
      return readFileSync(join(this.dir, name));
    } catch {
      return undefined;
    }
  }

  /** Write a cache file piece by piece (large ones are never held whole); failures are ignored. */
  writeStream(name: string, fill: (out: SequentialWriter) => void): void {
    const path = join(this.dir, name);
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      const fd = openSync(tmp, 'w');
      try {
        const out = new SequentialWriter(fd, 1 << 20);
        fill(out);
        out.flush();
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch {
      rmSync(tmp, { force: true });
    }
  }

  /** Store `data` under `name`; failures are ignored (the next build is merely slower). */
  write(name: string, data: unknown): void {
    const path = join(this.dir, name);
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, data }));
      renameSync(tmp, path);
    } catch {
      rmSync(tmp, { force: true });
    }
  }
}
