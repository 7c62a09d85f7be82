import type { FunctionDef } from './ast.js';

// The booted system as a boot script sees it, at one point of the script: what is mounted where
// and whether it is writable, which files and directories the script made (or found by testing),
// which /dev links devfsadm has made, which pools are imported, the shell's variables. Every fact
// is three-valued: where two paths through the script meet, a fact that differs becomes "maybe".

export type Tri = 'yes' | 'no' | 'maybe';

export const joinTri = (a: Tri, b: Tri): Tri => (a === b ? a : 'maybe');
export const notTri = (a: Tri): Tri => (a === 'yes' ? 'no' : a === 'no' ? 'yes' : 'maybe');

/** A mounted file system. Contents: the image's files, nothing yet (a new tmpfs), or unknown (a disk, a lofs view). */
export interface Mount {
  fstype: string;
  present: Tri;
  writable: Tri;
  contents: 'image' | 'empty' | 'unknown';
  /** For lofs: the directory it shows. */
  source?: string;
}

export interface PathFact {
  exists: Tri;
  kind?: 'dir' | 'file';
  /** The script saw it executable (test -x) or made it so. */
  executable?: Tri;
}

export interface Pool {
  imported: Tri;
  altroot?: string;
}

/** A variable's value: a string, or null when the script cannot know it before boot. */
export type Value = string | null;

export class ScriptState {
  vars = new Map<string, Value>();
  /** $1...: null for "the kernel's arguments" (unknown). */
  positional: Value[] | null = null;
  mounts = new Map<string, Mount>();
  paths = new Map<string, PathFact>();
  /** /dev links devfsadm made in this boot, as image paths or prefixes ending in "/" (dev/dsk/). */
  devLinks = new Map<string, Tri>();
  pools = new Map<string, Pool>();
  /** Datasets mounted, by name. */
  datasets = new Map<string, Tri>();
  functions = new Map<string, FunctionDef>();
  /** The last command's exit status: yes = 0, no = not 0. */
  status: Tri = 'yes';

  clone(): ScriptState {
    const s = new ScriptState();
    s.vars = new Map(this.vars);
    s.positional = this.positional ? [...this.positional] : null;
    s.mounts = new Map([...this.mounts].map(([k, v]) => [k, { ...v }]));
    s.paths = new Map([...this.paths].map(([k, v]) => [k, { ...v }]));
    s.devLinks = new Map(this.devLinks);
    s.pools = new Map([...this.pools].map(([k, v]) => [k, { ...v }]));
    s.datasets = new Map(this.datasets);
    s.functions = new Map(this.functions);
    s.status = this.status;
    return s;
  }

  /** The state where two paths meet. */
  static join(a: ScriptState, b: ScriptState, baseline?: (path: string, side: ScriptState) => PathFact): ScriptState {
    const s = new ScriptState();
    for (const k of new Set([...a.vars.keys(), ...b.vars.keys()])) {
      const x = a.vars.has(k) ? a.vars.get(k)! : undefined;
      const y = b.vars.has(k) ? b.vars.get(k)! : undefined;
      s.vars.set(k, x === y && x !== undefined ? x : null);
    }
    s.positional = a.positional && b.positional && a.positional.length === b.positional.length ? a.positional.map((v, i) => (v === b.positional![i] ? v : null)) : null;
    for (const k of new Set([...a.mounts.keys(), ...b.mounts.keys()])) {
      const x = a.mounts.get(k);
      const y = b.mounts.get(k);
      if (x && y) s.mounts.set(k, { fstype: x.fstype === y.fstype ? x.fstype : 'unknown', present: joinTri(x.present, y.present), writable: joinTri(x.writable, y.writable), contents: x.contents === y.contents ? x.contents : 'unknown', source: x.source === y.source ? x.source : undefined });
      else s.mounts.set(k, { ...(x ?? y)!, present: joinTri((x ?? y)!.present, 'no'), writable: 'maybe', contents: 'unknown' });
    }
    // A path one side knows and the other does not: the other side's view comes from below (the
    // image or a mount), which the caller's baseline resolves; without one, "maybe".
    for (const k of new Set([...a.paths.keys(), ...b.paths.keys()])) {
      const x = a.paths.get(k);
      const y = b.paths.get(k);
      const p = x ?? baseline?.(k, a);
      const q = y ?? baseline?.(k, b);
      if (p && q) s.paths.set(k, { exists: joinTri(p.exists, q.exists), kind: p.kind === q.kind ? p.kind : undefined, executable: p.executable && q.executable ? joinTri(p.executable, q.executable) : undefined });
      else s.paths.set(k, { exists: 'maybe', kind: (x ?? y)!.kind });
    }
    const joinMap = (m: Map<string, Tri>, p: Map<string, Tri>, q: Map<string, Tri>) => {
      for (const k of new Set([...p.keys(), ...q.keys()])) m.set(k, joinTri(p.get(k) ?? 'no', q.get(k) ?? 'no'));
    };
    joinMap(s.devLinks, a.devLinks, b.devLinks);
    joinMap(s.datasets, a.datasets, b.datasets);
    for (const k of new Set([...a.pools.keys(), ...b.pools.keys()])) {
      const x = a.pools.get(k) ?? { imported: 'no' as Tri };
      const y = b.pools.get(k) ?? { imported: 'no' as Tri };
      s.pools.set(k, { imported: joinTri(x.imported, y.imported), altroot: x.altroot === y.altroot ? x.altroot : (x.altroot ?? y.altroot) });
    }
    s.functions = new Map([...a.functions, ...b.functions]);
    s.status = joinTri(a.status, b.status);
    return s;
  }

  /** What tells two states apart (the functions and the last status aside). */
  signature(): string {
    const m = <T>(x: Map<string, T>) => JSON.stringify([...x].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return [m(this.vars), JSON.stringify(this.positional), m(this.mounts), m(this.paths), m(this.devLinks), m(this.pools), m(this.datasets)].join('|');
  }

  /** The shell's own state: what decides which way the script goes next. */
  varsSignature(): string {
    return JSON.stringify([[...this.vars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), this.positional]);
  }

  /** The mount a path lies on: the deepest mount point above it (or the path itself). */
  mountOf(path: string): { point: string; mount: Mount } | undefined {
    let p = path;
    for (;;) {
      const m = this.mounts.get(p);
      if (m && m.present !== 'no') return { point: p, mount: m };
      if (p === '/') return undefined;
      const i = p.lastIndexOf('/');
      p = i <= 0 ? '/' : p.slice(0, i);
    }
  }
}

/** An absolute path made canonical: no "//", ".", "..", or trailing "/". Relative paths are taken from /. */
export function normalPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
