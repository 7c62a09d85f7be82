// Planning: turn a staged tree into the list of inodes an image needs (in allocation order, with
// sizes and link counts), then place them on a given geometry. Nothing here touches the disk.

import type { StagedEntry } from '../stage/model.js';
import { baseName, type StagedTree } from '../stage/tree.js';
import { MAXLINK, MAXNAMLEN, MAXPATHLEN, NDADDR } from './constants.js';
import { directorySize } from './directory.js';
import { UfsEntryError, UfsNameTooLongError } from './errors.js';
import { deviceNumberProblem, encodeDevice } from './inode.js';
import { FragAllocator, InodeAllocator } from './allocator.js';
import { PROFILE, type UfsGeometry } from './geometry.js';

export type NodeKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';

export interface ChildLink {
  /** The entry's name (UTF-8 on disk): text, not bytes, as a Buffer each would cost more than the name. */
  name: string;
  node: PlanNode;
}

export interface PlanNode {
  kind: NodeKind;
  /** The entry whose attributes (and for files, content) the inode gets. */
  entry: StagedEntry;
  /** Path used in messages: the owner's path, or '' for the root. */
  path: string;
  /** Bytes of content on disk (a directory's encoded size, a symlink's target length). */
  size: number;
  nlink: number;
  children: ChildLink[] | null;
  parent: PlanNode | null;
  symlinkTarget: Buffer | null;
  /** i_ordev word for devices. */
  rdevWord: number;
  /** The synthetic lost+found directory: one full block of empty chunks. */
  lostFound: boolean;
  /** Logical blocks of data, and fragments in the last one when it is a partial block (else 0). */
  nblocks: number;
  tailFrags: number;
  indirectBlocks: number;
  // Placement, filled in by placeTree:
  ino: number;
  /** First fragment of each logical block. */
  addrs: Int32Array;
  single: number;
  double: number;
  /** The level-1 indirect blocks below the double indirect block. */
  level1: Int32Array;
}

export interface TreePlan {
  /** Allocation order: the root, lost+found, then each directory followed by its files. */
  nodes: PlanNode[];
  root: PlanNode;
  /** Fragments of data the tree needs, indirect blocks included. */
  dataFrags: number;
  /** Bytes of regular-file content. */
  fileBytes: number;
  /** Some file is larger than 2^31 - 1 bytes. */
  largeFiles: boolean;
}

const BSIZE = PROFILE.bsize;
const FSIZE = PROFILE.fsize;
const FRAG = BSIZE / FSIZE;
const NINDIR = BSIZE / 4;
/** Logical blocks reachable through direct, single and double indirect pointers. */
const MAX_BLOCKS = NDADDR + NINDIR + NINDIR * NINDIR;

/** How a file of `size` bytes is stored: logical blocks, tail fragments, indirect blocks. */
export function dataLayout(size: number): { nblocks: number; tailFrags: number; indirectBlocks: number; frags: number } {
  const nblocks = Math.ceil(size / BSIZE);
  let tailFrags = 0;
  let indirectBlocks = 0;
  if (nblocks <= NDADDR) {
    // Only files without indirect blocks may end in a partial block.
    const rem = size % BSIZE;
    tailFrags = rem === 0 ? 0 : Math.ceil(rem / FSIZE);
    if (tailFrags === FRAG) tailFrags = 0;
  } else {
    indirectBlocks = 1;
    if (nblocks > NDADDR + NINDIR) indirectBlocks += 1 + Math.ceil((nblocks - NDADDR - NINDIR) / NINDIR);
  }
  const fullBlocks = nblocks - (tailFrags ? 1 : 0) + indirectBlocks;
  return { nblocks, tailFrags, indirectBlocks, frags: fullBlocks * FRAG + tailFrags };
}

/** illumos MAXUID: larger ids do not survive as uid_t. */
const MAXUID = 0x7fffffff;

function checkIds(e: StagedEntry): void {
  for (const [what, id] of [['uid', e.uid], ['gid', e.gid]] as const) {
    if (!Number.isInteger(id) || id < 0 || id > MAXUID) throw new UfsEntryError(e.path, `${what} ${id} is not a whole number between 0 and ${MAXUID}`);
  }
}

function newNode(kind: NodeKind, entry: StagedEntry, parent: PlanNode | null): PlanNode {
  checkIds(entry);
  return {
    kind, entry, path: entry.path, size: 0, nlink: 0, children: kind === 'dir' ? [] : null, parent,
    symlinkTarget: null, rdevWord: 0, lostFound: false, nblocks: 0, tailFrags: 0, indirectBlocks: 0,
    ino: 0, addrs: NO_ADDRS, single: 0, double: 0, level1: NO_ADDRS,
  };
}

function nameOf(path: string): string {
  const name = baseName(path);
  const bytes = Buffer.byteLength(name);
  if (bytes > MAXNAMLEN) throw new UfsNameTooLongError(path, bytes);
  if (bytes === 0 || name.includes('\0') || name.includes('/')) throw new UfsEntryError(path, 'the name is empty or contains a NUL byte or "/"');
  return name;
}

/** Fill in what a non-directory node needs from its entry; throws for what UFS cannot hold. */
function describeLeaf(node: PlanNode): void {
  const e = node.entry;
  switch (node.kind) {
    case 'file': {
      if (!Number.isSafeInteger(e.size) || e.size < 0) throw new UfsEntryError(e.path, `size ${e.size} is not a byte count`);
      if (e.size > 0 && !e.source) throw new UfsEntryError(e.path, 'a non-empty file has no content source');
      node.size = e.size;
      if (Math.ceil(e.size / BSIZE) > MAX_BLOCKS) throw new UfsEntryError(e.path, `the file is ${e.size} bytes; this UFS writer stores at most ${MAX_BLOCKS * BSIZE} bytes per file`);
      break;
    }
    case 'symlink': {
      const target = Buffer.from(e.target ?? '', 'utf8');
      if (target.length === 0) throw new UfsEntryError(e.path, 'the symlink has an empty target');
      if (target.length >= MAXPATHLEN) throw new UfsEntryError(e.path, `the symlink target is ${target.length} bytes; illumos allows at most ${MAXPATHLEN - 1}`);
      if (target.includes(0)) throw new UfsEntryError(e.path, 'the symlink target contains a NUL byte');
      node.symlinkTarget = target;
      node.size = target.length;
      break;
    }
    case 'char':
    case 'block': {
      if (!e.rdev) throw new UfsEntryError(e.path, `the ${node.kind} device has no device number`);
      const problem = deviceNumberProblem(e.rdev.major, e.rdev.minor);
      if (problem) throw new UfsEntryError(e.path, problem);
      node.rdevWord = encodeDevice(e.rdev.major, e.rdev.minor);
      break;
    }
    case 'fifo':
      break;
    default:
      throw new UfsEntryError(e.path, `unexpected entry type ${node.kind}`);
  }
}

function setLayout(node: PlanNode): number {
  if (node.kind !== 'file' && node.kind !== 'dir' && node.kind !== 'symlink') return 0;
  const l = dataLayout(node.size);
  node.nblocks = l.nblocks;
  node.tailFrags = l.tailFrags;
  node.indirectBlocks = l.indirectBlocks;
  return l.frags;
}

/**
 * List the inodes of a tree in allocation order. Hardlinks share their owner's node; link counts
 * are the number of directory entries naming each node (2 + subdirectories for directories).
 */
export function planTree(tree: StagedTree, opts: { lostAndFound: boolean; time: number }): TreePlan {
  const root = newNode('dir', tree.root, null);
  root.parent = root;
  const nodes: PlanNode[] = [root];
  const dirs: PlanNode[] = [];
  const filesByOwner = new Map<string, PlanNode>();

  if (opts.lostAndFound && !tree.has('lost+found')) {
    const lf = newNode('dir', { path: 'lost+found', type: 'dir', mode: 0o700, uid: 0, gid: 0, size: 0, mtime: opts.time }, root);
    lf.lostFound = true;
    root.children!.push({ name: 'lost+found', node: lf });
    nodes.push(lf);
    dirs.push(lf);
  }

  // Depth first, pre-order: a directory, then its non-directory children, then each
  // subdirectory's subtree in name order. Data is placed in this order, so a directory's files
  // sit together and next to it.
  const stack: Array<{ path: string; node: PlanNode }> = [{ path: '', node: root }];
  while (stack.length > 0) {
    const { path: dirPath, node: dir } = stack.pop()!;
    if (dir !== root) nodes.push(dir);
    dirs.push(dir);
    const subdirs: Array<{ path: string; node: PlanNode }> = [];
    for (const childPath of tree.children(dirPath)) {
      const e = tree.get(childPath)!;
      const name = nameOf(childPath);
      let child: PlanNode;
      if (e.type === 'dir') {
        child = newNode('dir', e, dir);
        subdirs.push({ path: childPath, node: child });
      } else if (e.type === 'file' || e.type === 'hardlink') {
        const owner = tree.contentOwner(e);
        let existing = filesByOwner.get(owner.path);
        if (!existing) {
          existing = newNode('file', owner, null);
          describeLeaf(existing);
          filesByOwner.set(owner.path, existing);
          nodes.push(existing);
        }
        child = existing;
      } else {
        child = newNode(e.type, e, null);
        describeLeaf(child);
        nodes.push(child);
      }
      dir.children!.push({ name, node: child });
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  // The synthetic lost+found goes in name order among the root's own entries.
  root.children!.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));

  // Link counts: every directory entry naming a node, '.' and '..' included.
  for (const dir of dirs) {
    dir.nlink += 1;
    for (const link of dir.children!) {
      link.node.nlink += 1;
      if (link.node.kind === 'dir') dir.nlink += 1;
    }
  }
  root.nlink += 1;

  let dataFrags = 0;
  let fileBytes = 0;
  let largeFiles = false;
  for (const node of nodes) {
    if (node.nlink > MAXLINK) throw new UfsEntryError(node.path, `${node.nlink} links; UFS allows at most ${MAXLINK}`);
    if (node.kind === 'dir') node.size = node.lostFound ? BSIZE : directorySize(node.children!.map((c) => Buffer.byteLength(c.name)));
    if (node.kind === 'file') {
      fileBytes += node.size;
      if (node.size > 0x7fffffff) largeFiles = true;
    }
    dataFrags += setLayout(node);
  }
  return { nodes, root, dataFrags, fileBytes, largeFiles };
}

/** Sectors (ic_blocks) a node holds: its data fragments plus indirect blocks. */
export function sectorsOf(node: PlanNode, g: UfsGeometry): number {
  const full = node.nblocks - (node.tailFrags ? 1 : 0) + node.indirectBlocks;
  return (full * g.frag + node.tailFrags) * g.nspf;
}

/**
 * Place every node on a geometry: inode numbers and fragment addresses. Throws OutOfSpaceError
 * when it does not fit; sizing then tries a larger geometry. Re-running overwrites the placement.
 */
/** The addresses of a node without blocks (shared: never written to). */
const NO_ADDRS = new Int32Array(0);

export function placeTree(plan: TreePlan, g: UfsGeometry): { frags: FragAllocator; inodes: InodeAllocator } {
  const frags = new FragAllocator(g);
  const inodes = new InodeAllocator(g);
  // Every node's block addresses are a view of one array: a typed array (and its buffer) per
  // node would cost more than the addresses themselves for a tree of small files.
  const pool = new Int32Array(plan.nodes.reduce((n, node) => n + node.nblocks, 0));
  let used = 0;
  for (const node of plan.nodes) {
    node.ino = inodes.alloc(frags.currentCg());
    node.single = 0;
    node.double = 0;
    node.level1 = NO_ADDRS;
    const n = node.nblocks;
    if (n === 0) {
      node.addrs = NO_ADDRS;
      continue;
    }
    const addrs = pool.subarray(used, used + n);
    used += n;
    node.addrs = addrs;
    if (n <= NDADDR) {
      const full = node.tailFrags ? n - 1 : n;
      for (let i = 0; i < full; i++) addrs[i] = frags.allocBlock();
      if (node.tailFrags) addrs[n - 1] = frags.allocFrags(node.tailFrags);
      continue;
    }
    // Indirect blocks go right before the data blocks they map, as the kernel would place them.
    for (let i = 0; i < NDADDR; i++) addrs[i] = frags.allocBlock();
    node.single = frags.allocBlock();
    const singleEnd = Math.min(n, NDADDR + g.nindir);
    for (let i = NDADDR; i < singleEnd; i++) addrs[i] = frags.allocBlock();
    if (n > singleEnd) {
      node.double = frags.allocBlock();
      const nl1 = Math.ceil((n - singleEnd) / g.nindir);
      node.level1 = new Int32Array(nl1);
      for (let k = 0; k < nl1; k++) {
        node.level1[k] = frags.allocBlock();
        const start = singleEnd + k * g.nindir;
        const end = Math.min(n, start + g.nindir);
        for (let i = start; i < end; i++) addrs[i] = frags.allocBlock();
      }
    }
  }
  return { frags, inodes };
}
