/** The human-readable form of a boot-test result (stdout without --json). */
import type { BootTestResult } from './boot-test.js';
import type { KernelReport } from './kernel-report.js';

const secs = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
/** Root entries shown per module before "...". */
const MAX_NAMES = 40;

export function formatKernelReport(k: KernelReport): string[] {
  const out: string[] = [];
  const head = [k.proto, k.loader].filter(Boolean).join(', ');
  out.push(`test kernel${head ? ` (${head})` : ''}:`);
  if (k.cmdline !== undefined) out.push(`  cmdline: ${k.cmdline}`);
  if (k.efi64SystemTable) out.push(`  EFI64 system table: ${k.efi64SystemTable}`);
  out.push(`  modules: ${k.moduleCount ?? k.modules.length}`);
  for (const m of k.modules) {
    out.push(`  module ${m.index}: ${m.string || '(no string)'}  size=${m.size} crc32=${m.crc32} fs=${m.fs}`);
    if (m.ufs) {
      const names = m.ufs.rootEntries.map((e) => e.name).filter((n) => n !== '.' && n !== '..');
      const shown = names.slice(0, MAX_NAMES).join(' ') + (names.length > MAX_NAMES ? ' ...' : '');
      out.push(`    UFS root (${names.length}${m.ufs.complete ? '' : ', incomplete'}): ${shown || '(empty)'}`);
    }
    if (m.iso9660) out.push(`    ISO9660 volume: ${m.iso9660.volid}`);
    for (const e of m.errors) out.push(`    error: ${e}`);
  }
  for (const f of k.failures) out.push(`  FAIL: ${f}`);
  if (!k.done) out.push('  (no TESTKERNEL DONE: the report is incomplete)');
  return out;
}

export function formatResult(r: BootTestResult): string {
  const out: string[] = [];
  const how = [r.vm, r.firmware, r.as, r.accel].filter(Boolean).join(', ');
  out.push(`${r.verdict.toUpperCase()}  ${r.iso} (${how}): ${r.reason}`);
  for (const m of r.matched) out.push(`  ${secs(m.atMs).padStart(8)}  ${m.pattern}  ${m.line.trim()}`);
  const facts = [`first output ${r.timings.firstOutputMs === null ? 'never' : `at ${secs(r.timings.firstOutputMs)}`}`, `total ${secs(r.timings.totalMs)}`];
  if (r.qemuExit) {
    const q = r.qemuExit;
    facts.push(q.stoppedByUs ? 'QEMU stopped by boot-test' : q.signal ? `QEMU ended by ${q.signal}` : `QEMU exited with status ${q.code}`);
  } else if (r.vmExit) {
    facts.push(r.vmExit.stoppedByUs ? 'VM powered off by boot-test' : r.vmExit.detail);
  }
  out.push(`  ${facts.join('; ')}`);
  if (r.lastLines?.length) {
    out.push('  last lines of the console:');
    for (const l of r.lastLines) out.push(`    | ${l}`);
  }
  if (r.kernel) out.push(...formatKernelReport(r.kernel));
  if (r.checks?.length) {
    out.push('checks:');
    for (const c of r.checks) out.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
  }
  return out.join('\n') + '\n';
}
