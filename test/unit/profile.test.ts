import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveProfile } from '../../src/profile/resolve.js';
import { listBuiltinProfiles } from '../../src/profile/list.js';
import { ProfileError } from '../../src/util/errors.js';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'profile-test-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

function errorOf(fn: () => unknown): ProfileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProfileError) return e;
    throw e;
  }
  throw new Error('expected a ProfileError');
}

describe('profiles', () => {
  it('lists the built-ins, pureboot and smf', () => {
    const names = listBuiltinProfiles().map((p) => p.name);
    expect(names).toContain('pureboot');
    expect(names).toContain('smf');
  });

  it('resolves several levels of extends, concatenating lists and overriding scalars', () => {
    const d = dir({
      'a.yaml': 'extends: pureboot\nexclude: [usr/share]\ninit:\n  startup: ["echo a"]\nboot:\n  kernel_args: ["-v"]\n',
      'b.yaml': 'extends: ./a.yaml\ndescription: b\nexclude: [opt]\ninit:\n  banner: hello\n  startup: ["echo b"]\nramdisk:\n  size: 64M\n  free: "20%"\n',
      'ov/etc/motd': 'hi\n',
      'c.json': JSON.stringify({ extends: 'b.yaml', overlays: ['ov'], boot: { console: 'text' } }),
    });
    const p = resolveProfile(join(d, 'c.json'));
    expect(p.name).toBe('c');
    expect(p.files.length).toBe(4);
    expect(p.description).toBe('b');
    expect(p.exclude).toEqual(['platform/*/boot_archive*', 'platform/*/amd64/boot_archive*', 'usr/share', 'opt']);
    expect(p.init).toMatchObject({ mode: 'launcher', banner: 'hello', shell: '/usr/bin/ksh93', startup: ['echo a', 'echo b'] });
    expect(p.boot).toMatchObject({ console: 'text', kernelArgs: ['-v'] });
    expect(p.ramdisk).toMatchObject({ size: 64 * 1024 * 1024, freePercent: 20 });
    expect(p.overlays.map((o) => o.split('/').pop())).toEqual(['pureboot', 'ov']);
  });

  it('names the file and key of an unknown key', () => {
    const d = dir({ 'p.yaml': 'init:\n  shel: /bin/sh\n' });
    expect(errorOf(() => resolveProfile(join(d, 'p.yaml'))).message).toBe(`${join(d, 'p.yaml')}: unknown key "init.shel"; see the profile format in README.md`);
  });

  it('names the key of a wrong type', () => {
    const d = dir({ 'p.yaml': 'exclude: usr/share\n' });
    expect(errorOf(() => resolveProfile(join(d, 'p.yaml'))).message).toMatch(/p\.yaml: key "exclude": .*array/);
  });

  it('rejects a bad console, a bad size, a missing overlay, a missing parent and a cycle', () => {
    const d = dir({
      'console.yaml': 'boot:\n  console: vga\n',
      'size.yaml': 'ramdisk:\n  size: lots\n',
      'overlay.yaml': 'overlays: [./nowhere]\n',
      'parent.yaml': 'extends: no-such-profile\n',
      'x.yaml': 'extends: ./y.yaml\n',
      'y.yaml': 'extends: ./x.yaml\n',
      'bad.yaml': 'init: [\n',
    });
    expect(errorOf(() => resolveProfile(join(d, 'console.yaml'))).message).toMatch(/key "boot.console"/);
    expect(errorOf(() => resolveProfile(join(d, 'size.yaml'))).message).toMatch(/key "ramdisk.size"/);
    expect(errorOf(() => resolveProfile(join(d, 'overlay.yaml'))).message).toMatch(/key "overlays": overlay "\.\/nowhere" is not a directory/);
    expect(errorOf(() => resolveProfile(join(d, 'parent.yaml'))).message).toMatch(/key "extends".*no profile named "no-such-profile"/);
    expect(errorOf(() => resolveProfile(join(d, 'x.yaml'))).message).toMatch(/makes a cycle/);
    expect(errorOf(() => resolveProfile(join(d, 'bad.yaml'))).message).toMatch(/bad\.yaml: not valid YAML at line/);
  });
});
