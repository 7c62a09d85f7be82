import { existsSync } from 'node:fs';
import { chmod, lstat, lutimes, mkdir, readdir, readFile, readlink, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { DEMO_MANIFESTS } from '../demo/demo-manifests.js';
import { writeDemoWorkspace } from '../demo/demo-proto.js';
import { syntheticObject } from '../demo/synthetic-objects.js';
import { SUNWCSD_DIRS } from '../devlinks/table.js';
import { benchTreePlan, generateBenchTree } from './generate-tree.js';

// A deterministic illumos-gate workspace for benchmarks (issue 20): proto/root_i386 holding the
// bench tree of generate-tree.ts (its plan, extended, written by generateBenchTree with the same
// PRNG fill) plus what a pureboot build needs to boot-check clean (the demo proto's synthetic ELF
// kernel, boot modules, programs and etc files),
// and usr/src/pkg/manifests with about 530 .p5m manifests naming every path of that proto, as the
// gate's manifests name every delivered path. The manifests are derived from a walk of the
// finished proto, so each action names a real entry and its metadata agrees with the proto.

export interface GeneratedWorkspace {
  ws: string;
  proto: string;
  manifests: string;
  transforms: string;
  /** Proto entries (files, dirs, symlinks, hardlinks), the root not counted. */
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Bytes of file content, each inode once. */
  bytes: number;
  /** .p5m files (what the loader reads) and the .inc files they include. */
  manifestFiles: number;
  includeFiles: number;
  /** Action lines written, includes counted once (set, depend, license... too). */
  actions: number;
}

const SPEC_VERSION = 'bench-ws-v1';
const MTIME = 1767225600;
/** The bench tree's share; the boot core adds about 14 MB, for about 460 MB in all. */
const TREE_BYTES = 446e6;
/** The build's Python: the proto's only usr/lib/python3.X, which compose must infer. */
const PYTHON = '3.9';

type Kind = 'dir' | 'file' | 'link' | 'hardlink';
interface ProtoEntry {
  path: string;
  kind: Kind;
  mode: number;
  size: number;
  /** Symlink target, or (hardlink) the path of the file it shares an inode with, relative to its directory. */
  target?: string;
}

/**
 * Write the workspace under `wsRoot` unless a complete one is there (its `.bench-complete`
 * stamp holds the figures, so a second call is instant).
 */
export async function generateBenchWorkspace(wsRoot: string): Promise<GeneratedWorkspace> {
  const ws = resolve(wsRoot);
  const paths = { ws, proto: join(ws, 'proto/root_i386'), manifests: join(ws, 'usr/src/pkg/manifests'), transforms: join(ws, 'usr/src/pkg/transforms') };
  const stamp = join(ws, '.bench-complete');
  const previous = existsSync(stamp) ? parseStamp(await readFile(stamp, 'utf8')) : undefined;
  if (previous) return { ...previous, ...paths };

  await rm(ws, { recursive: true, force: true });
  await generateBenchTree(paths.proto, TREE_BYTES, workspacePlan());
  // The tree's own stamp is not part of a proto area; ours lives at the workspace root.
  await rm(join(paths.proto, '.bench-complete'));
  await addBootCore(ws, paths.proto);
  await addDeviceDirs(paths.proto);
  await writeAccounts(paths.proto);
  const entries = await walkProto(paths.proto);
  await pinTimes(paths.proto, entries);
  const written = await writeManifests(paths.manifests, packageEntries(entries));
  await writeTransforms(paths.transforms);
  const result: GeneratedWorkspace = { ...paths, ...countEntries(entries), ...written };
  await writeFile(stamp, JSON.stringify({ spec: SPEC_VERSION, result }));
  return result;
}

function parseStamp(text: string): GeneratedWorkspace | undefined {
  try {
    const s = JSON.parse(text) as { spec?: string; result?: GeneratedWorkspace };
    return s.spec === SPEC_VERSION ? s.result : undefined;
  } catch {
    return undefined;
  }
}

/** The same LCG as benchTreePlan: deterministic, and quality does not matter. */
function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
}

// ---------------------------------------------------------------------------------------------
// The proto area

type BenchPlan = ReturnType<typeof benchTreePlan>;

/** Bench-tree paths the boot core supplies instead (as real ELF objects, or the same symlink). */
const FROM_CORE = new Set(['kernel/amd64/genunix', 'platform/i86pc/kernel/amd64/unix', 'bin']);
/** A couple of setuid programs besides the core's passwd and su. */
const SETUID = new Set(['usr/bin/cmd7', 'usr/sbin/adm3']);
const PYTHON_MODULES = ['zfs', 'solaris', 'libbe', 'beadm', 'sysdata', 'dtrace'];

/** The mode of etc/conf/fN: mostly 0644, some read-only, some private. */
function etcConfMode(n: number): number {
  if (n % 37 === 0) return 0o600;
  if (n % 41 === 0) return 0o640;
  return n % 10 === 0 ? 0o444 : 0o644;
}

/**
 * benchTreePlan() without what the core replaces, plus the kinds of files a gate proto has and
 * the bench tree lacks: Python modules, SMF manifests and methods, mdb modules, onbld, terminfo,
 * devfsadm link modules. About 2,400 more entries, for about 38,000 in all.
 */
function workspacePlan(): BenchPlan {
  const base = benchTreePlan();
  const files = base.files.filter((f) => !FROM_CORE.has(f.path)).map((f) => {
    if (SETUID.has(f.path)) return { ...f, mode: 0o4555 };
    const conf = /^etc\/conf\/f(\d+)$/.exec(f.path);
    return conf ? { ...f, mode: etcConfMode(Number(conf[1])) } : f;
  });
  const rnd = lcg(20_260_101);
  const add = (path: string, size: number, mode: number) => files.push({ path, size, mode });
  for (const [i, mod] of PYTHON_MODULES.entries()) {
    const dir = `usr/lib/python${PYTHON}/vendor-packages/${mod}`;
    const names = ['__init__', ...Array.from({ length: 8 + ((i * 5) % 9) }, (_, k) => `m${k}`)];
    for (const n of names) {
      add(`${dir}/${n}.py`, 500 + rnd(12_000), 0o444);
      add(`${dir}/__pycache__/${n}.cpython-${PYTHON.replace('.', '')}.pyc`, 400 + rnd(10_000), 0o444);
    }
    if (i % 2 === 0) add(`${dir}/_ioctl.so`, 20_000 + rnd(60_000), 0o755);
  }
  const svcCats = ['system', 'network', 'application', 'platform/i86pc', 'milestone', 'device'];
  for (let i = 0; i < 450; i++) add(`lib/svc/manifest/${svcCats[i % svcCats.length]}/s${i}.xml`, 800 + rnd(6_000), 0o444);
  for (let i = 0; i < 220; i++) add(`lib/svc/method/svc-m${i}`, 400 + rnd(4_000), 0o555);
  for (let i = 0; i < 160; i++) add(`usr/lib/mdb/kvm/amd64/k${i}.so`, 8_000 + rnd(120_000), 0o555);
  for (let i = 0; i < 80; i++) add(`usr/lib/mdb/proc/amd64/u${i}.so`, 8_000 + rnd(90_000), 0o555);
  for (let i = 0; i < 80; i++) add(`usr/lib/mdb/proc/u${i}.so`, 8_000 + rnd(80_000), 0o555);
  for (let i = 0; i < 120; i++) add(`opt/onbld/bin/tool${i}`, 4_000 + rnd(80_000), 0o555);
  for (let i = 0; i < 60; i++) add(`opt/onbld/lib/python/onbld/Checks/chk${i}.py`, 1_000 + rnd(20_000), 0o444);
  for (let i = 0; i < 120; i++) add(`opt/onbld/man/man1onbld/tool${i}.1onbld`, 1_000 + rnd(8_000), 0o444);
  for (let i = 0; i < 10; i++) add(`opt/onbld/env/env${i}`, 500 + rnd(3_000), 0o444);
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < 900; i++) add(`usr/share/lib/terminfo/${letters[i % letters.length]}/term${i}`, 400 + rnd(3_000), 0o644);
  for (let i = 0; i < 30; i++) add(`usr/lib/devfsadm/linkmod/SUNW_b${i}_link.so`, 8_000 + rnd(40_000), 0o755);
  return { files, symlinks: base.symlinks.filter(([p]) => !FROM_CORE.has(p)), hardlinks: base.hardlinks };
}

/**
 * What a pureboot build needs to check clean: the demo proto (synthetic ELF kernel, boot
 * modules, init, shells, libc, inittab, iu.ap, the nearly empty kernel state files...), written
 * aside and moved in over the bench tree. Its unix is a synthetic 64-bit ELF the size of a real one.
 */
async function addBootCore(ws: string, proto: string): Promise<void> {
  const tmp = join(ws, '.core');
  const unix = join(ws, '.unix');
  await writeFile(unix, syntheticObject('platform/i86pc/kernel/amd64/unix', 2_500_000));
  await writeDemoWorkspace(tmp, { kernel: unix, mtime: MTIME });
  await moveInto(join(tmp, 'proto/root_i386'), proto);
  await rm(tmp, { recursive: true, force: true });
  await rm(unix);
}

/** Move a tree's entries into another; a file or symlink already there is replaced. Renames keep hardlinks. */
async function moveInto(from: string, to: string): Promise<void> {
  for (const d of await readdir(from, { withFileTypes: true })) {
    if (d.isDirectory()) {
      await mkdir(join(to, d.name), { recursive: true });
      await moveInto(join(from, d.name), join(to, d.name));
    } else await rename(join(from, d.name), join(to, d.name));
  }
}

/** SUNWcsd's /dev and /devices skeleton, which a gate proto has as directories. */
async function addDeviceDirs(proto: string): Promise<void> {
  for (const d of SUNWCSD_DIRS) {
    await mkdir(join(proto, d.path), { recursive: true });
    await chmod(join(proto, d.path), d.mode);
  }
}

// The accounts every owner and group in the manifests resolves through (usr/src/cmd/Adm/sun).
const PASSWD = [
  'root:x:0:0:Super-User:/root:/usr/bin/bash', 'daemon:x:1:1::/:', 'bin:x:2:2::/usr/bin:', 'sys:x:3:3::/:', 'adm:x:4:4:Admin:/var/adm:',
  'lp:x:71:8:Line Printer Admin:/:', 'uucp:x:5:5:uucp Admin:/usr/lib/uucp:', 'nuucp:x:9:9:uucp Admin:/var/spool/uucppublic:/usr/lib/uucp/uucico',
  'smmsp:x:25:25:SendMail Message Submission Program:/:', 'nobody:x:60001:60001:NFS Anonymous Access User:/:', 'noaccess:x:60002:60002:No Access User:/:',
];
const GROUP = [
  'root::0:', 'other::1:root', 'bin::2:root,daemon', 'sys::3:root,bin,adm', 'adm::4:root,daemon', 'uucp::5:root', 'mail::6:root', 'tty::7:root,adm',
  'lp::8:root,adm', 'nuucp::9:root', 'staff::10:', 'daemon::12:root', 'smmsp::25:', 'nobody::60001:', 'noaccess::60002:',
];

/** Root has a (fake) password, the nobody accounts are locked, the rest have none (NP). */
function shadowLine(passwdLine: string): string {
  const user = passwdLine.slice(0, passwdLine.indexOf(':'));
  const hash = user === 'root' ? '$5$bench$notarealhash' : user.startsWith('no') ? '*LK*' : 'NP';
  return `${user}:${hash}:6445::::::`;
}

async function writeAccounts(proto: string): Promise<void> {
  const shadow = PASSWD.map(shadowLine);
  for (const [name, lines] of [['passwd', PASSWD], ['group', GROUP], ['shadow', shadow]] as const) {
    const p = join(proto, 'etc', name);
    await writeFile(p, `${lines.join('\n')}\n`);
    await utimes(p, MTIME, MTIME);
  }
}

/** Every entry under `root` in sorted order; of the names sharing an inode one is the file, the rest hardlinks. */
async function walkProto(root: string): Promise<ProtoEntry[]> {
  const out: ProtoEntry[] = [];
  const inodes = new Map<number, ProtoEntry[]>();
  const visit = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(root, path));
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        out.push({ path, kind: 'dir', mode, size: 0 });
        await visit(path);
      } else if (st.isSymbolicLink()) {
        out.push({ path, kind: 'link', mode, size: 0, target: await readlink(join(root, path)) });
      } else {
        const e: ProtoEntry = { path, kind: 'file', mode, size: st.size };
        out.push(e);
        if (st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), e]);
      }
    }
  };
  await visit('');
  for (const group of inodes.values()) markHardlinks(group);
  return out;
}

/** The name a package delivers as the file: a library or driver over its aliases, else the first. */
function markHardlinks(group: ProtoEntry[]): void {
  const rank = (p: string) => (/^(usr\/lib|kernel\/drv)\//.test(p) ? 0 : /\/alias\d+$/.test(p) ? 2 : 1);
  const primary = [...group].sort((a, b) => rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : 1))[0];
  for (const e of group) {
    if (e === primary) continue;
    e.kind = 'hardlink';
    e.target = posix.relative(posix.dirname(e.path), primary.path);
  }
}

/** Directories and symlinks get the fixed time too (files have it already), deepest first. */
async function pinTimes(root: string, entries: ProtoEntry[]): Promise<void> {
  for (const e of [...entries].reverse()) {
    if (e.kind === 'dir') await utimes(join(root, e.path), MTIME, MTIME);
    else if (e.kind === 'link') await lutimes(join(root, e.path), MTIME, MTIME);
  }
  await utimes(root, MTIME, MTIME);
}

function countEntries(entries: ProtoEntry[]): Pick<GeneratedWorkspace, 'entries' | 'files' | 'dirs' | 'symlinks' | 'hardlinks' | 'bytes'> {
  const n = (k: Kind) => entries.filter((e) => e.kind === k).length;
  const bytes = entries.reduce((s, e) => s + (e.kind === 'file' ? e.size : 0), 0);
  return { entries: entries.length, files: n('file'), dirs: n('dir'), symlinks: n('link'), hardlinks: n('hardlink'), bytes };
}

// ---------------------------------------------------------------------------------------------
// Ownership and modes. The transforms file is written from the same tables, so a manifest
// leaves out exactly the attributes the gate's `defaults` would supply.

/** `<transform file path=RE -> default mode M>`, in order: the first that matches applies. */
const FILE_MODE_DEFAULTS: ReadonlyArray<[string, number]> = [
  ['.*kernel/drv/.+\\.conf', 0o644],
  ['.*kernel/drv/.+', 0o755],
  ['.*lib/.*\\.so.*', 0o755],
  ['usr/share/lib/zoneinfo/.+', 0o644],
  ['usr/share/lib/t.+', 0o644],
  ['usr/share/.+', 0o444],
];
const FILE_MODE_RES = FILE_MODE_DEFAULTS.map(([re, mode]) => [new RegExp(`^(?:${re})`), mode] as const);
/** Directories whose default group is sys rather than bin. */
const DIR_GROUP_SYS_DEFAULTS = ['usr/share', 'usr/share/lib'];

function defaultFileMode(path: string): number {
  return FILE_MODE_RES.find(([re]) => re.test(path))?.[1] ?? 0o644;
}

const SUNWCSD = new Map(SUNWCSD_DIRS.map((d) => [d.path, d]));
const SYS_TOP = new Set(['usr', 'usr/share', 'usr/share/lib', 'sbin', 'etc', 'var', 'dev', 'devices', 'boot', 'kernel', 'platform', 'system', 'usr/kernel', 'lib/svc/manifest', 'usr/lib/mdb']);
const SYS_TREE = /^(kernel|platform|etc|boot|var|usr\/kernel|lib\/svc\/manifest|usr\/lib\/mdb)\//;

/** One answer per directory, so the many packages that name a directory agree on it. */
function dirAttrs(path: string): { group: string; mode: number } {
  const csd = SUNWCSD.get(path);
  if (csd) return { group: csd.group, mode: csd.mode };
  const mode = path === 'var/tmp' ? 0o1777 : path === 'var/adm' ? 0o775 : 0o755;
  return { group: SYS_TOP.has(path) || SYS_TREE.test(path) ? 'sys' : 'bin', mode };
}

/** etc/conf/fN: mostly root:sys, a few owned by the accounts that use them. */
function etcConfOwnership(n: number): { owner: string; group: string } {
  if (n % 97 === 5) return { owner: 'uucp', group: 'uucp' };
  if (n % 79 === 1) return { owner: 'lp', group: 'lp' };
  if (n % 89 === 7) return { owner: 'root', group: 'mail' };
  if (n % 83 === 3) return { owner: 'root', group: 'adm' };
  return { owner: 'root', group: 'sys' };
}

function fileOwnership(path: string): { owner: string; group: string } {
  const conf = /^etc\/conf\/f(\d+)$/.exec(path);
  if (conf) return etcConfOwnership(Number(conf[1]));
  return { owner: 'root', group: SYS_TREE.test(path) ? 'sys' : 'bin' };
}

const octal = (mode: number): string => `0${mode.toString(8)}`;

// ---------------------------------------------------------------------------------------------
// Packages

interface Pkg {
  /** pkg.fmri without pkg:/ and version: driver/network/drv12. */
  fmri: string;
  summary: string;
  classification: string;
  entries: ProtoEntry[];
  /** .inc file name -> the entries it delivers (man pages, as SUNWcs.man1.inc). */
  includes: Map<string, ProtoEntry[]>;
  /** driver actions as attribute lists, with the macro the line starts with ('' for none). */
  drivers: Array<{ prefix: string; attrs: string[] }>;
  /** Its files and drivers are $(i386_ONLY), with $(sparc_ONLY) twins. */
  i386Only?: boolean;
  globalZoneOnly?: boolean;
  /** For packages that only redirect to another (pkg.renamed) or are for SPARC. */
  special?: 'renamed' | 'sparc';
  depends: string[];
}

/** Split 0..n-1 into consecutive runs of min..max: the run of each index, and each run's first index. */
function runs(n: number, min: number, max: number, rnd: (n: number) => number): { of: number[]; first: number[] } {
  const of: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < n; ) {
    const len = min + rnd(max - min + 1);
    first.push(i);
    for (let k = 0; k < len && i < n; k++, i++) of.push(first.length - 1);
  }
  return { of, first };
}

const DRIVER_CATS: ReadonlyArray<[string, string]> = [
  ['network', 'Drivers/Networking'], ['storage', 'Drivers/Storage'], ['audio', 'Drivers/Media'], ['usb', 'Drivers/Ports'], ['graphics', 'Drivers/Display'],
  ['serial', 'Drivers/Ports'], ['crypto', 'Drivers/Other Peripherals'], ['misc', 'Drivers/Other Peripherals'], ['infiniband', 'Drivers/Networking'],
];
const KERNEL_PKG: Readonly<Record<string, string>> = {
  fs: 'system/file-system', misc: 'system/kernel/misc', strmod: 'system/kernel/streams', sys: 'system/kernel/syscall', sched: 'system/kernel/scheduler',
  mac: 'system/kernel/security/mac', crypto: 'system/kernel/crypto', ipp: 'network/ipqos', socketmod: 'system/network/socket', dacf: 'system/kernel/dacf',
};
const CMD_CATS = ['system/extended-system-utilities', 'text', 'network', 'developer/build', 'diagnostic', 'system/management', 'shell', 'file', 'print', 'compress', 'editor', 'service'];
const ADM_CATS = ['system/management', 'service/network', 'system/network', 'storage', 'system/accounting', 'system/security'];
const VENDORS = ['108e', '10de', '1022', '14e4', '15b3', '1077', '1000', '9005'];
const RENAMED = [
  'SUNWaudd', 'SUNWckr', 'SUNWcnetr', 'SUNWcsl', 'SUNWcslr', 'SUNWcsr', 'SUNWcsu', 'SUNWesu', 'SUNWhea', 'SUNWipfu', 'SUNWkvm', 'SUNWmdb', 'SUNWmdbr',
  'SUNWnfsckr', 'SUNWos86r', 'SUNWpsdcr', 'SUNWpsdir', 'SUNWrmodr', 'SUNWscpu', 'SUNWtoo', 'SUNWusb', 'SUNWxcu4', 'SUNWxcu6', 'SUNWzfskr', 'SUNWzoneu',
];

/** A driver action for bench driver `name`: aliases unique to it, and the gate's variety of perms. */
function driverAttrs(name: string, n: number, platform: boolean): string[] {
  const attrs = [`name=${name}`];
  const aliases = n % 4 === 0 ? 3 : n % 3 === 0 ? 2 : 1;
  for (let k = 0; k < aliases; k++) {
    attrs.push(platform ? `alias=pnpBNC,${(0xc00 + n * 3 + k).toString(16)}` : `alias=pci${VENDORS[n % VENDORS.length]},${(0x4000 + n * 7 + k).toString(16)}`);
  }
  if (n % 9 === 0) attrs.push('class=scsi');
  attrs.push(n % 5 === 1 ? 'perms="* 0600 root sys"' : 'perms="* 0666 root sys"');
  if (n % 11 === 0) attrs.push('perms="ctl 0644 root sys"');
  if (n % 13 === 0) attrs.push(`clone_perms="${name} 0666 root sys"`);
  if (n % 17 === 0) attrs.push('policy="read_priv_set=net_rawaccess write_priv_set=net_rawaccess"');
  return attrs;
}

/** Words of an action line, quoted values kept whole. */
const words = (line: string): string[] => line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];

/** The demo's driver actions (the boot path's drivers, with their perms and aliases), by driver name. */
function demoDrivers(): Array<{ name: string; prefix: string; attrs: string[] }> {
  const out: Array<{ name: string; prefix: string; attrs: string[] }> = [];
  for (const text of Object.values(DEMO_MANIFESTS)) {
    for (const line of text.replace(/\s*\\\n\s*/g, ' ').split('\n')) {
      const m = /^(\$\([A-Za-z0-9_]+\))?driver\s+(.*)$/.exec(line.trim());
      if (!m) continue;
      const attrs = words(m[2]);
      out.push({ name: attrs.find((a) => a.startsWith('name='))!.slice(5), prefix: m[1] ?? '', attrs });
    }
  }
  return out;
}

/** Puts every proto entry in a package, gate style: a few large packages, hundreds of small ones. */
class Packager {
  readonly pkgs = new Map<string, Pkg>();
  /** The many small packages, which also take a share of etc files, services and man pages. */
  readonly ordinary: Pkg[] = [];
  /** Each small package's man pages come from one section (its "home"), as a driver's from section 4. */
  private readonly bySection = new Map<number, Pkg[]>();
  readonly ofPath = new Map<string, Pkg>();
  private readonly rnd = lcg(4242);
  private readonly driverRuns = runs(700, 1, 9, this.rnd);
  private readonly moduleRuns = runs(80, 5, 17, this.rnd);
  private readonly cmdRuns = runs(900, 3, 15, this.rnd);
  private readonly admRuns = runs(400, 3, 17, this.rnd);
  private readonly libRuns = runs(750, 2, 12, this.rnd);

  /** The package `fmri`, made on first use; with a `home` man section it is one of the small ones. */
  pkg(fmri: string, summary: string, classification: string, home?: number): Pkg {
    let p = this.pkgs.get(fmri);
    if (!p) {
      p = { fmri, summary, classification, entries: [], includes: new Map(), drivers: [], depends: [] };
      this.pkgs.set(fmri, p);
      if (home !== undefined) {
        this.ordinary.push(p);
        this.bySection.set(home, [...(this.bySection.get(home) ?? []), p]);
      }
    }
    return p;
  }

  core(name: 'SUNWcs' | 'SUNWcsd' | 'library' | 'kernel' | 'platform' | 'zfs'): Pkg {
    switch (name) {
      case 'SUNWcs': return this.pkg('SUNWcs', 'Core Solaris', 'System/Core');
      case 'SUNWcsd': return this.pkg('SUNWcsd', 'Core Solaris Devices', 'System/Core');
      case 'library': return this.pkg('system/library', 'Core Solaris, (Shared Libs)', 'System/Core');
      case 'kernel': return this.pkg('system/kernel', 'Core Solaris Kernel', 'System/Core');
      case 'platform': return this.pkg('system/kernel/platform', 'Platform Support', 'System/Core');
      case 'zfs': return this.pkg('system/file-system/zfs', 'ZFS', 'System/File System');
    }
  }

  /** The package of a bench-tree driver run (drvN and its .conf). */
  driverPkg(n: number): Pkg {
    const run = this.driverRuns.of[n];
    const first = this.driverRuns.first[run];
    const [cat, cls] = DRIVER_CATS[run % DRIVER_CATS.length];
    const p = this.pkg(`driver/${cat}/drv${first}`, `${cat} drivers drv${first} and others`, cls, run % 2 ? 4 : 7);
    p.i386Only = run % 20 === 3;
    p.globalZoneOnly = run % 15 === 1;
    return p;
  }

  modulePkg(cls: string, n: number): Pkg {
    if (n < 40) return this.core('kernel');
    const run = this.moduleRuns.of[n - 40];
    return this.pkg(`${KERNEL_PKG[cls] ?? `system/kernel/${cls}`}/m${40 + this.moduleRuns.first[run]}`, `${cls} kernel modules`, 'System/Core', 7);
  }

  commandPkg(dir: string, n: number): Pkg {
    const sbin = dir === 'sbin';
    if (n < (sbin ? 100 : 300)) return this.core('SUNWcs');
    const r = sbin ? this.admRuns : this.cmdRuns;
    const run = r.of[n - (sbin ? 100 : 300)];
    const first = (sbin ? 100 : 300) + r.first[run];
    const cats = sbin ? ADM_CATS : CMD_CATS;
    return this.pkg(`${cats[run % cats.length]}/${sbin ? 'adm' : 'cmd'}${first}`, `${sbin ? 'administration' : 'user'} commands from ${sbin ? 'adm' : 'cmd'}${first}`, sbin ? 'System/Administration and Configuration' : 'Applications/System Utilities', sbin ? 8 : run % 2 ? 1 : 6);
  }

  libraryPkg(root: boolean, n: number): Pkg {
    if (root || n < 150) return this.core('library');
    const run = this.libRuns.of[n - 150];
    const first = 150 + this.libRuns.first[run];
    return this.pkg(`${run % 2 ? 'system/library' : 'library'}/lib${first}`, `lib${first} and related libraries`, 'System/Libraries', run % 2 ? 3 : 5);
  }

  headerPkg(n: number): Pkg {
    if (n < 4000) return this.pkg('system/header', 'SunOS Header Files', 'Development/System');
    const k = Math.floor((n - 4000) / 100);
    return this.pkg(`system/header/header-h${4000 + k * 100}`, `header files from h${4000 + k * 100}`, 'Development/System', 2);
  }

  /** The package of a path, or 'spread' for the files each small package takes a share of. */
  place(e: ProtoEntry): Pkg | 'spread' {
    const p = e.path;
    let m: RegExpExecArray | null;
    if ((m = /^kernel\/drv\/(?:amd64\/drv(\d+)|drv(\d+)\.conf)$/.exec(p))) return this.driverPkg(Number(m[1] ?? m[2]));
    if (/^platform\/i86pc\/kernel\/drv\/amd64\/p\d+$/.test(p)) return this.core('platform');
    if ((m = /^kernel\/([a-z]+)\/amd64\/m(\d+)$/.exec(p))) return this.modulePkg(m[1], Number(m[2]));
    if ((m = /^usr\/(bin|sbin)\/(?:cmd|adm|alias)(\d+)$/.exec(p))) return this.commandPkg(m[1], Number(m[2]));
    if ((m = /^(usr\/)?lib\/(?:amd64\/)?(?:lib|link)(\d+)\.so(?:\.1)?$/.exec(p))) return this.libraryPkg(!m[1], Number(m[2]));
    if ((m = /^usr\/include\/sys\/h(\d+)\.h$/.exec(p))) return this.headerPkg(Number(m[1]));
    if ((m = /^etc\/conf\/f(\d+)$/.exec(p))) return Number(m[1]) < 500 ? this.core('SUNWcs') : 'spread';
    if (/^lib\/svc\/(manifest\/.+\/s\d+\.xml|method\/svc-m\d+)$/.test(p)) return 'spread';
    if (/^usr\/share\/man\/man\d\/page\d+\.\d$/.test(p)) return 'spread';
    if (/^usr\/share\/lib\/zoneinfo\//.test(p)) return this.pkg('system/data/zoneinfo', 'timezone information', 'System/Core');
    if (/^usr\/share\/lib\/terminfo\//.test(p)) return this.pkg('system/data/terminfo', 'terminal capability database', 'System/Core');
    if (/^usr\/lib\/big\//.test(p)) return this.pkg('developer/library/big-objects', 'large objects', 'Development/System');
    if ((m = /^usr\/lib\/python[\d.]+\/vendor-packages\/([^/]+)\//.exec(p))) return this.pkg(`system/library/python/${m[1]}`, `${m[1]} module for Python`, 'System/Libraries', 2);
    if (/^usr\/lib\/mdb\//.test(p)) return this.pkg('developer/debug/mdb', 'Modular Debugger', 'Development/System');
    if (/^opt\/onbld\//.test(p)) return this.pkg('developer/build/onbld', 'OS-Net Build Tools', 'Development/Distribution Tools');
    return this.corePlace(p);
  }

  /** The demo core's paths: ZFS, kernel, platform, libraries, devices, and the rest to SUNWcs. */
  private corePlace(p: string): Pkg {
    if (/(^|\/)(zfs|zpool|libzfs[^/]*|SUNW_zfs_link\.so)$/.test(p)) return this.core('zfs');
    if (/^(dev|devices)(\/|$)/.test(p)) return this.core('SUNWcsd');
    if (/^(kernel|usr\/kernel)\//.test(p)) return this.core('kernel');
    if (/^platform\//.test(p)) return this.core('platform');
    if (/^(usr\/)?lib\/([^/]+\/)?([^/]*\.so(\.\d+)*|64)$/.test(p)) return this.core('library');
    return this.core('SUNWcs');
  }

  /** Big packages deliver their man pages through .inc files, as SUNWcs.man1.inc; the rest go to small packages. */
  placeMan(section: number, n: number): { pkg: Pkg; inc?: string } | undefined {
    if (section === 1 && n < 1000) return { pkg: this.core('SUNWcs'), inc: 'SUNWcs.man1.inc' };
    if (section === 8 && n < 600) return { pkg: this.core('SUNWcs'), inc: 'SUNWcs.man8.inc' };
    if (section === 3 && n < 900) return { pkg: this.core('library'), inc: 'system-library.man3c.inc' };
    if (section === 3 && n < 1400) return { pkg: this.core('library'), inc: 'system-library.man3lib.inc' };
    if (section === 9 && n < 1000) return { pkg: this.core('kernel'), inc: 'system-kernel.man9f.inc' };
    if (section === 9) return { pkg: this.core('kernel'), inc: 'system-kernel.man9e.inc' };
    return undefined;
  }

  add(pkg: Pkg, e: ProtoEntry, inc?: string): void {
    if (inc) pkg.includes.set(inc, [...(pkg.includes.get(inc) ?? []), e]);
    else pkg.entries.push(e);
    this.ofPath.set(e.path, pkg);
  }

  spread(e: ProtoEntry): void {
    const man = /^usr\/share\/man\/man(\d)\/page(\d+)\./.exec(e.path);
    const target = man ? this.placeMan(Number(man[1]), Number(man[2])) : undefined;
    if (target) return this.add(target.pkg, e, target.inc);
    const among = (man && this.bySection.get(Number(man[1]))) || this.ordinary;
    this.add(among[this.rnd(among.length)], e);
  }

  /** Driver actions go with the module they load. */
  addDrivers(): void {
    for (const [path, pkg] of this.ofPath) {
      const m = /^(?:kernel\/drv\/amd64\/drv|platform\/i86pc\/kernel\/drv\/amd64\/p)(\d+)$/.exec(path);
      if (m) pkg.drivers.push({ prefix: pkg.i386Only ? '$(i386_ONLY)' : '', attrs: driverAttrs(posix.basename(path), Number(m[1]), path.startsWith('platform/')) });
    }
    for (const d of demoDrivers()) {
      const pkg = this.ofPath.get(`kernel/drv/amd64/${d.name}`) ?? this.ofPath.get(`platform/i86pc/kernel/drv/amd64/${d.name}`) ?? this.core('kernel');
      pkg.drivers.push({ prefix: d.prefix, attrs: d.attrs });
    }
  }

  /** Directories no delivered path lies under (var/tmp, dev/fd...) are delivered by themselves. */
  addEmptyDirs(entries: ProtoEntry[]): void {
    const covered = new Set<string>();
    for (const path of this.ofPath.keys()) for (let d = posix.dirname(path); d !== '.'; d = posix.dirname(d)) covered.add(d);
    for (const e of entries) if (e.kind === 'dir' && !covered.has(e.path)) this.add(this.corePlace(e.path), e);
  }

  /** Packages that deliver nothing: renamed SVR4 names, and two for SPARC that an i386 build skips. */
  addSpecial(): void {
    const real = [...this.pkgs.values()];
    for (const [i, name] of RENAMED.entries()) {
      const p = this.pkg(name, `${name} (renamed)`, 'System/Core');
      p.special = 'renamed';
      p.depends.push(real[(i * 37) % real.length].fmri);
    }
    for (const name of ['driver/sparc/bench-sbus', 'system/kernel/platform/sun4v-bench']) this.pkg(name, 'SPARC only', 'System/Core').special = 'sparc';
  }

  addDepends(): void {
    const all = [...this.pkgs.values()].filter((p) => !p.special);
    for (const p of all) {
      const n = p.fmri === 'SUNWcs' ? 0 : this.rnd(3);
      for (let k = 0; k < n; k++) {
        const dep = all[this.rnd(all.length)].fmri;
        if (dep !== p.fmri && !p.depends.includes(dep)) p.depends.push(dep);
      }
    }
  }
}

function packageEntries(entries: ProtoEntry[]): Pkg[] {
  const pk = new Packager();
  const spread: ProtoEntry[] = [];
  for (const e of entries) {
    if (e.kind === 'dir') continue;
    const pkg = pk.place(e);
    if (pkg === 'spread') spread.push(e);
    else pk.add(pkg, e);
  }
  for (const e of spread) pk.spread(e);
  pk.addEmptyDirs(entries);
  pk.addDrivers();
  pk.addDepends();
  pk.addSpecial();
  return [...pk.pkgs.values()];
}

// ---------------------------------------------------------------------------------------------
// Writing manifests

/** One action, wrapped at 80 columns between attributes as pkgfmt does. */
function action(type: string, attrs: string[], prefix = ''): string {
  const lines: string[] = [];
  let cur = `${prefix}${type} ${attrs[0]}`;
  for (const a of attrs.slice(1)) {
    if (cur.length + 1 + a.length + 2 > 80) {
      lines.push(`${cur} \\`);
      cur = `    ${a}`;
    } else cur += ` ${a}`;
  }
  lines.push(cur);
  return lines.join('\n');
}

/** The gate's macros in paths: $(ARCH64) for amd64, $(PYTHON_VERSION) for the Python directory. */
const macroPath = (p: string): string => p.replace(/(^|\/)amd64(?=\/|$)/g, '$1$(ARCH64)').replace(/(^|\/)python\d+\.\d+(?=\/|$)/g, '$1python$(PYTHON_VERSION)');

const quote = (v: string): string => (/[\s"]/.test(v) ? `"${v}"` : v);

/** Files delivered in the global zone with one mode and in others with another, as the gate does for a few. */
const ZONED = new Set(['etc/conf/f1', 'etc/conf/f2', 'etc/conf/f3']);

function fileAttrs(e: ProtoEntry): string[] {
  const attrs = [`path=${macroPath(e.path)}`];
  const { owner, group } = fileOwnership(e.path);
  if (owner !== 'root') attrs.push(`owner=${owner}`);
  if (group !== 'bin') attrs.push(`group=${group}`);
  if (e.mode !== defaultFileMode(e.path)) attrs.push(`mode=${octal(e.mode)}`);
  const conf = /^(?:etc\/conf\/f|kernel\/drv\/drv)(\d+)/.exec(e.path);
  if (conf && Number(conf[1]) % 3 === 0) attrs.push(Number(conf[1]) % 7 === 0 ? 'preserve=renamenew' : 'preserve=true');
  if (conf && e.path.startsWith('etc/') && Number(conf[1]) % 53 === 0) attrs.push(`original_name=SUNWcsr:${e.path}`);
  if (/^lib\/svc\/manifest\//.test(e.path)) attrs.push('restart_fmri=svc:/system/manifest-import:default');
  const man = /^usr\/share\/man\/man\d\/page(\d+)\./.exec(e.path);
  if (man && Number(man[1]) % 40 === 0) attrs.push('facet.doc.man=true');
  if (ZONED.has(e.path)) attrs.push('variant.opensolaris.zone=global');
  return attrs;
}

/** The action lines for one entry (a zoned file has a nonglobal twin). */
function entryActions(e: ProtoEntry, prefix: string): string[] {
  switch (e.kind) {
    case 'dir': {
      const { group, mode } = dirAttrs(e.path);
      const attrs = [`path=${macroPath(e.path)}`];
      if (group !== (DIR_GROUP_SYS_DEFAULTS.includes(e.path) ? 'sys' : 'bin')) attrs.push(`group=${group}`);
      if (mode !== 0o755) attrs.push(`mode=${octal(mode)}`);
      return [action('dir', attrs)];
    }
    case 'file': {
      const out = [action('file', fileAttrs(e), prefix)];
      // The nonglobal twin differs in mode only; an i386 global-zone image leaves it out.
      const twin = fileAttrs(e).filter((a) => !/^(mode|variant\.opensolaris\.zone)=/.test(a));
      if (ZONED.has(e.path)) out.push(action('file', [...twin, 'mode=0444', 'variant.opensolaris.zone=nonglobal']));
      return out;
    }
    case 'link':
      return [action('link', [`path=${macroPath(e.path)}`, `target=${macroPath(e.target!)}`])];
    case 'hardlink':
      return [action('hardlink', [`path=${macroPath(e.path)}`, `target=${macroPath(e.target!)}`])];
  }
}

const HEADER = '#\n# Generated by illumos-compose (src/bench/generate-workspace.ts) for benchmarks, in the shape\n# of illumos-gate\'s usr/src/pkg/manifests. The paths are those of the generated proto area.\n#\n';

function setActions(p: Pkg, arch = '$(ARCH)'): string[] {
  const fmri = p.special === 'renamed' ? `pkg:/${p.fmri}@0.5.11,5.11-0.133` : `pkg:/${p.fmri}@$(PKGVERS)`;
  const out = [action('set', ['name=pkg.fmri', `value=${fmri}`])];
  if (p.special === 'renamed') out.push(action('set', ['name=pkg.renamed', 'value=true']));
  else {
    out.push(action('set', ['name=pkg.description', `value=${quote(`${p.summary} (bench workspace)`)}`]));
    out.push(action('set', ['name=pkg.summary', `value=${quote(p.summary)}`]));
    out.push(action('set', ['name=info.classification', `value=${quote(`org.opensolaris.category.2008:${p.classification}`)}`]));
  }
  out.push(action('set', ['name=variant.arch', `value=${arch}`]));
  return out;
}

/** SUNWcs's account and legacy actions (the loader parses them; compose reads accounts from etc). */
const SUNWCS_EXTRAS = [
  action('group', ['groupname=adm', 'gid=4']),
  action('group', ['groupname=staff', 'gid=10']),
  action('user', ['username=adm', 'uid=4', 'group=adm', 'gcos-field=Admin', 'home-dir=/var/adm', 'password=NP']),
  action('user', ['username=lp', 'uid=71', 'group=lp', 'gcos-field="Line Printer Admin"', 'home-dir=/', 'password=NP']),
  action('legacy', ['pkg=SUNWcsr', 'arch=$(ARCH)', 'category=system', 'desc="core software for a specific instruction-set architecture"', 'name="Core Solaris, (Root)"']),
];

/** A driver package's SPARC twins: commented out by $(sparc_ONLY) in an i386 build. */
function sparcTwins(p: Pkg): string[] {
  return p.drivers.flatMap((d) => {
    const name = d.attrs[0].slice(5);
    return [action('file', [`path=kernel/drv/sparcv9/${name}`, 'group=sys'], '$(sparc_ONLY)'), action('driver', [`name=${name}`, `alias=SUNW,${name}`], '$(sparc_ONLY)')];
  });
}

/** The ancestors of what a package delivers (and its own directories), each once, sorted. */
function packageDirs(p: Pkg, all: ProtoEntry[]): ProtoEntry[] {
  const dirs = new Set(p.entries.filter((e) => e.kind === 'dir').map((e) => e.path));
  for (const e of all) for (let d = posix.dirname(e.path); d !== '.'; d = posix.dirname(d)) dirs.add(d);
  return [...dirs].sort().map((path) => ({ path, kind: 'dir', mode: 0, size: 0 }));
}

function manifestText(p: Pkg): { text: string; includes: Array<[string, string]> } {
  if (p.special === 'sparc') return { text: sparcManifest(p), includes: [] };
  const lines = [HEADER];
  if (p.globalZoneOnly) lines.push('<include global_zone_only_component>');
  const incs = [...p.includes.keys()].sort();
  for (const inc of incs) lines.push(`<include ${inc}>`);
  lines.push(...setActions(p));
  if (p.fmri === 'SUNWcs') lines.push(...SUNWCS_EXTRAS);
  const delivered = [...p.entries.filter((e) => e.kind !== 'dir'), ...[...p.includes.values()].flat()];
  lines.push(...packageDirs(p, delivered).flatMap((d) => entryActions(d, '')));
  for (const d of [...p.drivers].sort((a, b) => (a.attrs[0] < b.attrs[0] ? -1 : 1))) lines.push(action('driver', d.attrs, d.prefix));
  // pkgfmt's order after dir and driver: file, hardlink, license, link, depend.
  const of = (k: Kind) => p.entries.filter((e) => e.kind === k).sort((a, b) => (a.path < b.path ? -1 : 1));
  const prefixFor = (e: ProtoEntry) => (p.i386Only && /^kernel\/drv\//.test(e.path) ? '$(i386_ONLY)' : '');
  for (const k of ['file', 'hardlink'] as const) for (const e of of(k)) lines.push(...entryActions(e, prefixFor(e)));
  if (p.i386Only) lines.push(...sparcTwins(p));
  lines.push(...licenses(p));
  for (const e of of('link')) lines.push(...entryActions(e, ''));
  for (const dep of p.depends) lines.push(action('depend', [`fmri=pkg:/${dep}`, 'type=require']));
  const includes = incs.map((inc): [string, string] => [inc, HEADER + p.includes.get(inc)!.flatMap((e) => entryActions(e, '')).join('\n') + '\n']);
  return { text: `${lines.join('\n')}\n`, includes };
}

function licenses(p: Pkg): string[] {
  if (p.special) return [];
  const out = [action('license', ['lic_CDDL', 'license=lic_CDDL'])];
  if (p.fmri.length % 5 === 0) {
    const lic = `usr/src/uts/common/io/${posix.basename(p.fmri)}/THIRDPARTYLICENSE`;
    out.push(action('license', [lic, `license=${lic}`]));
  }
  return out;
}

function sparcManifest(p: Pkg): string {
  const name = posix.basename(p.fmri).replace(/[^a-z0-9]/g, '');
  return `${[HEADER, ...setActions(p, 'sparc'), action('dir', ['path=platform', 'group=sys']), action('file', [`path=platform/sun4v/kernel/drv/sparcv9/${name}`, 'group=sys']), action('driver', [`name=${name}`, `alias=SUNW,${name}`]), ...licenses(p)].join('\n')}\n`;
}

/** Action lines in a manifest's text: not comments, not directives. */
const countActions = (text: string): number => text.split('\n').filter((l) => /^(\$\([A-Za-z0-9_]+\))?[a-z]+ /.test(l)).length;

async function writeManifests(dir: string, pkgs: Pkg[]): Promise<Pick<GeneratedWorkspace, 'manifestFiles' | 'includeFiles' | 'actions'>> {
  await mkdir(dir, { recursive: true });
  let actions = 0;
  let includeFiles = 0;
  for (const p of pkgs) {
    const { text, includes } = manifestText(p);
    await writeFile(join(dir, `${p.fmri.replace(/\//g, '-')}.p5m`), text);
    actions += countActions(text);
    for (const [name, inc] of includes) {
      await writeFile(join(dir, name), inc);
      actions += countActions(inc);
      includeFiles++;
    }
  }
  return { manifestFiles: pkgs.length, includeFiles, actions };
}

/** The gate's transforms that matter to compose: default modes, owners, groups, zone variants, facets. */
async function writeTransforms(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const defaults = [
    '#\n# Defaults for actions that leave attributes out, in the shape of illumos-gate\'s\n# usr/src/pkg/transforms/defaults (generated for the bench workspace).\n#',
    '<transform file path=.*kernel/.+(?<!\\.conf)$ -> default reboot-needed true>',
    ...FILE_MODE_DEFAULTS.map(([re, mode]) => `<transform file path=${re} -> default mode ${octal(mode)}>`),
    '',
    '# Kernel content is for the global zone only.',
    '<transform file dir link hardlink path=.*kernel/.* -> set variant.opensolaris.zone global>',
    '<transform dir path=kernel$ -> set variant.opensolaris.zone global>',
    '<transform file dir link hardlink path=boot/.* -> set variant.opensolaris.zone global>',
    '',
    '<transform file link hardlink path=usr/share/man/.* -> default facet.doc.man true>',
    '<transform file link hardlink path=usr/include/.* -> default facet.devel true>',
    ...DIR_GROUP_SYS_DEFAULTS.map((d) => `<transform dir path=${d}$ -> default group sys>`),
    '',
    '# For what is left, root:bin 0644, and 0755 for directories.',
    '<transform file dir -> default owner root>',
    '<transform file dir -> default group bin>',
    '<transform file -> default mode 0644>',
    '<transform dir -> default mode 0755>',
    '<transform legacy -> default vendor "Illumos">',
    '<transform legacy -> default version "11.11,REV=2009.11.11">',
  ];
  await writeFile(join(dir, 'defaults'), `${defaults.join('\n')}\n`);
  const gzo = [
    '#\n# Included by packages whose payload is for the global zone only; man pages and headers stay in all zones.\n#',
    '<transform dir file link hardlink path=.*/man/.* -> default variant.opensolaris.zone __NODEFAULT>',
    '<transform dir path=.*/man$ -> default variant.opensolaris.zone __NODEFAULT>',
    '<transform dir file link hardlink path=.*/include/.* -> default variant.opensolaris.zone __NODEFAULT>',
    '<transform dir file link hardlink -> default variant.opensolaris.zone global>',
    '<transform dir file link hardlink -> delete variant.opensolaris.zone __NODEFAULT>',
  ];
  await writeFile(join(dir, 'global_zone_only_component'), `${gzo.join('\n')}\n`);
}
