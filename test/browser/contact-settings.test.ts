import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listStages } from '../../src/contacts/pipeline/pipeline.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/** The settings pages of contacts: custom fields and the pipeline's stages. */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

const stored = <T>(work: (trx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) =>
  withTenant(stack.database.db, stack.tenantId, work);

async function openSettings(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
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

describe('contact settings in the dashboard', { timeout: 90_000 }, () => {
  it('creates custom fields of each kind, edits a label and options, and deletes one', async () => {
    await openSettings('Custom fields');
    expect(await page.title()).toBe('Custom fields · Settings · Leadline');
    await page.getByText('No custom fields yet').waitFor();
    const form = page.getByRole('region', { name: 'New custom field' });
    await expectAccessible(page, 'settings: custom fields');

    await form.getByLabel('Label').fill('Partita IVA');
    expect(await form.getByLabel('Key').inputValue()).toBe('partita_iva');
    await form.getByRole('button', { name: 'Create field' }).click();
    await page.getByRole('listitem').filter({ hasText: 'Partita IVA' }).waitFor();

    await form.getByLabel('Label').fill('Size');
    await form.getByLabel('Type').selectOption('select');
    await form.getByLabel('Options (one per line)').fill('Small\nLarge\n');
    await form.getByRole('button', { name: 'Create field' }).click();
    await page.getByText('Select (a list of options): Small, Large').waitFor();

    for (const [label, type] of [
      ['Budget', 'number'],
      ['Visit', 'date'],
      ['VIP', 'boolean'],
    ] as const) {
      await form.getByLabel('Label').fill(label);
      await form.getByLabel('Type').selectOption(type);
      await form.getByRole('button', { name: 'Create field' }).click();
      await page.getByRole('listitem').filter({ hasText: label }).first().waitFor();
    }

    // A key already taken: the API's refusal is shown, nothing created.
    await form.getByLabel('Label').fill('Budget again');
    await form.getByLabel('Key').fill('budget');
    await form.getByRole('button', { name: 'Create field' }).click();
    await page.getByRole('alert').getByText('Another custom field already has this key').waitFor();

    await page.getByRole('button', { name: 'Edit Size' }).click();
    await page.getByRole('listitem').getByLabel('Label').fill('Company size');
    await page.getByRole('listitem').getByLabel('Options (one per line)').fill('Small\nMedium\nLarge');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Select (a list of options): Small, Medium, Large').waitFor();

    await page.getByRole('button', { name: 'Delete VIP' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Delete “VIP”?' });
    await expectAccessible(page, 'settings: delete custom field');
    await dialog.getByRole('button', { name: 'Delete field' }).click();
    await page.getByRole('button', { name: 'Delete VIP' }).waitFor({ state: 'detached' });

    const fields = await stored((trx) =>
      trx
        .selectFrom('customFieldDefinitions')
        .select(['key', 'label', 'type', 'options'])
        .orderBy('position')
        .execute(),
    );
    expect(fields).toEqual([
      { key: 'partita_iva', label: 'Partita IVA', type: 'text', options: [] },
      { key: 'size', label: 'Company size', type: 'select', options: ['Small', 'Medium', 'Large'] },
      { key: 'budget', label: 'Budget', type: 'number', options: [] },
      { key: 'visit', label: 'Visit', type: 'date', options: [] },
    ]);
    await browser.screenshot(page, 'settings-custom-fields');
    expect(pageErrors).toEqual([]);
  });

  it('adds, renames, reorders and deletes pipeline stages, moving contacts to a chosen stage', async () => {
    const contactId = await stored(async (trx) => {
      const stages = await listStages(trx);
      const quoteSent = stages.find((stage) => stage.name === 'Quote sent');
      const row = await trx
        .insertInto('contacts')
        .values({
          phoneE164: '+393480001122',
          firstName: 'Staged',
          lastName: null,
          company: null,
          email: null,
          stageId: quoteSent?.id ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    });
    await openSettings('Pipeline stages');
    const list = page.getByRole('list', { name: 'Stages' });
    await list.getByRole('button', { name: 'Rename Lost' }).waitFor();
    await expectAccessible(page, 'settings: pipeline stages');

    const form = page.getByRole('region', { name: 'New stage' });
    await form.getByLabel('Stage name').fill('Nurture');
    await form.getByRole('button', { name: 'Add stage' }).click();
    await list.getByRole('button', { name: 'Rename Nurture' }).waitFor();

    await page.getByRole('button', { name: 'Rename Quote sent' }).click();
    await list.getByLabel('Stage name').fill('Offer sent');
    await list.getByRole('button', { name: 'Save' }).click();
    await list.getByRole('button', { name: 'Rename Offer sent' }).waitFor();

    // Keyboard reorder: Nurture (last) up one.
    await page.getByRole('button', { name: 'Move up Nurture' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Nurture moved to position 5 of 6.').waitFor();

    await page.getByRole('button', { name: 'Delete Offer sent' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Delete “Offer sent”?' });
    await dialog.getByLabel('Move its contacts to').selectOption({ label: 'Nurture' });
    await expectAccessible(page, 'settings: delete stage');
    await dialog.getByRole('button', { name: 'Delete stage' }).click();
    await page.getByRole('button', { name: 'Delete Offer sent' }).waitFor({ state: 'detached' });

    const after = await stored(async (trx) => {
      const stages = await listStages(trx);
      const contact = await trx
        .selectFrom('contacts')
        .select('stageId')
        .where('id', '=', contactId)
        .executeTakeFirstOrThrow();
      return {
        names: stages.map((stage) => stage.name),
        contactStage: stages.find((stage) => stage.id === contact.stageId)?.name,
      };
    });
    expect(after).toEqual({
      names: ['New', 'Qualified', 'Won', 'Nurture', 'Lost'],
      contactStage: 'Nurture',
    });
    await browser.screenshot(page, 'settings-pipeline-stages');
    expect(pageErrors).toEqual([]);
  });
});
