import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/** The segments screen: build a segment, watch its counts and exclusions, save it and open it again. */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

const count = (name: string) => page.getByTestId(`count-${name}`);

/** Three customers write; Ada consented to WhatsApp, Bea opted out, Carlo was never asked; Ada and Bea are labelled. */
async function seed(): Promise<void> {
  await stack.customerWrites({ from: '393471117701', name: 'Ada Rossi', body: 'Ciao' });
  await stack.customerWrites({ from: '393471117702', name: 'Bea Neri', body: 'Salve' });
  await stack.customerWrites({ from: '393471117703', name: 'Carlo Blu', body: 'Buongiorno' });
  // The worker stores each message (and its contact) after the webhook's acknowledgement. The stack's own
  // conversation is not one of the three, so the wait counts only theirs.
  await expect
    .poll(
      () =>
        withTenant(
          stack.database.db,
          stack.tenantId,
          async (trx) =>
            (
              await trx
                .selectFrom('conversations')
                .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
                .select('conversations.id')
                .where('contacts.phoneE164', 'in', ['+393471117701', '+393471117702', '+393471117703'])
                .execute()
            ).length,
        ),
      { timeout: 90_000, interval: 250 },
    )
    .toBe(3);
  await withTenant(stack.database.db, stack.tenantId, async (trx) => {
    const contacts = await trx.selectFrom('contacts').select(['id', 'phoneE164']).execute();
    const byPhone = new Map(contacts.map((c) => [c.phoneE164, c.id]));
    await trx.insertInto('labels').values({ name: 'Fiera 2026', color: '#336699' }).execute();
    const ada = byPhone.get('+393471117701') ?? '';
    const bea = byPhone.get('+393471117702') ?? '';
    await recordConsent(trx, { contactId: ada, channel: 'whatsapp', state: 'opted_in', source: 'widget' });
    await recordConsent(trx, { contactId: bea, channel: 'whatsapp', state: 'opted_out', source: 'customer' });
    const label = await trx.selectFrom('labels').select('id').executeTakeFirstOrThrow();
    const conversations = await trx
      .selectFrom('conversations')
      .select('id')
      .where('contactId', 'in', [ada, bea])
      .execute();
    await trx
      .insertInto('conversationLabels')
      .values(conversations.map((c) => ({ conversationId: c.id, labelId: label.id })))
      .execute();
  });
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInThroughPage(page, stack);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('segments in the dashboard', { timeout: 120_000 }, () => {
  it('builds a segment, shows counts with every exclusion, saves it and reopens it', async () => {
    await seed();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('heading', { level: 1, name: 'Segments' }).waitFor();
    expect(await page.title()).toBe('Segments · Leadline');
    await page.getByText('No segments yet').waitFor();
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.getByRole('heading', { name: 'New segment' }).waitFor();
    expect(await page.title()).toBe('New segment · Segments · Leadline');

    // No condition: every contact. Ada consented, Bea opted out; Carlo and the stack's own test contact
    // were never asked.
    await count('total')
      .getByText('4', { exact: true })
      .waitFor({ timeout: 30_000 })
      .catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${await page.locator('main').innerText()}`);
      });
    expect(await count('eligible').textContent()).toBe('1');
    expect(await count('opted_out').textContent()).toBe('1');
    expect(await count('no_consent').textContent()).toBe('2');
    expect(await count('invalid_number').textContent()).toBe('0');
    expect(await count('suppressed').textContent()).toBe('0');
    await page.getByRole('cell', { name: 'Opted out' }).waitFor();

    await page.getByLabel('Name').fill('Fiera leads');
    await page.getByRole('combobox', { name: /^Condition/ }).selectOption({ label: 'Labels' });
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByRole('group', { name: 'Labels' }).getByLabel('Fiera 2026').check();
    await count('total').getByText('2', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await count('eligible').textContent()).toBe('1');
    expect(await count('no_consent').textContent()).toBe('0');
    await expectAccessible(page, 'segment builder');

    // The channel changes the verdicts: nobody consented to SMS.
    await page.getByRole('combobox', { name: /^Channel/ }).selectOption('sms');
    await count('eligible').getByText('0', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await count('no_consent').textContent()).toBe('2');
    await page.getByRole('combobox', { name: /^Channel/ }).selectOption('whatsapp');

    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved “Fiera leads”' }).waitFor();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    const url = page.url();
    await page.getByRole('listitem').getByRole('link', { name: 'Fiera leads' }).waitFor();

    // Reopened from scratch: the saved filter comes back with its counts.
    await page.goto(`${stack.url}/segments`);
    await page.getByRole('link', { name: 'Fiera leads' }).click();
    await page.waitForURL(url);
    await page.getByRole('heading', { level: 2, name: 'Fiera leads' }).waitFor();
    expect(await page.title()).toBe('Fiera leads · Segments · Leadline');
    expect(await page.getByRole('group', { name: 'Labels' }).getByLabel('Fiera 2026').isChecked()).toBe(true);
    await count('total').getByText('2', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await count('opted_out').textContent()).toBe('1');
    await browser.screenshot(page, 'segments-builder');
    expect(pageErrors).toEqual([]);
  });
});
