import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { expectAccessible } from '../support/axe.js';
import type { TestBrowser } from '../support/browser.js';
import type { DashboardStack } from '../support/dashboard-stack.js';
import { signedInDashboard } from '../support/signed-in-dashboard.js';

/** Settings → Lead sources: a webhook source's secret shown once, rotation, disabling, enrichment. */

const dashboard = signedInDashboard();
const { pageErrors } = dashboard;
let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;

beforeAll(() => {
  ({ stack, browser, page } = dashboard);
});

describe('lead sources in the dashboard', { timeout: 90_000 }, () => {
  it('creates a webhook source showing its secret once, rotates it and disables the source', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Lead sources', exact: true })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Lead sources' }).waitFor();
    expect(await page.title()).toBe('Lead sources · Settings · Leadline');
    await page.getByText('No lead sources').waitFor();
    // The server has no enrichment key: the page says so.
    await page.getByText('No enrichment provider key is configured on this server.').waitFor();
    await expectAccessible(page, 'settings-lead-sources-empty');

    await page.getByLabel('Name').fill('Website form');
    await page.getByRole('button', { name: 'Create source' }).click();
    const once = page.getByRole('status').filter({ hasText: 'Copy this signing secret now.' });
    const secret = (await once.locator('.mono').textContent()) ?? '';
    expect(secret).toMatch(/^lls_/);
    const row = page.locator('li.row').filter({ hasText: 'Website form' });
    await row.getByText(/\/api\/v1\/public\/lead-sources\/[0-9a-f-]{36}\/leads$/).waitFor();
    await expectAccessible(page, 'settings-lead-sources-created');
    await browser.screenshot(page, 'settings-lead-sources');
    await once.getByRole('button', { name: 'Done' }).click();
    await once.waitFor({ state: 'detached' });

    await row.getByRole('button', { name: 'Rotate secret of Website form' }).click();
    const rotated =
      (await page
        .getByRole('status')
        .filter({ hasText: 'Copy this signing secret' })
        .locator('.mono')
        .textContent()) ?? '';
    expect(rotated).toMatch(/^lls_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole('button', { name: 'Done' }).click();

    await row.getByRole('button', { name: 'Disable Website form' }).click();
    await row.getByRole('button', { name: 'Enable Website form' }).waitFor();
    const stored = await withTenant(stack.database.db, stack.tenantId, (trx) =>
      trx
        .selectFrom('leadSources')
        .select(['disabledAt', 'previousSecretExpiresAt'])
        .executeTakeFirstOrThrow(),
    );
    expect(stored.disabledAt).not.toBeNull();
    expect(stored.previousSecretExpiresAt).not.toBeNull();
    expect(pageErrors).toEqual([]);
  });
});
