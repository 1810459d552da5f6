import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * In development the dashboard works at http://localhost:<port> as well as at PUBLIC_URL's
 * http://127.0.0.1:<port>: sign-in (origin-checked), the live socket (origin-checked) and a
 * state-changing request (CSRF) all succeed.
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack({ env: { NODE_ENV: 'development' } });
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the dashboard on http://localhost', { timeout: 60_000 }, () => {
  it('signs in, goes live and changes a conversation', async () => {
    const localhost = stack.url.replace('127.0.0.1', 'localhost');
    expect(localhost).not.toBe(stack.url);
    await stack.customerWrites({ from: '393401234567', name: 'Grace Hopper', body: 'Hello from localhost' });
    await signInThroughPage(page, stack, localhost);
    expect(new URL(page.url()).hostname).toBe('localhost');
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByRole('link', { name: /Grace Hopper/ }).click();
    const human = page.getByRole('region', { name: 'Conversation' }).getByRole('button', { name: 'Human' });
    await human.click();
    await expect.poll(() => human.getAttribute('aria-pressed')).toBe('true');
  });
});
