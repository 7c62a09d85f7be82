import { lutimes, mkdir, open, readdir, stat, symlink, writeFile, chmod, lstat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { forEachChunk, ContentChangedError } from '../stage/content.js';
import type { StagedEntry } from '../stage/model.js';
import { comparePaths, type StagedTree } from '../stage/tree.js';
import type { Reporter } from '../util/progress.js';
import { stagedFile } from './pick.js';

/** Write a staged file's bytes to a new host file, streaming, with the size check forEachChunk does. */
export async function writeStagedContent(entry: StagedEntry, dest: string): Promise<void> {
  const fh = await open(dest, 'w');
  try {
    await forEachChunk(entry.source!, entry.size, async (chunk) => {
      let done = 0;
      while (done < chunk.length) done += (await fh.write(chunk, done, chunk.length - done)).bytesWritten;
    });
  } finally {
    await fh.close();
  }
}

/** A path for xorriso's -graft-points: `=` separates the two sides, `\` escapes. */
export const escapeGraftPath = (p: string): string => p.replace(/[\\=]/g, (c) => `\\${c}`);

/**
 * The ISO's directory tree, built in a work directory. Large files that already exist on the host
 * (the boot archive, a proto kernel) are grafted into the ISO by xorriso instead of copied; their
 * ISO timestamps are pinned by xorriso's --set_all_file_dates like everything else.
 */
export class IsoRoot {
  private readonly grafts = new Map<string, string>();

  readonly dir: string;

  constructor(
    dir: string,
    private readonly reporter?: Reporter,
  ) {
    this.dir = resolve(dir);
  }

  hostPath(isoPath: string): string {
    return join(this.dir, isoPath);
  }

  /** Whether a file was placed at this ISO path (written or grafted). */
  async has(isoPath: string): Promise<boolean> {
    if (this.grafts.has(isoPath)) return true;
    return lstat(this.hostPath(isoPath)).then(
      () => true,
      () => false,
    );
  }

  /** Write a generated file; returns true when it replaced one copied from the staged tree. */
  async writeFile(isoPath: string, data: string | Buffer, mode = 0o644): Promise<boolean> {
    const replaced = await this.has(isoPath);
    const dest = this.hostPath(isoPath);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, data);
    await chmod(dest, mode);
    return replaced;
  }

  /** Put a host file on the ISO without copying it. */
  async graft(isoPath: string, host: string, expectedSize?: number): Promise<void> {
    const st = await stat(host);
    if (!st.isFile()) throw new Error(`${host} is not a regular file`);
    if (expectedSize !== undefined && st.size !== expectedSize) throw new ContentChangedError(`${host} is now ${st.size} bytes, it was ${expectedSize} bytes when staged; re-run compose`);
    this.grafts.set(isoPath, resolve(host));
  }

  /** Place the staged file at `imagePath` (through symlinks and hardlinks) at `isoPath`. */
  async putStagedFile(tree: StagedTree, imagePath: string, isoPath: string): Promise<void> {
    const entry = stagedFile(tree, imagePath);
    if (!entry?.source) throw new Error(`${imagePath} is not a file in the staged tree`);
    if (entry.source.kind === 'host') return this.graft(isoPath, entry.source.path, entry.size);
    const dest = this.hostPath(isoPath);
    await mkdir(dirname(dest), { recursive: true });
    await writeStagedContent(entry, dest);
    await chmod(dest, (entry.mode & 0o777) | 0o600); // -r normalises modes on the ISO; we only need to read it
  }

  /**
   * Copy a staged subtree (e.g. boot/) into the ISO root: directories, files (a hardlink gets a
   * copy of its file) and symlinks. Device nodes and FIFOs have no place on a boot medium.
   */
  async copyStagedSubtree(tree: StagedTree, prefix: string): Promise<void> {
    for (const e of tree.entries()) {
      if (e.path !== prefix && !e.path.startsWith(`${prefix}/`)) continue;
      const dest = this.hostPath(e.path);
      switch (e.type) {
        case 'dir':
          await mkdir(dest, { recursive: true });
          break;
        case 'file':
        case 'hardlink': {
          const owner = tree.contentOwner(e);
          await mkdir(dirname(dest), { recursive: true });
          await writeStagedContent(owner, dest);
          await chmod(dest, (owner.mode & 0o777) | 0o600);
          break;
        }
        case 'symlink':
          await mkdir(dirname(dest), { recursive: true });
          await symlink(e.target!, dest);
          break;
        default:
          this.reporter?.warn(`not putting ${e.type} device ${e.path} on the ISO`);
      }
    }
  }

  /** Every file and symlink on the ISO (ISO paths without a leading slash), sorted. */
  async files(): Promise<string[]> {
    const out = [...this.grafts.keys()];
    const walk = async (rel: string): Promise<void> => {
      for (const d of await readdir(rel === '' ? this.dir : join(this.dir, rel), { withFileTypes: true })) {
        const p = rel === '' ? d.name : `${rel}/${d.name}`;
        if (d.isDirectory()) await walk(p);
        else out.push(p);
      }
    };
    await walk('');
    return out.sort(comparePaths);
  }

  /** Set every timestamp in the work directory to `epoch`, deepest first so directories keep it. */
  async pinTimestamps(epoch: number): Promise<void> {
    const visit = async (abs: string): Promise<void> => {
      for (const d of await readdir(abs, { withFileTypes: true })) {
        const p = join(abs, d.name);
        if (d.isDirectory()) await visit(p);
        await lutimes(p, epoch, epoch);
      }
    };
    await visit(this.dir);
    await lutimes(this.dir, epoch, epoch);
  }

  /** xorriso -graft-points operands: the work directory as the root plus every grafted file. */
  graftPoints(): string[] {
    const grafted = [...this.grafts.entries()].sort(([a], [b]) => comparePaths(a, b));
    return [`/=${escapeGraftPath(this.dir)}`, ...grafted.map(([iso, host]) => `/${escapeGraftPath(iso)}=${escapeGraftPath(host)}`)];
  }
}
