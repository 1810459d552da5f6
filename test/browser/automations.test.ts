import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SWEEP_TASK_ID } from '../../src/automations/automations.tasks.js';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { queueOutboundMessage } from '../../src/conversations/send-ledger.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { enqueueSystem } from '../../src/platform/jobs/enqueue.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * The Automations screen against a real Leadline process (HTTP, worker with its every-minute sweep, the
 * fake Graph API): create "no reply 24 h → follow-up template", dry-run it (the silent contact is listed),
 * enable it (the sweep sends the template), then pull the kill switch (the banner says why).
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // The stack's contact: our last message went out 25 hours ago and was never answered; they opted in.
  const sentAt = new Date(Date.now() - 25 * 3_600_000);
  await withTenant(stack.database.db, stack.tenantId, async (trx) => {
    await trx
      .updateTable('contacts')
      .set({ firstName: 'Ada', lastName: 'Rossi' })
      .where('id', '=', stack.channel.contactId)
      .execute();
    const { message } = await queueOutboundMessage(trx, {
      conversationId: stack.channel.conversationId,
      author: 'operator',
      body: { type: 'text', text: 'Here is our offer' },
      idempotencyKey: 'browser-seed-offer',
      withSendJob: false,
      requestId: 'seed',
    });
    await trx
      .updateTable('messages')
      .set({ sentAt, createdAt: sentAt, status: 'sent' })
      .where('id', '=', message.id)
      .execute();
    await trx
      .updateTable('conversations')
      .set({ lastMessageAt: sentAt })
      .where('id', '=', stack.channel.conversationId)
      .execute();
    await recordConsent(trx, {
      contactId: stack.channel.contactId,
      channel: 'whatsapp',
      state: 'opted_in',
      source: 'customer',
    });
  });
  await signInThroughPage(page, stack);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Where the rule's work stands (its runs, and the jobs with their last errors): said when no send came. */
async function pipelineState(): Promise<string> {
  const { rows: runs } = await sql`select status, error from automation_runs`.execute(stack.database.ownerDb);
  const { rows: jobs } = await sql`
    select task_identifier, attempts, run_at, last_error from graphile_worker.jobs`.execute(
    stack.database.ownerDb,
  );
  return JSON.stringify({ runs, jobs });
}

const templateSends = () =>
  stack.fake
    .sends()
    .filter((request) => (request.body as { type?: string } | undefined)?.type === 'template');

describe('automations screen', { timeout: 330_000 }, () => {
  it('creates "no reply 24 h → follow-up template", dry-runs it, enables it and it sends once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Automations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Automations' }).waitFor();
    expect(await page.title()).toBe('Automations · Leadline');
    await page.getByText('No automation yet').waitFor();
    await expectAccessible(page, 'automations: empty');

    await page.getByRole('button', { name: 'New rule' }).click();
    const editor = page.getByRole('form', { name: 'New rule' });
    await editor.getByLabel('Rule name').fill('No reply 24 h: follow-up');
    expect(await editor.getByLabel('When').inputValue()).toBe('silence');
    await editor.getByLabel('Hours of silence').fill('24');
    await editor.getByLabel('Template name').fill('follow_up');
    await editor.getByLabel('Template language').fill('en');
    await editor.getByLabel(/first name/).check();
    await expectAccessible(page, 'automations: editor');
    await editor.getByRole('button', { name: 'Create rule' }).click();

    const rule = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'No reply 24 h: follow-up' }) });
    await rule.waitFor();
    await rule.getByText('Disabled').waitFor();
    await rule.getByText('No reply from the customer for 24 h after our last message').waitFor();

    await rule.getByRole('button', { name: 'Dry run' }).click();
    const results = rule.getByRole('region', { name: 'Dry run results' });
    await results.getByText('Right now this rule would touch 1 contact. Nothing was sent.').waitFor();
    await results.getByText('Ada Rossi').waitFor();
    expect(templateSends()).toHaveLength(0);
    await expectAccessible(page, 'automations: dry run');
    await browser.screenshot(page, 'automations-dry-run');

    await rule.getByRole('button', { name: 'Enable' }).click();
    await rule.getByText('Enabled', { exact: true }).waitFor();
    // The worker's every-minute sweep picks the rule up and sends the template through the Graph API. The
    // sweep is also queued now, as its cron tick queues it, so the wait does not hang on the next minute.
    await enqueueSystem(
      stack.database.db,
      { id: SWEEP_TASK_ID, schema: z.object({}), scope: 'system' },
      {},
      { requestId: 'automations-browser-test' },
    );
    const deadline = Date.now() + 240_000;
    while (templateSends().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    expect(templateSends(), await pipelineState()).toHaveLength(1);
    expect(templateSends()[0]?.body).toMatchObject({
      to: stack.channel.phoneE164.slice(1),
      template: {
        name: 'follow_up',
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }] }],
      },
    });
    await rule.getByRole('button', { name: 'History' }).click();
    await rule.getByRole('region', { name: 'Run history' }).getByText(/done/).waitFor();
  });

  it('the kill switch stops everything and the banner says why', async () => {
    await page.getByLabel('Reason (optional)').fill('Checking the templates');
    await page.getByRole('button', { name: 'Stop all automations' }).click();
    await page
      .getByText(/Everything is stopped: the bot, campaigns and automations.*Checking the templates/)
      .waitFor();
    const halt = await withTenant(stack.database.db, stack.tenantId, (trx) =>
      trx.selectFrom('automationHalts').selectAll().executeTakeFirst(),
    );
    expect(halt?.reason).toBe('Checking the templates');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Automations' }).waitFor();
    await page.getByText(/paused: a member pulled the kill switch/).waitFor();
    await expectAccessible(page, 'automations: halted');
    await browser.screenshot(page, 'automations-halted');

    await page.getByRole('button', { name: 'Resume automations' }).click();
    await page.getByText('The bot, campaigns and automations are running.').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
