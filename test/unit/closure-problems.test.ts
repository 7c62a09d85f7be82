import { describe, expect, it } from 'vitest';
import { closureError, closureNotes } from '../../src/closure/problems.js';
import { hardwareModules } from '../../src/closure/hardware.js';
import { InputError, ProfileError } from '../../src/util/errors.js';

describe('closure problems', () => {
  it('makes one InputError naming each object and what it lacks', () => {
    const e = closureError({ unmatchedKeep: ['usr/bin/nosuch'], missing: [{ object: 'usr/bin/prog', dependency: 'libgone.so.1' }, { object: 'kernel/drv/amd64/e1000g', dependency: 'misc/mac' }] }, 'minimal');
    expect(e).toBeInstanceOf(InputError);
    expect(e?.exitCode).toBe(3);
    expect(e?.message).toContain('profile minimal: its keep list names something the proto area does not have: usr/bin/nosuch');
    expect(e?.message).toContain('/usr/bin/prog needs libgone.so.1; /kernel/drv/amd64/e1000g needs misc/mac');
    expect(closureError({ unmatchedKeep: [], missing: [] }, 'minimal')).toBeUndefined();
  });

  it('turns unreadable objects and unused libraries into notes', () => {
    expect(closureNotes({ elfErrors: [{ path: 'usr/lib/x.so.1', error: 'truncated' }], unusedLibraries: ['usr/lib/libz.so.1'] }, true)).toEqual([
      'cannot read /usr/lib/x.so.1 as ELF (truncated); kept, but its dependencies are unknown',
      'unused library /usr/lib/libz.so.1 removed',
    ]);
    expect(closureNotes({ elfErrors: [], unusedLibraries: ['usr/lib/libz.so.1'] }, false)).toEqual([]);
  });

  it('knows the hardware shorthands', () => {
    expect(hardwareModules(['qemu'])).toContain('drv/e1000g');
    expect(hardwareModules(['bhyve', 'virtualbox'])).toEqual(expect.arrayContaining(['drv/vioblk', 'drv/vioif', 'misc/virtio', 'drv/ahci', 'drv/e1000g']));
    expect(() => hardwareModules(['vmware'])).toThrow(ProfileError);
  });
});
