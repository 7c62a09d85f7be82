import { describe, expect, it } from 'vitest';
import { hasStartdEntry, launcherInittab } from '../../src/overlay/inittab.js';
import { ILLUMOS_INITTAB } from '../../src/demo/inittab.js';

describe('launcherInittab', () => {
  it('drops svc.startd, keeps autopush/soconfig/powerfail, adds the launcher as the smf entry', () => {
    const out = launcherInittab(ILLUMOS_INITTAB);
    const entries = out.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(entries).toEqual([
      'ap::sysinit:/sbin/autopush -f /etc/iu.ap',
      'sp::sysinit:/sbin/soconfig -d /etc/sock2path.d',
      'p3:s1234:powerfail:/usr/sbin/shutdown -y -i5 -g0 >/dev/msglog 2<>/dev/msglog',
      'smf::sysinit:/etc/compose/launcher >/dev/msglog 2<>/dev/msglog </dev/console',
    ]);
    expect(hasStartdEntry(out)).toBe(false);
    expect(hasStartdEntry(ILLUMOS_INITTAB)).toBe(true);
  });

  it('writes the standard entries when the proto has no inittab', () => {
    const out = launcherInittab(undefined);
    expect(out).toMatch(/^ap::sysinit:\/sbin\/autopush/m);
    expect(out).toMatch(/^smf::sysinit:\/etc\/compose\/launcher/m);
  });

  it('an inittab whose smf entry and svc.startd line are different lines: the smf entry is replaced, svc.startd never runs, the rest stays', () => {
    const inittab = [
      '# svc.startd is mentioned in this comment, which stays',
      'ap::sysinit:/sbin/autopush -f /etc/iu.ap',
      'smf::sysinit:/usr/lib/site/early >/dev/msglog 2<>/dev/msglog',
      'st::respawn:/lib/svc/bin/svc.startd >/dev/msglog',
      'p3:s1234:powerfail:/usr/sbin/shutdown -y -i5 -g0',
      '',
    ].join('\n');
    const out = launcherInittab(inittab);
    expect(out.split('\n').filter(Boolean)).toEqual([
      '# svc.startd is mentioned in this comment, which stays',
      'ap::sysinit:/sbin/autopush -f /etc/iu.ap',
      'p3:s1234:powerfail:/usr/sbin/shutdown -y -i5 -g0',
      'smf::sysinit:/etc/compose/launcher >/dev/msglog 2<>/dev/msglog </dev/console',
    ]);
    // The smf entry did not start svc.startd, so this is not an SMF inittab.
    expect(hasStartdEntry(inittab)).toBe(false);
  });
});
