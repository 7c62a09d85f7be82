import { Command, Option } from 'commander';
import { BootTestRun, DEFAULT_FAIL_PATTERNS, DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT_S, describePlan, planBootTest, type BootTestRequest } from '../boot/boot-test.js';
import { formatResult } from '../boot/report.js';
import { ComposeError } from '../util/errors.js';
import { makeReporter } from '../util/progress.js';
import { printJson } from './output.js';

interface BootTestOpts extends Omit<BootTestRequest, 'iso'> {
  json?: boolean;
  quiet?: boolean;
}

// No default array: commander would print it as "(default: [])".
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Signals that must never leave a VM behind. */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Route termination signals to the run: the first stops it cleanly, a second one kills at once. */
function trapSignals(run: BootTestRun): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      run.interrupt(signal);
      return;
    }
    run.killNow();
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
}

export function registerBootTest(cli: Command): void {
  cli
    .command('boot-test')
    .description('boot an image in a VM (QEMU by default) and check that it reaches its boot marker on the serial console')
    .argument('<image>', 'the ISO, disk image (<profile>.img, .qcow2, .vmdk, .vdi) or PXE tree (<profile>.pxe) to boot')
    .addOption(new Option('--firmware <kind>', 'firmware').choices(['bios', 'uefi']).default('bios'))
    .addOption(new Option('--as <how>', 'attach the image as a CD-ROM or as a hard disk (an ISO as a USB stick) (default: what the image is: an ISO as a CD, a disk image as a disk)').choices(['cdrom', 'disk', 'pxe']))
    .option('--pxe', "boot a PXE tree (compose --format pxe) over QEMU's user network: its DHCP names the tree's boot file for the firmware, its TFTP server serves the tree")
    .option('--expect <regex>', 'a line the console must print; repeat for several, matched in order, one line each (default: "COMPOSE-BOOT-OK <profile>")', collect)
    .option('--fail <regex>', `fail as soon as a line matches; adds to the defaults (${DEFAULT_FAIL_PATTERNS.join(', ')})`, collect)
    .option('--no-default-fail', 'do not use the default --fail patterns')
    .option('--timeout <seconds>', `give up after this long, counted from the VM's start (default ${DEFAULT_TIMEOUT_S})`)
    .option('--memory <MB>', `guest memory (default: from the ISO's boot archive, its uncompressed size x 1.25 + 640 MB, at least ${DEFAULT_MEMORY_MIB})`)
    .option('--cpus <n>', 'virtual CPUs (default 1)')
    .option('--log <file>', "the serial console log (default: next to the image, <name>.<vm>-<firmware>-<as>.log)")
    .addOption(new Option('--accel <kind>', 'QEMU accelerator; kvm needs /dev/kvm (default tcg)').choices(['tcg', 'kvm']))
    .addOption(new Option('--vm <hypervisor>', 'hypervisor; bhyve only with --print').choices(['qemu', 'virtualbox', 'bhyve']).default('qemu'))
    .option('--print', 'print the commands that would run (shell-quoted, one per line) and exit')
    .option('--profile <name>', 'the profile the image was composed with (default: from --check-manifest, else the file name)')
    .option('--check-archive <file>', 'the stand-in kernel must have been handed exactly this boot archive (uncompressed), holding a UFS')
    .option('--check-manifest <file>', "the boot archive's root directory, as the stand-in kernel lists it, must hold exactly the manifest's top-level entries")
    .option('-q, --quiet', 'no notes on stderr (the log path is still printed)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (image: string, o: BootTestOpts) => {
      const plan = await planBootTest({ ...o, iso: image });
      if (o.print) {
        for (const line of await describePlan(plan)) process.stdout.write(`${line}\n`);
        return;
      }
      const reporter = makeReporter({ quiet: o.quiet });
      const run = new BootTestRun(plan);
      await run.preflight();
      // Always shown: the log is what to look at when a boot goes wrong.
      process.stderr.write(`serial log: ${plan.settings.log}\n`);
      const s = plan.settings;
      const m = plan.memory;
      if (m.archive && m.needMiB !== undefined) {
        const size = `${Math.round(m.archive.uncompressed / 1048576)} MB uncompressed`;
        if (m.source === 'image') reporter.note(`guest memory ${s.memoryMiB} MB for the ${size} boot archive /${m.archive.path}`);
        else if (s.memoryMiB < m.needMiB) reporter.warn(`--memory ${s.memoryMiB} is less than the ${m.needMiB} MB the ${size} boot archive /${m.archive.path} needs; the guest may fail to load it`);
      }
      reporter.note(`booting ${s.iso} with ${[plan.vm, s.firmware, s.as, plan.accel].filter(Boolean).join(', ')}, ${s.memoryMiB} MB, timeout ${plan.timeoutMs / 1000} s`);
      const untrap = trapSignals(run);
      let result;
      try {
        result = await run.run();
      } finally {
        untrap();
      }
      if (o.json) printJson(result);
      else process.stdout.write(formatResult(result));
      if (result.exitCode !== 0) {
        const what = result.verdict === 'error' ? `boot test ${result.reason}` : `boot test failed (${result.verdict}): ${result.reason.split('; the last lines')[0]}`;
        throw new ComposeError(`${what} (serial log: ${result.log})`, result.exitCode);
      }
    });
}
