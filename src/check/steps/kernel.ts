import { BOOT_MODULES, driverName, type BootModule } from '../../bootpath/kernel-modules.js';
import { psmNames } from '../../closure/script-paths.js';
import type { CheckContext } from '../context.js';
import type { Severity, StepId } from '../findings.js';

// Steps krtld, drivers and console (the kernel side): every module the boot path loads by name is
// loadable with its dependencies, every driver bound on the way has its major, aliases and .conf.

const MODULE_FIX = (m: string) => `keep ${m} in the image (the profile's keep list, or leave it out of exclude); a missing dependency comes from the gate package that delivers it`;

function stepOf(m: BootModule): StepId {
  return m.when ? 'console' : 'krtld';
}

const applies = (ctx: CheckContext, m: BootModule): boolean => !m.when || (m.when === 'serial') === ctx.serial;

const NO_MAJOR = 'no etc/name_to_major entry';

/** Why a driver cannot bind: no major, a missing alias, no .conf for its pseudo node. */
async function driverProblem(ctx: CheckContext, m: BootModule, module: string): Promise<string | undefined> {
  const name = driverName(module);
  // Stryker disable next-line ConditionalExpression: only drv/ modules have major, conf or aliases in BOOT_MODULES, so a non-driver finds nothing below either
  if (!name) return undefined;
  if (m.major && !(await ctx.nameToMajor()).has(name)) return `driver ${name} has ${NO_MAJOR}, so the kernel cannot bind it`;
  if (m.conf && !ctx.isFile(`kernel/drv/${name}.conf`) && !ctx.isFile(`platform/i86pc/kernel/drv/${name}.conf`)) return `driver ${name} has no kernel/drv/${name}.conf, so its pseudo node does not exist`;
  for (const alias of m.aliases ?? []) {
    if ((await ctx.aliases()).get(alias) !== name) return `driver ${name} is not bound to "${alias}" in etc/driver_aliases`;
  }
  return undefined;
}

const STATE_FIX = 'give the build the driver actions (--manifests <usr/src/pkg/manifests>, or build from a gate workspace or a tarball of one) or --state-from <an installed illumos root>, so etc/name_to_major, driver_aliases and the .conf files are right';

export async function checkKernel(ctx: CheckContext): Promise<void> {
  // Drivers without a major are listed together, one finding per severity: a proto area built
  // without manifests lacks most of them at once.
  const majorless = new Map<Severity, BootModule[]>();
  for (const m of BOOT_MODULES) {
    if (!applies(ctx, m)) continue;
    const candidates = [m.module, ...(m.orModules ?? [])];
    const results = await Promise.all(candidates.map(async (module) => ({ module, load: await ctx.moduleProblem(module), bind: await driverProblem(ctx, m, module) })));
    ctx.checked(stepOf(m));
    if (results.some((r) => !r.load && !r.bind)) {
      // The first choice works, or a stand-in does (npe on PCIe machines, else pci).
      const first = results[0];
      if (first.load || first.bind) {
        ctx.add(stepOf(m), 'degraded', `${first.module} cannot be used (${first.load ?? first.bind}); only ${results.filter((r) => !r.load && !r.bind).map((r) => r.module).join(', ')} stands in for it: ${m.effect} on machines that need ${first.module}`, m.loadedBy, MODULE_FIX(first.module));
      }
      continue;
    }
    const loadFailure = results.find((r) => r.load);
    const names = candidates.join(' or ');
    if (loadFailure) {
      ctx.add(stepOf(m), m.severity, `${names}: ${loadFailure.load}; ${m.effect}`, m.loadedBy, MODULE_FIX(loadFailure.module));
    } else if (results[0].bind!.includes(NO_MAJOR)) {
      majorless.set(m.severity, [...(majorless.get(m.severity) ?? []), m]);
    } else {
      ctx.add('drivers', m.severity, `${results[0].bind}; ${m.effect}`, `${m.loadedBy}; usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major`, STATE_FIX);
    }
  }
  for (const [severity, list] of majorless) {
    const names = list.map((m) => driverName(m.module)!);
    ctx.add('drivers', severity, `etc/name_to_major has no line for ${names.join(', ')}: the kernel cannot bind ${names.length > 1 ? 'these drivers' : 'this driver'} (${list[0].effect}${list.length > 1 ? '; and more' : ''})`, 'usr/src/uts/common/os/autoconf.c impl_create_root_class; usr/src/uts/common/os/modsubr.c mod_hold_dev_by_major', STATE_FIX);
  }
  ctx.checked('drivers', BOOT_MODULES.filter((m) => m.major && applies(ctx, m)).length);
  await checkPsm(ctx);
}

/** The interrupt controller modules: uppc always; pcplusmp or apix for more than one CPU. */
async function checkPsm(ctx: CheckContext): Promise<void> {
  const mach = await ctx.text('etc/mach');
  const names = mach ? psmNames(mach) : [];
  ctx.checked('krtld');
  // Stryker disable next-line ArrayDeclaration: only pcplusmp and apix are looked for in it, so an extra stray entry changes nothing
  const loadable: string[] = [];
  for (const n of names) if (!(await ctx.moduleProblem(`mach/${n}`))) loadable.push(n);
  if (names.length === 0) ctx.add('krtld', 'note', 'etc/mach names no PSM module: the kernel runs on one CPU with mach/uppc', 'usr/src/uts/common/os/modsysfile.c open_mach_list; usr/src/uts/i86pc/os/mp_implfuncs.c psm_modload', 'keep etc/mach from the proto (it names pcplusmp and apix)');
  else if (!loadable.some((n) => n === 'pcplusmp' || n === 'apix')) ctx.add('krtld', 'note', `none of the PSM modules etc/mach names (${names.join(', ')}) can be loaded: the kernel runs on one CPU with mach/uppc`, 'usr/src/uts/i86pc/os/mp_implfuncs.c psm_modload ("!Skipping psm")', 'keep platform/i86pc/kernel/mach/amd64/pcplusmp and apix');
}
