import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, linkSync, existsSync, chmodSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { attrOne } from '../../src/manifest/action.js';
import { loadManifests } from '../../src/manifest/load.js';
import { isObjectPath, syntheticObject } from '../../src/demo/synthetic-objects.js';

// A gate workspace made from real illumos-gate package manifests (test/fixtures/manifests and
// test/fixtures/gate/manifests, verbatim CDDL data) with synthetic contents: every dir, file,
// link and hardlink action becomes an entry of proto/root_i386; ELF objects are synthetic objects
// with the gate's dependencies; the kernel state files, inittab, iu.ap, sock2path.d and
// bootenv.rc are the gate's own files (test/fixtures/gate). What the check says of an image made
// from it is what it would say of a real proto area shaped by those packages.

const FIXTURES = join(import.meta.dirname, '../fixtures');
const GATE = join(FIXTURES, 'gate');

/** Image paths whose content is a verbatim gate file (or, for ioctl.syscon, its one line). */
const GATE_FILES: Record<string, string | Buffer> = {
  'etc/inittab': readFileSync(join(GATE, 'inittab')),
  'etc/iu.ap': readFileSync(join(GATE, 'iu.ap')),
  'etc/name_to_sysnum': readFileSync(join(GATE, 'name_to_sysnum')),
  'etc/name_to_major': readFileSync(join(GATE, 'name_to_major')),
  'etc/driver_aliases': readFileSync(join(GATE, 'driver_aliases')),
  'etc/minor_perm': readFileSync(join(GATE, 'minor_perm')),
  'etc/mach': readFileSync(join(GATE, 'mach')),
  'etc/dacf.conf': readFileSync(join(GATE, 'dacf.conf')),
  'boot/solaris/bootenv.rc': readFileSync(join(GATE, 'bootenv.rc')),
  'etc/sock2path.d/system%2Fkernel': readFileSync(join(GATE, 'sock2path.d', 'system%2Fkernel')),
  'etc/ioctl.syscon': '2502:1805:bd:8a3b:0:3:1c:7f:15:4:0:0:0:11:13:1a:19:12:f:17:16:14:8\n',
  'etc/default/init': 'TZ=UTC\nCMASK=022\n',
  'etc/path_to_inst': '#path_to_inst_bootstrap_1\n',
};

/** Well-known ids of the accounts the gate's manifests name (usr/src/cmd/Adm/sun/passwd, group). */
const IDS: Record<string, number> = { root: 0, other: 1, bin: 2, sys: 3, adm: 4, uucp: 5, mail: 6, tty: 7, lp: 8, nuucp: 9, staff: 10, daemon: 12, sysadmin: 14, games: 20, smmsp: 25, netadm: 65, netcfg: 17, dladm: 15, nobody: 60001, noaccess: 60002, nogroup: 65534 };

/**
 * The build machine's macro values this "build" used (usr/src/pkg/Makefile PKGMOG_DEFINES): the
 * proto gets the paths they give, and compose has to infer them back from those paths.
 */
export const BUILD_DEFINES: Record<string, string> = {
  PYTHON_VERSION: '2.7',
  PYTHON3_VERSION: '3.9',
  PYTHON_PKGVERS: '-27',
  PYTHON3_PKGVERS: '-39',
  PERL_VERSION: '5.32',
  PERL_PKGVERS: '-532',
  PERL_ARCH: 'i86pc-solaris-64int',
  PERL_ARCH64: 'i86pc-solaris-64',
  BUILDPERL32: '#',
  BUILDPERL64: '',
  python2_ONLY: '',
  python3_ONLY: '',
  python2tools_ONLY: '#',
  python3tools_ONLY: '',
};

export interface GateWorkspace {
  ws: string;
  proto: string;
  manifests: string;
  /** Entries written (files, dirs, links). */
  entries: number;
}

/** Write the workspace under `ws`. */
export async function writeGateWorkspace(ws: string): Promise<GateWorkspace> {
  const manifests = join(ws, 'usr/src/pkg/manifests');
  const transforms = join(ws, 'usr/src/pkg/transforms');
  mkdirSync(manifests, { recursive: true });
  for (const dir of [join(FIXTURES, 'manifests'), join(GATE, 'manifests')]) {
    for (const n of readdirSync(dir)) if (/\.(mf|inc)$/.test(n)) cpSync(join(dir, n), join(manifests, n));
  }
  cpSync(join(FIXTURES, 'transforms'), transforms, { recursive: true });
  const set = await loadManifests(manifests, { defines: BUILD_DEFINES });
  const proto = join(ws, 'proto/root_i386');
  mkdirSync(proto, { recursive: true });
  const users = new Set<string>(['root']);
  const groups = new Set<string>(['root', 'other', 'bin', 'sys']);
  const hardlinks: Array<[string, string]> = [];
  const symlinks: Array<[string, string]> = [];
  let entries = 0;
  const put = (path: string) => join(proto, path);
  for (const a of set.actions) {
    const path = attrOne(a, 'path');
    if (!path) continue;
    const owner = attrOne(a, 'owner');
    const group = attrOne(a, 'group');
    if (owner) users.add(owner);
    if (group) groups.add(group);
    if (a.type === 'dir') {
      mkdirSync(put(path), { recursive: true });
    } else if (a.type === 'file') {
      if (existsSync(put(path))) continue;
      mkdirSync(dirname(put(path)), { recursive: true });
      const gate = GATE_FILES[path];
      const conf = /kernel\/drv\/([^/]+)\.conf$/.exec(path);
      const data = gate ?? (conf ? `name="${conf[1]}" parent="pseudo" instance=0;\n` : isObjectPath(path) ? syntheticObject(path) : `stand-in for /${path}\n`);
      writeFileSync(put(path), data);
      chmodSync(put(path), isObjectPath(path) ? 0o755 : 0o644);
    } else if (a.type === 'hardlink') {
      hardlinks.push([path, attrOne(a, 'target')!]);
    } else if (a.type === 'link') {
      symlinks.push([path, attrOne(a, 'target')!]);
    } else continue;
    entries++;
  }
  for (const [path, target] of hardlinks) {
    const from = posix.normalize(posix.join(posix.dirname(path), target));
    if (!existsSync(put(from)) || existsSync(put(path))) continue;
    mkdirSync(dirname(put(path)), { recursive: true });
    linkSync(put(from), put(path));
  }
  for (const [path, target] of symlinks) {
    if (existsSync(put(path))) continue;
    mkdirSync(dirname(put(path)), { recursive: true });
    symlinkSync(target, put(path));
  }
  // The image's own accounts, so manifest owners and groups resolve.
  const id = (n: string, i: number) => IDS[n] ?? 100 + i;
  writeFileSync(put('etc/passwd'), [...users].map((u, i) => `${u}:x:${id(u, i)}:${IDS.other}::/:\n`).join(''));
  writeFileSync(put('etc/group'), [...groups].map((g, i) => `${g}::${id(g, i)}:\n`).join(''));
  for (const d of ['kernel', 'platform/i86pc/kernel', 'usr', 'etc']) mkdirSync(put(d), { recursive: true });
  return { ws, proto, manifests, entries };
}
