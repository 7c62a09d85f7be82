import { InvalidArgumentError, type Command } from 'commander';
import { readManifestFile } from '../report/manifest-file.js';
import { DEFAULT_TOP, buildSizeReport, formatSizeReport } from '../report/size-report.js';
import { diffManifests, formatManifestDiff } from '../report/diff.js';
import { printJson } from './output.js';

// `compose report` and `compose diff`: read the manifests a build wrote and describe them.

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('give a whole number, such as 20');
  return Number(value);
}

export function registerReport(cli: Command): void {
  cli
    .command('report')
    .description('show what an image is made of: size by top directory and kind of file, the largest files')
    .argument('<manifest>', 'the <profile>.manifest.json a build wrote to its output directory')
    .option('--top <n>', 'how many of the largest files to list', count, DEFAULT_TOP)
    .option('--json', 'print the report as JSON on stdout')
    .action(async (manifest: string, o: { top: number; json?: boolean }) => {
      const report = buildSizeReport(await readManifestFile(manifest), o.top);
      if (o.json) printJson(report);
      else process.stdout.write(formatSizeReport(report));
    });
}

export function registerDiff(cli: Command): void {
  cli
    .command('diff')
    .description('compare two builds: entries added, removed and changed, and the size change per directory (exit 0 either way)')
    .argument('<a>', 'the earlier manifest.json')
    .argument('<b>', 'the later manifest.json')
    .option('--json', 'print the difference as JSON on stdout')
    .action(async (a: string, b: string, o: { json?: boolean }) => {
      const [ma, mb] = await Promise.all([readManifestFile(a), readManifestFile(b)]);
      const diff = diffManifests(ma, mb);
      if (o.json) printJson(diff);
      else process.stdout.write(formatManifestDiff(diff));
    });
}
