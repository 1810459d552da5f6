import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Minutes-long reliability suites run with `npm run test:crash`.
    exclude: ['test/reliability/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // The process's master key ring, as `leadline serve` configures it at start (ADR 0036).
    setupFiles: ['test/support/encryption-setup.ts'],
    pool: 'forks',
    // Two cores: two test files at a time, each with its own cloned database.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    restoreMocks: true,
  },
});
