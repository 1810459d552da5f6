import { randomInt } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import type { FakeTemplate } from '../fakes/graph-api.js';
import { pollUntil } from '../fixtures/leadline-process.js';
import { totpCode } from '../support/account-session.js';
import { launchBrowser, measureTransfer, type TestBrowser, type TransferReport } from '../support/browser.js';
import { type DashboardStack, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * The operator inbox in Debian's Chromium against a real Leadline process: sign-in with 2FA, live
 * arrival of a webhook's message, a reply reaching the (fake) Graph API, takeover silencing the bot, a
 * template with variables sent outside the window (its text shown, its ticks following Meta's statuses),
 * and hostile customer input rendered as text.
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];
/** Console messages about the Content-Security-Policy: the page must not need anything it forbids. */
const cspViolations: string[] = [];
const customer = () => `3934${randomInt(10_000_000, 99_999_999)}`;
const WABA = '102290129340398';
const ORDER_UPDATE: FakeTemplate = {
  name: 'order_update',
  language: 'en_US',
  status: 'APPROVED',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['A-17'] } },
    {
      type: 'BODY',
      text: 'Hello {{1}}, your order ships on {{2}}.',
      example: { body_text: [['Ada', 'Monday']] },
    },
    { type: 'FOOTER', text: 'Acme Sales' },
  ],
};

async function messagesBy(author: string, conversationPhone: string): Promise<string[]> {
  return withTenant(stack.database.db, stack.tenantId, async (trx) => {
    const rows = await trx
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversationId')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .select('messages.id')
      .where('messages.author', '=', author as 'bot')
      .where('contacts.phoneE164', '=', `+${conversationPhone}`)
      .execute();
    return rows.map((row) => row.id);
  });
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the operator inbox in a browser', { timeout: 60_000 }, () => {
  it('signs in with a password and a two-factor code', async () => {
    await page.goto(`${stack.url}/`);
    await page.getByLabel('Email').fill(stack.operator.email);
    await page.getByLabel('Password').fill(stack.operator.password);
    await browser.screenshot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(await totpCode(stack.operator.secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/inbox');
    await expect(page.getByText('Acme Sales')).toBeTruthy();
  });

  it('shows a message from a signed webhook live, without a reload', async () => {
    const from = customer();
    await stack.customerWrites({
      from,
      name: 'Ada Lovelace',
      body: 'Hi, I would like a quote for 40 chairs',
    });
    const item = page.getByRole('link', { name: /Ada Lovelace/ });
    await item.waitFor();
    // Each conversation names its channel (ADR 0027).
    expect(await item.locator('.channel-tag').textContent()).toBe('WhatsApp');
    // The name and the preview are readable beside the selection box, not squeezed to nothing.
    const listWidth = (await page.locator('.conversation-list').boundingBox())?.width ?? 0;
    expect((await item.boundingBox())?.width ?? 0).toBeGreaterThan(listWidth * 0.7);
    expect((await item.locator('.item-name').boundingBox())?.width ?? 0).toBeGreaterThan(40);
    await browser.screenshot(page, 'inbox-list');
    await item.click();
    await page.getByText('Hi, I would like a quote for 40 chairs').waitFor();
    // The built-in qualifier answered on its own (ownership: bot), and the page shows that too.
    await page.locator('.message.outbound').first().waitFor();
    await browser.screenshot(page, 'thread');
  });

  it('loads the inbox in under 100 KB on the wire, and prints what a conversation adds', async () => {
    const conversation = page.url();
    const report = (name: string, transfer: TransferReport) => {
      const assets = transfer.requests.filter(({ url }) => !url.includes('/api/'));
      const assetBytes = assets.reduce((sum, { bytes }) => sum + bytes, 0);
      const lines = transfer.requests.map(({ url, bytes }) => `  ${String(bytes).padStart(7)} B  ${url}`);
      console.log(
        `${name}: ${transfer.totalBytes} B on the wire (page and assets ${assetBytes} B, API ${transfer.totalBytes - assetBytes} B)\n${lines.join('\n')}`,
      );
    };
    const inbox = await measureTransfer(browser, page, async () => {
      await page.goto(`${stack.url}/inbox`, { waitUntil: 'networkidle' });
      await page.getByRole('link', { name: /Ada Lovelace/ }).waitFor();
    });
    report('first load of the inbox', inbox);
    expect(inbox.requests.some(({ url }) => url.includes('/assets/'))).toBe(true);
    expect(inbox.totalBytes).toBeLessThan(100_000);
    const withConversation = await measureTransfer(browser, page, async () => {
      await page.goto(conversation, { waitUntil: 'networkidle' });
      await page.getByText('Hi, I would like a quote for 40 chairs').waitFor();
    });
    report('first load of the inbox with a conversation open', withConversation);
  });

  it('takes over and sends an operator reply through the Graph API', async () => {
    const human = page.getByRole('region', { name: 'Conversation' }).getByRole('button', { name: 'Human' });
    await human.click();
    await expect.poll(() => human.getAttribute('aria-pressed')).toBe('true');
    const reply = 'Thanks Ada, a colleague here: the quote follows today.';
    await page.getByRole('textbox', { name: 'Reply' }).fill(reply);
    await page.getByRole('textbox', { name: 'Reply' }).press('Enter');
    const sent = await pollUntil('the reply at the Graph API', 15_000, async () =>
      stack.fake.sends().find((request) => JSON.stringify(request.body).includes('a colleague here')),
    );
    expect(sent.body).toMatchObject({ type: 'text', text: { body: reply } });
    // In the thread: the list's preview of the conversation may show the same text once it refreshes.
    await page.getByRole('region', { name: 'Conversation' }).getByText(reply).waitFor();
  });

  it('attaches an image with a caption: uploaded, sent through Meta’s media upload, shown in the thread', async () => {
    // A real (1×1) PNG, so the thread can show it as an image.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
      'base64',
    );
    const thread = page.getByRole('region', { name: 'Conversation' });
    await thread.getByRole('button', { name: 'Attach' }).waitFor();
    await thread
      .locator('input[type=file]')
      .setInputFiles({ name: 'chairs.png', mimeType: 'image/png', buffer: png });
    await thread.getByText(/Attachment: chairs\.png/).waitFor();
    await page.getByRole('textbox', { name: 'Reply' }).fill('The chairs we spoke of');
    await thread.getByRole('button', { name: 'Send' }).click();
    const sent = await pollUntil('the image at the Graph API', 15_000, async () =>
      stack.fake.sends().find((request) => (request.body as { type?: string } | undefined)?.type === 'image'),
    );
    const uploaded = stack.fake.uploads().find((file) => file.body.equals(png));
    expect(uploaded?.mimeType).toBe('image/png');
    expect(sent.body).toMatchObject({
      type: 'image',
      image: { id: uploaded?.id, caption: 'The chairs we spoke of' },
    });
    // In the thread, like an inbound image: the picture (served by Leadline) with its caption.
    const shown = thread.getByRole('img', { name: 'The chairs we spoke of' });
    await shown.waitFor();
    // The browser loaded and decoded it from our media route (a broken image has no natural width).
    await expect
      .poll(() => shown.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(1);
    await expect.poll(() => thread.getByText(/Attachment: chairs\.png/).count()).toBe(0);
  });

  it('keeps the bot silent while a human owns the conversation', async () => {
    const phone = (await page.locator('.thread-header .muted').textContent())?.replace('+', '') ?? '';
    const botBefore = await messagesBy('bot', phone);
    await stack.customerWrites({ from: phone, name: 'Ada Lovelace', body: 'Great, and delivery to Turin?' });
    // Shown live: it was processed (and the agent's turn ran) in the transaction that published it.
    await page
      .getByRole('region', { name: 'Conversation' })
      .getByText('Great, and delivery to Turin?')
      .waitFor();
    expect(await messagesBy('bot', phone)).toEqual(botBefore);
    await browser.screenshot(page, 'contact-panel');
    await browser.screenshot(page, 'inbox');
  });

  it("edits the contact with the server's validation and shows the qualification progress", async () => {
    const panel = page.getByRole('complementary', { name: 'Contact' });
    await panel.getByText('Missing: first name, last name, company, email').waitFor();
    await panel.getByLabel('First name').fill('Ada');
    await panel.getByLabel('Last name').fill('Lovelace');
    await panel.getByLabel('Company').fill('Analytical Engines');
    // The browser's own check lets a domain without a dot through; the server's rule is the one under test.
    await panel.getByLabel('Email').fill('ada@example');
    await panel.getByRole('button', { name: 'Save profile' }).click();
    await panel.locator('[aria-invalid="true"]').first().waitFor();
    await panel.getByLabel('Email').fill('Ada@Example.com');
    await panel.getByRole('button', { name: 'Save profile' }).click();
    await panel.getByText('Qualification: 4 of 4').waitFor();
    const phone = (await page.locator('.thread-header .muted').textContent()) ?? '';
    const stored = await withTenant(stack.database.db, stack.tenantId, (trx) =>
      trx
        .selectFrom('contacts')
        .select(['firstName', 'lastName', 'company', 'email', 'profileCompletedAt'])
        .where('phoneE164', '=', phone)
        .executeTakeFirstOrThrow(),
    );
    expect(stored).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines',
      email: 'ada@example.com',
    });
    expect(stored.profileCompletedAt).not.toBeNull();
    await browser.screenshot(page, 'contact-panel-complete');
  });

  it('shows the profile filling in field by field, live, while the qualifier collects it', async () => {
    const from = customer();
    const name = 'Grace from the Navy';
    await stack.customerWrites({ from, name, body: 'Hello, I would like to rent an espresso machine' });
    await page.getByRole('link', { name: new RegExp(name) }).click();
    const panel = page.getByRole('complementary', { name: 'Contact' });
    await panel.getByText('Missing: first name, last name, company, email').waitFor();
    const steps: [string, string, string, string][] = [
      ['Grace', 'First name', 'Grace', 'Qualification: 1 of 4'],
      ['Hopper', 'Last name', 'Hopper', 'Qualification: 2 of 4'],
      ['Navy Labs Inc.', 'Company', 'Navy Labs Inc.', 'Qualification: 3 of 4'],
      ['grace@navylabs.example', 'Email', 'grace@navylabs.example', 'Qualification: 4 of 4'],
    ];
    for (const [body, label, value, progress] of steps) {
      await stack.customerWrites({ from, name, body });
      // No reload: the contact.updated event of the turn that stored the value refreshes the panel.
      await panel.getByText(progress).waitFor();
      await expect.poll(() => panel.getByLabel(label, { exact: true }).inputValue()).toBe(value);
    }
    await browser.screenshot(page, 'contact-panel-live-qualification');
  });

  it('renders hostile names and messages as text: no element, no script, no dialog', async () => {
    await page.evaluate('window.pwned = false');
    const name = '<img src=x onerror=alert(1)>';
    const body = '<script>alert(1)</script><img src=x onerror="window.pwned=true">';
    await stack.customerWrites({ from: customer(), name, body });
    const item = page.getByRole('link', { name: /<img src=x onerror=alert\(1\)>/ });
    await item.waitFor();
    await item.click();
    await page.getByText(body).waitFor();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBe(false);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    await browser.screenshot(page, 'xss-as-text');
  });

  it('asks before opening a link from a message, showing the full address', async () => {
    await stack.customerWrites({
      from: customer(),
      name: 'Link Sender',
      body: 'See https://example.com/catalogue?ref=wa for details',
    });
    await page.getByRole('link', { name: /Link Sender/ }).click();
    await page.getByRole('button', { name: 'Open link' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('https://example.com/catalogue?ref=wa');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    expect(await page.locator('a[href^="https://example.com"]').count()).toBe(0);
  });

  it('works from the keyboard, and on a phone-sized screen one pane at a time', async () => {
    await page.goto(`${stack.url}/inbox`);
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await list.getByRole('link').first().waitFor();
    // From the search box: the seven filters, then the newest conversation; Enter opens it.
    await page.getByRole('searchbox', { name: 'Search conversations' }).focus();
    for (let step = 0; step < 8; step += 1) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.className')).toContain('conversation-item');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/inbox\/[0-9a-f-]{36}$/);
    await page.setViewportSize({ width: 390, height: 800 });
    await page
      .getByRole('region', { name: 'Conversation' })
      .getByRole('textbox', { name: 'Reply' })
      .waitFor();
    expect(await list.isVisible()).toBe(false);
    await page.locator('.message.inbound').first().waitFor();
    await browser.screenshot(page, 'thread-phone');
    await page.getByRole('link', { name: '← Conversations' }).click();
    await list.waitFor();
    await page.setViewportSize({ width: 1400, height: 860 });
  });

  it('sends a template with a variable outside the window, shows its text, and its ticks follow Meta live', async () => {
    stack.fake.setTemplates(WABA, [ORDER_UPDATE]);
    const from = customer();
    await stack.customerWrites({ from, name: 'Tess Template', body: 'Hello, any news on my order?' });
    // The bot answers first; then the customer's last message is made 30 hours old: the window is closed.
    await pollUntil(
      'the bot’s answer',
      30_000,
      async () => (await messagesBy('bot', from)).length > 0 || undefined,
    );
    const conversationId = await withTenant(stack.database.db, stack.tenantId, async (trx) => {
      const row = await trx
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
        .select('conversations.id')
        .where('contacts.phoneE164', '=', `+${from}`)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('conversations')
        .set({ lastInboundAt: new Date(Date.now() - 30 * 3_600_000) })
        .where('id', '=', row.id)
        .execute();
      return row.id;
    });
    await page.goto(`${stack.url}/inbox/${conversationId}`);
    const thread = page.getByRole('region', { name: 'Conversation' });
    await thread.getByText('WhatsApp only allows approved templates until they reply.').waitFor();
    await page.locator('option[value="order_update|en_US"]').waitFor({ state: 'attached' });
    await thread.getByRole('combobox', { name: 'Template' }).selectOption('order_update|en_US');
    const preview = thread.getByRole('figure');
    await preview.getByText('Hello {{1}}, your order ships on {{2}}.', { exact: false }).waitFor();

    // Sent empty: nothing leaves, the first variable is marked, named and focused, the problem announced.
    await thread.getByRole('button', { name: 'Send template' }).click();
    await thread
      .getByRole('alert')
      .filter({ hasText: "Fill in the template's variables before sending." })
      .waitFor();
    const header = thread.getByRole('textbox', { name: 'Header variable 1' });
    expect(await header.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate('document.activeElement.id')).toBe(await header.getAttribute('id'));
    expect(await thread.getByText('Fill in this variable.').count()).toBe(3);

    await header.fill('A-17');
    await thread.getByRole('textbox', { name: 'Body variable 1' }).fill('Tess');
    await thread.getByRole('textbox', { name: 'Body variable 2' }).fill('Monday');
    await preview.getByText('Hello Tess, your order ships on Monday.', { exact: false }).waitFor();
    expect(await thread.getByText("Fill in the template's variables before sending.").count()).toBe(0);
    await browser.screenshot(page, 'template-variables');
    await thread.getByRole('button', { name: 'Send template' }).click();

    const sent = await pollUntil('the template at the Graph API', 15_000, async () =>
      stack.fake.sends().find((request) => JSON.stringify(request.body).includes('order_update')),
    );
    expect(sent.body).toMatchObject({
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [
          { type: 'header', parameters: [{ type: 'text', text: 'A-17' }] },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Tess' },
              { type: 'text', text: 'Monday' },
            ],
          },
        ],
      },
    });
    // The thread shows what the customer read, under the template's name.
    const bubble = thread.locator('.message.outbound').filter({ hasText: 'Template · order_update' });
    await bubble.getByText('Hello Tess, your order ships on Monday.', { exact: false }).waitFor();
    expect(await bubble.textContent()).toContain('Order A-17');

    // Meta reports it delivered: the ticks follow, live.
    const wamid = await pollUntil('the wamid', 15_000, () =>
      withTenant(stack.database.db, stack.tenantId, async (trx) => {
        const row = await trx
          .selectFrom('messages')
          .select('providerMessageId')
          .where('conversationId', '=', conversationId)
          .where('type', '=', 'template')
          .executeTakeFirst();
        return row?.providerMessageId ?? undefined;
      }),
    );
    await bubble.locator('.ticks').waitFor();
    await stack.metaReports(wamid, from, 'delivered');
    await bubble.locator('.ticks-delivered').waitFor({ timeout: 30_000 });
    expect(await bubble.locator('.ticks').getAttribute('title')).toBe('Delivered');
    await browser.screenshot(page, 'template-sent');
  });

  it('shows the settings pages: a channel with its webhook URL', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Channels' }).click();
    await page.getByText(`/webhooks/whatsapp/${stack.channel.channelId}`).waitFor();
    await browser.screenshot(page, 'settings');
  });

  it('needed nothing the Content-Security-Policy forbids, and threw no error', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
