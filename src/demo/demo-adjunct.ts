import { writeDemoFiles, type DemoFile } from './demo-files.js';
import { buildSyntheticElf } from '../elf/write-synthetic.js';
import { existsSync } from 'node:fs';
import { chmod, lstat, lutimes, mkdir, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../util/errors.js';

// The demo's SMF side: the files an smf image reads that the demo proto area would otherwise lack
// (SMF_DEMO_FILES, for demo-proto to include), and a demo adjunct standing in for what
// illumos-gate does not build (libxml2, zlib, OpenSSL, OpenSSH). Binaries are filler, not ELF,
// like the rest of the demo: they have no libraries, so the library check passes on them.

/** A demo file (see demo-files.ts). */
export type DemoFileSpec = DemoFile;

/** A system profile as small as the real ones are in shape: a service_bundle of type profile. */
function profileXml(name: string, services: Array<[string, string, boolean]>): string {
  return [
    "<?xml version='1.0'?>",
    "<!DOCTYPE service_bundle SYSTEM '/usr/share/lib/xml/dtd/service_bundle.dtd.1'>",
    '<!-- illumos-compose demo stand-in for an illumos system profile -->',
    `<service_bundle type='profile' name='${name}'>`,
    ...services.flatMap(([svc, inst, on]) => [`  <service name='${svc}' version='1' type='service'>`, `    <instance name='${inst}' enabled='${on}'/>`, '  </service>']),
    '</service_bundle>',
    '',
  ].join('\n');
}

/** The first bytes of an SQLite 2 database, which the repository check looks for. */
const SQLITE2_HEADER = '** This file contains an SQLite 2.1 database **';

/** Files of the demo proto area that an smf image reads; demo-proto includes them. */
export const SMF_DEMO_FILES: DemoFileSpec[] = [
  { path: 'lib/svc/seed/global.db', mode: 0o444, text: `${SQLITE2_HEADER}\0illumos-compose demo stand-in for the SMF seed repository\n` },
  { path: 'etc/svc/profile/generic_limited_net.xml', mode: 0o444, text: profileXml('generic_limited_net', [['system/cron', 'default', true], ['network/ssh', 'default', true], ['network/telnet', 'default', false]]) },
  { path: 'etc/svc/profile/platform_none.xml', mode: 0o444, text: profileXml('platform_none', []) },
  { path: 'etc/svc/profile/ns_files.xml', mode: 0o444, text: profileXml('ns_files', [['system/name-service-cache', 'default', true]]) },
  { path: 'etc/svc/profile/inetd_generic.xml', mode: 0o444, text: profileXml('inetd_generic', [['network/finger', 'default', false]]) },
  { path: 'usr/share/lib/xml/dtd/service_bundle.dtd.1', mode: 0o444, text: '<!-- illumos-compose demo stand-in for the SMF service bundle DTD -->\n<!ELEMENT service_bundle ANY>\n' },
  { path: 'lib/svc/share/smf_include.sh', mode: 0o444, text: '# illumos-compose demo stand-in for smf_include.sh\nSMF_EXIT_OK=0\nSMF_EXIT_ERR_FATAL=95\nSMF_EXIT_ERR_CONFIG=96\n' },
  { path: 'lib/svc/method/manifest-import', mode: 0o555, text: '#!/bin/ksh\n# illumos-compose demo stand-in for manifest-import\nexit 0\n' },
  { path: 'lib/svc/manifest/system/console-login.xml', mode: 0o444, text: "<?xml version='1.0'?>\n<!-- illumos-compose demo stand-in for a service manifest -->\n<service_bundle type='manifest' name='demo:console-login'/>\n" },
  { path: 'usr/sbin/svccfg', mode: 0o555, data: buildSyntheticElf({ type: 'exec', needed: ['libxml2.so.2', 'libz.so.1'] }) },
  { path: 'usr/sbin/svcadm', mode: 0o555, size: 30_000 },
  { path: 'usr/bin/svcs', mode: 0o555, size: 60_000 },
  { path: 'usr/bin/svcprop', mode: 0o555, size: 25_000 },
  { path: 'lib/svc/bin/mfstscan', mode: 0o555, size: 14_000 },
  { path: 'sbin/bootadm', mode: 0o555, size: 150_000 },
  { path: 'usr/lib/saf/ttymon', mode: 0o555, size: 70_000 },
  { path: 'etc/inet/hosts', mode: 0o644, text: '#\n# Internet host table\n#\n::1\t\tlocalhost\n127.0.0.1\tlocalhost\n' },
  { path: 'etc/vfstab', mode: 0o644, text: '#device\tdevice\tmount\tFS\tfsck\tmount\tmount\n#to mount\tto fsck\tpoint\ttype\tpass\tat boot\toptions\n/proc\t-\t/proc\tproc\t-\tno\t-\nswap\t-\t/tmp\ttmpfs\t-\tyes\t-\n' },
  { path: 'etc/security/crypt.conf', mode: 0o644, text: '# crypt.conf(5): algorithm and module\n1\tcrypt_bsdmd5.so.1\n2a\tcrypt_bsdbf.so.1\n2b\tcrypt_bsdbf.so.1\nmd5\tcrypt_sunmd5.so.1\n5\tcrypt_sha256.so.1\n6\tcrypt_sha512.so.1\n' },
];

/** Symlinks of the demo proto area for an smf image, [path, target]; demo-proto includes them. */
export const SMF_DEMO_SYMLINKS: Array<[string, string]> = [['etc/hosts', './inet/hosts']];

/** What the demo adjunct holds: the libraries SMF needs from outside the gate, and OpenSSH. */
const ADJUNCT_FILES: DemoFileSpec[] = [
  { path: 'usr/lib/libxml2.so.2', mode: 0o755, data: buildSyntheticElf({ type: 'dyn', elfClass: 32, soname: 'libxml2.so.2' }) },
  { path: 'usr/lib/amd64/libxml2.so.2', mode: 0o755, data: buildSyntheticElf({ type: 'dyn', elfClass: 64, soname: 'libxml2.so.2' }) },
  { path: 'usr/lib/libz.so.1', mode: 0o755, data: buildSyntheticElf({ type: 'dyn', elfClass: 32, soname: 'libz.so.1' }) },
  { path: 'usr/lib/amd64/libz.so.1', mode: 0o755, data: buildSyntheticElf({ type: 'dyn', elfClass: 64, soname: 'libz.so.1' }) },
  { path: 'usr/lib/libcrypto.so.3', mode: 0o755, data: buildSyntheticElf({ type: 'dyn', elfClass: 32, soname: 'libcrypto.so.3' }) },
  { path: 'usr/lib/amd64/libcrypto.so.3', mode: 0o755, data: buildSyntheticElf({ type: 'dyn', elfClass: 64, soname: 'libcrypto.so.3' }) },
  { path: 'usr/lib/libssl.so.3', mode: 0o755, data: buildSyntheticElf({ type: 'dyn', elfClass: 32, soname: 'libssl.so.3' }) },
  { path: 'usr/lib/amd64/libssl.so.3', mode: 0o755, data: buildSyntheticElf({ type: 'dyn', elfClass: 64, soname: 'libssl.so.3' }) },
  { path: 'usr/lib/ssh/sshd', mode: 0o555, size: 900_000 },
  { path: 'etc/ssh/sshd_config', mode: 0o644, text: '# illumos-compose demo stand-in for sshd_config\nPermitRootLogin no\nPasswordAuthentication yes\n' },
];

const ADJUNCT_SYMLINKS: Array<[string, string]> = [
  ['usr/lib/libxml2.so', 'libxml2.so.2'],
  ['usr/lib/amd64/libxml2.so', 'libxml2.so.2'],
  ['usr/lib/libz.so', 'libz.so.1'],
  ['usr/lib/amd64/libz.so', 'libz.so.1'],
];

/** IPS manifests for the demo adjunct, in its .compose/manifests (see src/adjunct/read-adjunct.ts). */
const ADJUNCT_MANIFESTS: Record<string, string> = {
  'libxml2.p5m': [
    'set name=pkg.fmri value=pkg:/demo/library/libxml2@2.13.0',
    'file path=usr/lib/libxml2.so.2 owner=root group=bin mode=0755',
    'file path=usr/lib/amd64/libxml2.so.2 owner=root group=bin mode=0755',
    '',
  ].join('\n'),
  'openssh.p5m': ['set name=pkg.fmri value=pkg:/demo/network/openssh@9.9', 'dir path=etc/ssh owner=root group=sys mode=0755', 'file path=etc/ssh/sshd_config owner=root group=sys mode=0644', 'file path=usr/lib/ssh/sshd owner=root group=bin mode=0555', ''].join('\n'),
};

/** Deterministic filler seeded by the path, so files differ and do not compress to nothing. */
async function writeSpecs(root: string, files: DemoFileSpec[], links: Array<[string, string]>, mtime: number): Promise<void> {
  await writeDemoFiles(root, files, mtime);
  for (const [path, target] of links) {
    const dest = join(root, path);
    await mkdir(dirname(dest), { recursive: true });
    if (await lstat(dest).catch(() => undefined)) await rm(dest);
    await symlink(target, dest);
    await lutimes(dest, mtime, mtime);
  }
}

async function pinDirectoryTimes(root: string, mtime: number): Promise<void> {
  const dirs: string[] = [];
  const collect = async (d: string) => {
    dirs.push(d);
    for (const e of await readdir(d, { withFileTypes: true })) if (e.isDirectory()) await collect(join(d, e.name));
  };
  await collect(root);
  for (const d of dirs.reverse()) await utimes(d, mtime, mtime);
}

const DEFAULT_MTIME = 1767225600; // 2026-01-01T00:00:00Z, as the demo proto area

/** Add SMF_DEMO_FILES and SMF_DEMO_SYMLINKS to an existing proto root (for tests and older demo workspaces). */
export async function writeSmfDemoFiles(protoRoot: string, mtime = DEFAULT_MTIME): Promise<void> {
  await writeSpecs(resolve(protoRoot), SMF_DEMO_FILES, SMF_DEMO_SYMLINKS, mtime);
  await pinDirectoryTimes(resolve(protoRoot), mtime);
}

/**
 * Write the demo adjunct under `dir` (empty or missing, unless `force`): filler libxml2, zlib,
 * OpenSSL and sshd where an illumos distribution installs them, with manifests for some of them.
 */
export async function writeDemoAdjunct(dir: string, opts: { mtime?: number; force?: boolean } = {}): Promise<{ root: string; files: number }> {
  const root = resolve(dir);
  if (existsSync(root) && (await readdir(root)).length > 0) {
    if (!opts.force) throw new UsageError(`${dir} is not empty; give a new directory or --force to replace it`);
    await rm(root, { recursive: true, force: true });
  }
  const mtime = opts.mtime ?? DEFAULT_MTIME;
  const manifests: DemoFileSpec[] = Object.entries(ADJUNCT_MANIFESTS).map(([name, text]) => ({ path: `.compose/manifests/${name}`, mode: 0o644, text }));
  await writeSpecs(root, [...ADJUNCT_FILES, ...manifests], ADJUNCT_SYMLINKS, mtime);
  for (const d of ['usr', 'usr/lib', 'usr/lib/amd64', 'usr/lib/ssh', 'etc', 'etc/ssh']) await chmod(join(root, d), 0o755);
  await pinDirectoryTimes(root, mtime);
  return { root, files: ADJUNCT_FILES.length + ADJUNCT_SYMLINKS.length };
}
