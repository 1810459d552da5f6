import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { expectAccessible } from '../support/axe.js';
import type { TestBrowser } from '../support/browser.js';
import type { DashboardStack } from '../support/dashboard-stack.js';
import { signedInDashboard } from '../support/signed-in-dashboard.js';

/** The import screen: upload an Italian CSV, accept the mapping, follow it, download its rejects, undo it. */

const dashboard = signedInDashboard();
const { pageErrors } = dashboard;
let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;

beforeAll(() => {
  ({ stack, browser, page } = dashboard);
});

const CSV = [
  'Nome;Cognome;Telefono;Email;Ragione sociale',
  'Mario;Rossi;333 123 4567;mario.rossi@example.it;"Rossi; Figli s.r.l."',
  'Giulia;Bianchi;+39 347 765 4321;giulia@example.it;Bianchi SpA',
  'Luca;Verdi;12;luca@example.it;Verdi Srl',
  'Anna;Neri;+39 320 111 2233;non-una-mail;',
  'Paolo;Gialli;+39 320 444 5566;paolo@example.it;Gialli & C.',
  '',
].join('\r\n');

const PHONES = ['+393331234567', '+393477654321', '+393204445566'];

async function contactsWithPhones(phones: readonly string[]) {
  return withTenant(stack.database.db, stack.tenantId, (trx) =>
    trx
      .selectFrom('contacts')
      .select(['phoneE164', 'firstName', 'lastName', 'company', 'email'])
      .where('phoneE164', 'in', phones)
      .orderBy('phoneE164')
      .execute(),
  );
}

describe('contact import in the dashboard', { timeout: 120_000 }, () => {
  it('uploads an Italian CSV, accepts the mapping, follows the progress, downloads the rejects and undoes it', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('link', { name: 'Import contacts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import contacts' }).waitFor();
    expect(await page.title()).toBe('Import contacts · Leadline');
    await page.getByText('No imports yet').waitFor();
    await expectAccessible(page, 'import start');

    await page.getByLabel('CSV file').setInputFiles({
      name: 'contatti.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`\uFEFF${CSV}`, 'utf8'),
    });
    await page.getByRole('heading', { level: 1, name: 'Import of contatti.csv' }).waitFor();
    // The suggested mapping, from the Italian headers.
    const expected = {
      Nome: 'firstName',
      Cognome: 'lastName',
      Telefono: 'phone',
      Email: 'email',
      'Ragione sociale': 'company',
    };
    for (const [header, target] of Object.entries(expected)) {
      expect(await page.getByLabel(`Import column “${header}” as`).inputValue()).toBe(target);
    }
    await page.getByText('Rossi; Figli s.r.l.').waitFor();
    await page.getByLabel('Default country for numbers without a country code').fill('IT');
    await expectAccessible(page, 'import mapping');
    await browser.screenshot(page, 'contact-import-mapping');

    await page.getByRole('button', { name: 'Start import' }).click();
    const bar = page.getByRole('progressbar', { name: /Completed/ });
    await bar.waitFor({ timeout: 90_000 });
    expect(await bar.getAttribute('value')).toBe('1');
    await page.getByText(/5 rows read/).waitFor();
    await expectAccessible(page, 'import done');
    await browser.screenshot(page, 'contact-import-done');
    expect(await contactsWithPhones(PHONES)).toEqual([
      {
        phoneE164: '+393204445566',
        firstName: 'Paolo',
        lastName: 'Gialli',
        company: 'Gialli & C.',
        email: 'paolo@example.it',
      },
      {
        phoneE164: '+393331234567',
        firstName: 'Mario',
        lastName: 'Rossi',
        company: 'Rossi; Figli s.r.l.',
        email: 'mario.rossi@example.it',
      },
      {
        phoneE164: '+393477654321',
        firstName: 'Giulia',
        lastName: 'Bianchi',
        company: 'Bianchi SpA',
        email: 'giulia@example.it',
      },
    ]);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download rejected rows (2)' }).click(),
    ]);
    const rejects = (await readFile(await download.path(), 'utf8')).trim().split('\r\n');
    expect(rejects).toEqual([
      'line,reason,Nome,Cognome,Telefono,Email,Ragione sociale',
      '4,invalid phone number,Luca,Verdi,12,luca@example.it,Verdi Srl',
      // A cell starting with + is neutralised against formula injection.
      "5,invalid e-mail address,Anna,Neri,'+39 320 111 2233,non-una-mail,",
    ]);

    await page.getByRole('button', { name: 'Undo import' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Undo this import?' });
    await dialog.waitFor();
    await expectAccessible(page, 'import undo dialog');
    await dialog.getByRole('button', { name: 'Undo import' }).click();
    await page.getByRole('progressbar', { name: /Undone/ }).waitFor({ timeout: 90_000 });
    expect(await contactsWithPhones(PHONES)).toEqual([]);

    await page.getByRole('link', { name: 'Import', exact: true }).click();
    const row = page.getByRole('row', { name: /contatti\.csv/ });
    await row.getByText('Undone').waitFor();
    await browser.screenshot(page, 'contact-import-list');
    expect(pageErrors).toEqual([]);
  });

  it('takes a dropped file, and discards it without importing', async () => {
    await page.goto(`${stack.url}/contacts/import`);
    await page.getByRole('heading', { level: 1, name: 'Import contacts' }).waitFor();
    // A DataTransfer holding a file, as the browser builds it for a file dropped from the desktop.
    const transfer = await page.evaluateHandle(`(() => {
      const data = new DataTransfer();
      data.items.add(new File(['Phone,Nome\\n+393209998877,Dropped\\n'], 'dropped.csv', { type: 'text/csv' }));
      return data;
    })()`);
    await page
      .getByText('Drop a CSV file here, or choose one.')
      .dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByRole('heading', { level: 1, name: 'Import of dropped.csv' }).waitFor();
    expect(await page.getByLabel('Import column “Phone” as').inputValue()).toBe('phone');
    await page.getByRole('button', { name: 'Discard this file' }).click();
    await page.getByRole('progressbar', { name: /Cancelled/ }).waitFor();
    expect(await contactsWithPhones(['+393209998877'])).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
