import { defineConfig } from 'vitest/config';

/**
 * Suites written against routes another branch delivers (docs/contract: the inbox API's filter= and q=
 * on GET /conversations). They fail until that branch is merged; the merge removes them from this list.
 */
const AWAITING_INBOX_API = ['test/browser/inbox-search.test.ts'];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Minutes-long reliability suites run with `npm run test:crash`.
    exclude: ['test/reliability/**', '**/node_modules/**', ...AWAITING_INBOX_API],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two cores: two test files at a time, each with its own cloned database.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    restoreMocks: true,
  },
});
