import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { withByteSource } from '../elf/byte-source.js';
import type { ContentSource } from '../stage/model.js';
import type { StagedTree } from '../stage/tree.js';
import { InputError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import { imageGroupId, ILLUMOS_GID } from './staged-files.js';

// The SMF repository the image boots with. svc.configd keeps it in SQLite 2.8 (the gate's own
// libsqlite), which nothing on Linux writes, so the image starts from the seed the gate builds
// (lib/svc/seed/global.db: just enough for svc.startd to run manifest-import, which imports every
// manifest under /lib/svc/manifest on the first boot) or from a repository.db the user captured
// from a booted image (--repository), as Tribblix ships one to skip the first-boot import.

export const REPOSITORY_PATH = 'etc/svc/repository.db';
export const SEED_PATH = 'lib/svc/seed/global.db';

/** The first bytes of every SQLite 2 database file. */
const SQLITE2_MAGIC = '** This file contains an SQLite 2.1 database **';
const SQLITE3_MAGIC = 'SQLite format 3\0';

export type RepositoryKind = 'sqlite2' | 'sqlite3' | 'empty' | 'unknown';

/** What a repository file is, from its first bytes. */
export function repositoryKind(head: Buffer): RepositoryKind {
  if (head.length === 0) return 'empty';
  if (head.subarray(0, SQLITE2_MAGIC.length).toString('latin1') === SQLITE2_MAGIC) return 'sqlite2';
  if (head.subarray(0, SQLITE3_MAGIC.length).toString('latin1') === SQLITE3_MAGIC) return 'sqlite3';
  return 'unknown';
}

async function headOf(source: ContentSource, size: number): Promise<Buffer> {
  return withByteSource(source, size, (src) => src.read(0, 64));
}

function kindProblem(kind: RepositoryKind): string | undefined {
  if (kind === 'empty') return 'is empty';
  if (kind === 'sqlite3') return 'is an SQLite 3 database, but svc.configd reads only SQLite 2 (the gate\'s libsqlite)';
  if (kind === 'unknown') return 'is not an SQLite 2 database';
  return undefined;
}

export interface RepositoryResult {
  path: string;
  from: 'repository' | 'seed' | 'tree';
  source: string;
}

/**
 * Put etc/svc/repository.db (0600 root:sys): a copy of the given file, else the one an overlay or
 * adjunct placed, else a copy of the image's seed. A given file that is not an SQLite 2 database is an error; an odd seed only a warning, since
 * it is whatever the gate built.
 */
export async function placeRepository(tree: StagedTree, opts: { repository?: string; mtime: number; reporter: Reporter }): Promise<RepositoryResult> {
  const sys = await imageGroupId(tree, 'sys', ILLUMOS_GID.sys);
  const meta = { type: 'file' as const, mode: 0o600, uid: 0, gid: sys, mtime: opts.mtime };
  if (opts.repository) {
    const file = resolve(opts.repository);
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new InputError(`--repository ${opts.repository} is not a file; give an SMF repository.db copied from a booted illumos system`);
      size = st.size;
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`--repository ${opts.repository} cannot be read (${(e as Error).message}); give an SMF repository.db copied from a booted illumos system`);
    }
    const source: ContentSource = { kind: 'host', path: file, origin: 'overlay' };
    const problem = kindProblem(repositoryKind(await headOf(source, size)));
    if (problem) throw new InputError(`--repository ${opts.repository} ${problem}; give /etc/svc/repository.db copied from a booted illumos system`);
    tree.put({ path: REPOSITORY_PATH, ...meta, size, source });
    return { path: REPOSITORY_PATH, from: 'repository', source: file };
  }
  const given = tree.get(REPOSITORY_PATH);
  if (given?.type === 'file' && given.source) {
    // An overlay or adjunct that ships a repository.db means it: keep it, with the right owner.
    Object.assign(given, { mode: meta.mode, uid: meta.uid, gid: meta.gid });
    opts.reporter.note(`using the /${REPOSITORY_PATH} an overlay or adjunct provides`);
    return { path: REPOSITORY_PATH, from: 'tree', source: REPOSITORY_PATH };
  }
  const seedEntry = tree.resolve(SEED_PATH);
  if (!seedEntry || (seedEntry.type !== 'file' && seedEntry.type !== 'hardlink')) {
    throw new InputError(`the image has no /${SEED_PATH} to seed the SMF repository from; build illumos-gate with its SMF seed (usr/src/cmd/svc/seed) or pass --repository <repository.db>`);
  }
  const seed = tree.contentOwner(seedEntry);
  if (!seed.source) throw new InputError(`/${SEED_PATH} in the image has no content; pass --repository <repository.db>`);
  const problem = kindProblem(repositoryKind(await headOf(seed.source, seed.size)));
  if (problem) opts.reporter.warn(`/${SEED_PATH} ${problem}; svc.configd may refuse it (pass --repository <repository.db> to use another)`);
  tree.put({ path: REPOSITORY_PATH, ...meta, size: seed.size, source: seed.source, sha256: seed.sha256 });
  return { path: REPOSITORY_PATH, from: 'seed', source: SEED_PATH };
}
