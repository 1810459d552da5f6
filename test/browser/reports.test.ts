import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../fixtures/wait-for.js';
import { expectAccessible } from '../support/axe.js';
import type { TestBrowser } from '../support/browser.js';
import type { DashboardStack } from '../support/dashboard-stack.js';
import { signedInDashboard } from '../support/signed-in-dashboard.js';

/**
 * Reports (issue 18): two customers write, the bot answers them; the owner opens Reports, sees today's
 * conversations in the chart and the funnel, drills down from the day to its conversations and opens one
 * in the inbox; the CSV export link carries the same filters.
 */

const dashboard = signedInDashboard();
const { pageErrors } = dashboard;
let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;

beforeAll(() => {
  ({ stack, browser, page } = dashboard);
});

describe('Reports', { timeout: 120_000 }, () => {
  it('shows conversations started, the funnel and a drill-down into the inbox', async () => {
    await stack.customerWrites({
      from: '393471230001',
      name: 'Giulia Verdi',
      body: 'Buongiorno, un preventivo?',
    });
    await stack.customerWrites({ from: '393471230002', name: 'Marco Neri', body: 'Salve' });
    // Both answered by the bot before the report is read.
    await waitFor(
      async () => {
        const row = await stack.database.ownerDb
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('author', '=', 'bot')
          .executeTakeFirst();
        return Number(row?.n ?? 0) >= 2;
      },
      { timeoutMs: 60_000, description: 'the bot answered both customers' },
    );

    // Every conversation of the workspace started today (the stack's own fixture among them).
    const started = await stack.database.ownerDb
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const total = Number(started.n);
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    expect(await page.title()).toBe('Reports · Leadline');
    const funnel = page.getByRole('region', { name: 'Funnel' });
    await funnel.getByRole('button', { name: new RegExp(`Conversations started\\s*${total}`) }).waitFor();
    const times = page.getByRole('region', { name: 'Response times' });
    await times.getByRole('row', { name: /First reply by the bot/ }).waitFor();
    await page.locator('.volume-plot canvas').first().waitFor();
    await expectAccessible(page, 'reports');
    await browser.screenshot(page, 'reports');

    const exportLink = page.getByRole('link', { name: 'Export CSV' });
    expect(await exportLink.getAttribute('href')).toMatch(/^\/api\/v1\/reports\/export\?from=.*&timeZone=/);

    // Today's row of the table under the chart lists its two conversations; one opens in the inbox.
    const volume = page.getByRole('region', { name: 'Conversations started' });
    await volume.getByRole('row').nth(1).getByRole('button').click();
    const list = page.getByRole('region', { name: /Conversations started on/ });
    await list.getByRole('link', { name: 'Giulia Verdi' }).waitFor();
    await list.getByRole('link', { name: 'Marco Neri' }).waitFor();
    await expectAccessible(page, 'reports: drill-down');
    await list.getByRole('link', { name: 'Giulia Verdi' }).click();
    await page.waitForURL(/\/inbox\/[0-9a-f-]{36}$/);
    await page.getByText('Buongiorno, un preventivo?').first().waitFor();
    expect(pageErrors).toEqual([]);
  });
});
