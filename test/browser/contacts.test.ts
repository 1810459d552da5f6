import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { listStages, moveContact } from '../../src/contacts/pipeline/pipeline.js';
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

  it('shows the pipeline board, pages a column, and moves cards by menu, by drag and drop and live', async () => {
    const ids = await withTenant(stack.database.db, stack.tenantId, async (trx) => {
      const created: string[] = [];
      for (let i = 1; i <= 24; i++) {
        const row = await trx
          .insertInto('contacts')
          .values({
            phoneE164: `+3934900000${String(i).padStart(2, '0')}`,
            firstName: 'Board',
            lastName: `Lead ${String(i).padStart(2, '0')}`,
            company: null,
            email: null,
            createdAt: new Date(Date.UTC(2026, 0, i)),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        created.push(row.id);
      }
      return created;
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('button', { name: 'Board' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pipeline board' }).waitFor();
    expect(await page.title()).toBe('Pipeline board · Leadline');
    const column = (name: string) => page.getByRole('region', { name, exact: true });

    // Newest first, 20 a page: the oldest lead appears after "Show more".
    await column('New').getByRole('link', { name: 'Board Lead 24' }).waitFor();
    await column('New').getByRole('button', { name: 'Show more in New' }).click();
    await column('New').getByRole('link', { name: 'Board Lead 01' }).waitFor();
    await expectAccessible(page, 'pipeline board');

    // The keyboard way: the card's "Move to" menu.
    const menu = column('New').getByLabel('Move Board Lead 24 to');
    await menu.focus();
    await menu.selectOption({ label: 'Qualified' });
    await column('Qualified').getByRole('link', { name: 'Board Lead 24' }).waitFor();
    await page.getByText('Board Lead 24 moved to Qualified.').waitFor();
    // Focus follows the card to its new column.
    await page.waitForFunction("document.activeElement?.textContent === 'Qualified'");

    // Drag and drop.
    await column('New')
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: 'Board Lead 23' }) })
      .dragTo(column('Won'));
    await column('Won').getByRole('link', { name: 'Board Lead 23' }).waitFor();

    // Someone else moves a contact: the open board follows through the live channel.
    await withTenant(stack.database.db, stack.tenantId, async (trx) => {
      const lost = (await listStages(trx)).find((stage) => stage.name === 'Lost');
      await moveContact(trx, ids[21] as string, lost?.id as string, null);
    });
    await column('Lost').getByRole('link', { name: 'Board Lead 22' }).waitFor();
    // Each column refreshes on its own: the card leaves New when New's refetch lands.
    await column('New').getByRole('link', { name: 'Board Lead 22' }).waitFor({ state: 'detached' });

    const stageNames = await withTenant(stack.database.db, stack.tenantId, async (trx) => {
      const stages = await listStages(trx);
      const rows = await trx
        .selectFrom('contacts')
        .select(['id', 'stageId'])
        .where('id', 'in', [ids[23] as string, ids[22] as string])
        .execute();
      return Object.fromEntries(
        rows.map((row) => [row.id, stages.find((stage) => stage.id === row.stageId)?.name]),
      );
    });
    expect(stageNames).toEqual({ [ids[23] as string]: 'Qualified', [ids[22] as string]: 'Won' });
    await browser.screenshot(page, 'contacts-pipeline-board');
    expect(pageErrors).toEqual([]);
  });
});
