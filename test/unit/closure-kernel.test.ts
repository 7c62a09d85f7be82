import { describe, expect, it } from 'vitest';
import { pruneByClosure } from '../../src/closure/prune.js';
import { driverConfPath, moduleCandidates } from '../../src/closure/kernel.js';
import { buildSyntheticElf } from '../../src/elf/write-synthetic.js';
import { nonDirectoryPaths, stagedTreeOf } from '../fixtures/elf/tree.js';

const mod = (needed: string[] = [], dependsOn?: string, elfClass: 32 | 64 = 64) => buildSyntheticElf({ type: 'rel', needed, dependsOn, elfClass });

function kernelTree() {
  return stagedTreeOf({
    'platform/i86pc/kernel/amd64/unix': buildSyntheticElf({ type: 'exec', needed: ['genunix'] }),
    'kernel/amd64/genunix': mod(),
    'kernel/drv/amd64/e1000g': mod(['misc/mac']),
    'kernel/drv/e1000g.conf': 'name="e1000g";\n',
    'kernel/misc/amd64/mac': mod(['misc/dls']),
    // Found twice: the platform directory comes first in the module path.
    'platform/i86pc/kernel/misc/amd64/dls': mod(),
    'kernel/misc/amd64/dls': mod(),
    // An old-style module: _depends_on names one module under kernel/, one under usr/kernel/.
    'kernel/drv/amd64/oldmod': mod([], 'misc/scsi drv/sd'),
    'kernel/misc/amd64/scsi': mod(),
    'usr/kernel/drv/amd64/sd': mod(['misc/legacy']),
    'usr/kernel/drv/sd.conf': 'name="sd";\n',
    // Only a module without the ISA directory exists: krtld falls back to it.
    'kernel/misc/legacy': mod(),
    'kernel/drv/amd64/needsgone': mod(['misc/gone']),
    // hardware: [qemu] brings vioif, which needs virtio and mac.
    'kernel/drv/amd64/vioif': mod(['misc/mac', 'misc/virtio']),
    'kernel/misc/amd64/virtio': mod(),
    // The PSMs etc/mach names; xpv_psm is not there.
    'etc/mach': '# PSM modules\npcplusmp\napix\nxpv_psm\n',
    'platform/i86pc/kernel/mach/amd64/pcplusmp': mod(['misc/acpica']),
    'platform/i86pc/kernel/mach/amd64/apix': mod(['misc/acpica']),
    'kernel/misc/amd64/acpica': mod(),
    'etc/system': '* tunables\n',
    'kernel/drv/amd64/unused': mod(['misc/mac']),
    'kernel/drv/unused.conf': 'name="unused";\n',
    'kernel/misc/amd64/orphan': mod(),
    'usr/share/man/man4d/e1000g.4d': 'manual',
  });
}

describe('kernel module closure', () => {
  it('lists candidates in krtld order: every directory with amd64, then without', () => {
    expect(moduleCandidates('misc/mac')).toEqual([
      'platform/i86pc/kernel/misc/amd64/mac',
      'kernel/misc/amd64/mac',
      'usr/kernel/misc/amd64/mac',
      'platform/i86pc/kernel/misc/mac',
      'kernel/misc/mac',
      'usr/kernel/misc/mac',
    ]);
    expect(moduleCandidates('genunix')[1]).toBe('kernel/amd64/genunix');
    expect(driverConfPath('kernel/drv/amd64/e1000g')).toBe('kernel/drv/e1000g.conf');
    expect(driverConfPath('platform/i86pc/kernel/drv/amd64/isa')).toBe('platform/i86pc/kernel/drv/isa.conf');
    expect(driverConfPath('kernel/misc/amd64/mac')).toBeUndefined();
  });

  it('keeps exactly the modules reached from drivers, hardware, etc/mach and the kernel', async () => {
    const t = kernelTree();
    const r = await pruneByClosure(t, { keep: ['drv/e1000g', 'drv/oldmod', '/kernel/drv/amd64/needsgone'], hardware: ['qemu'], protect: new Set() });
    expect(nonDirectoryPaths(t)).toEqual([
      'etc/mach',
      'etc/system',
      'kernel/amd64/genunix',
      'kernel/drv/amd64/e1000g',
      'kernel/drv/amd64/needsgone',
      'kernel/drv/amd64/oldmod',
      'kernel/drv/amd64/vioif',
      'kernel/drv/e1000g.conf',
      'kernel/misc/amd64/acpica',
      'kernel/misc/amd64/mac',
      'kernel/misc/amd64/scsi',
      'kernel/misc/amd64/virtio',
      'kernel/misc/legacy',
      'platform/i86pc/kernel/amd64/unix',
      'platform/i86pc/kernel/mach/amd64/apix',
      'platform/i86pc/kernel/mach/amd64/pcplusmp',
      'platform/i86pc/kernel/misc/amd64/dls',
      'usr/kernel/drv/amd64/sd',
      'usr/kernel/drv/sd.conf',
    ]);
    expect(r.missing).toEqual([{ object: 'kernel/drv/amd64/needsgone', dependency: 'misc/gone' }]);
    expect(r.unmatchedKeep).toEqual([]);
    expect(r.elfErrors).toEqual([]);
    expect(r.absent).toContain('mach/xpv_psm');
    expect(r.absent).toContain('drv/ahci');
    expect(t.has('usr/share')).toBe(false);
    // dls under kernel/ (shadowed), unused, unused.conf, orphan, the manual page, and usr/share/man/man4d.
    expect(r.removed).toBe(5 + 3);
  });

  it('reports keep entries that match nothing', async () => {
    const t = kernelTree();
    const r = await pruneByClosure(t, { keep: ['drv/nosuch', 'usr/bin/nosuch', 'opt/**/x'], hardware: [], protect: new Set() });
    expect(r.unmatchedKeep).toEqual(['drv/nosuch', 'opt/**/x', 'usr/bin/nosuch']);
  });

  it('reports an unreadable module per file and goes on', async () => {
    const t = kernelTree();
    const broken = buildSyntheticElf({ type: 'rel', needed: ['misc/mac'] }).subarray(0, 80);
    t.put({ path: 'kernel/drv/amd64/e1000g', type: 'file', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: broken.length, source: { kind: 'generated', data: broken, generator: 'test' } });
    const r = await pruneByClosure(t, { keep: ['drv/e1000g', 'drv/oldmod'], hardware: [], protect: new Set() });
    expect(r.elfErrors).toEqual([{ path: 'kernel/drv/amd64/e1000g', error: expect.stringMatching(/truncated/) }]);
    expect(t.has('kernel/drv/amd64/e1000g')).toBe(true);
    expect(t.has('kernel/misc/amd64/mac')).toBe(false);
    expect(t.has('usr/kernel/drv/amd64/sd')).toBe(true);
  });
});
