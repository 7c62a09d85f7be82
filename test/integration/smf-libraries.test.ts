import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAdjuncts } from '../../src/adjunct/apply-adjuncts.js';
import { resolveProfile } from '../../src/profile/resolve.js';
import { checkSmfImage } from '../../src/smf/check-smf.js';
import { checkSmfLibraries, smfLibrariesError } from '../../src/smf/libraries.js';
import { SMF_REQUIRED_FILES } from '../../src/smf/required-files.js';
import { silentReporter } from '../../src/util/progress.js';
import { buildLibrary, buildProgram, haveGcc } from '../fixtures/elf/toolchain.js';
import { stagedTreeOf, type TreeSpec } from '../fixtures/elf/tree.js';

// The SMF library check over real ELF objects built by the host gcc, laid out like a proto area:
// svc.startd needs libxml2.so.2 directly and libz.so.1 through libscf, svccfg needs libxml2.so.2,
// and neither library is in the proto. Left out, the build names each; supplied by an adjunct
// directory, the check passes.

const gcc = await haveGcc();
let dir = '';
let adjunct = '';
const spec: TreeSpec = {};

async function host(imagePath: string, file: string): Promise<void> {
  spec[imagePath] = { host: file, size: (await stat(file)).size };
}

describe.skipIf(!gcc)('SMF library check on gcc-built objects', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'compose-smf-elf-'));
    const lib = (o: Parameters<typeof buildLibrary>[1]) => buildLibrary(dir, o);
    const prog = (o: Parameters<typeof buildProgram>[1]) => buildProgram(dir, o);
    const interp = '/usr/lib/amd64/ld.so.1';
    await host('lib/amd64/ld.so.1', await lib({ out: 'ld.so.1', soname: 'ld.so.1' }));
    await host('lib/amd64/libc.so.1', await lib({ out: 'libc.so.1', soname: 'libc.so.1' }));
    // Built, but not part of the proto: only the adjunct brings them.
    const libxml2 = await lib({ out: 'libxml2.so.2', soname: 'libxml2.so.2', needed: ['libc.so.1'] });
    const libz = await lib({ out: 'libz.so.1', soname: 'libz.so.1', needed: ['libc.so.1'] });
    await host('lib/amd64/libscf.so.1', await lib({ out: 'libscf.so.1', soname: 'libscf.so.1', needed: ['libz.so.1', 'libc.so.1'] }));
    await host('lib/svc/bin/svc.startd', await prog({ out: 'svc.startd', interp, needed: ['libxml2.so.2', 'libscf.so.1', 'libc.so.1'] }));
    await host('lib/svc/bin/svc.configd', await prog({ out: 'svc.configd', interp, needed: ['libc.so.1'] }));
    await host('usr/sbin/svccfg', await prog({ out: 'svccfg', interp, needed: ['libxml2.so.2', 'libscf.so.1', 'libc.so.1'] }));
    Object.assign(spec, {
      'lib/64': { symlink: 'amd64' },
      'usr/lib/64': { symlink: 'amd64' },
      'usr/lib/amd64/ld.so.1': { symlink: '../../../lib/amd64/ld.so.1' },
      'etc/passwd': 'root:x:0:0::/root:/sbin/sh\n',
      'etc/group': 'root::0:\nbin::2:\nsys::3:\n',
      // A method script is not a program: it is passed over.
      'lib/svc/method/net-loopback': '#!/sbin/sh\nexit 0\n',
    });
    // The adjunct puts libxml2 where an illumos distribution does, and libz through the usr/lib/64 link.
    adjunct = join(dir, 'adjunct');
    for (const [from, to] of [
      [libxml2, 'usr/lib/amd64/libxml2.so.2'],
      [libz, 'usr/lib/64/libz.so.1'],
    ]) {
      await mkdir(dirname(join(adjunct, to)), { recursive: true });
      await copyFile(from, join(adjunct, to));
    }
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names every missing library, direct or through another library, with the adjunct that supplies it', async () => {
    const check = await checkSmfLibraries(stagedTreeOf(spec));
    expect(check.programs).toEqual(['lib/svc/bin/svc.configd', 'lib/svc/bin/svc.startd', 'usr/sbin/svccfg']);
    const message = smfLibrariesError(check, 'smf')?.message ?? '';
    expect(message.split('\n').slice(1).sort()).toEqual([
      '  /lib/svc/bin/svc.startd: missing 64-bit libxml2.so.2 (normally supplied by libxml2)',
      '  /lib/svc/bin/svc.startd: missing 64-bit libz.so.1, needed by /lib/amd64/libscf.so.1 (normally supplied by zlib)',
      '  /usr/sbin/svccfg: missing 64-bit libxml2.so.2 (normally supplied by libxml2)',
      '  /usr/sbin/svccfg: missing 64-bit libz.so.1, needed by /lib/amd64/libscf.so.1 (normally supplied by zlib)',
    ]);
  });

  it('passes once an adjunct supplies them', async () => {
    const tree = stagedTreeOf(spec);
    const r = await applyAdjuncts(tree, [adjunct], { reporter: silentReporter });
    expect(r.paths).toContain('usr/lib/amd64/libz.so.1');
    const check = await checkSmfLibraries(tree);
    expect(check.missing).toEqual([]);
    expect(check.unreadable).toEqual([]);
  });

  it('fails the whole SMF check on the libraries when the required files are there', async () => {
    const full: TreeSpec = { ...spec };
    for (const f of SMF_REQUIRED_FILES) if (!(f.path in full)) full[f.path] = `stand-in for ${f.path}\n`;
    const profile = resolveProfile('smf');
    await expect(checkSmfImage(stagedTreeOf(full), profile, { reporter: silentReporter })).rejects.toThrow(/svc\.startd: missing 64-bit libxml2\.so\.2 \(normally supplied by libxml2\)/);
    const tree = stagedTreeOf(full);
    await applyAdjuncts(tree, [adjunct], { reporter: silentReporter });
    // Past the libraries, the next check is the profile links this bare tree lacks.
    await expect(checkSmfImage(tree, profile, { reporter: silentReporter })).rejects.toThrow(/SMF profile links point at files the image does not have/);
  });
});
