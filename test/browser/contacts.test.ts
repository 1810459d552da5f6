import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/** The contacts screens: the list, a contact's page with its timeline, a stage move and its consent. */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await stack.customerWrites({ from: '393471115566', name: 'Gio Ponti', body: 'Buongiorno, un preventivo?' });
  await signInThroughPage(page, stack);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('contacts in the dashboard', { timeout: 60_000 }, () => {
  it('lists contacts, opens one with its timeline, moves its stage and shows its consent', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor();
    const link = page.getByRole('link', { name: /Gio Ponti/ });
    await link.waitFor();
    expect(await page.title()).toBe('Contacts · Leadline');
    await expectAccessible(page, 'contacts list');

    await link.click();
    await page.getByText('Customer: Buongiorno, un preventivo?').waitFor();
    expect(await page.title()).toContain('Gio Ponti');

    await page.getByLabel('Stage').selectOption({ label: 'Qualified' });
    await page.getByText('Stage: New → Qualified').waitFor();

    const contactId = new URL(page.url()).pathname.split('/').at(-1) as string;
    await withTenant(stack.database.db, stack.tenantId, (trx) =>
      recordConsent(trx, { contactId, channel: 'whatsapp', state: 'opted_out', source: 'customer' }),
    );
    await page.reload();
    await page.getByText(/whatsapp: Opted out \(customer/).waitFor();
    await page.getByText('Consent on whatsapp: opted out (customer)').waitFor();
    await expectAccessible(page, 'contact page');
    await browser.screenshot(page, 'contacts-contact-page');
    expect(pageErrors).toEqual([]);
  });
});
