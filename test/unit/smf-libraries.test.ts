import { describe, expect, it } from 'vitest';
import { adjunctHint, smfLibrariesError, type MissingLibrary } from '../../src/smf/libraries.js';
import { missingSmfFiles, requiredFilesError, SMF_REQUIRED_FILES } from '../../src/smf/required-files.js';
import { StagedTree } from '../../src/stage/tree.js';
import { InputError } from '../../src/util/errors.js';

// The SMF library check's verdicts, from resolver results made up here (the walk over real ELF
// objects is in test/integration/smf-libraries.test.ts).

describe('adjunct hints', () => {
  it('names the package that supplies what illumos-gate does not build', () => {
    expect(adjunctHint('libxml2.so.2')).toBe('libxml2');
    expect(adjunctHint('libz.so.1')).toBe('zlib');
    expect(adjunctHint('libcrypto.so.3')).toBe('OpenSSL');
    expect(adjunctHint('libcrypto.so.1.1')).toBe('OpenSSL');
    expect(adjunctHint('libssl.so.3')).toBe('OpenSSL');
    expect(adjunctHint('/usr/lib/amd64/libgcc_s.so.1')).toBe('the GCC runtime');
  });

  it('says nothing for libraries the gate builds or does not know', () => {
    for (const lib of ['libc.so.1', 'libscf.so.1', 'libsqlite.so.1', 'libzfs.so.1', 'libzonecfg.so.1', 'libfoo.so.7']) expect(adjunctHint(lib)).toBeUndefined();
  });
});

describe('missing-library error', () => {
  it('lists each program and library, with where it comes from', () => {
    const missing: MissingLibrary[] = [
      { program: 'lib/svc/bin/svc.startd', library: 'libxml2.so.2', neededBy: 'usr/lib/libzonecfg.so.1' },
      { program: 'lib/svc/bin/svc.startd', library: 'libz.so.1', neededBy: 'lib/libzfs.so.1', elfClass: 32 },
      { program: 'usr/sbin/svccfg', library: 'libxml2.so.2' },
      { program: 'usr/sbin/svccfg', library: 'libmystery.so.1' },
      { program: 'sbin/bootadm', library: '/usr/lib/ld.so.1', interpreter: true },
    ];
    const err = smfLibrariesError({ missing }, 'smf');
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message.split('\n')).toEqual([
      'profile smf boots through SMF, but SMF programs need libraries the image does not have; supply them with --adjunct <dir|tarball> (README: "The adjunct"), or use the pureboot profile:',
      '  /lib/svc/bin/svc.startd: missing libxml2.so.2, needed by /usr/lib/libzonecfg.so.1 (normally supplied by libxml2)',
      '  /lib/svc/bin/svc.startd: missing 32-bit libz.so.1, needed by /lib/libzfs.so.1 (normally supplied by zlib)',
      '  /usr/sbin/svccfg: missing libxml2.so.2 (normally supplied by libxml2)',
      '  /usr/sbin/svccfg: missing libmystery.so.1',
      '  /sbin/bootadm: missing program interpreter /usr/lib/ld.so.1',
    ]);
  });

  it('is undefined when nothing is missing, and shortens a long list', () => {
    expect(smfLibrariesError({ missing: [] }, 'smf')).toBeUndefined();
    const many = Array.from({ length: 45 }, (_, i) => ({ program: `lib/svc/method/m${i}`, library: 'libz.so.1' }));
    const lines = smfLibrariesError({ missing: many }, 'smf')!.message.split('\n');
    expect(lines).toHaveLength(42);
    expect(lines[41]).toBe('  ... and 5 more');
  });
});

describe('required SMF files', () => {
  it('names each missing file and why SMF needs it', () => {
    const t = new StagedTree();
    for (const f of SMF_REQUIRED_FILES.filter((f) => !f.path.startsWith('usr/share'))) {
      t.put({ path: f.path, type: 'file', mode: 0o555, uid: 0, gid: 0, size: 1, mtime: 0, source: { kind: 'generated', data: Buffer.from('x'), generator: 't' } });
    }
    const missing = missingSmfFiles(t);
    expect(missing.map((m) => m.path)).toEqual(['usr/share/lib/xml/dtd/service_bundle.dtd.1']);
    expect(requiredFilesError(missing, 'smf')?.message).toBe(
      'profile smf boots through SMF, but the image has no /usr/share/lib/xml/dtd/service_bundle.dtd.1 (svccfg validates every manifest against it); use a proto area from a full illumos-gate build and keep these files out of "exclude", or use a launcher profile such as pureboot',
    );
    expect(missingSmfFiles(new StagedTree())).toHaveLength(SMF_REQUIRED_FILES.length);
  });
});
