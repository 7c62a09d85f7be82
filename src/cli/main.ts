#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { resolveProfile } from '../profile/resolve.js';
import { listBuiltinProfiles } from '../profile/list.js';
import { build } from '../pipeline/build.js';
import { plan } from '../pipeline/plan.js';
import { parseFormats } from '../pipeline/formats.js';
import { writeDemoWorkspace } from '../demo/demo-proto.js';
import { makeReporter } from '../util/progress.js';
import { sourceDateEpoch } from '../util/time.js';
import { EXIT } from '../util/errors.js';
import { exitCleanlyOnSignals } from '../util/atomic.js';
import { formatBytes } from '../util/size.js';
import { printJson, reportFailure } from './output.js';
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

interface BuildOpts extends CommonOpts, SmfBuildOptions {
  adjunct: string[];
  profile: string;
  out: string;
  format: string;
  stateFrom?: string;
  manifests?: string | false;
  testMode?: boolean;
  reportUnused?: boolean;
  bootloader?: BootloaderChoice;
  dryRun?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The adjunct and smf options as the pipeline takes them. */
function smfOpts(o: BuildOpts): SmfBuildOptions & { adjuncts: string[] } {
  return { adjuncts: o.adjunct, repository: o.repository, rootPasswordHash: o.rootPasswordHash, allowEmptyRootPassword: o.allowEmptyRootPassword, sshKey: o.sshKey };
}

/** The manifest options as the pipeline takes them (commander turns --no-manifests into false). */
function manifestOpts(o: BuildOpts): { manifests?: string; noManifests?: boolean } {
  return o.manifests === false ? { noManifests: true } : { manifests: o.manifests };
}

function program(): Command {
  const cli = new Command('compose')
    .description('Compose a small bootable illumos image from an illumos-gate proto area, without root.')
    .version('0.1.0')
    .showHelpAfterError('(run "compose --help" for usage)')
    .exitOverride();

  const quiet = new Option('-q, --quiet', 'no progress or notes on stderr');
  const json = new Option('--json', 'print the result as JSON on stdout');

  cli
    .command('build', { isDefault: true })
    .description('compose an image from a proto area (the default command)')
    .argument('<proto>', 'proto root (root_i386), a workspace proto/ directory, or a .tar/.tar.gz/.tgz of one')
    .option('-p, --profile <name|file>', 'profile name (see "compose profiles") or path to a profile file', 'pureboot')
    .option('-o, --out <dir>', 'output directory', 'out')
    .option('-f, --format <list>', 'comma-separated outputs: iso, ufs, tar, dir', 'iso')
    .addOption(new Option('--bootloader <name>', 'ISO boot loader (default: the profile\'s, else auto)').choices(['auto', 'loader', 'grub-legacy', 'grub2']))
    .option('--state-from <root>', 'copy the kernel state files (name_to_major, driver_aliases, ...) from this illumos root')
    .option('--manifests <dir>', 'IPS package manifests (*.p5m, *.mf) giving owners, modes and driver entries (found by itself in a gate workspace)')
    .option('--no-manifests', 'do not use package manifests, even in a gate workspace')
    .option('--adjunct <dir|tarball>', 'a tree laid over the proto area first, with what illumos-gate does not build (libxml2, zlib, OpenSSL...); repeat for several', collect, [])
    .option('--repository <file>', "smf profiles: start from this SMF repository.db (copied from a booted image) instead of the proto's seed")
    .option('--root-password-hash <hash>', "smf profiles: root's password hash for etc/shadow ($6$..., $5$..., $2b$..., NP or *LK*; in single quotes)")
    .option('--allow-empty-root-password', 'smf profiles: keep the empty root password illumos-gate ships (test images only)')
    .option('--ssh-key <file>', "smf profiles: install this public key as root's authorized_keys (the image needs sshd)")
    .option('--test-mode', 'the image powers itself off after printing COMPOSE-BOOT-OK (for boot tests)')
    .option('--report-unused', 'with closure pruning, list shared libraries that nothing kept uses')
    .option('-n, --dry-run', 'show what would be built (like "compose plan") and write nothing')
    .addOption(quiet)
    .addOption(json)
    .action(async (proto: string, o: BuildOpts) => {
      exitCleanlyOnSignals();
      const reporter = makeReporter({ quiet: o.quiet });
      const epoch = sourceDateEpoch();
      const profile = resolveProfile(o.profile);
      const formats = parseFormats(o.format);
      if (o.dryRun) {
        const p = await plan({ proto, profile, stateFrom: o.stateFrom, ...manifestOpts(o), ...smfOpts(o), testMode: o.testMode, reportUnused: o.reportUnused, epoch, reporter });
        if (o.json) printJson(p);
        else printPlan(p);
        return;
      }
      const r = await build({ proto, profile, out: o.out, formats, stateFrom: o.stateFrom, ...manifestOpts(o), ...smfOpts(o), testMode: o.testMode, reportUnused: o.reportUnused, bootloader: o.bootloader, epoch, reporter });
      for (const n of r.notes) reporter.note(n);
      if (o.json) printJson(r);
      else {
        process.stdout.write(`composed ${r.profile} from ${r.proto}: ${r.summary.entries} entries, ${formatBytes(r.summary.contentBytes)} of file content\n`);
        for (const out of r.outputs) process.stdout.write(`  ${out.format.padEnd(8)} ${out.path}\n`);
        if (r.boot) {
          process.stdout.write(`image ${formatBytes(r.boot.imageBytes)} (${r.boot.archiveFormat}), boot_archive ${formatBytes(r.boot.archiveBytes)} compressed (${r.boot.gzip}), sha1 ${r.boot.sha1}\n`);
          if (r.boot.iso) process.stdout.write(`iso ${formatBytes(r.boot.iso.bytes)} with ${r.boot.iso.bootloader}\n`);
        }
        process.stdout.write(`${r.change}\n`);
      }
    });

  cli
    .command('plan')
    .description('show the resolved profile and what a build would include, without writing anything')
    .argument('<proto>', 'proto root, workspace proto/ directory, or tarball')
    .option('-p, --profile <name|file>', 'profile name or file', 'pureboot')
    .option('--state-from <root>', 'as for build')
    .option('--manifests <dir>', 'as for build')
    .option('--no-manifests', 'as for build')
    .option('--adjunct <dir|tarball>', 'as for build', collect, [])
    .option('--repository <file>', 'as for build')
    .option('--root-password-hash <hash>', 'as for build')
    .option('--allow-empty-root-password', 'as for build')
    .option('--ssh-key <file>', 'as for build')
    .addOption(quiet)
    .addOption(json)
    .action(async (proto: string, o: BuildOpts) => {
      const reporter = makeReporter({ quiet: o.quiet });
      const p = await plan({ proto, profile: resolveProfile(o.profile), stateFrom: o.stateFrom, ...manifestOpts(o), ...smfOpts(o), epoch: sourceDateEpoch(), reporter });
      if (o.json) printJson(p);
      else printPlan(p);
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
