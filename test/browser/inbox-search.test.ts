import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setOwnershipByUser } from '../../src/conversations/ownership.service.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * Search and filters of the conversation list, against the inbox API's contract (GET /conversations with
 * filter= and q=). Needs the inbox-API routes (branch inbox-api): see vitest.config.ts.
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;

const CUSTOMERS = [
  { from: '393471112233', name: 'Bianca Rossi', body: 'Hello, do you ship to Milan?' },
  { from: '393489998877', name: 'Carlo Verdi', body: 'I need a quote' },
  { from: '393405556677', name: 'Dora Neri', body: 'Can I speak to a person?' },
];

async function listedNames(): Promise<string[]> {
  return page.locator('.conversation-item .item-name').allTextContents();
}

async function expectListed(names: string[]): Promise<void> {
  await expect.poll(async () => (await listedNames()).sort(), { timeout: 10_000 }).toEqual([...names].sort());
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  for (const customer of CUSTOMERS) await stack.customerWrites(customer);
  page = await browser.newPage();
  await signInThroughPage(page, stack);
  // Dora's conversation is taken over by a person; the others stay with the bot.
  const dora = await withTenant(stack.database.db, stack.tenantId, (trx) =>
    trx
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .select('conversations.id')
      .where('contacts.phoneE164', '=', '+393405556677')
      .executeTakeFirstOrThrow(),
  );
  await setOwnershipByUser(stack.database.db, stack.tenantId, {
    conversationId: dora.id,
    userId: stack.operator.userId,
    target: { to: 'human' },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('searching and filtering the conversation list', { timeout: 60_000 }, () => {
  const search = () => page.getByRole('searchbox', { name: 'Search conversations' });

  it('finds a conversation by name, case-insensitively, and by phone digits', async () => {
    await search().fill('bianca');
    await expectListed(['Bianca Rossi']);
    await search().fill('489998');
    await expectListed(['Carlo Verdi']);
    await search().fill('+393405556677');
    await expectListed(['Dora Neri']);
    await search().fill('nobody-by-this-name');
    await expectListed([]);
    await page.getByText('Nothing matches this search').waitFor();
    await search().fill('');
  });

  it('filters by who answers', async () => {
    const filters = page.getByRole('group', { name: 'Filter conversations' });
    await filters.getByRole('button', { name: 'Human' }).click();
    await expectListed(['Dora Neri']);
    await filters.getByRole('button', { name: 'Bot' }).click();
    await expectListed(['Bianca Rossi', 'Carlo Verdi', stack.channel.phoneE164]);
    await filters.getByRole('button', { name: 'Unassigned' }).click();
    await expectListed(['Bianca Rossi', 'Carlo Verdi', 'Dora Neri', stack.channel.phoneE164]);
    await filters.getByRole('button', { name: 'Closed' }).click();
    await expectListed([]);
  });
});
