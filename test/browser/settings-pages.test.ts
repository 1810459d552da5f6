import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { totpCode } from '../support/account-session.js';
import { expectAccessible } from '../support/axe.js';
import type { TestBrowser } from '../support/browser.js';
import type { DashboardStack } from '../support/dashboard-stack.js';
import { signedInDashboard } from '../support/signed-in-dashboard.js';

/**
 * Settings that needed the API before (issue 18): two-factor enrolment and recovery codes, the bot and
 * the LLM agent, a WhatsApp channel's changes, and the audit log in words with filters and CSV.
 */

const stored = <T>(work: (trx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) =>
  withTenant(stack.database.db, stack.tenantId, work);

async function openSettings(name: string, heading = name): Promise<void> {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
}

const dashboard = signedInDashboard();
const { pageErrors, cspViolations } = dashboard;
let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;

beforeAll(() => {
  ({ stack, browser, page } = dashboard);
});

describe('settings pages in the dashboard', { timeout: 90_000 }, () => {
  it('makes new recovery codes after the password is confirmed again, turns 2FA off, and enrols again with the QR code', async () => {
    await openSettings('My account');
    const twoFactor = page.getByRole('region', { name: 'Two-factor authentication' });
    // The stack's owner enrolled without recovery codes.
    await twoFactor.getByText(/^On\. \d+ of 10 recovery codes left\.$/).waitFor();
    // The sign-in is no longer recent: the change asks for the password first.
    await sql`update sessions set authenticated_at = now() - interval '1 hour' where user_id = ${stack.operator.userId}`.execute(
      stack.database.ownerDb,
    );
    await twoFactor.getByRole('button', { name: 'New recovery codes' }).click();
    await twoFactor.getByLabel('Authentication code').fill(await totpCode(stack.operator.secret, 1));
    await twoFactor.getByRole('button', { name: 'Make new recovery codes' }).click();
    const confirm = page.getByRole('dialog', { name: 'Confirm your password' });
    await confirm.getByLabel('Password').fill(stack.operator.password);
    // The answer with the new session held back, as on a slow network: the live channel's notice that the
    // old session ended comes first (the page shows the live channel offline), and must not sign the member
    // out.
    const reauthenticate = '**/api/v1/auth/reauthenticate';
    let heldUntilOffline = false;
    await page.route(reauthenticate, async (route) => {
      const response = await route.fetch();
      await page.getByRole('status').getByText('Offline — reconnecting').waitFor({ timeout: 10_000 });
      heldUntilOffline = true;
      await route.fulfill({ response });
    });
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    const codes = twoFactor.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await codes.first().waitFor();
    await page.unroute(reauthenticate);
    expect(heldUntilOffline).toBe(true);
    await page.getByText('Live', { exact: true }).waitFor();
    expect(await codes.count()).toBe(10);
    const recoveryCode = (await codes.nth(0).textContent()) ?? '';
    await expect(
      twoFactor.getByRole('link', { name: 'Download codes' }).getAttribute('download'),
    ).resolves.toBe('leadline-recovery-codes.txt');
    await expectAccessible(page, 'settings: recovery codes');
    await browser.screenshot(page, 'settings-recovery-codes');
    await twoFactor.getByRole('button', { name: 'I have saved them' }).click();

    await twoFactor.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await twoFactor.getByRole('button', { name: 'Use a recovery code' }).click();
    await twoFactor.getByLabel('Recovery code').fill(recoveryCode);
    await twoFactor.getByRole('button', { name: 'Turn off', exact: true }).click();
    await twoFactor.getByText('Two-factor authentication is off.', { exact: false }).waitFor();
    const user = () =>
      stack.database.ownerDb
        .selectFrom('users')
        .select(['totpEnabledAt'])
        .where('id', '=', stack.operator.userId)
        .executeTakeFirstOrThrow();
    expect((await user()).totpEnabledAt).toBeNull();

    await twoFactor.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    await twoFactor.getByRole('img', { name: 'QR code to add Leadline to your authenticator app' }).waitFor();
    const secret = (await twoFactor.locator('code.secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await expectAccessible(page, 'settings: two-factor enrolment');
    await browser.screenshot(page, 'settings-two-factor-enrolment');
    await twoFactor.getByLabel('Code from the app').fill('000000');
    await twoFactor.getByRole('button', { name: 'Turn on' }).click();
    await twoFactor.getByRole('alert').waitFor();
    await twoFactor.getByLabel('Code from the app').fill(await totpCode(secret));
    await twoFactor.getByRole('button', { name: 'Turn on' }).click();
    await twoFactor.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe(
      'Your recovery codes',
    );
    await twoFactor.getByRole('button', { name: 'I have saved them' }).click();
    await twoFactor.getByText('On. 10 of 10 recovery codes left.').waitFor();
    expect((await user()).totpEnabledAt).not.toBeNull();
  });

  it('asks to confirm a new e-mail address by mail, and changes nothing until then', async () => {
    await page.getByLabel('New e-mail address').fill('owner+new@acme.test');
    await page.getByRole('button', { name: 'Change e-mail address' }).click();
    await page.getByText('We sent a link to owner+new@acme.test.', { exact: false }).waitFor();
    const user = await stack.database.ownerDb
      .selectFrom('users')
      .select('email')
      .where('id', '=', stack.operator.userId)
      .executeTakeFirstOrThrow();
    expect(user.email).toBe('owner@acme.test');
  });

  it('saves the bot’s language, details, confirmation step and an Italian text', async () => {
    await openSettings('Bot');
    await page.getByLabel('Default language').selectOption('it');
    await page.getByRole('checkbox', { name: 'Company' }).uncheck();
    await page.getByRole('checkbox', { name: 'End with a summary the customer confirms' }).check();
    await page.getByLabel('Texts in').selectOption('it');
    await page.getByLabel('Greeting').fill('Ciao! Sono l’assistente di Acme.');
    await expectAccessible(page, 'settings: bot');
    await browser.screenshot(page, 'settings-bot');
    await page.getByRole('button', { name: 'Save bot settings' }).click();
    await page.getByText('Saved. The bot uses these settings from the next message.').waitFor();
    const saved = await stored((trx) =>
      trx
        .selectFrom('qualifierSettings')
        .select(['defaultLanguage', 'requiredFields', 'confirmProfile', 'prompts'])
        .executeTakeFirstOrThrow(),
    );
    expect(saved).toEqual({
      defaultLanguage: 'it',
      requiredFields: ['first_name', 'last_name', 'email'],
      confirmProfile: true,
      prompts: { it: { greeting: 'Ciao! Sono l’assistente di Acme.' } },
    });
    // A placeholder the prompt does not know is refused with the server's words.
    await page.getByLabel('Greeting').fill('Ciao {{nome}}');
    await page.getByRole('button', { name: 'Save bot settings' }).click();
    await page
      .getByRole('alert')
      .getByText(/unknown placeholder/)
      .waitFor();
  });

  it('adds LLM providers in failover order with a budget, never showing the key again', async () => {
    await openSettings('LLM agent');
    await page.getByText('No calls in the last 30 days').waitFor();
    await page.getByRole('button', { name: 'Add a provider' }).click();
    await page.getByLabel('Model').fill('gpt-4o-mini');
    await page.getByLabel('API key').fill('sk-test-key-1234');
    await page.getByRole('button', { name: 'Add a provider' }).click();
    const second = page.getByRole('group', { name: /^2\./ });
    await second.getByLabel('Kind').selectOption('anthropic');
    await second.getByLabel('Address').fill('https://api.anthropic.com');
    await second.getByLabel('Model').fill('claude-3-5-haiku-latest');
    await second.getByLabel('API key').fill('sk-ant-test-9876');
    await second.getByRole('button', { name: 'Move up provider 2' }).click();
    await page.getByLabel('Monthly spend cap (USD)').fill('25');
    await page.getByRole('checkbox', { name: 'Answer customers with the LLM agent' }).check();
    await expectAccessible(page, 'settings: LLM agent');
    await browser.screenshot(page, 'settings-llm');
    await page.getByRole('button', { name: 'Save LLM settings' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect(await page.getByLabel('API key').first().getAttribute('placeholder')).toBe('saved, ends in 9876');
    expect(await page.getByLabel('API key').first().inputValue()).toBe('');
    const saved = await stored((trx) =>
      trx
        .selectFrom('llmSettings')
        .select(['enabled', 'providers', 'monthlySpendCapMicros'])
        .executeTakeFirstOrThrow(),
    );
    expect(saved.enabled).toBe(true);
    expect(saved.providers.map((provider) => provider.model)).toEqual([
      'claude-3-5-haiku-latest',
      'gpt-4o-mini',
    ]);
    expect(Number(saved.monthlySpendCapMicros)).toBe(25_000_000);
    expect(JSON.stringify(saved)).not.toContain('sk-ant-test-9876');
  });

  it('edits a WhatsApp channel, rotates its app secret with the grace period shown, disables and enables it', async () => {
    await openSettings('Channels', 'WhatsApp channels');
    const card = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { level: 2 }) })
      .first();
    await card.getByRole('button', { name: /^Edit / }).click();
    await card.getByLabel('Messages per second').fill('40');
    await card.getByRole('checkbox', { name: 'Mark customers’ messages as read when they arrive' }).uncheck();
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Up to 40 messages a second · does not mark messages as read').waitFor();

    await card.getByRole('button', { name: /^Rotate secrets/ }).click();
    await card.getByLabel('New app secret').fill('a-brand-new-app-secret');
    await card.getByRole('button', { name: 'Save new secrets' }).click();
    await card.getByText(/The previous app secret is still accepted until/).waitFor();
    await expectAccessible(page, 'settings: channels');
    await browser.screenshot(page, 'settings-channels');

    await card.getByRole('button', { name: /^Disable / }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Disable channel' }).click();
    await card.getByText('Disabled', { exact: true }).waitFor();
    const channel = () =>
      stored((trx) =>
        trx
          .selectFrom('whatsappChannels')
          .select(['messagesPerSecond', 'markAsRead', 'disabledAt', 'previousAppSecretExpiresAt'])
          .where('id', '=', stack.channel.channelId)
          .executeTakeFirstOrThrow(),
      );
    const disabled = await channel();
    expect(disabled).toMatchObject({ messagesPerSecond: 40, markAsRead: false });
    expect(disabled.disabledAt).not.toBeNull();
    expect(disabled.previousAppSecretExpiresAt).not.toBeNull();
    await card.getByRole('button', { name: /^Enable / }).click();
    await card.getByRole('button', { name: /^Disable / }).waitFor();
    expect((await channel()).disabledAt).toBeNull();
  });

  it('reads the audit log in words, filters it, links to what changed and downloads it as CSV', async () => {
    await openSettings('Audit log');
    const table = page.getByRole('table');
    await table.getByText('Changed the bot’s settings').waitFor();
    await table.getByText('Disabled a WhatsApp channel').waitFor();
    await table.getByText('Changed the LLM agent’s settings').waitFor();
    expect(await table.getByText('owner@acme.test').count()).toBeGreaterThan(2);
    expect(await table.getByText('whatsapp_channel.disabled').count()).toBe(0);
    await expectAccessible(page, 'settings: audit log');
    await browser.screenshot(page, 'settings-audit-log');

    await page.getByLabel('What').selectOption('whatsapp_channel.disabled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await table.getByText('Changed the bot’s settings').waitFor({ state: 'detached' });
    await table.getByText('Disabled a WhatsApp channel').waitFor();
    expect(await table.getByRole('row').count()).toBe(2);
    const href = (await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')) ?? '';
    expect(href).toContain('action=whatsapp_channel.disabled');
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href);
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'id,created_at,action,actor,actor_user_id,actor_api_key_id,ip,user_agent,request_id,detail',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('whatsapp_channel.disabled,owner@acme.test');

    // A date range that ends before today shows nothing, and says what to do.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('From', { exact: true }).fill('2020-01-01');
    await page.getByLabel('To', { exact: true }).fill('2020-01-31');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Nothing matches these filters').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();

    await table.getByRole('link', { name: 'Bot settings' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Bot' }).waitFor();
  });

  it('needed nothing the CSP forbids, and threw no error', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
