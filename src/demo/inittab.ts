// The inittab entries illumos-gate installs in a proto area (usr/src/cmd/init/inittab): the
// STREAMS autopush and socket configuration sysinit lines, svc.startd as the "smf" entry, and the
// powerfail line. The comment header is ours.
export const ILLUMOS_INITTAB = `#
# /etc/inittab as an illumos-gate build installs it (demo proto area of illumos-compose).
# init(8) runs the "smf" entry as svc.startd and restarts it when it exits.
#
ap::sysinit:/sbin/autopush -f /etc/iu.ap
sp::sysinit:/sbin/soconfig -d /etc/sock2path.d
smf::sysinit:/lib/svc/bin/svc.startd	>/dev/msglog 2<>/dev/msglog </dev/console
p3:s1234:powerfail:/usr/sbin/shutdown -y -i5 -g0 >/dev/msglog 2<>/dev/msglog
`;
