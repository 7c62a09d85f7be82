import type { Profile } from '../profile/schema.js';
import { shellQuote } from './generated.js';

export const LAUNCHER_CONF_PATH = 'etc/compose/launcher.conf';
export const STARTUP_PATH = 'etc/compose/startup';

/** The launcher's settings file, sourced by the launcher script. */
export function launcherConfig(profile: Profile, testMode: boolean): string {
  return [
    '# Written by illumos-compose from the profile; read by /etc/compose/launcher.',
    `COMPOSE_PROFILE=${shellQuote(profile.name)}`,
    `COMPOSE_BANNER=${shellQuote(profile.init.banner)}`,
    `COMPOSE_SHELL=${shellQuote(profile.init.shell)}`,
    `COMPOSE_TEST_MODE=${testMode ? 1 : 0}`,
    '',
  ].join('\n');
}

/** The profile's startup commands, run once by the launcher before it prints COMPOSE-BOOT-OK. */
export function startupScript(profile: Profile): string | undefined {
  if (profile.init.startup.length === 0) return undefined;
  return ['# Startup commands from the profile, run once by /etc/compose/launcher.', ...profile.init.startup, ''].join('\n');
}
