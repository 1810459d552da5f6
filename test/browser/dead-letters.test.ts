import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDeadLetter } from '../fixtures/dead-letters.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { waitFor } from '../fixtures/wait-for.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * Settings › Failed jobs (issue 15): the dead-letter queue for admins, filtered, inspected with personal
 * data masked, one job replayed (queued again in graphile-worker) and another discarded.
 */
let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

// Tasks no worker runs: a replayed job stays queued for the test to find.
const SYNC_TASK = 'test.dlq-sync';
const MAIL_TASK = 'test.dlq-mail';
const PHONE = '+393471112233';
const NOTE = 'Mario Rossi vorrebbe un preventivo';
const EMAIL = 'giulia.bianchi@example.com';

/** A `<input type="date">` value, in this machine's time zone (the browser's too). */
const dayOf = (date: Date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

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

async function openFailedJobs(): Promise<void> {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: 'Failed jobs', exact: true })
    .click();
  await page.getByRole('heading', { level: 1, name: 'Failed jobs', exact: true }).waitFor();
}

async function applyFilters(values: { task?: string; status?: string; from?: string }): Promise<void> {
  const form = page.getByRole('form', { name: 'Filter failed jobs' });
  if (values.task !== undefined) await form.getByLabel('Task').fill(values.task);
  if (values.status !== undefined) await form.getByLabel('Status').selectOption({ label: values.status });
  if (values.from !== undefined) await form.getByLabel('From').fill(values.from);
  await form.getByRole('button', { name: 'Apply filters' }).click();
}

const syncRows = () =>
  page.getByRole('checkbox', { name: new RegExp(`^Select ${SYNC_TASK.replace('.', '\\.')}`) });
const deadLetter = (id: string) =>
  stack.database.ownerDb.selectFrom('deadLetters').selectAll().where('id', '=', id).executeTakeFirst();

describe('Settings › Failed jobs', { timeout: 120_000 }, () => {
  it('filters, inspects with personal data masked, replays one job and discards another', async () => {
    await openFailedJobs();
    await page.getByText('No failed jobs', { exact: true }).waitFor();
    await expectAccessible(page, 'settings: failed jobs empty');

    // Two failed syncs (one three days old, its error quoting a phone number) and a failed e-mail.
    const contactId = randomUUID();
    const recent = await addDeadLetter(
      stack.database,
      stack.tenantId,
      { contactId, phone: PHONE, note: NOTE, n: 7 },
      SYNC_TASK,
    );
    await sql`update dead_letters set last_error = ${`could not reach ${PHONE}`} where id = ${recent}::uuid`.execute(
      stack.database.ownerDb,
    );
    const old = await addDeadLetter(stack.database, stack.tenantId, { contactId, phone: PHONE }, SYNC_TASK);
    await sql`update dead_letters set failed_at = now() - interval '3 days' where id = ${old}::uuid`.execute(
      stack.database.ownerDb,
    );
    const mail = await addDeadLetter(stack.database, stack.tenantId, { to: EMAIL }, MAIL_TASK);

    // The HubSpot page links here with a task: the filter arrives filled in.
    await page.goto(`${stack.url}/settings/failed-jobs?task=${MAIL_TASK}`);
    await page.getByRole('heading', { level: 1, name: 'Failed jobs', exact: true }).waitFor();
    expect(await page.getByLabel('Task').inputValue()).toBe(MAIL_TASK);
    await page
      .getByRole('checkbox', { name: new RegExp(`^Select ${MAIL_TASK.replace('.', '\\.')}`) })
      .waitFor();
    expect(await syncRows().count()).toBe(0);

    // Filter by task, then by date, then by status.
    await applyFilters({ task: SYNC_TASK });
    await waitForCount(syncRows, 2);
    expect(await page.getByRole('checkbox', { name: new RegExp(`^Select ${MAIL_TASK}`) }).count()).toBe(0);
    await applyFilters({ from: dayOf(new Date(Date.now() - 86_400_000)) });
    await waitForCount(syncRows, 1);
    await applyFilters({ status: 'Replayed' });
    await page.getByText('No failed jobs match these filters').waitFor();
    await applyFilters({ status: 'Any status', from: '' });
    await waitForCount(syncRows, 2);

    // Inspect the newest: task, attempts, the error and the payload masked; ids stay readable.
    await page
      .getByRole('button', { name: new RegExp(`^Inspect ${SYNC_TASK}`) })
      .first()
      .click();
    const detail = page.getByTestId('dead-letter-detail');
    await detail.getByText('could not reach').waitFor();
    const detailText = (await detail.textContent()) ?? '';
    expect(detailText).toContain(SYNC_TASK);
    expect(detailText).toContain('1 of 1');
    expect(detailText).toContain(contactId);
    expect(detailText).toContain('[masked:');
    const html = await page.content();
    for (const personal of [PHONE, '3471112233', 'Mario', 'preventivo', EMAIL])
      expect(html).not.toContain(personal);
    await expectAccessible(page, 'settings: failed jobs inspected');
    await browser.screenshot(page, 'settings-failed-jobs');

    // Replay the newest: confirmed, reported, and its job is queued again with its original payload.
    await syncRows().first().check();
    await page.getByRole('button', { name: 'Replay selected (1)' }).click();
    const replayDialog = page.getByRole('alertdialog', { name: 'Replay 1 job?' });
    await expectAccessible(page, 'settings: failed jobs replay confirmation');
    await replayDialog.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('status').getByText('1 job queued to run again.').waitFor();
    expect((await deadLetter(recent))?.status).toBe('replayed');
    const queued = await jobsOfTask(stack.database.ownerDb, SYNC_TASK);
    expect(queued).toHaveLength(1);
    expect(queued[0]?.attempts).toBe(0);
    expect(queued[0]?.payload).toMatchObject({
      tenantId: stack.tenantId,
      payload: { contactId, phone: PHONE, note: NOTE, n: 7 },
    });
    await page.getByRole('cell', { name: 'Replayed', exact: true }).waitFor();

    // Discard the older one: cancelling keeps it; confirming deletes it.
    await syncRows().nth(1).check();
    await page.getByRole('button', { name: 'Discard selected (1)' }).click();
    await page
      .getByRole('alertdialog', { name: 'Discard 1 job?' })
      .getByRole('button', { name: 'Cancel' })
      .click();
    expect(await deadLetter(old)).toBeDefined();
    await page.getByRole('button', { name: 'Discard selected (1)' }).click();
    await page
      .getByRole('alertdialog', { name: 'Discard 1 job?' })
      .getByRole('button', { name: 'Discard permanently' })
      .click();
    await page.getByRole('status').getByText('1 job discarded.').waitFor();
    await waitForCount(syncRows, 1);
    expect(await deadLetter(old)).toBeUndefined();
    expect(await deadLetter(mail)).toBeDefined();

    // Both are audited with the operator as actor.
    const audited = await stack.database.ownerDb
      .selectFrom('auditLog')
      .select(['action', 'actorUserId'])
      .where('tenantId', '=', stack.tenantId)
      .where('action', 'like', 'dead_letter.%')
      .orderBy('action')
      .execute();
    expect(audited).toEqual([
      { action: 'dead_letter.discarded', actorUserId: stack.operator.userId },
      { action: 'dead_letter.replayed', actorUserId: stack.operator.userId },
    ]);
    expect(pageErrors).toEqual([]);
  });
});

async function waitForCount(rows: () => ReturnType<Page['getByRole']>, count: number): Promise<void> {
  await waitFor(async () => (await rows().count()) === count, {
    timeoutMs: 30_000,
    description: `${count} rows of ${SYNC_TASK}`,
  });
}
