import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OutputError } from '../util/errors.js';
import { registerPathRole } from '../util/fs-errors.js';

/**
 * A private temporary directory for tarball members. A tarball can only be read front to back, but
 * emitters read files by path and in their own order, so each member's bytes are streamed to one
 * file here. Removed when the process exits.
 */
export class Spool {
  readonly dir: string;
  private next = 0;

  constructor() {
    const base = process.env.COMPOSE_TMPDIR ?? tmpdir();
    try {
      this.dir = mkdtempSync(join(base, 'illumos-compose-spool-'));
    } catch (e) {
      throw new OutputError(`cannot make a temporary directory in ${base} for the tarball's members (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); point COMPOSE_TMPDIR (or TMPDIR) at a writable directory with room for the unpacked proto area`);
    }
    registerPathRole(this.dir, 'temp', "the tarball's temporary spool");
    // One exit handler for every spool of the process, not one each.
    if (!exitHandled) process.once('exit', disposeAll);
    exitHandled = true;
    live.add(this);
  }

  /** A fresh file path for the next member. */
  allocate(): string {
    return join(this.dir, String(this.next++));
  }

  /** A path for a member kept under its own name (workspace manifests, read as a directory). */
  named(memberPath: string): string {
    const dest = join(this.dir, 'named', memberPath);
    mkdirSync(dirname(dest), { recursive: true });
    return dest;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

/** The spools not yet disposed of: removed when the process exits. */
const live = new Set<Spool>();
let exitHandled = false;

function disposeAll(): void {
  for (const s of [...live]) s.dispose();
}
