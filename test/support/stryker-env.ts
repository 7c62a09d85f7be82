import { beforeEach } from 'vitest';

// Under StrykerJS the active mutant lives in the test worker's global namespace; child processes
// (the CLI the integration tests run) read it from __STRYKER_ACTIVE_MUTANT__ instead (the
// instrumenter's header), and execa passes the environment on.
beforeEach(() => {
  const ns = (globalThis as { __stryker__?: { activeMutant?: string | number } }).__stryker__;
  if (ns?.activeMutant !== undefined) process.env.__STRYKER_ACTIVE_MUTANT__ = String(ns.activeMutant);
  else delete process.env.__STRYKER_ACTIVE_MUTANT__;
});
