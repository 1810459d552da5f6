import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * Notifications and inbox quality in Chromium against a real Leadline process: a customer asking for a
 * person raises the bell's count live, the list shows it and opens the conversation; bulk close; snooze;
 * the keyboard shortcuts and their help overlay.
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

async function conversationIdOf(phone: string): Promise<string> {
  return withTenant(stack.database.db, stack.tenantId, async (trx) => {
    const row = await trx
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .select('conversations.id')
      .where('contacts.phoneE164', '=', `+${phone}`)
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

async function statusOf(id: string) {
  return withTenant(stack.database.db, stack.tenantId, async (trx) =>
    trx
      .selectFrom('conversations')
      .select(['status', 'snoozedUntil'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow(),
  );
}

const listItem = (name: string) => page.getByRole('link', { name: new RegExp(name) });

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  await stack.customerWrites({ from: '393471110001', name: 'Bruno Bianchi', body: 'Hello, a quote please' });
  await stack.customerWrites({ from: '393471110002', name: 'Carla Conti', body: 'Do you ship to Rome?' });
  await stack.customerWrites({ from: '393471110003', name: 'Dario Drago', body: 'Prices for tiles?' });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInThroughPage(page, stack);
  await page.getByText('Live', { exact: true }).waitFor({ timeout: 30_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('notifications and inbox quality in a browser', { timeout: 90_000 }, () => {
  it('a handoff raises the bell live; the list shows it and a click opens the conversation', async () => {
    const bell = page.getByRole('button', { name: /Notifications/ });
    await bell.waitFor();
    expect(await page.getByTestId('bell-count').count()).toBe(0);
    await stack.customerWrites({
      from: '393471110009',
      name: 'Elena Esposito',
      body: 'I want to talk to an operator, please',
    });
    await expect
      .poll(
        () =>
          page
            .getByTestId('bell-count')
            .textContent()
            .catch(() => null),
        { timeout: 45_000 },
      )
      .toMatch(/^1/);
    await browser.screenshot(page, 'notifications-bell');
    await bell.click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    const entry = panel.getByRole('button', { name: /Elena Esposito was handed to a person/ });
    await entry.waitFor({ timeout: 15_000 });
    await browser.screenshot(page, 'notifications-panel');
    await entry.click();
    const id = await conversationIdOf('393471110009');
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/inbox/${id}`);
    await page
      .getByRole('region', { name: 'Conversation' })
      .getByText('I want to talk to an operator, please')
      .first()
      .waitFor();
    // Opening it marked it read: the count is gone.
    await expect.poll(() => page.getByTestId('bell-count').count(), { timeout: 15_000 }).toBe(0);
  });

  it('the preferences and the browser permission are offered in the panel', async () => {
    await page.getByRole('button', { name: /Notifications/ }).click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    await panel.getByRole('button', { name: 'Preferences' }).click();
    const box = panel.getByRole('checkbox', { name: 'I am @mentioned in a private note: in the browser' });
    await box.waitFor();
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await expect.poll(() => box.isChecked()).toBe(false);
    await expect
      .poll(
        () =>
          withTenant(stack.database.db, stack.tenantId, (trx) =>
            trx.selectFrom('notificationPreferences').select(['kind', 'inApp', 'browser']).execute(),
          ),
        { timeout: 15_000 },
      )
      .toEqual([{ kind: 'mention', inApp: true, browser: false }]);
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.count()).toBe(0);
  });

  it('bulk close: select two conversations and close them together', async () => {
    await page.goto(`${stack.url}/inbox`);
    await listItem('Carla Conti').waitFor();
    await page.getByRole('checkbox', { name: 'Select Carla Conti' }).check();
    await page.getByRole('checkbox', { name: 'Select Dario Drago' }).check();
    const bar = page.getByRole('toolbar', { name: 'Selected conversations' });
    await bar.getByText('2 selected').waitFor();
    await browser.screenshot(page, 'inbox-bulk-selection');
    await bar.getByRole('button', { name: 'Close selected' }).click();
    await expect.poll(() => listItem('Carla Conti').count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => listItem('Dario Drago').count()).toBe(0);
    expect((await statusOf(await conversationIdOf('393471110002'))).status).toBe('closed');
    expect((await statusOf(await conversationIdOf('393471110003'))).status).toBe('closed');
  });

  it('snooze takes a conversation out of the open list and into Snoozed', async () => {
    const id = await conversationIdOf('393471110001');
    await page.goto(`${stack.url}/inbox/${id}`);
    const thread = page.getByRole('region', { name: 'Conversation' });
    await thread.getByRole('combobox', { name: 'Snooze' }).selectOption('1h');
    await thread.getByText(/Snoozed until/).waitFor({ timeout: 15_000 });
    expect((await statusOf(id)).snoozedUntil).not.toBeNull();
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await expect
      .poll(() => list.getByRole('link', { name: /Bruno Bianchi/ }).count(), { timeout: 15_000 })
      .toBe(0);
    await list.getByRole('button', { name: 'Snoozed' }).click();
    await list.getByRole('link', { name: /Bruno Bianchi/ }).waitFor();
    await browser.screenshot(page, 'inbox-snoozed');
    await thread.getByRole('button', { name: 'Wake now' }).click();
    await expect.poll(async () => (await statusOf(id)).snoozedUntil, { timeout: 15_000 }).toBeNull();
  });

  it('keyboard shortcuts: ? shows the overlay, / focuses search, j opens a conversation', async () => {
    await page.goto(`${stack.url}/inbox`);
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await list.getByRole('button', { name: 'Open' }).waitFor();
    await list.getByRole('link').first().waitFor();
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await help.getByText('Next conversation').waitFor();
    await browser.screenshot(page, 'inbox-shortcuts');
    await page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
    await page.keyboard.press('/');
    await expect
      .poll(() =>
        page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')"),
      )
      .toBe('Search conversations');
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('j');
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/inbox\/[0-9a-f-]{36}$/);
    expect(pageErrors).toEqual([]);
  });
});
