import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The suite as StrykerJS runs it (npm run mutate): the same tests, plus a setup file that hands
// the active mutant to the CLI processes the integration tests start, so that a mutant in code
// only the compiled CLI runs (dist/, built from the instrumented sources by the global setup) is
// judged by those tests too.
// The sandbox was built once by Stryker's buildCommand; the global setup need not rebuild it.
process.env.COMPOSE_PREBUILT = '1';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      setupFiles: ['test/support/stryker-env.ts'],
      // Fuzzing and QEMU boots judge tools, not the code under mutation; they stay in make test.
      exclude: ['test/fuzz/**', 'node_modules/**'],
    },
  }),
);
