import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { checkUfsImage, formatUfsListing, listUfs, summarizeUfs, UfsFormatError } from '../ufs/index.js';
import { ComposeError, EXIT, InputError } from '../util/errors.js';

export interface InspectOptions {
  json?: boolean;
  hash: boolean;
  checkOnly?: boolean;
}

/**
 * What `compose inspect` prints for an image; throws the command's errors (InputError for what is
 * not a readable UFS image, exit 1 for an inconsistent one). The fuzz tests call it directly.
 */
export async function inspectImage(image: string, o: InspectOptions): Promise<string> {
  if (!existsSync(image)) throw new InputError(`UFS image ${image} does not exist`);
  if (!statSync(image).isFile()) throw new InputError(`${image} is not a file; give a UFS image such as out/pureboot.ufs`);
  try {
    const check = await checkUfsImage(image);
    const summary = await summarizeUfs(image);
    // A damaged image may not be listable: then the checker's findings are the answer.
    const listed = !o.checkOnly && check.ok;
    const entries = listed ? await listUfs(image, { hash: o.hash }) : [];
    let out: string;
    if (o.json) out = `${JSON.stringify({ image, summary, check, entries: listed ? entries : undefined }, null, 2)}\n`;
    else {
      out = listed ? `${formatUfsListing(entries, { sha256: o.hash })}\n` : '';
      out += check.ok ? `check: ok (${JSON.stringify(check.stats)})\n` : `check: ${check.problems.length} problem(s):\n${check.problems.map((p) => `  ${p}`).join('\n')}\n`;
    }
    if (!check.ok) throw new InspectFailed(out, `${image} is not consistent: ${check.problems[0]}${check.problems.length > 1 ? ` (and ${check.problems.length - 1} more)` : ''}`);
    return out;
  } catch (e) {
    if (e instanceof UfsFormatError) throw new InputError(`${image} is not a readable Solaris UFS image: ${e.message}`);
    throw e;
  }
}

/** The checker found problems: exit 1, after printing the report. */
export class InspectFailed extends ComposeError {
  constructor(
    readonly output: string,
    message: string,
  ) {
    super(message, EXIT.failed);
  }
}

/** `compose inspect <image.ufs>`: list every entry of a UFS image, and check it like fsck would. */
export function registerInspect(cli: Command): void {
  cli
    .command('inspect')
    .description('list every entry of a UFS image (path, type, mode, owner, links, size, sha256 or target) and check its consistency')
    .argument('<image>', 'a UFS image written by compose (<out>/<profile>.ufs)')
    .option('--json', 'print the listing, summary and check result as JSON on stdout')
    .option('--no-hash', 'do not compute sha256 of file contents')
    .option('--check-only', 'only run the consistency checker')
    .action(async (image: string, o: InspectOptions) => {
      try {
        process.stdout.write(await inspectImage(image, o));
      } catch (e) {
        if (e instanceof InspectFailed) process.stdout.write(e.output);
        throw e;
      }
    });
}
