import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSession } from '../../src/accounts/sessions.service.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/** Settings pages that used to need the API: labels and canned responses, created, edited and deleted. */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];
const cspViolations: string[] = [];

const stored = <T>(work: (trx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) =>
  withTenant(stack.database.db, stack.tenantId, work);

async function openSettings(name: string): Promise<void> {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
  // The stack's fixture conversation, closed: the inbox opens empty, as a new workspace's does.
  await stored((trx) =>
    trx
      .updateTable('conversations')
      .set({ status: 'closed' })
      .where('id', '=', stack.channel.conversationId)
      .execute(),
  );
  await signInThroughPage(page, stack);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('settings in the dashboard', { timeout: 60_000 }, () => {
  it('guides a new workspace with a checklist read from its real state, until dismissed', async () => {
    // A workspace without conversations yet.
    const checklist = page.getByRole('region', { name: 'Get started' });
    await checklist.waitFor();
    // The stack's workspace has a WhatsApp channel, default bot settings and only its owner.
    await checklist.getByText('1 of 3 done').waitFor();
    expect(await checklist.getByRole('link', { name: 'Connect WhatsApp' }).count()).toBe(0);
    await expectAccessible(page, 'first-run checklist');
    await browser.screenshot(page, 'first-run');
    await checklist.getByRole('link', { name: 'Invite someone' }).click();
    await page.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
    await page.getByLabel('Email').fill('teammate@acme.test');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByText('teammate@acme.test').waitFor();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .click();
    await checklist.getByText('2 of 3 done').waitFor();
    await checklist.getByRole('button', { name: 'Dismiss' }).click();
    expect(await checklist.count()).toBe(0);
    await page.reload();
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await page.getByText('No conversations here').waitFor();
    expect(await page.getByRole('region', { name: 'Get started' }).count()).toBe(0);
    // From here on the workspace has a conversation.
    await stack.customerWrites({ from: '393331230000', name: 'Gio Ponti', body: 'Orari di apertura?' });
    await page.getByRole('link', { name: /Gio Ponti/ }).waitFor();
  });

  it('creates, renames, recolours and deletes a label', async () => {
    await openSettings('Labels');
    await page.getByText('No labels yet').waitFor();
    const form = page.getByRole('region', { name: 'New label' });
    await form.getByLabel('Name').fill('Wholesale');
    await form.getByLabel('Colour').fill('#2e7d32');
    await form.getByRole('button', { name: 'Create label' }).click();
    await page.getByRole('listitem').filter({ hasText: 'Wholesale' }).waitFor();
    expect(await form.getByLabel('Name').inputValue()).toBe('');
    await expectAccessible(page, 'settings: labels');
    await browser.screenshot(page, 'settings-labels');

    await page.getByRole('button', { name: 'Edit Wholesale' }).click();
    const row = page.locator('.rows .row form');
    await row.getByLabel('Name').fill('Wholesale EU');
    await row.getByLabel('Colour').fill('#b42318');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Edit Wholesale EU' }).waitFor();
    expect(await stored((trx) => trx.selectFrom('labels').select(['name', 'color']).execute())).toEqual([
      { name: 'Wholesale EU', color: '#b42318' },
    ]);

    // Offered at once by the open conversation's label picker (the cache was invalidated).
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .click();
    await page.getByRole('link', { name: /Gio Ponti/ }).click();
    await page.getByRole('region', { name: 'Conversation' }).getByText('Wholesale EU').first().waitFor();

    await openSettings('Labels');
    await page.getByRole('button', { name: 'Delete Wholesale EU' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Delete “Wholesale EU”?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete label' }).click();
    await page.getByText('No labels yet').waitFor();
    expect(await stored((trx) => trx.selectFrom('labels').select('id').execute())).toEqual([]);
  });

  it('refuses a duplicate shortcut with the server’s message, then edits and deletes a canned response', async () => {
    await openSettings('Canned responses');
    const form = page.getByRole('region', { name: 'New canned response' });
    await form.getByLabel('Shortcut').fill('/hours');
    await form.getByLabel('Text').fill('We are open Monday to Friday, 9 to 18.');
    await form.getByRole('button', { name: 'Save response' }).click();
    await page.getByRole('listitem').filter({ hasText: '/hours' }).waitFor();

    await form.getByLabel('Shortcut').fill('hours');
    await form.getByLabel('Text').fill('Another text');
    await form.getByRole('button', { name: 'Save response' }).click();
    await page.getByRole('alert').waitFor();
    // The form keeps what was typed so it can be corrected.
    expect(await form.getByLabel('Text').inputValue()).toBe('Another text');
    await expectAccessible(page, 'settings: canned responses');
    await browser.screenshot(page, 'settings-canned-responses');

    await page.getByRole('button', { name: 'Edit /hours' }).click();
    const row = page.locator('.rows .row form');
    await row.getByLabel('Text').fill('Open Monday to Saturday, 9 to 18.');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Open Monday to Saturday, 9 to 18.').waitFor();

    // The composer offers the edited text.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .click();
    await page.getByRole('link', { name: /Gio Ponti/ }).click();
    await page.getByRole('textbox', { name: 'Reply' }).fill('/ho');
    await page.getByRole('list', { name: 'Canned responses' }).getByText('Open Monday to Saturday').waitFor();
    await page.getByRole('textbox', { name: 'Reply' }).fill('');

    await openSettings('Canned responses');
    await page.getByRole('button', { name: 'Delete /hours' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete response' }).click();
    await page.getByText('No canned responses yet').waitFor();
    expect(await stored((trx) => trx.selectFrom('cannedResponses').select('id').execute())).toEqual([]);
  });

  it('lists my sessions, signs out the others, and changes my password', async () => {
    const phone = { requestId: 'test', ip: '203.0.113.9', userAgent: 'Phone browser' };
    await issueSession(stack.database.db, stack.config, {
      userId: stack.operator.userId,
      activeTenantId: stack.tenantId,
      mfaPending: false,
      context: phone,
    });
    await openSettings('My account');
    await page.getByText('Phone browser').waitFor();
    await page.getByText('This browser').waitFor();
    await expectAccessible(page, 'settings: my account');
    await browser.screenshot(page, 'settings-account');
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page.getByText('One other session was signed out.').waitFor();
    await page.getByText('You are signed in only here').waitFor();

    await page.getByLabel('Current password').fill('not the password');
    await page.getByLabel('New password').fill('a brand new passphrase 42');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Current password').fill(stack.operator.password);
    await page.getByLabel('New password').fill('a brand new passphrase 42');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText(/^Password changed\./).waitFor();
    // Still signed in here, with the new password stored.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .click();
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
  });

  it('requires two-factor authentication for the workspace, and turns it off again', async () => {
    await openSettings('Security');
    const box = page.getByLabel('Require two-factor authentication for every member');
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await page.getByText('Two-factor authentication is now required.', { exact: false }).waitFor();
    const requirement = () =>
      stored((trx) =>
        trx
          .selectFrom('tenants')
          .select('requireTwoFactor')
          .where('id', '=', stack.tenantId)
          .executeTakeFirstOrThrow(),
      );
    expect(await requirement()).toEqual({ requireTwoFactor: true });
    await expectAccessible(page, 'settings: security');
    await browser.screenshot(page, 'settings-security');
    await box.uncheck();
    await page.getByText('Two-factor authentication is no longer required.').waitFor();
    expect(await requirement()).toEqual({ requireTwoFactor: false });
  });

  it('explains each API key scope and creates a key with the ones chosen', async () => {
    await openSettings('API keys');
    const scopes = page.getByRole('group', { name: 'Scopes' });
    await scopes.getByText('Connect and change WhatsApp channels.').waitFor();
    await scopes.getByRole('checkbox', { name: /^messages:read/ }).uncheck();
    await scopes.getByRole('checkbox', { name: /^contacts:read/ }).check();
    await page.getByLabel('Name', { exact: true }).fill('CRM sync');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('It is shown only once.').waitFor();
    const keys = await stored((trx) => trx.selectFrom('apiKeys').select(['name', 'scopes']).execute());
    expect(keys).toEqual([{ name: 'CRM sync', scopes: ['contacts:read'] }]);
  });

  it('needed nothing the CSP forbids, and threw no error', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
