import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type tarStream from 'tar-stream';
import type { EntryType, StagedEntry } from '../stage/model.js';
import { PERM_MASK } from '../stage/model.js';
import { StagedTree, StagePathError, normalizeImagePath, comparePaths } from '../stage/tree.js';
import { canonicalizeHardlinks } from '../stage/hardlinks.js';
import { InputError, ComposeError } from '../util/errors.js';
import { classifySystemError } from '../util/fs-errors.js';
import type { Reporter } from '../util/progress.js';
import { checkSymlinkTarget } from './entry-checks.js';
import { missingShape, describeMissing } from './shape.js';
import { Spool } from './spool.js';

const TAR_TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

export interface TarReadOptions {
  mtime?: number;
  reporter?: Reporter;
}

/** A proto tarball staged: the tree, and the package manifests when it holds a whole workspace. */
export interface ProtoTarball {
  tree: StagedTree;
  /** The member directory the proto sits in ('' for a bare proto root). */
  prefix: string;
  /** usr/src/pkg/manifests of a workspace tarball, spooled with its names (transforms beside it). */
  manifests?: string;
}

// A workspace tarball (proto/root_i386 beside usr/src) carries the gate's sources too. Only the
// package manifests and transforms are wanted from usr/src, spooled under their own names so they
// read as a manifests directory; the rest of the sources is skipped unread. A proto area itself
// never has files below usr/src (the gate delivers `link path=usr/src target=./share/src`).
const WORKSPACE_PKG = /(?:^|\/)usr\/src\/pkg\/(?:manifests|transforms)\/[^/]+$/;
const WORKSPACE_SOURCE = /(?:^|\/)usr\/src\//;
/** Members up to this size are spooled with one synchronous write. */
const SMALL_MEMBER = 1 << 20;

/**
 * Members compose cannot read faithfully are refused by name rather than read wrong: a type tar-stream
 * does not know (tar-stream reports GNU sparse 'S', multi-volume 'M', volume labels 'V' and vendor
 * types as null, which would otherwise read as a regular file of the first block), PAX sparse
 * files (GNU.sparse.* records: the data is a map plus fragments, not the file), and names that
 * are not UTF-8 (their bytes decode to U+FFFD, and two such names could become one).
 */
function refuseUnreadable(label: string, h: tarStream.Header): void {
  const pax = (h as tarStream.Header & { pax?: Record<string, string> | null }).pax ?? {};
  // Stryker disable next-line ConditionalExpression: tar-stream gives an unknown type as null, never undefined (the undefined test is for the type's sake)
  if (h.type === null || h.type === undefined) {
    throw new InputError(`${label}: member "${h.name}" has a tar type compose does not read (a GNU sparse, multi-volume or vendor-specific member); make the tarball without --sparse, with plain files, links and directories`);
  }
  if (Object.keys(pax).some((k) => k.startsWith('GNU.sparse.')) || /(^|\/)GNUSparseFile\.\d+\//.test(h.name)) {
    throw new InputError(`${label}: member "${pax['GNU.sparse.name'] ?? h.name}" is a sparse file (PAX GNU.sparse format), which compose does not read; make the tarball without --sparse`);
  }
  for (const [what, name] of [['name', h.name], ['link target', h.linkname ?? '']] as const) {
    if (name.includes('\uFFFD')) throw new InputError(`${label}: member "${h.name}" has a ${what} that is not valid UTF-8 (shown with U+FFFD for its other bytes), which compose cannot carry into the image unchanged; rename it before making the tarball`);
  }
}

/** Reject member names that could land outside the extraction root. */
function safeName(label: string, name: string, what = 'entry'): string {
  if (name.startsWith('/')) throw new InputError(`${label}: ${what} "${name}" has an absolute path; make the tarball with relative paths (tar -C <tree> -cf x.tar .)`);
  if (name.split('/').includes('..')) throw new InputError(`${label}: ${what} "${name}" has a ".." component; it would escape the root`);
  return normalizeImagePath(name);
}

/**
 * Read a proto tarball as a stream (never whole into memory). Members' contents are spooled to a
 * private temporary directory. A tarball whose members sit under one top-level directory (such as
 * root_i386/) is re-rooted there, so it gives the same model as the directory it was made from.
 */
export async function readTarball(file: string, gzip: boolean, opts: TarReadOptions = {}): Promise<ProtoTarball> {
  const pkgFiles = new Map<string, string>();
  const raw = await readTarMembers(file, gzip, { ...opts, label: file, workspacePkg: pkgFiles });
  const prefix = protoPrefix(file, raw);
  const tree = buildTreeFromMembers(file, prefix === '' ? raw : stripPrefix(file, raw, prefix), opts.mtime);
  // The workspace is the directory holding proto/root_i386; its manifests are <ws>/usr/src/pkg/manifests.
  const ws = prefix === 'proto/root_i386' ? '' : prefix.endsWith('/proto/root_i386') ? prefix.slice(0, -'proto/root_i386'.length) : undefined;
  let manifests: string | undefined;
  if (ws !== undefined) {
    const dir = `${ws}usr/src/pkg/manifests/`;
    const first = [...pkgFiles.keys()].find((p) => p.startsWith(dir) && /\.(p5m|mf)$/.test(p));
    if (first !== undefined) manifests = dirname(pkgFiles.get(first)!);
  }
  return { tree, prefix, manifests };
}

/**
 * Every member of a tarball as a staged entry, in tarball order, with file contents spooled and
 * hashed on the way. Unsafe names are rejected; `label` names the tarball in messages. With
 * `workspacePkg`, members below usr/src are workspace sources: package manifests and transforms
 * are spooled under their own names (member path -> spooled path, into the map) and the rest is
 * skipped; none of them becomes an entry.
 */
export async function readTarMembers(file: string, gzip: boolean, opts: TarReadOptions & { label: string; workspacePkg?: Map<string, string> }): Promise<StagedEntry[]> {
  const label = opts.label;
  const spool = new Spool();
  const raw: StagedEntry[] = [];
  // Loaded here, not at start-up: only a tarball proto needs it (0.03 s of every run otherwise).
  const { default: tar } = await import('tar-stream');
  const extract = tar.extract();
  let count = 0;
  const consume = (async () => {
    for await (const member of extract as AsyncIterable<Readable & { header: tarStream.Header }>) {
      const h = member.header;
      refuseUnreadable(label, h);
      const type = TAR_TYPES[h.type!];
      // Stryker disable next-line ConditionalExpression,BlockStatement: unreachable with tar-stream 3, which consumes pax and GNU long-name headers itself and gives every other type a TAR_TYPES name or null (refused above)
      if (!type) {
        member.resume();
        continue; // pax/global headers are handled by tar-stream; other types carry no image entry
      }
      const path = safeName(label, h.name);
      if (opts.workspacePkg && WORKSPACE_SOURCE.test(path)) {
        if (type === 'file' && WORKSPACE_PKG.test(path)) {
          const dest = spool.named(path);
          await pipeline(member, createWriteStream(dest));
          opts.workspacePkg.set(path, dest);
        } else member.resume();
        continue;
      }
      // Stryker disable next-line OptionalChaining: tar-stream gives every header an mtime Date
      const entry: StagedEntry = { path, type, mode: (h.mode ?? 0o644) & PERM_MASK, uid: 0, gid: 0, size: 0, mtime: opts.mtime ?? Math.floor((h.mtime?.getTime() ?? 0) / 1000) };
      if (type === 'file') {
        const spoolPath = spool.allocate();
        const hash = createHash('sha256');
        let size = 0;
        // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: gathering in memory and streaming give the same spool file, size and hash; the choice only bounds memory
        if ((h.size ?? Infinity) <= SMALL_MEMBER) {
          // Most members are small: gather one in memory and write it with one synchronous call,
          // rather than pay an asynchronous open/write/close round trip per member.
          const chunks: Buffer[] = [];
          for await (const c of member as AsyncIterable<Buffer>) chunks.push(c);
          const data = Buffer.concat(chunks);
          hash.update(data);
          size = data.length;
          writeFileSync(spoolPath, data);
        } else {
          await pipeline(
            member,
            new Transform({
              transform(chunk: Buffer, _enc, cb) {
                hash.update(chunk);
                size += chunk.length;
                cb(null, chunk);
              },
            }),
            createWriteStream(spoolPath),
          );
        }
        entry.size = size;
        entry.sha256 = hash.digest('hex');
        entry.source = { kind: 'host', path: spoolPath, origin: 'spool' };
      } else {
        member.resume();
        if (type === 'symlink') {
          const target = h.linkname ?? '';
          entry.target = target;
          entry.size = Buffer.byteLength(target);
        } else if (type === 'hardlink') {
          entry.target = safeName(label, h.linkname ?? '', `hard link target of "${h.name}"`);
        } else if (type === 'char' || type === 'block') {
          entry.rdev = { major: h.devmajor ?? 0, minor: h.devminor ?? 0 };
        }
      }
      if (path !== '' || type === 'dir') raw.push(entry);
      if (++count % 500 === 0) opts.reporter?.progress('reading tarball', count, 0);
    }
  })();
  try {
    const source = createReadStream(file);
    const stages: NodeJS.ReadWriteStream[] = gzip ? [createGunzip()] : [];
    await Promise.all([pipeline(source, ...(stages as [NodeJS.ReadWriteStream]), extract), consume]);
  } catch (e) {
    spool.dispose();
    if (e instanceof ComposeError) throw e;
    // A full or unwritable temporary directory is not the tarball's fault (a failed write through
    // a descriptor names no path: the spool is what was being written).
    const env = classifySystemError(e, spool.dir);
    if (env) throw env;
    throw new InputError(`${label} is not a readable ${gzip ? 'gzip-compressed ' : ''}tarball (${(e as Error).message}); check the file is complete`);
  }
  opts.reporter?.done('reading tarball');
  return raw;
}

/**
 * Where the proto area sits among the members: '' when the tarball is a proto root, else the
 * directory holding the proto's shape: root_i386/ (a tarball of proto/), proto/root_i386/ (a
 * workspace), or a single wrapping directory. Directories count when implied by a member's path.
 */
function protoPrefix(file: string, raw: StagedEntry[]): string {
  const dirs = new Set(raw.filter((e) => e.type === 'dir').map((e) => e.path));
  for (const e of raw) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const shapedAt = (prefix: string) => missingShape((p) => dirs.has(prefix === '' ? p : `${prefix}/${p}`)).length === 0;
  if (shapedAt('')) return '';
  // Candidates: directories at most three levels down whose contents have the proto shape.
  // Stryker disable next-line EqualityOperator: the candidates are distinct directory paths, so a <= b and a < b agree
  const candidates = [...dirs].filter((d) => d.split('/').length <= 3 && shapedAt(d)).sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
  const named = candidates.filter((d) => d === 'root_i386' || d.endsWith('/root_i386'));
  if (named.length) return named[0];
  const tops = new Set(raw.map((e) => e.path.split('/')[0]).filter((p) => p !== ''));
  if (candidates.length === 1 && tops.size === 1 && candidates[0].split('/').length === 1) return candidates[0];
  throw new InputError(describeMissing(file, missingShape((p) => dirs.has(p))));
}

/** Re-root members under `prefix/` (members outside it are dropped; hard links may not leave it). */
export function stripPrefix(label: string, raw: StagedEntry[], prefix: string): StagedEntry[] {
  const strip = (p: string) => (p === prefix ? '' : p.startsWith(`${prefix}/`) ? p.slice(prefix.length + 1) : null);
  const out: StagedEntry[] = [];
  for (const e of raw) {
    const path = strip(e.path);
    if (path === null) continue;
    const moved = { ...e, path };
    if (e.type === 'hardlink') {
      const t = strip(e.target!);
      if (t === null) throw new InputError(`${label}: hard link "${e.path}" points at "${e.target}", outside ${prefix}/`);
      moved.target = t;
    }
    out.push(moved);
  }
  return out;
}

/** A staged tree from tarball members: symlinks checked, hard links resolved and canonical. */
export function buildTreeFromMembers(label: string, raw: StagedEntry[], mtime?: number): StagedTree {
  const file = label;
  const rootEntry = raw.find((e) => e.path === '');
  const tree = new StagedTree(mtime ?? rootEntry?.mtime ?? 0);
  if (rootEntry) tree.root.mode = rootEntry.mode;
  const files = new Set(raw.filter((e) => e.type === 'file').map((e) => e.path));
  const ordered = raw.filter((e) => e.path !== '').sort((a, b) => comparePaths(a.path, b.path));
  for (const e of ordered) {
    if (e.type === 'symlink') checkSymlinkTarget(file, e.path, e.target!);
    if (e.type === 'hardlink') {
      if (!files.has(e.target!)) throw new InputError(`${file}: hard link "${e.path}" points at "${e.target}", which is not a regular file earlier in the tarball`);
    }
    try {
      tree.put(e);
    } catch (err) {
      // Two members that cannot both exist: a path below something that is not a directory.
      // Stryker disable next-line ConditionalExpression: StagedTree.put throws only StagePathError
      if (err instanceof StagePathError) throw new InputError(`${file}: member "${e.path}" cannot be placed: ${err.message}`);
      throw err;
    }
  }
  // A hardlink takes its owner's inode: same mode.
  // Stryker disable next-line ConditionalExpression: contentOwner of any other entry is the entry itself, so giving it its own mode changes nothing
  for (const e of tree.entries()) if (e.type === 'hardlink') e.mode = tree.contentOwner(e).mode;
  canonicalizeHardlinks(tree);
  return tree;
}
