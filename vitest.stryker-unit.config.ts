import { mergeConfig } from 'vitest/config';
import stryker from './vitest.stryker.config.js';

// npm run mutate:unit: the unit tests alone judge the mutants (minutes, not hours): a quick
// measure between full runs. A mutant only the integration tests kill shows as survived here.
const config = mergeConfig(stryker, {});
// mergeConfig would add to the include list; this one replaces it.
config.test = { ...config.test, include: ['test/unit/**/*.test.ts'] };
export default config;
