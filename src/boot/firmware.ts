/**
 * Firmware files for UEFI boots. QEMU needs OVMF as two files: the code
 * (mapped read-only) and a variable store that OVMF writes to, so every run
 * gets its own copy of the VARS template. The code and VARS files must come
 * from the same build (the 4M pair or the 2M pair), so they are looked up as pairs.
 */
import { access, constants } from 'node:fs/promises';
import { ToolMissingError } from '../util/errors.js';

export type Firmware = 'bios' | 'uefi';

export interface OvmfPair {
  code: string;
  vars: string;
}

/** Debian/Ubuntu (package ovmf) first, then Fedora (edk2-ovmf) and Arch (edk2-ovmf). */
export const OVMF_CANDIDATES: readonly OvmfPair[] = [
  { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' },
  { code: '/usr/share/OVMF/OVMF_CODE.fd', vars: '/usr/share/OVMF/OVMF_VARS.fd' },
  { code: '/usr/share/edk2/ovmf/OVMF_CODE.fd', vars: '/usr/share/edk2/ovmf/OVMF_VARS.fd' },
  { code: '/usr/share/edk2/x64/OVMF_CODE.4m.fd', vars: '/usr/share/edk2/x64/OVMF_VARS.4m.fd' },
];

/** The pair --print shows when none is installed (what `apt-get install ovmf` provides). */
export const DEFAULT_OVMF: OvmfPair = OVMF_CANDIDATES[0]!;

async function readable(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The OVMF pair to use. COMPOSE_OVMF_CODE and COMPOSE_OVMF_VARS (both) override
 * the search, for distributions that install OVMF elsewhere.
 */
export async function findOvmf(env: NodeJS.ProcessEnv = process.env): Promise<OvmfPair> {
  const code = env.COMPOSE_OVMF_CODE;
  const vars = env.COMPOSE_OVMF_VARS;
  if (code || vars) {
    if (!code || !vars) throw new ToolMissingError('OVMF', 'ovmf', 'for --firmware uefi (set both COMPOSE_OVMF_CODE and COMPOSE_OVMF_VARS, or neither)');
    for (const f of [code, vars]) {
      if (!(await readable(f))) throw new ToolMissingError(f, 'ovmf', 'for --firmware uefi (named by COMPOSE_OVMF_CODE/COMPOSE_OVMF_VARS)');
    }
    return { code, vars };
  }
  for (const pair of OVMF_CANDIDATES) {
    if ((await readable(pair.code)) && (await readable(pair.vars))) return pair;
  }
  throw new ToolMissingError(DEFAULT_OVMF.code, 'ovmf', 'for --firmware uefi (with its VARS template)');
}

/** The override, else OVMF if installed, else the Debian paths: --print must work on any host. */
export async function ovmfForPrint(env: NodeJS.ProcessEnv = process.env): Promise<OvmfPair> {
  if (env.COMPOSE_OVMF_CODE && env.COMPOSE_OVMF_VARS) return { code: env.COMPOSE_OVMF_CODE, vars: env.COMPOSE_OVMF_VARS };
  try {
    return await findOvmf(env);
  } catch {
    return DEFAULT_OVMF;
  }
}

/**
 * bhyve boot ROMs on FreeBSD (ports sysutils/edk2, package edk2-bhyve; the CSM
 * build, which can boot El Torito BIOS images, came from uefi-edk2-bhyve-csm).
 * On illumos hosts (OmniOS) the ROMs are /usr/share/bhyve/firmware/BHYVE.fd and
 * BHYVE_CSM.fd: set COMPOSE_BHYVE_BOOTROM to use another file.
 */
export const BHYVE_BOOTROM: Record<Firmware, string> = {
  uefi: '/usr/local/share/uefi-firmware/BHYVE_UEFI.fd',
  bios: '/usr/local/share/uefi-firmware/BHYVE_UEFI_CSM.fd',
};

export function bhyveBootrom(firmware: Firmware, env: NodeJS.ProcessEnv = process.env): string {
  return env.COMPOSE_BHYVE_BOOTROM || BHYVE_BOOTROM[firmware];
}
