import type { StagedTree } from '../stage/tree.js';
import { CheckContext, type CheckOptions } from './context.js';
import type { CheckReport, Finding } from './findings.js';
import { checkConsole } from './steps/console.js';
import { checkKernel } from './steps/kernel.js';
import { checkLoaderView, checkRoot } from './steps/root.js';
import { checkInit, checkShell, checkSmfEntry, checkSysinit } from './steps/userland.js';

// `compose check`: walk an image's root file system through the illumos boot sequence, step by
// step, and report what a real kernel would do. Static: nothing is booted.

export interface RunCheckOptions extends CheckOptions {
  /** What the report calls the image. */
  target: string;
  /** Findings about the boot media found before the tree was read (the ISO's loader files). */
  mediaFindings?: Finding[];
  /** The image runs the compose launcher (init.mode launcher), not svc.startd. */
  launcher?: boolean;
}

export async function runBootCheck(tree: StagedTree, opts: RunCheckOptions): Promise<CheckReport> {
  const ctx = new CheckContext(tree, opts);
  for (const f of opts.mediaFindings ?? []) ctx.addFinding(f);
  await checkLoaderView(ctx);
  await checkKernel(ctx);
  await checkRoot(ctx);
  await checkConsole(ctx);
  await checkInit(ctx);
  await checkSysinit(ctx);
  await checkSmfEntry(ctx);
  await checkShell(ctx, opts.launcher ?? (await ctx.text('etc/compose/launcher.conf')) !== undefined);
  return ctx.findings.report(opts.target);
}
