import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { StagedTree } from '../../src/stage/tree.js';
import { canonicalFmri, parseInstanceFmri } from '../../src/smf/fmri.js';
import { defaultInitWithTimezone, hostsWithNodename } from '../../src/smf/identity.js';
import { danglingProfileLinks, placeProfileLinks, profileLinksError } from '../../src/smf/profile-links.js';
import { checkPasswordHash, cryptConfAlgorithms, rootPasswordField, withRootPassword } from '../../src/smf/root-account.js';
import { defaultSmfSettings, mergeSmfSettings } from '../../src/smf/settings.js';
import { siteProfileStates, siteProfileXml } from '../../src/smf/site-profile.js';
import { authorizedKeysText, rootHome, sshdConfigAllowingRootKeys } from '../../src/smf/ssh-key.js';
import { RAMDISK_VFSTAB, vfstabText } from '../../src/smf/vfstab.js';
import { ProfileError, UsageError, InputError } from '../../src/util/errors.js';

// The generators of an SMF image, one by one: each is a pure function of the profile settings and
// the file it edits.

const haveXmllint = (await execa('xmllint', ['--version'], { reject: false })).exitCode === 0;

/** A small well-formedness check: tags nest and close, attributes are quoted, entities known. */
function wellFormed(xml: string): string | undefined {
  const body = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!DOCTYPE[^>]*>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(/<[^>]*>|&[^;\s]*;?/g)) {
    const t = m[0];
    if (t.startsWith('&')) {
      if (!/^&(amp|lt|gt|apos|quot|#\d+|#x[0-9a-f]+);$/i.test(t)) return `bad entity ${t}`;
      continue;
    }
    const tag = /^<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:'[^'<]*'|"[^"<]*"))*)\s*(\/?)>$/.exec(t);
    if (!tag) return `bad tag ${t}`;
    const [, close, name, , selfClose] = tag;
    if (close) {
      if (stack.pop() !== name) return `unbalanced </${name}>`;
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  if (stack.length) return `unclosed <${stack.join('>, <')}>`;
  return roots === 1 ? undefined : `${roots} root elements`;
}

async function checkXml(xml: string): Promise<void> {
  expect(wellFormed(xml)).toBeUndefined();
  if (haveXmllint) {
    const r = await execa('xmllint', ['--noout', '-'], { input: xml, reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  }
}

describe('smf settings', () => {
  it('defaults to the links an installer makes', () => {
    expect(defaultSmfSettings()).toEqual({
      profileLinks: { 'generic.xml': 'generic_limited_net.xml', 'platform.xml': 'platform_none.xml', 'name_service.xml': 'ns_files.xml', 'inetd_services.xml': 'inetd_generic.xml' },
      disable: [],
      enable: [],
      nodename: 'illumos',
      timezone: 'UTC',
      consoleLogin: true,
    });
  });

  it('lets a derived profile undo its parent, and drop or change links', () => {
    const s = defaultSmfSettings();
    mergeSmfSettings(s, { disable: ['svc:/network/ssh:default', 'system/cron'], profile_links: { 'generic.xml': 'generic_open.xml' } }, 'parent.yaml');
    mergeSmfSettings(s, { enable: ['network/ssh'], profile_links: { 'inetd_services.xml': null }, nodename: 'box1', console_login: false }, 'child.yaml');
    expect(s.disable).toEqual(['svc:/system/cron:default']);
    expect(s.enable).toEqual(['svc:/network/ssh:default']);
    expect(s.profileLinks).toEqual({ 'generic.xml': 'generic_open.xml', 'platform.xml': 'platform_none.xml', 'name_service.xml': 'ns_files.xml' });
    expect(s).toMatchObject({ nodename: 'box1', consoleLogin: false });
  });

  it('refuses one file enabling and disabling the same instance', () => {
    expect(() => mergeSmfSettings(defaultSmfSettings(), { enable: ['system/cron'], disable: ['svc:/system/cron:default'] }, 'p.yaml')).toThrow(ProfileError);
  });

  it('reads FMRIs with and without scheme and instance', () => {
    expect(parseInstanceFmri('svc:/network/smtp:sendmail')).toEqual({ service: 'network/smtp', instance: 'sendmail' });
    expect(canonicalFmri('system/filesystem/autofs')).toBe('svc:/system/filesystem/autofs:default');
    expect(parseInstanceFmri('svc:/bad name')).toBeUndefined();
    expect(parseInstanceFmri('svc://x')).toBeUndefined();
  });
});

describe('site.xml', () => {
  it('disables boot-archive-update but never boot-archive or manifest-import', async () => {
    const states = siteProfileStates(defaultSmfSettings());
    expect(states.map((s) => [s.fmri, s.enabled])).toEqual([['svc:/system/boot-archive-update:default', false]]);
    const xml = siteProfileXml(states, 'smf');
    expect(xml).not.toMatch(/name='system\/boot-archive'/);
    expect(xml).not.toMatch(/name='system\/manifest-import'/);
    await checkXml(xml);
  });

  it('holds the profile lists, grouped by service, in a profile bundle', async () => {
    const s = defaultSmfSettings();
    mergeSmfSettings(s, { disable: ['svc:/network/smtp:sendmail', 'network/nfs/client'], enable: ['network/smtp:other', 'svc:/system/boot-archive-update:default'], console_login: false }, 'p.yaml');
    const states = siteProfileStates(s);
    expect(states.map((x) => `${x.fmri}=${x.enabled}`)).toEqual([
      'svc:/network/nfs/client:default=false',
      'svc:/network/smtp:other=true',
      'svc:/network/smtp:sendmail=false',
      'svc:/system/boot-archive-update:default=true',
      'svc:/system/console-login:default=false',
    ]);
    const xml = siteProfileXml(states, 'odd--name-');
    await checkXml(xml);
    expect(xml).toContain("<service_bundle type='profile' name='site'>");
    expect(xml).toContain("<!DOCTYPE service_bundle SYSTEM '/usr/share/lib/xml/dtd/service_bundle.dtd.1'>");
    // One service element per service, its instances inside it.
    expect(xml.match(/<service name='network\/smtp'/g)).toHaveLength(1);
    expect(xml).toMatch(/<service name='network\/smtp' version='1' type='service'>\n(?:.*\n){1}\s+<instance name='other' enabled='true'\/>\n(?:.*\n){1}\s+<instance name='sendmail' enabled='false'\/>/);
  });
});

describe('vfstab', () => {
  it('has the ramdisk root and the pseudo file systems in seven columns', () => {
    const text = vfstabText();
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines.map((l) => l.split(/\s+/))).toEqual(RAMDISK_VFSTAB.map((l) => [...l]));
    expect(lines[0].split(/\s+/)).toEqual(['/devices/ramdisk:a', '-', '/', 'ufs', '-', 'no', 'rw,nologging']);
    for (const mp of ['/devices', '/proc', '/system/contract', '/system/object', '/etc/dfs/sharetab', '/dev/fd', '/tmp']) expect(lines.some((l) => l.split(/\s+/)[2] === mp)).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('identity files', () => {
  it('adds the node name to the loopback lines of the gate hosts file', () => {
    const gate = '#\n# Internet host table\n#\n::1\t\tlocalhost\n127.0.0.1\tlocalhost\n10.0.0.1\tother\n';
    expect(hostsWithNodename(gate, 'box')).toBe('#\n# Internet host table\n#\n::1\tlocalhost box\n127.0.0.1\tlocalhost box\n10.0.0.1\tother\n');
    // Idempotent.
    expect(hostsWithNodename(hostsWithNodename(gate, 'box'), 'box')).toBe(hostsWithNodename(gate, 'box'));
  });

  it('writes loopback lines a hosts file lacks, and a whole file when there is none', () => {
    expect(hostsWithNodename('10.0.0.1 x # router\n', 'n')).toBe('10.0.0.1 x # router\n::1\tlocalhost n\n127.0.0.1\tlocalhost loghost n\n');
    expect(hostsWithNodename(undefined, 'n')).toMatch(/::1\tlocalhost n\n127\.0\.0\.1\tlocalhost loghost n\n$/);
  });

  it('sets TZ in etc/default/init and keeps the other lines', () => {
    expect(defaultInitWithTimezone('# comment\nTZ=US/Pacific\nCMASK=022\n', 'UTC')).toBe('# comment\nTZ=UTC\nCMASK=022\n');
    expect(defaultInitWithTimezone('CMASK=022\n', 'Europe/Berlin')).toBe('CMASK=022\nTZ=Europe/Berlin\n');
  });
});

describe('root account', () => {
  const gateShadow = 'root::6445::::::\ndaemon:NP:6445::::::\n';
  const sha512 = `$6$saltsalt$${'a'.repeat(86)}`;

  it('finds the empty password illumos-gate ships', () => {
    expect(rootPasswordField(gateShadow)).toBe('');
    expect(rootPasswordField('daemon:NP:::\n')).toBeUndefined();
  });

  it('sets root\'s field and keeps every other field and line', () => {
    expect(withRootPassword(gateShadow, sha512)).toBe(`root:${sha512}:6445::::::\ndaemon:NP:6445::::::\n`);
    expect(withRootPassword('daemon:NP:6445::::::\n', 'NP')).toBe('root:NP::::::::\ndaemon:NP:6445::::::\n');
  });

  it('accepts the hashes illumos checks and rejects the rest', () => {
    expect(checkPasswordHash(`$5$rounds=5000$abc$${'b'.repeat(43)}`)).toBe('5');
    expect(checkPasswordHash(sha512)).toBe('6');
    expect(checkPasswordHash(`$2b$10$${'c'.repeat(53)}`)).toBe('2b');
    expect(checkPasswordHash('NP')).toBeNull();
    expect(checkPasswordHash('*LK*')).toBeNull();
    for (const bad of ['', 'secret', '$1$abc$def', `$6$salt$${'a'.repeat(85)}`, `$6$salt$${'a'.repeat(86)}:x`, '$2y$10$short']) expect(() => checkPasswordHash(bad)).toThrow(UsageError);
  });

  it('reads the algorithms crypt.conf lists', () => {
    expect([...cryptConfAlgorithms('# x\n1 crypt_bsdmd5.so.1\n2a\tcrypt_bsdbf.so.1\n\n5 crypt_sha256.so.1\n')]).toEqual(['1', '2a', '5']);
  });
});

describe('ssh key', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1c3QgYSB0ZXN0IGtleQ== me@host';

  it('keeps key lines and drops comments', () => {
    expect(authorizedKeysText(`# mine\n\n${key}\nfrom="10.0.0.0/8" ${key}\n`, 'k.pub')).toBe(`${key}\nfrom="10.0.0.0/8" ${key}\n`);
  });

  it('refuses private keys, empty files and other text', () => {
    expect(() => authorizedKeysText('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n', 'k')).toThrow(/private key/);
    expect(() => authorizedKeysText('# nothing\n', 'k')).toThrow(InputError);
    expect(() => authorizedKeysText('hello world\n', 'k')).toThrow(/not an OpenSSH public key/);
  });

  it('finds root\'s home and lets sshd take root keys', () => {
    expect(rootHome('root:x:0:0:Super-User:/root:/usr/bin/bash\n')).toBe('root');
    expect(rootHome('root:x:0:0::/:/sbin/sh\n')).toBe('');
    expect(sshdConfigAllowingRootKeys('Port 22\nPermitRootLogin no # policy\n')).toBe('Port 22\nPermitRootLogin prohibit-password # policy\n');
    expect(sshdConfigAllowingRootKeys('#PermitRootLogin no\nPermitRootLogin yes\n')).toBeUndefined();
  });
});

describe('profile links', () => {
  it('places the links and names those whose target the image lacks', () => {
    const t = new StagedTree();
    t.put({ path: 'etc/svc/profile/generic_limited_net.xml', type: 'file', mode: 0o444, uid: 0, gid: 0, size: 0, mtime: 0, source: { kind: 'generated', data: Buffer.alloc(0), generator: 't' } });
    t.put({ path: 'etc/svc/profile/generic.xml', type: 'file', mode: 0o444, uid: 0, gid: 0, size: 0, mtime: 0, source: { kind: 'generated', data: Buffer.alloc(0), generator: 't' } });
    const links = defaultSmfSettings().profileLinks;
    expect(placeProfileLinks(t, links, 5)).toEqual(['etc/svc/profile/generic.xml', 'etc/svc/profile/inetd_services.xml', 'etc/svc/profile/name_service.xml', 'etc/svc/profile/platform.xml']);
    expect(t.get('etc/svc/profile/generic.xml')).toMatchObject({ type: 'symlink', target: 'generic_limited_net.xml', mtime: 5 });
    const dangling = danglingProfileLinks(t, links);
    expect(dangling.map((d) => d.target)).toEqual(['inetd_generic.xml', 'ns_files.xml', 'platform_none.xml']);
    expect(profileLinksError(dangling, 'smf')?.message).toBe(
      'profile smf: SMF profile links point at files the image does not have (/etc/svc/profile/inetd_services.xml -> inetd_generic.xml, /etc/svc/profile/name_service.xml -> ns_files.xml, /etc/svc/profile/platform.xml -> platform_none.xml); keep those files in etc/svc/profile/ or change "smf.profile_links" in the profile',
    );
    expect(profileLinksError([], 'smf')).toBeUndefined();
  });
});
