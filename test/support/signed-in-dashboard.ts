import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, type TestBrowser } from './browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from './dashboard-stack.js';

export interface SignedInDashboard {
  /** Set once the file's first `beforeAll` (this one) has run. */
  stack: DashboardStack;
  browser: TestBrowser;
  /** A page of `browser`, signed in as the stack's operator, on the inbox. */
  page: Page;
  /** Uncaught errors in the page: a test ends by expecting none. */
  readonly pageErrors: string[];
  /** Console messages about the Content Security Policy. */
  readonly cspViolations: string[];
}

/**
 * For one browser test file: a fresh dashboard stack and a browser page signed in to it, opened before the
 * file's tests and closed after them. Call it at the top of the file; a hook registered before the call
 * (a fake the stack talks to) runs before, and its `afterAll` after, this one. `env` is read when the
 * stack starts, so it may name such a fake's address.
 */
export function signedInDashboard(options: { env?: () => Record<string, string> } = {}): SignedInDashboard {
  const dashboard = { pageErrors: [], cspViolations: [] } as unknown as SignedInDashboard;
  beforeAll(async () => {
    dashboard.browser = await launchBrowser();
    dashboard.stack = await startDashboardStack(options.env ? { env: options.env() } : {});
    const page = await dashboard.browser.newPage();
    page.on('pageerror', (error) => dashboard.pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) dashboard.cspViolations.push(message.text());
    });
    dashboard.page = page;
    await signInThroughPage(page, dashboard.stack);
  }, 120_000);
  afterAll(async () => {
    await dashboard.browser?.close();
    await dashboard.stack?.close();
  });
  return dashboard;
}
