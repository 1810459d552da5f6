import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { submitForApproval } from '../../src/quotes/approval.service.js';
import { createQuote } from '../../src/quotes/quotes.service.js';
import { waitFor } from '../fixtures/wait-for.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import type { DashboardStack } from '../support/dashboard-stack.js';
import { signedInDashboard } from '../support/signed-in-dashboard.js';

/**
 * Quotes in the dashboard against a real Leadline process: the catalog page (form, CSV import, search
 * without accents), quote settings (a template error named by line and column, the live preview), and
 * the main flow — a customer asks on WhatsApp, the operator drafts from the conversation, edits, the
 * approval queue approves, the operator sends, the customer accepts on the public page in another
 * browser, and the conversation's panel shows "Accepted" live.
 */

const CONTEXT = { requestId: 'browser-quotes', ip: '127.0.0.1', userAgent: 'vitest' };

let customerBrowser: TestBrowser;

const stored = <T>(work: (trx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) =>
  withTenant(stack.database.db, stack.tenantId, work);

async function openSettings(name: string): Promise<void> {
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

const dashboard = signedInDashboard();
const { pageErrors, cspViolations } = dashboard;
let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;

beforeAll(() => {
  ({ stack, browser, page } = dashboard);
});

// Registered after the dashboard's, so it runs before it: the customer's browser closes first.
afterAll(async () => {
  await customerBrowser?.close();
});

describe('quotes in the dashboard', { timeout: 90_000 }, () => {
  it('builds the catalog: an item by hand, a CSV import with its summary, search without accents, deactivation', async () => {
    await openSettings('Catalog');
    await page.getByText('The catalog is empty').waitFor();
    await expectAccessible(page, 'catalog (empty)');
    const form = page.getByRole('region', { name: 'New item' });
    await form.getByLabel('SKU').fill('PISO-30');
    await form.getByLabel('Name').fill('Piso cerâmico 30×30');
    await form.getByLabel('Price (EUR)').fill('25,9');
    await form.getByLabel('Unit').fill('m²');
    await form.getByLabel('Tax rate (%)').fill('18');
    await form.getByRole('button', { name: 'Add item' }).click();
    const items = page.getByRole('list', { name: 'Catalog items' });
    await items.getByText('Piso cerâmico 30×30').first().waitFor();
    await items.getByText('€25.90 / m²').first().waitFor();

    const csv = page.getByRole('region', { name: 'Import from CSV' });
    await csv
      .getByLabel('CSV text')
      .fill(
        'sku,name,unit_price,tax_rate\nROD-1,Rodapé de madeira,12.50,18\nCOLA-5,Cola <b>forte</b> 5 kg,19.99,18\n',
      );
    await csv.getByRole('button', { name: 'Import' }).click();
    await csv.getByText('Imported: 2 new items, 0 updated.').waitFor();
    await items.getByText('Rodapé de madeira').first().waitFor();
    // A name with markup is text.
    await items.getByText('Cola <b>forte</b> 5 kg').first().waitFor();
    await csv.getByLabel('CSV text').fill('sku,name,unit_price\nX-1,Broken,12.505\n');
    await csv.getByRole('button', { name: 'Import' }).click();
    await csv
      .getByRole('alert')
      .getByText(/Nothing was imported/)
      .waitFor();

    const stored1 = await stored((trx) =>
      trx.selectFrom('catalogItems').select(['sku', 'unitPriceMinor', 'taxRateBp']).orderBy('sku').execute(),
    );
    expect(stored1.map((row) => [row.sku, String(row.unitPriceMinor), row.taxRateBp])).toEqual([
      ['COLA-5', '1999', 1800],
      ['PISO-30', '2590', 1800],
      ['ROD-1', '1250', 1800],
    ]);

    await page.getByLabel('Search the catalog').fill('rodape madera');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await items.getByText('Rodapé de madeira').first().waitFor();
    expect(await items.getByText('Piso cerâmico 30×30').count()).toBe(0);
    await page.getByRole('button', { name: 'Show all' }).click();
    await items.getByRole('button', { name: 'Deactivate Cola <b>forte</b> 5 kg' }).click();
    await items.getByRole('button', { name: 'Activate Cola <b>forte</b> 5 kg' }).waitFor();
    await items.getByRole('button', { name: 'Edit Rodapé de madeira' }).click();
    await items.getByLabel('Price (EUR)').fill('13');
    await items.getByRole('button', { name: 'Save item' }).click();
    await items.getByText('€13.00').first().waitFor();
    await expectAccessible(page, 'catalog');
    await browser.screenshot(page, 'quotes-catalog');
  });

  it('edits quote settings: a template error names line and column, the preview renders sample data', async () => {
    await openSettings('Quotes');
    const message = page.getByRole('group', { name: 'WhatsApp message template' });
    await message.getByText(/Hello/).first().waitFor();
    await message.getByLabel(/Template/).fill('Olá {{ contact.name }},\nsegue {{ quote.number | nope }}');
    await message.getByText(/line 2, column/).waitFor();
    await message
      .getByLabel(/Template/)
      .fill('Olá {{ contact.name }}, segue o orçamento {{ quote.number }}: {{ quote.total }}');
    await message.getByText(/^Olá .+, segue o orçamento /).waitFor();
    await page.getByLabel('Remind approvers after (minutes)').fill('30');
    await page.getByRole('button', { name: 'Save quote settings' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    const settings = await stored((trx) =>
      trx
        .selectFrom('quoteSettings')
        .select(['messageTemplate', 'reminderAfterMinutes'])
        .executeTakeFirstOrThrow(),
    );
    expect(settings.reminderAfterMinutes).toBe(30);
    expect(settings.messageTemplate).toContain('segue o orçamento');
    await expectAccessible(page, 'quote settings');
    await browser.screenshot(page, 'quotes-settings');
  });

  it('takes a quote from the customer’s request to acceptance, the inbox following live', async () => {
    await stack.customerWrites({
      from: '5511988887777',
      name: 'Lina Bo Bardi',
      body: 'Preciso de 12 m² de piso e 2 rodapés',
    });
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .click();
    await page.getByRole('link', { name: /Lina Bo Bardi/ }).click();
    const panel = page.getByRole('region', { name: 'Quotes' });
    await panel.getByText('No quotes in this conversation').waitFor();

    // A draft from the conversation: catalog matches and the written quantities.
    await panel.getByRole('button', { name: 'Draft from conversation' }).click();
    const lines = panel.getByRole('table');
    await lines.getByText('Piso cerâmico 30×30').waitFor();
    await lines.getByText('Rodapé de madeira').waitFor();
    await panel.getByText('Draft', { exact: true }).first().waitFor();
    await browser.screenshot(page, 'quotes-draft');

    // The operator edits it: 3 skirting boards, 5 % off the quote.
    await panel.getByRole('button', { name: 'Edit' }).click();
    const editor = panel.getByRole('form', { name: /Edit quote/ });
    await editor.getByLabel('Quantity').nth(1).fill('3');
    await editor.getByLabel('Quote discount (%)').fill('5');
    await editor.getByRole('button', { name: 'Save draft' }).click();
    await lines.getByText('Discount 5 %').waitFor();
    await panel.getByRole('button', { name: 'Submit for approval' }).click();
    await panel.getByText('Awaiting approval').first().waitFor();

    // Another quote waits too, in another conversation.
    const actor = { userId: null, apiKeyId: null, context: CONTEXT };
    const piso = await stored((trx) =>
      trx.selectFrom('catalogItems').select('id').where('sku', '=', 'PISO-30').executeTakeFirstOrThrow(),
    );
    const other = await createQuote(stack.database.db, stack.tenantId, actor, {
      conversationId: stack.channel.conversationId,
      lines: [{ catalogItemId: piso.id, quantity: '1' }],
    });
    await submitForApproval(stack.database.db, stack.tenantId, actor, other.quote.id, 1);

    // The queue: its badge, the conversation excerpt, approve.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: /Quotes 2 waiting for approval/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Quote approvals' }).waitFor();
    expect(await page.title()).toBe('Quote approvals · Leadline');
    const card = page.getByRole('listitem').filter({ hasText: 'Lina Bo Bardi' });
    await card.getByText('Preciso de 12 m² de piso e 2 rodapés').waitFor();
    await expectAccessible(page, 'approval queue');
    await browser.screenshot(page, 'quotes-approvals');
    // From here the queue's refreshes can be held back, as a live event still on its way would be.
    const queueRefresh = { holding: false, inFlight: 0, held: [] as Route[] };
    const isQueueRequest = (url: URL) => url.pathname === '/api/v1/quotes/approvals';
    await page.route(isQueueRequest, async (route) => {
      if (queueRefresh.holding) {
        queueRefresh.held.push(route);
        return;
      }
      queueRefresh.inFlight += 1;
      try {
        await route.fulfill({ response: await route.fetch() });
      } finally {
        queueRefresh.inFlight -= 1;
      }
    });
    await card.getByRole('button', { name: /^Approve/ }).click();
    await card.waitFor({ state: 'detached' });

    // Another approver was quicker on the other quote (their live event not here yet): a clear 409.
    // Refreshes already under way finish first; any later one waits until the 409 is on screen.
    queueRefresh.holding = true;
    await waitFor(() => queueRefresh.inFlight === 0 || undefined, {
      timeoutMs: 10_000,
      description: 'the approval queue refreshes under way',
    });
    await stored((trx) =>
      trx
        .updateTable('quoteVersions')
        .set({ status: 'approved', approvedByUserId: stack.operator.userId })
        .where('quoteId', '=', other.quote.id)
        .execute(),
    );
    await page.getByRole('button', { name: `Approve quote ${other.quote.number}` }).click();
    await page
      .getByRole('alert')
      .getByText(/Someone else acted on this quote first/)
      .waitFor();
    queueRefresh.holding = false;
    for (const route of queueRefresh.held.splice(0)) await route.continue();
    await page.unroute(isQueueRequest);
    await page.getByText('No quote is waiting for approval').waitFor();
    expect(await nav.getByText('waiting for approval').count()).toBe(0);

    // Back in the conversation: send, with the customer's link and the message from the template.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .click();
    await page.getByRole('link', { name: /Lina Bo Bardi/ }).click();
    await panel.getByRole('button', { name: /Quote \d{4}-\d{4}/ }).click();
    await panel.getByText('Approved', { exact: true }).first().waitFor();
    await panel.getByRole('button', { name: 'Send to the customer' }).click();
    const sent = panel.getByRole('status').filter({ hasText: 'Sent.' });
    await sent.waitFor();
    const link = await sent.getByRole('link').getAttribute('href');
    expect(link).toMatch(/\/q\//);
    await sent.getByText(/segue o orçamento \d{4}-\d{4}/).waitFor();
    expect(await panel.getByRole('link', { name: 'View PDF' }).getAttribute('href')).toMatch(
      /\/pdf\?version=1$/,
    );
    await browser.screenshot(page, 'quotes-sent');

    // On WhatsApp: the PDF went through the Graph media endpoint, then a document message and the buttons.
    const upload = await waitFor(() => stack.fake.uploads()[0], {
      timeoutMs: 15_000,
      description: 'the quote PDF uploaded to the fake Graph API',
    });
    expect(upload.mimeType).toBe('application/pdf');
    expect(upload.body.subarray(0, 5).toString()).toBe('%PDF-');
    const offer = await waitFor(
      () => {
        const sends = stack.fake.sends().filter((send) => send.body?.to === '5511988887777');
        const document = sends.find((send) => send.body?.type === 'document');
        const buttons = sends.find((send) => send.body?.type === 'interactive');
        return document && buttons ? { document, buttons } : undefined;
      },
      { timeoutMs: 15_000, description: 'the document and reply-button messages at the fake Graph API' },
    );
    expect(offer.document.body?.document).toMatchObject({ id: upload.id });
    expect(JSON.stringify(offer.buttons.body?.interactive)).toContain('Accept');

    // The customer, in another browser, accepts on the public page.
    customerBrowser = await launchBrowser();
    const customer = await customerBrowser.newPage();
    await customer.goto(link as string);
    await customer.getByText('Rodapé de madeira').waitFor();
    await customer.getByLabel('Your full name').fill('Lina Bo Bardi');
    await customer.getByRole('button', { name: 'Accept this quote' }).click();
    await customer
      .getByText(/Accepted|Thank/)
      .first()
      .waitFor();
    await customerBrowser.screenshot(customer, 'quotes-customer-accepted');

    // The operator's panel follows without a reload.
    await panel.getByText('Accepted', { exact: true }).first().waitFor();
    await browser.screenshot(page, 'quotes-accepted');
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
