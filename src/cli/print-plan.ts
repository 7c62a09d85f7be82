import type { PlanResult } from '../pipeline/plan.js';
import { formatBytes } from '../util/size.js';
import { formatReport } from '../check/findings.js';

/** Human-readable plan on stdout. */
export function printPlan(p: PlanResult): void {
  const w = (s: string) => process.stdout.write(`${s}\n`);
  w(`profile   ${p.profile.name} (${p.profile.files.join(' <- ')})`);
  if (p.profile.description) w(`          ${p.profile.description}`);
  w(`proto     ${p.proto} (${p.protoEntries} entries)`);
  w(`init      ${p.profile.init.mode}${p.profile.init.mode === 'launcher' ? `, shell ${p.profile.init.shell}, ${p.profile.init.startup.length} startup command(s)` : ''}`);
  w(`boot      console ${p.profile.boot.console}${p.profile.boot.kernelArgs.length ? `, kernel args ${p.profile.boot.kernelArgs.join(' ')}` : ''}`);
  w(`ramdisk   size ${p.profile.ramdisk.size === 'auto' ? `auto (+${p.profile.ramdisk.freePercent}% free)` : formatBytes(p.profile.ramdisk.size)}, ${p.profile.ramdisk.nbpi} bytes per inode`);
  w(`overlays  ${p.profile.overlays.length ? p.profile.overlays.join(', ') : '(none)'}`);
  w(`include   ${p.profile.include.length ? p.profile.include.join(' ') : '(everything)'}`);
  w(`exclude   ${p.profile.exclude.length ? p.profile.exclude.join(' ') : '(nothing)'}`);
  w(`pruned    ${p.pruned.entries} entries, ${formatBytes(p.pruned.bytes)}`);
  w(`placed    ${p.placed.length} entries from overlays and generators`);
  const t = p.image.byType;
  w(`image     ${p.image.entries} entries: ${t.file ?? 0} files, ${t.dir ?? 0} directories, ${t.symlink ?? 0} symlinks, ${t.hardlink ?? 0} hardlinks, ${(t.char ?? 0) + (t.block ?? 0)} devices, ${t.fifo ?? 0} fifos`);
  w(`          ${formatBytes(p.image.contentBytes)} of file content; ${p.image.setuid} setuid, ${p.image.setgid} setgid`);
  if (p.manifests) {
    const m = p.manifests;
    w(`manifests ${m.dir}: ${m.actions} actions, ${m.drivers} drivers in the image`);
    w(`          ${m.entriesWithMetadata} entries got owner/group/mode from manifests; ${m.setid.length} setuid/setgid`);
    for (const i of m.macros.inferred) w(`          macro $(${i.name}) = "${i.value}" inferred from the proto (${i.paths} path(s), e.g. ${i.example})`);
    for (const [name, value] of Object.entries(m.macros.defined)) w(`          macro $(${name}) = "${value}" (--define)`);
    for (const a of m.macros.ambiguous) w(`          macro $(${a.name}) could be ${a.candidates.join(' or ')}: pass --define ${a.name}=VALUE`);
    w(`          ${m.unmentioned.length} proto files no manifest mentions (kept root:root, proto mode)${m.unmentioned.length ? ':' : ''}`);
    for (const u of m.unmentioned.slice(0, 50)) w(`            ${u}`);
    if (m.unmentioned.length > 50) w(`            ... and ${m.unmentioned.length - 50} more (--json lists them all)`);
  } else w('manifests (none: every entry is root:root with the proto mode)');
  w('state files:');
  for (const s of p.stateFiles) w(`  ${s.path.padEnd(28)} ${s.source}${s.from ? ` (${s.from})` : ''}`);
  process.stdout.write(formatReport(p.check));
}
