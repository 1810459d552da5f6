import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTwilio, syncNumbers } from '../../src/channels/twilio/connection.service.js';
import { createTwilioRuntime } from '../../src/channels/twilio/twilio-runtime.js';
import { type FakeAccount, type FakeTwilio, startFakeTwilio } from '../fakes/twilio.js';
import { pollUntil } from '../fixtures/leadline-process.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * An SMS conversation in the operator inbox (issue 13): a customer's SMS comes through Twilio's signed
 * webhook (the fake Twilio), appears live with its channel named, the operator answers from the composer
 * with the segment counter shown while typing, the fake Twilio receives the Messages.json request with
 * the text, and Twilio's status callback moves the message to delivered on the page.
 */

const CUSTOMER = '+393471112233';

let stack: DashboardStack;
let twilio: FakeTwilio;
let account: FakeAccount;
let browser: TestBrowser;
let page: Page;
let number = '';
const pageErrors: string[] = [];

beforeAll(async () => {
  twilio = await startFakeTwilio();
  account = twilio.addAccount();
  stack = await startDashboardStack({
    privateHosts: [twilio.hostPort],
    env: { TWILIO_API_URL: twilio.url },
  });
  // The workspace's Twilio account, checked against the fake as the settings page does.
  const runtime = createTwilioRuntime({ config: stack.config, db: stack.database.db });
  try {
    await connectTwilio(
      stack.database.db,
      stack.config,
      runtime.rest,
      stack.tenantId,
      {
        userId: stack.operator.userId,
        apiKeyId: null,
        context: { requestId: 'sms-inbox-setup', ip: '127.0.0.1', userAgent: 'vitest' },
      },
      { accountSid: account.accountSid, authToken: account.authToken },
    );
    const [first] = await syncNumbers(stack.database.db, stack.config, runtime.rest, stack.tenantId);
    number = first?.phoneE164 ?? '';
  } finally {
    await runtime.close();
  }
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInThroughPage(page, stack);
  await page.getByText('Live', { exact: true }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await twilio?.close();
});

describe('an SMS conversation in the inbox', { timeout: 90_000 }, () => {
  it('shows an inbound SMS live with its channel, sends the reply by SMS and shows it delivered', async () => {
    const inbound = await twilio.inboundSms(account, `${stack.url}/webhooks/twilio/${stack.tenantId}/sms`, {
      from: CUSTOMER,
      to: number,
      body: 'Hello, do you deliver garden chairs to Turin?',
    });
    expect(inbound.status).toBe(200);

    // Live: no reload. The list names the channel.
    const item = page
      .getByRole('navigation', { name: 'Conversations' })
      .getByRole('link')
      .filter({ has: page.locator('.channel-tag', { hasText: 'SMS' }) });
    await item.waitFor({ timeout: 30_000 });
    expect(await item.locator('.channel-tag').textContent()).toBe('SMS');
    await item.click();
    const thread = page.getByRole('region', { name: 'Conversation' });
    await thread.getByText('Hello, do you deliver garden chairs to Turin?').waitFor();
    // The built-in qualifier answers SMS too: its reply went to Twilio from the number written to.
    const [botReply] = await twilio.waitForMessages(1, 30_000);
    expect(botReply).toMatchObject({ to: CUSTOMER, from: number });

    // The operator takes over, so the bot stays out of the way, and writes.
    const human = thread.getByRole('button', { name: 'Human' });
    await human.click();
    await expect.poll(() => human.getAttribute('aria-pressed'), { timeout: 15_000 }).toBe('true');
    const reply = page.getByRole('textbox', { name: 'Reply' });
    await reply.fill('Yes, we deliver to Turin on Thursdays.');
    const counter = page.getByText(/SMS segments? ·/);
    await expect
      .poll(() => counter.textContent(), { timeout: 15_000 })
      .toBe('1 SMS segment · GSM-7 · 122 left');
    // A character outside GSM-7 turns the whole message into UCS-2 (70 per segment).
    const text = 'Sì, consegniamo a Torino il giovedì: la spedizione è gratuita sopra i 300 € 🌿';
    await reply.fill(text);
    await expect
      .poll(() => counter.textContent(), { timeout: 15_000 })
      .toMatch(/^2 SMS segments · UCS-2 · \d+ left$/);
    await browser.screenshot(page, 'sms-composer');
    await expectAccessible(page, 'SMS conversation with the composer');
    await reply.press('Enter');

    const sent = await pollUntil('the reply at the fake Twilio', 30_000, async () =>
      twilio.messages.find((message) => message.body === text),
    );
    expect(sent).toMatchObject({ to: CUSTOMER, from: number });
    const posted = twilio.requests.filter(
      (request) => request.method === 'POST' && request.path.endsWith('/Messages.json'),
    );
    expect(posted.length).toBe(twilio.messages.length);

    // Twilio reports it delivered: the message's ticks say so, live.
    const bubble = thread.locator('.message.outbound').filter({ hasText: 'consegniamo a Torino' });
    await bubble.waitFor();
    expect((await twilio.messageStatus(sent, 'sent')).status).toBe(204);
    expect((await twilio.messageStatus(sent, 'delivered')).status).toBe(204);
    await bubble.locator('.ticks-delivered').waitFor({ timeout: 30_000 });
    expect(await bubble.locator('.ticks').getAttribute('title')).toBe('Delivered');
    await browser.screenshot(page, 'sms-delivered');
    expect(pageErrors).toEqual([]);
  });
});
