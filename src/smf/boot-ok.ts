import { shellQuote } from '../overlay/generated.js';

// The boot-test service of the smf overlay (svc:/site/compose-boot-ok, after multi-user) prints
// "COMPOSE-BOOT-OK <profile>" on the console and, in test mode, powers the machine off. It reads
// the profile name and the test-mode switch from this generated file.

export const BOOT_OK_MANIFEST_PATH = 'lib/svc/manifest/site/compose-boot-ok.xml';
export const BOOT_OK_METHOD_PATH = 'lib/svc/method/compose-boot-ok';
export const BOOT_OK_CONF_PATH = 'etc/compose/boot-ok.conf';

export function bootOkConfig(profile: string, testMode: boolean): string {
  return [
    `# Written by illumos-compose; read by /${BOOT_OK_METHOD_PATH}.`,
    `COMPOSE_PROFILE=${shellQuote(profile)}`,
    `COMPOSE_TEST_MODE=${testMode ? 1 : 0}`,
    '',
  ].join('\n');
}
