#!/usr/bin/env node
import './threadpool.js';
import { Command, CommanderError, Option } from 'commander';
import { resolveProfile } from '../profile/resolve.js';
import { listBuiltinProfiles } from '../profile/list.js';
import { build } from '../pipeline/build.js';
import { plan } from '../pipeline/plan.js';
import { parseFormats, type Format } from '../pipeline/formats.js';
import { DISK_FORMATS, type DiskFormat } from '../disk/vm-formats.js';
import type { DiskRequest } from '../pipeline/emit-boot.js';
import { parseSize } from '../util/size.js';
import { writeDemoWorkspace } from '../demo/demo-proto.js';
import { makeReporter } from '../util/progress.js';
import { sourceDateEpoch } from '../util/time.js';
import { ComposeError, EXIT, UsageError } from '../util/errors.js';
import type { Reporter } from '../util/progress.js';
import type { ComposeTreeOptions } from '../pipeline/compose-tree.js';
import { parseDefines } from '../manifest/infer-macros.js';
import { checkTarget } from '../check/check-target.js';
import type { ConsoleName } from '../check/context.js';
import { formatReport, isFatal } from '../check/findings.js';
import { exitCleanlyOnSignals } from '../util/atomic.js';
import { formatBytes } from '../util/size.js';
import { printJson, quietOnClosedPipe, reportFailure } from './output.js';
import { printPlan } from './print-plan.js';
import type { BootloaderChoice } from '../iso/index.js';
import type { SmfBuildOptions } from '../smf/options.js';
import { writeDemoAdjunct } from '../demo/demo-adjunct.js';
import { registerBootTest } from './boot-test-command.js';
import { registerInspect } from './inspect-command.js';
import { registerDiff, registerReport } from './report-command.js';

interface CommonOpts {
  quiet?: boolean;
  json?: boolean;
}

interface ComposeOpts extends CommonOpts, SmfBuildOptions {
  adjunct: string[];
  profile: string;
  stateFrom?: string;
  manifests?: string | false;
  define: string[];
  testMode?: boolean;
}

interface BuildOpts extends ComposeOpts {
  out: string;
  format: string;
  reportUnused?: boolean;
  bootloader?: BootloaderChoice;
  dryRun?: boolean;
  check?: boolean;
  gzipLevel?: string;
  /** --cache DIR, or false for --no-cache. */
  cache?: string | false;
  diskSize?: string;
  diskFormat?: string;
  dataPartition?: boolean;
}

/** --format disk's options; an error when they are given without it. */
function diskRequest(o: BuildOpts, formats: Format[]): DiskRequest | undefined {
  const given = [o.diskSize !== undefined && '--disk-size', o.diskFormat !== undefined && '--disk-format', o.dataPartition && '--data-partition'].filter(Boolean);
  if (!formats.includes('disk')) {
    if (given.length) throw new UsageError(`${given.join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to --format disk only; add disk to --format`);
    return undefined;
  }
  let diskBytes: number | undefined;
  if (o.diskSize !== undefined) {
    try {
      diskBytes = parseSize(o.diskSize);
    } catch {
      throw new UsageError(`--disk-size ${o.diskSize} is not a size; give one such as 4G, 512M or a number of bytes`);
    }
  }
  return { format: (o.diskFormat as DiskFormat | undefined) ?? 'raw', diskBytes, dataPartition: !!o.dataPartition };
}

/** --gzip-level: a whole number from 1 to 9, as gzip takes it. */
function parseGzipLevel(v: string): number {
  if (!/^[1-9]$/.test(v.trim())) throw new UsageError(`--gzip-level ${v} is not a gzip level; give a whole number from 1 (fastest) to 9 (smallest)`);
  return Number(v.trim());
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** What build, plan and check share: how the proto area is composed into a tree. */
function composeOptions(o: ComposeOpts, reporter: Reporter): ComposeTreeOptions {
  return {
    profile: resolveProfile(o.profile),
    stateFrom: o.stateFrom,
    // commander turns --no-manifests into manifests: false.
    ...(o.manifests === false ? { noManifests: true } : { manifests: o.manifests }),
    defines: parseDefines(o.define),
    adjuncts: o.adjunct,
    repository: o.repository,
    rootPasswordHash: o.rootPasswordHash,
    allowEmptyRootPassword: o.allowEmptyRootPassword,
    sshKey: o.sshKey,
    testMode: o.testMode,
    epoch: sourceDateEpoch(),
    reporter,
    proto: '',
  };
}

/** The options build, plan and check declare alike. */
function addComposeOptions(cmd: Command): Command {
  return cmd
    .option('-p, --profile <name|file>', 'profile name (see "compose profiles") or path to a profile file', 'pureboot')
    .option('--state-from <root>', 'copy the kernel state files (name_to_major, driver_aliases, ...) from this illumos root')
    .option('--manifests <dir>', 'IPS package manifests (*.p5m, *.mf) giving owners, modes and driver entries (found by itself in a gate workspace or a tarball of one)')
    .option('--no-manifests', 'do not use package manifests, even in a gate workspace')
    .option('--define <NAME=VALUE>', 'a manifest macro value such as PYTHON_VERSION=3.9 (over what the proto area lets compose infer); repeat for several', collect, [])
    .option('--adjunct <dir|tarball>', 'a tree laid over the proto area first, with what illumos-gate does not build (libxml2, zlib, OpenSSL...); repeat for several', collect, [])
    .option('--repository <file>', "smf profiles: start from this SMF repository.db (copied from a booted image) instead of the proto's seed")
    .option('--root-password-hash <hash>', "smf profiles: root's password hash for etc/shadow ($6$..., $5$..., $2b$..., NP or *LK*; in single quotes)")
    .option('--allow-empty-root-password', 'smf profiles: keep the empty root password illumos-gate ships (test images only)')
    .option('--ssh-key <file>', "smf profiles: install this public key as root's authorized_keys (the image needs sshd)")
    .option('--test-mode', 'the image powers itself off after printing COMPOSE-BOOT-OK (for boot tests)');
}

function program(): Command {
  const cli = new Command('compose')
    .description('Compose a small bootable illumos image from an illumos-gate proto area, without root.')
    .version('0.1.0')
    .showHelpAfterError('(run "compose --help" for usage)')
    .exitOverride();

  const quiet = new Option('-q, --quiet', 'no progress or notes on stderr');
  const json = new Option('--json', 'print the result as JSON on stdout');

  addComposeOptions(
    cli
      .command('build', { isDefault: true })
      .description('compose an image from a proto area (the default command)')
      .argument('<proto>', 'proto root (root_i386), a workspace proto/ directory, or a .tar/.tar.gz/.tgz of one (or of a whole workspace)'),
  )
    .option('-o, --out <dir>', 'output directory', 'out')
    .option('-f, --format <list>', 'comma-separated outputs: iso, pxe (network boot tree), disk (GPT disk image), archive (boot_archive and its hash), ufs, tar, dir', 'iso')
    .addOption(new Option('--bootloader <name>', 'ISO boot loader (default: the profile\'s, else auto)').choices(['auto', 'loader', 'grub-legacy', 'grub2']))
    .option('--report-unused', 'with closure pruning, list shared libraries that nothing kept uses')
    .option('--no-check', 'write the image even when the boot check finds it would not boot')
    .option('--gzip-level <1-9>', "boot_archive gzip level (default: the profile's archive.gzip_level, 9); 1 is fastest, for CI images")
    .option('--disk-size <size>', 'with --format disk: the size of the disk image, such as 4G (default: just large enough)')
    .option('--data-partition', 'with --format disk: an empty partition from the boot partitions to the end of the disk (for a ZFS pool); needs --disk-size')
    .addOption(new Option('--disk-format <format>', 'with --format disk: raw (<profile>.img, for dd), qcow2, vmdk or vdi (via qemu-img)').choices([...DISK_FORMATS]))
    .option('--cache <dir>', 'where a build keeps what the next one reuses (default: <out>/.compose-cache)')
    .option('--no-cache', 'build cold: neither read nor write the cache')
    .option('-n, --dry-run', 'show what would be built (like "compose plan") and write nothing')
    .addOption(quiet)
    .addOption(json)
    .action(async (proto: string, o: BuildOpts) => {
      exitCleanlyOnSignals();
      const reporter = makeReporter({ quiet: o.quiet });
      const compose = { ...composeOptions(o, reporter), proto };
      const formats = parseFormats(o.format);
      if (o.dryRun) {
        const p = await plan(compose);
        if (o.json) printJson(p);
        else printPlan(p);
        return;
      }
      const gzipLevel = o.gzipLevel === undefined ? undefined : parseGzipLevel(o.gzipLevel);
      const disk = diskRequest(o, formats);
      const r = await build({ ...compose, out: o.out, formats, reportUnused: o.reportUnused, bootloader: o.bootloader, noCheck: o.check === false, gzipLevel, cache: o.cache, disk });
      for (const n of r.notes) reporter.note(n);
      if (o.json) printJson(r);
      else {
        process.stdout.write(`composed ${r.profile} from ${r.proto}: ${r.summary.entries} entries, ${formatBytes(r.summary.contentBytes)} of file content\n`);
        for (const out of r.outputs) process.stdout.write(`  ${out.format.padEnd(8)} ${out.path}\n`);
        if (r.boot) {
          const archive = r.boot.archiveBytes === undefined ? '' : `, boot_archive ${formatBytes(r.boot.archiveBytes)} compressed (${r.boot.gzip}), sha1 ${r.boot.sha1}`;
          process.stdout.write(`image ${formatBytes(r.boot.imageBytes)} (${r.boot.archiveFormat})${archive}\n`);
          if (r.boot.iso) process.stdout.write(`iso ${formatBytes(r.boot.iso.bytes)} with ${r.boot.iso.bootloader}\n`);
          if (r.boot.pxe) process.stdout.write(`pxe tree with ${r.boot.pxe.loader}: DHCP boot file ${r.boot.pxe.bootFiles.bios} (BIOS), ${r.boot.pxe.bootFiles.uefi} (UEFI)\n`);
          if (r.boot.disk) process.stdout.write(`disk ${formatBytes(r.boot.disk.diskBytes)} (${r.boot.disk.format}): ${r.boot.disk.partitions.map((p) => p.name).join(', ')}\n`);
        }
        process.stdout.write(`boot check: ${r.check.bootable ? 'boots to a shell' : 'will NOT boot to a usable shell (built with --no-check)'}; ${r.check.findings.length} finding(s)\n`);
        process.stdout.write(`${r.change}\n`);
      }
    });

  addComposeOptions(
    cli
      .command('plan')
      .description('show the resolved profile, what a build would include, and its boot check, without writing anything')
      .argument('<proto>', 'proto root, workspace proto/ directory, or tarball'),
  )
    .addOption(quiet)
    .addOption(json)
    .action(async (proto: string, o: ComposeOpts) => {
      const reporter = makeReporter({ quiet: o.quiet });
      const p = await plan({ ...composeOptions(o, reporter), proto });
      if (o.json) printJson(p);
      else printPlan(p);
    });

  addComposeOptions(
    cli
      .command('check')
      .description('will this image boot? walk a proto area (composed with the profile), a .ufs image, a boot_archive, an ISO or a build manifest through the illumos boot sequence')
      .argument('<target>', 'proto area or tarball, <profile>.ufs, <profile>.boot_archive, <profile>.iso, or <profile>.manifest.json (checks the image beside it)'),
  )
    .addOption(new Option('--console <name>', "the kernel's console, for a .ufs or boot_archive (default: the profile's)").choices(['text', 'ttya', 'ttyb']))
    .addOption(quiet)
    .addOption(json)
    .action(async (target: string, o: ComposeOpts & { console?: ConsoleName }) => {
      const reporter = makeReporter({ quiet: o.quiet });
      const report = await checkTarget(target, { ...composeOptions(o, reporter), console: o.console });
      if (o.json) printJson(report);
      else process.stdout.write(formatReport(report));
      if (!report.bootable) throw new ComposeError(`${target} would not boot to a usable shell (${report.findings.filter(isFatal).length} fatal finding(s))`, EXIT.failed);
    });

  cli
    .command('profiles')
    .description('list the built-in profiles')
    .addOption(json)
    .action((o: CommonOpts) => {
      const list = listBuiltinProfiles();
      if (o.json) return printJson(list);
      const width = Math.max(...list.map((p) => p.name.length));
      for (const p of list) process.stdout.write(`${p.name.padEnd(width)}  [${p.init}] ${p.description}\n`);
    });

  cli
    .command('demo-proto')
    .description('write a small synthetic illumos-gate workspace (proto/root_i386 and usr/src/pkg/manifests) whose unix is the stand-in test kernel')
    .argument('<dir>', 'workspace directory to create')
    .option('--kernel <file>', 'the stand-in kernel to install as platform/i86pc/kernel/amd64/unix (default: build/testkernel/unix)')
    .option('--force', 'replace the directory if it is not empty')
    .option('--adjunct <dir>', 'also write a demo adjunct (stand-in libxml2, zlib, OpenSSL and sshd) to this directory, for the smf profile')
    .addOption(quiet)
    .action(async (dir: string, o: { kernel?: string; force?: boolean; quiet?: boolean; adjunct?: string }) => {
      const r = await writeDemoWorkspace(dir, { kernel: o.kernel, force: o.force, mtime: sourceDateEpoch() });
      const reporter = makeReporter({ quiet: o.quiet });
      if (o.adjunct) {
        const a = await writeDemoAdjunct(o.adjunct, { force: o.force, mtime: sourceDateEpoch() });
        reporter.note(`wrote demo adjunct ${a.root} (${a.files} files and links)`);
      }
      reporter.note(`wrote demo proto area ${r.root} (${r.files} files and links) and manifests in ${r.manifests}; profile ${r.profile}`);
    });

  registerInspect(cli);
  registerBootTest(cli);
  registerReport(cli);
  registerDiff(cli);

  return cli;
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  try {
    await program().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help/version text).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportFailure(err);
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
