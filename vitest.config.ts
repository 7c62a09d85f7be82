import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // QEMU boots and image writes are CPU-heavy; two workers match the CI machines' two cores.
    maxWorkers: 2,
  },
});
