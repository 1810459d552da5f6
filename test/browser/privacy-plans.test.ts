import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePlan } from '../../src/plans/plans.service.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { applyRetention } from '../../src/privacy/retention.service.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * Settings › Privacy (retention, legal hold, last run), a contact's export and erasure from its page, and
 * the plan banner with Settings › Usage, in the real dashboard against a real Leadline process.
 */

const CUSTOMER = { from: '393471117788', name: 'Ada Rossi', body: 'Ciao, vorrei un preventivo' };

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await stack.customerWrites(CUSTOMER);
  await signInThroughPage(page, stack);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function openSettings(name: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

describe('privacy screens', { timeout: 120_000 }, () => {
  it('sets the retention policy and shows the last retention run', async () => {
    await openSettings('Privacy');
    expect(await page.title()).toBe('Privacy · Settings · Leadline');
    await page.getByText('The retention job has not run yet').waitFor();
    await page.getByLabel('Messages (days)').fill('400');
    await page.getByLabel('Pseudonymise the audit log after (days)').fill('90');
    await page.getByLabel(/Legal hold/).uncheck();
    await page.getByRole('button', { name: 'Save retention' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const policy = await withTenant(stack.database.db, stack.tenantId, (trx) =>
      trx.selectFrom('retentionPolicies').selectAll().executeTakeFirstOrThrow(),
    );
    expect(policy).toMatchObject({ messagesDays: 400, auditPseudonymiseDays: 90, keepAcceptedQuotes: false });

    // The daily job's run (as the worker would do it) with a date far enough ahead to age the message.
    const run = await applyRetention(
      (work) => withTenant(stack.database.db, stack.tenantId, work),
      stack.tenantId,
      {
        blobs: createFilesystemBlobStore(stack.config.media.blobDir),
        now: new Date(Date.now() + 401 * 86_400_000),
      },
    );
    expect(run.removed.messages).toBeGreaterThan(0);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Privacy' }).waitFor();
    await page.getByText(`${run.removed.messages} messages`, { exact: true }).waitFor();
    expect(await page.getByLabel('Messages (days)').inputValue()).toBe('400');
    await expectAccessible(page, 'settings: privacy');
    await browser.screenshot(page, 'settings-privacy');
  });

  it('rotates the data key from Settings › Privacy after a confirmation and shows the versions', async () => {
    await openSettings('Privacy');
    const panel = page.getByRole('region', { name: 'Encryption at rest' });
    await panel.getByRole('cell', { name: '1 (current)' }).waitFor();
    await panel.getByRole('button', { name: 'Rotate data key' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Rotate the data key?' });
    await dialog.waitFor();
    await expectAccessible(page, 'data key rotation confirmation');
    // Cancelling changes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await panel.getByRole('button', { name: 'Rotate data key' }).click();
    await page
      .getByRole('alertdialog', { name: 'Rotate the data key?' })
      .getByRole('button', { name: 'Rotate' })
      .click();
    await panel.getByText('Version 2 now encrypts new data; older data is being re-encrypted.').waitFor();
    await panel.getByRole('cell', { name: '2 (current)' }).waitFor();
    const { rows } = await sql<{ version: number }>`
      select version from workspace_data_keys where tenant_id = ${stack.tenantId} and version = 2`.execute(
      stack.database.ownerDb,
    );
    expect(rows).toHaveLength(1);
    await expectAccessible(page, 'settings: privacy, key rotated');
  });

  it('exports a contact as a ZIP, then erases it after a typed confirmation and shows the verified result', async () => {
    await stack.customerWrites({ ...CUSTOMER, body: 'Sono ancora qui' });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('link', { name: /Ada Rossi/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Ada Rossi' }).waitFor();
    await page.getByText('Customer: Sono ancora qui').waitFor();

    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export data' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^contact-[0-9a-f-]+\.zip$/);
    const zip = await readFile((await download.path()) as string);
    expect(zip.length).toBeGreaterThan(100);
    expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
    // Entry names are stored uncompressed: the contact's messages and profile are in it.
    expect(zip.includes(Buffer.from('messages.json'))).toBe(true);
    expect(zip.includes(Buffer.from('contact.json'))).toBe(true);

    await page.getByRole('button', { name: 'Erase contact' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Erase this contact?' });
    await dialog.waitFor();
    await expectAccessible(page, 'contact erase confirmation');
    // Not confirmed until the number is typed: the erase button says it is unavailable.
    const erase = dialog.getByRole('button', { name: 'Erase permanently' });
    expect(await erase.getAttribute('aria-disabled')).toBe('true');
    await dialog.getByLabel(/Type the phone number/).fill('+39347');
    await erase.press('Enter');
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByLabel(/Type the phone number/).fill(`+${CUSTOMER.from}`);
    await dialog.getByRole('button', { name: 'Erase permanently' }).click();
    await page.getByText(/Erasure done\. Verified: no trace of this person/).waitFor({ timeout: 60_000 });
    await expectAccessible(page, 'contact erased');
    await browser.screenshot(page, 'contact-erased');

    const contacts = await withTenant(stack.database.db, stack.tenantId, (trx) =>
      trx.selectFrom('contacts').select('id').where('phoneE164', '=', `+${CUSTOMER.from}`).execute(),
    );
    expect(contacts).toEqual([]);
    await page.getByRole('link', { name: 'Back to all contacts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor();
    // The list (the stack's own fixture contact stays) no longer has her.
    await page.getByRole('table').waitFor();
    await page.getByRole('link', { name: /Ada Rossi/ }).waitFor({ state: 'detached' });
  });
});

describe('plan banner and usage', { timeout: 120_000 }, () => {
  it('says why the bot is paused on every page and shows each meter on Settings › Usage', async () => {
    await changePlan(stack.database.db, stack.tenantId, {
      state: 'suspended',
      suspendedReason: 'Invoice overdue',
      limits: { members: 3, conversations: 500, llmSpendMicros: 20_000_000 },
    });
    await page.goto(`${stack.url}/inbox`);
    const banner = page.getByRole('status').filter({ hasText: 'are paused' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('the workspace is suspended (Invoice overdue)');
    await banner.getByRole('link', { name: 'See usage' }).click();
    await page.getByRole('heading', { level: 1, name: 'Usage' }).waitFor();
    expect(await page.title()).toBe('Usage · Settings · Leadline');
    const row = (name: string) => page.getByRole('row', { name: new RegExp(`^${name}`) });
    expect(await row('Members').textContent()).toContain('13');
    expect(await row('LLM spend').textContent()).toContain('0.0020.00');
    expect(await row('Channels').textContent()).toContain('1Unlimited');
    await page.getByText('State: Suspended').waitFor();
    await expectAccessible(page, 'settings: usage');
    await browser.screenshot(page, 'settings-usage');

    await changePlan(stack.database.db, stack.tenantId, { state: 'active' });
    await page.reload();
    await page.getByText('State: Active').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'are paused' }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
