import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * Campaigns in the dashboard: a segment of imported leads, a WhatsApp template campaign created in the
 * editor (the template list failing once, then loading), its audience preview, launch, live progress, pause,
 * resume and cancel against the fake Graph API, and the report.
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

// The fixture's channel belongs to this business account (test/support/outbound-fixtures.ts).
const WABA_ID = '102290129340398';
const ELIGIBLE = 16;
const MEDIA_URL = 'https://cdn.example.com/spring.jpg';

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  stack.fake.setTemplates(WABA_ID, [
    {
      name: 'spring_offer',
      language: 'it',
      status: 'APPROVED',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'IMAGE' },
        { type: 'BODY', text: 'Ciao {{1}}, la primavera arriva da {{2}}!' },
      ],
    },
    { name: 'draft_offer', language: 'it', status: 'PENDING', category: 'MARKETING', components: [] },
  ]);
  await withTenant(stack.database.db, stack.tenantId, async (trx) => {
    // Two campaign messages a second at most on this number: slow enough to watch, pause and resume.
    await trx.updateTable('whatsappChannels').set({ messagesPerSecond: 2 }).execute();
    const contacts = await trx
      .insertInto('contacts')
      .values(
        Array.from({ length: ELIGIBLE + 3 }, (_, index) => ({
          phoneE164: `+3932055${String(index).padStart(5, '0')}`,
          firstName: `Lead${index}`,
          source: 'import' as const,
        })),
      )
      .returning('id')
      .execute();
    for (const [index, { id }] of contacts.entries()) {
      // The last three: two never asked (no consent), one who opted out.
      if (index >= ELIGIBLE && index < ELIGIBLE + 2) continue;
      const state = index === ELIGIBLE + 2 ? 'opted_out' : 'opted_in';
      await recordConsent(trx, { contactId: id, channel: 'whatsapp', state, source: 'import' });
    }
    await trx
      .insertInto('segments')
      .values({ name: 'Imported leads', filter: JSON.stringify({ sources: ['import'] }) })
      .execute();
  });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInThroughPage(page, stack);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function campaignRow() {
  return withTenant(stack.database.db, stack.tenantId, (trx) =>
    trx
      .selectFrom('campaigns')
      .select(['id', 'status', 'replyHandling', 'content'])
      .executeTakeFirstOrThrow(),
  );
}

async function recipientCounts() {
  return withTenant(stack.database.db, stack.tenantId, async (trx) => {
    const rows = await trx
      .selectFrom('campaignRecipients')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  });
}

/** Waits until the progress figures show at least `count` recipients done (updated live, no reload). */
async function doneAtLeast(count: number) {
  await expect.poll(doneNow, { timeout: 90_000, interval: 250 }).toBeGreaterThanOrEqual(count);
}

async function doneNow(): Promise<number> {
  const text = (await page.locator('.campaign-figures').textContent()) ?? '';
  return Number(/([\d,.]+) of/.exec(text)?.[1]?.replace(/[^\d]/g, '') ?? Number.NaN);
}

describe('campaigns in the dashboard', { timeout: 240_000 }, () => {
  it('creates a template campaign, previews its audience, launches it, and pauses, resumes and cancels it live', async () => {
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    expect(await page.title()).toBe('Campaigns · Leadline');
    await page.getByText('No campaigns yet').waitFor();
    await expectAccessible(page, 'campaign list (empty)');

    // Meta fails the template list (the client's two retries too): the picker says so and offers a retry.
    stack.fake.fail(
      { kind: 'graph-error', code: 100, httpStatus: 400, title: 'Invalid parameter' },
      { times: 3 },
    );
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByRole('heading', { level: 1, name: 'New campaign' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Spring offer');
    await page.getByLabel('WhatsApp channel').selectOption({ label: 'Sales line (15550783881)' });
    await page.getByLabel('Audience (a segment)').selectOption({ label: 'Imported leads' });
    const loadError = page
      .getByRole('alert')
      .filter({ hasText: 'The templates could not be loaded from Meta' });
    await loadError.waitFor({ timeout: 60_000 });
    await loadError.getByRole('button', { name: 'Try again' }).click();
    const picker = page.getByRole('combobox', { name: /^Template/ });
    await page.locator('option[value="spring_offer|it"]').waitFor({ state: 'attached', timeout: 30_000 });
    // Only approved templates are offered.
    expect(await page.locator('option[value="draft_offer|it"]').count()).toBe(0);
    await picker.selectOption('spring_offer|it');
    await page.getByText('Ciao {{1}}, la primavera arriva da {{2}}!').waitFor();
    expect(await page.getByLabel('Body {{1}} filled with').inputValue()).toBe('contact.firstName');
    await page.getByLabel('Body {{1}} fallback').fill('there');
    await page.getByLabel('Body {{2}} filled with').selectOption('contact.company');
    await page.getByLabel('Body {{2}} fallback').fill('Acme Sales');
    await page.getByLabel('Header image link').fill(MEDIA_URL);
    await page.getByLabel('A person answers (the conversation waits in the inbox)').check();
    // Quiet hours depend on the clock where the test runs: off, so the campaign sends now.
    await page.getByLabel("Send nothing during quiet hours in each recipient's local time").uncheck();
    await expectAccessible(page, 'campaign editor');
    await browser.screenshot(page, 'campaign-editor');
    await page.getByRole('button', { name: 'Create draft' }).click();

    await page.getByRole('heading', { level: 1, name: 'Spring offer' }).waitFor();
    await page.getByText('Draft — nothing is sent until you launch it.').waitFor();
    const draft = await campaignRow();
    expect(draft.replyHandling).toBe('human');
    expect(draft.content).toEqual({
      variants: [
        {
          key: 'A',
          template: {
            name: 'spring_offer',
            language: 'it',
            variables: [
              { component: 'body', index: 1, source: 'contact.firstName', fallback: 'there' },
              { component: 'body', index: 2, source: 'contact.company', fallback: 'Acme Sales' },
            ],
            headerMediaUrl: MEDIA_URL,
          },
        },
      ],
    });

    await page.getByRole('button', { name: 'Preview audience' }).click();
    const exclusions = page.getByRole('table', { name: 'Left out, by reason' });
    await exclusions.waitFor({ timeout: 60_000 });
    expect(await page.locator('.preview-figures dd').allTextContents()).toEqual([
      '19',
      String(ELIGIBLE),
      '3',
    ]);
    expect(
      await exclusions.getByRole('row', { name: /No consent for this channel/ }).textContent(),
    ).toContain('2');
    expect(await exclusions.getByRole('row', { name: /Opted out/ }).textContent()).toContain('1');
    await page.getByText(/Estimated finish:/).waitFor();
    await expectAccessible(page, 'campaign preview');
    await browser.screenshot(page, 'campaign-preview');

    await page.getByRole('button', { name: 'Launch campaign' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Launch this campaign?' });
    await confirm.getByText(`${ELIGIBLE} contacts will get “Spring offer”`).waitFor();
    await confirm.getByRole('button', { name: 'Launch' }).click();

    // Live progress: the figures move as the worker sends, without a reload.
    await page.getByRole('progressbar', { name: /Sending/ }).waitFor({ timeout: 60_000 });
    await doneAtLeast(2);
    await expectAccessible(page, 'campaign progress');
    await browser.screenshot(page, 'campaign-sending');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('progressbar', { name: /Paused/ }).waitFor({ timeout: 30_000 });
    expect((await campaignRow()).status).toBe('paused');
    const pausedAt = await doneNow();
    expect(pausedAt).toBeLessThan(ELIGIBLE);
    await browser.screenshot(page, 'campaign-paused');

    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('progressbar', { name: /Sending/ }).waitFor({ timeout: 30_000 });
    await doneAtLeast(pausedAt + 2);

    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    const cancel = page.getByRole('alertdialog', { name: 'Cancel this campaign?' });
    await cancel.getByRole('button', { name: 'Cancel campaign' }).click();
    await page.getByRole('progressbar', { name: /Cancelled/ }).waitFor({ timeout: 30_000 });
    expect((await campaignRow()).status).toBe('cancelled');
    await page.getByRole('button', { name: 'Resume' }).waitFor({ state: 'detached' });
    await browser.screenshot(page, 'campaign-cancelled');

    // Exactly once: every message the fake Graph API accepted belongs to one recipient marked sent, and the
    // rest were cancelled before their turn.
    const counts = await recipientCounts();
    const sends = stack.fake.sends();
    const recipients = sends.map((send) => String(send.body?.to));
    expect(new Set(recipients).size).toBe(sends.length);
    expect((counts.sent ?? 0) + (counts.delivered ?? 0) + (counts.read ?? 0)).toBe(sends.length);
    expect(counts.cancelled ?? 0).toBe(ELIGIBLE - sends.length);
    expect(counts.cancelled ?? 0).toBeGreaterThan(0);
    const template = sends[0]?.body?.template as { name: string; components: unknown[] };
    expect(template.name).toBe('spring_offer');
    expect(JSON.stringify(template.components)).toContain(MEDIA_URL);

    // The recipients table: filtered by status, each row naming its contact and linking to them.
    await page.getByLabel('Show').selectOption('cancelled');
    await page.getByRole('cell', { name: 'Cancelled' }).first().waitFor();
    const recipientTable = page.locator('table.recipient-table');
    expect(await recipientTable.getByRole('columnheader').first().textContent()).toBe('Name');
    const firstName = recipientTable.getByRole('row').nth(1).getByRole('link');
    expect(await firstName.textContent()).toMatch(/^Lead\d+$/);
    expect(await firstName.getAttribute('href')).toMatch(/^\/contacts\/[0-9a-f-]{36}$/);
    await expectAccessible(page, 'campaign recipients');

    await page.getByRole('link', { name: 'Report', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Report of Spring offer' }).waitFor();
    expect(await page.title()).toBe('Report of Spring offer · Leadline');
    const funnel = page.getByRole('table', { name: /The funnel/ });
    expect(await funnel.getByRole('row', { name: /^Sent/ }).getByRole('cell').first().textContent()).toBe(
      String(sends.length),
    );
    await page.locator('.funnel-chart canvas').first().waitFor();
    await expectAccessible(page, 'campaign report');
    await browser.screenshot(page, 'campaign-report');

    await page.getByRole('link', { name: 'All campaigns' }).click();
    const row = page.getByRole('row', { name: /Spring offer/ });
    await row.getByText('Cancelled').waitFor();
    await browser.screenshot(page, 'campaign-list');
    expect(pageErrors).toEqual([]);
  });
});
