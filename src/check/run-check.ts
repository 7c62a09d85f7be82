import type { StagedTree } from '../stage/tree.js';
import { CheckContext, type CheckOptions } from './context.js';
import { TRAMPOLINE_STEPS, type CheckReport, type Finding } from './findings.js';
import { checkConsole } from './steps/console.js';
import { checkKernel } from './steps/kernel.js';
import { checkLoaderView, checkRoot } from './steps/root.js';
import { checkInit, checkShell, checkSmfEntry, checkSysinit } from './steps/userland.js';
import { checkTrampoline } from './steps/trampoline.js';
import { TRAMPOLINE_CONF_PATH } from '../overlay/trampoline.js';

// `compose check`: walk an image's root file system through the illumos boot sequence, step by
// step, and report what a real kernel would do. Static: nothing is booted.

export interface RunCheckOptions extends CheckOptions {
  /** What the report calls the image. */
  target: string;
  /** Findings about the boot media found before the tree was read (the ISO's loader files). */
  mediaFindings?: Finding[];
  /** The image runs the compose launcher (init.mode launcher), not svc.startd. */
  launcher?: boolean;
  /** The image is a trampoline (init.mode trampoline): how it finds the root. */
  trampoline?: { method: 'pool' | 'label' };
}

export async function runBootCheck(tree: StagedTree, opts: RunCheckOptions): Promise<CheckReport> {
  const ctx = new CheckContext(tree, opts);
  for (const f of opts.mediaFindings ?? []) ctx.addFinding(f);
  await checkLoaderView(ctx);
  await checkKernel(ctx);
  await checkRoot(ctx);
  await checkConsole(ctx);
  const trampoline = opts.trampoline ?? ((await ctx.text(TRAMPOLINE_CONF_PATH)) !== undefined ? { method: /TRAMPOLINE_ROOT='?label:/.test((await ctx.text(TRAMPOLINE_CONF_PATH))!) ? ('label' as const) : ('pool' as const) } : undefined);
  if (trampoline) {
    // The ramdisk's own init, inittab and launcher never run: the trampoline is init.
    await checkTrampoline(ctx, trampoline.method);
    return ctx.findings.report(opts.target, TRAMPOLINE_STEPS);
  }
  await checkInit(ctx);
  await checkSysinit(ctx);
  await checkSmfEntry(ctx);
  await checkShell(ctx, opts.launcher ?? (await ctx.text('etc/compose/launcher.conf')) !== undefined);
  return ctx.findings.report(opts.target);
}
