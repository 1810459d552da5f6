import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeAccount,
  type FakeCall,
  type FakeTwilio,
  startFakeTwilio,
  type TwimlVerb,
} from '../fakes/twilio.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';
import { freePort } from '../support/free-port.js';

/**
 * Issue 13's proof in the dashboard: an administrator connects Twilio, builds a widget (live preview,
 * snippet) and sets the business hours from the settings pages; the widget, embedded in a page of another
 * origin, solves ALTCHA in Chromium; the fake Twilio receives the call to the business and the bridged
 * call, and the call-back's progress appears live in the contact's panel in the inbox. With the hours
 * closed, the visitor gets an SMS and the call is scheduled, then canceled from the call-backs list.
 */

const AGENT = '+390612345678';
/** The WhatsApp customer who also asks for a call-back on the website: one contact, one timeline. */
const CUSTOMER = { wa: '393331230000', national: '333 123 0000', e164: '+393331230000', name: 'Gio Ponti' };
const LATE_VISITOR = { national: '347 555 1234', e164: '+393475551234' };

let stack: DashboardStack;
let twilio: FakeTwilio;
let account: FakeAccount;
let browser: TestBrowser;
let page: Page;
let site: Server;
let siteOrigin: string;
const pageErrors: string[] = [];
/** The widget the tenant's website embeds: the snippet the administrator copies from the builder. */
let widgetKey = '';

async function openSettings(name: string): Promise<void> {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

function find(verbs: TwimlVerb[], name: string): TwimlVerb | undefined {
  for (const verb of verbs) {
    if (verb.verb === name) return verb;
    const inner = find(verb.children, name);
    if (inner) return inner;
  }
  return undefined;
}

/** The visitor's browser on the tenant's website: opens the widget, types the number, sends. */
async function visitorAsks(national: string): Promise<string> {
  const visitor = await browser.newPage();
  try {
    await visitor.goto(siteOrigin);
    await visitor.getByRole('button', { name: 'Richiamami', exact: true }).click();
    await visitor.getByLabel('Numero di telefono').fill(national);
    await visitor.getByRole('button', { name: 'Chiamami', exact: true }).click();
    await expect
      .poll(() => visitor.getByRole('status').textContent(), { timeout: 30_000 })
      .toMatch(/Ti stiamo chiamando|chiusi/);
    return (await visitor.getByRole('status').textContent()) ?? '';
  } finally {
    await visitor.close();
  }
}

beforeAll(async () => {
  execFileSync(process.execPath, ['widget/build.mjs'], { stdio: 'ignore' });
  twilio = await startFakeTwilio();
  account = twilio.addAccount();
  const port = await freePort();
  siteOrigin = `http://127.0.0.1:${port}`;
  stack = await startDashboardStack({
    privateHosts: [twilio.hostPort],
    env: {
      TWILIO_API_URL: twilio.url,
      ALTCHA_MAX_COUNTER: '200',
      CALLBACK_PER_IP_PER_HOUR: '1000',
    },
  });
  site = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="it"><head><title>Negozio</title></head>
      <body><h1>Negozio di prova</h1>
      <script src="${stack.url}/widget.js" data-leadline-widget="${widgetKey}" async></script></body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(port, '127.0.0.1', resolve));
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInThroughPage(page, stack);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await stack?.close();
  await twilio?.close();
});

describe('call-backs in the dashboard', { timeout: 90_000 }, () => {
  it('connects Twilio: checked with Twilio, secrets never shown back, numbers listed', async () => {
    await openSettings('Twilio');
    await page.getByText('Twilio is not connected').waitFor();
    await expectAccessible(page, 'Twilio settings, not connected');
    await page.getByLabel('Account SID').fill(account.accountSid);
    await page.getByLabel('Auth token', { exact: true }).fill('0'.repeat(32));
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    // Twilio refused the wrong token: nothing saved, the reason shown.
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Auth token', { exact: true }).fill(account.authToken);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const connected = page.getByRole('region', { name: 'Connected account' });
    await connected.getByText(account.accountSid).waitFor();
    const numbers = page.getByRole('region', { name: 'Numbers' });
    await numbers.getByRole('button', { name: `Remove ${account.numbers[0]?.phoneNumber}` }).waitFor();
    expect(await page.getByLabel('Auth token', { exact: true }).inputValue()).toBe('');
    expect(await page.content()).not.toContain(account.authToken);
    await expectAccessible(page, 'Twilio settings, connected');
    await browser.screenshot(page, 'settings-twilio');
  });

  it('builds a widget: rules, origins, numbers, texts and colours with a live preview, and the snippet', async () => {
    await openSettings('Call-back widgets');
    await page.getByText('No widget yet').waitFor();
    await page.getByText('Call-back rules', { exact: false }).first().click();
    await page
      .getByLabel('Countries visitors’ numbers may be in (ISO codes, comma-separated)')
      .fill('IT, US');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();

    await page.getByLabel('Name', { exact: true }).last().fill('Negozio');
    await page.getByLabel('Website origins (one per line)').fill(siteOrigin);
    await page.getByLabel('Numbers to call for your team (one per line)', { exact: true }).fill(AGENT);
    await page.getByRole('button', { name: 'Create widget' }).click();
    const builder = page.getByRole('region', { name: 'Negozio' });
    await builder.waitFor();

    // The live preview shows drafts before they are saved.
    const preview = page.frameLocator('iframe[title="Widget preview"]');
    await preview.getByRole('heading', { name: 'We will call you back' }).waitFor();
    await builder.getByLabel('Title', { exact: true }).fill('Parla con noi');
    await preview.getByRole('heading', { name: 'Parla con noi' }).waitFor();
    await builder.getByLabel('Title', { exact: true }).fill('');
    await builder.getByLabel('Texts in').selectOption('it');
    await builder.getByLabel('Consent line').fill('Accetto di essere richiamato.');
    await preview.getByText('Accetto di essere richiamato.').waitFor();
    await builder.getByLabel('Default country (ISO code)').fill('IT');
    await builder.getByRole('button', { name: 'Save widget' }).click();
    await builder.getByText('Widget saved').waitFor();

    const snippet = await builder.getByLabel('Snippet for your website').inputValue();
    expect(snippet).toMatch(
      new RegExp(
        `^<script src="${stack.url}/widget.js" data-leadline-widget="wk_[A-Za-z0-9_-]+" async></script>$`,
      ),
    );
    widgetKey = /data-leadline-widget="([^"]+)"/.exec(snippet)?.[1] ?? '';
    // The agent numbers stay server-side: not in the preview page.
    expect(await preview.locator('body').innerHTML()).not.toContain(AGENT.slice(3));
    // A widget's own hours, then back to the workspace's.
    await builder.getByText('Business hours of this widget').click();
    await builder.getByText('This widget follows the workspace’s business hours.').waitFor();
    await builder.getByRole('button', { name: 'Set hours for this widget' }).click();
    await builder.getByRole('button', { name: 'Save hours' }).click();
    await builder.getByText(/ · Saved/).waitFor();
    await builder.getByRole('button', { name: 'Follow the workspace’s hours' }).click();
    await builder.getByText('This widget follows the workspace’s business hours.').waitFor();
    expect(pageErrors).toEqual([]);
    await expectAccessible(page, 'widget builder');
    await browser.screenshot(page, 'settings-widgets');
  });

  it('a visitor on another site asks for a call-back: the business is called, then bridged, live in the inbox', async () => {
    await stack.customerWrites({ from: CUSTOMER.wa, name: CUSTOMER.name, body: 'Mi richiamate?' });
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .click();
    await page.getByRole('link', { name: new RegExp(CUSTOMER.name) }).click();
    const panel = page.getByRole('complementary', { name: 'Contact' });
    await panel.getByText(CUSTOMER.e164).waitFor();

    expect(await visitorAsks(CUSTOMER.national)).toMatch(/Ti stiamo chiamando/);
    const [business] = (await twilio.waitForCalls(1, 20_000)) as [FakeCall];
    expect(business).toMatchObject({ to: AGENT, from: account.numbers[0]?.phoneNumber });
    const callbacks = panel.getByRole('region', { name: 'Call-backs' });
    await callbacks.getByText(/Calling the business/).waitFor({ timeout: 20_000 });

    await twilio.status(business, 'initiated');
    await twilio.status(business, 'ringing');
    const whisper = await twilio.fetchTwiml(business);
    const gather = find(whisper.verbs, 'Gather');
    const bridge = await twilio.postAction(business, gather?.attributes.action ?? '', { Digits: '1' });
    const dial = find(bridge.verbs, 'Dial');
    const number = find(dial?.children ?? [], 'Number');
    // The bridged call: the visitor dialled with the workspace's number as caller id.
    expect(number?.text).toBe(CUSTOMER.e164);
    expect(dial?.attributes.callerId).toBe(account.numbers[0]?.phoneNumber);
    await callbacks.getByText(/Calling the visitor/).waitFor();

    const visitorLeg: FakeCall = {
      ...business,
      sid: `CA${'1'.repeat(32)}`,
      to: CUSTOMER.e164,
      statusCallback: number?.attributes.statusCallback,
      sequence: 0,
    };
    await twilio.status(visitorLeg, 'in-progress', { sequenceNumber: 1 });
    await callbacks.getByText(/Connected/).waitFor();
    await twilio.status(visitorLeg, 'completed', { sequenceNumber: 2, extra: { CallDuration: '42' } });
    await callbacks.getByText(/Completed · 42 s/).waitFor();
    await browser.screenshot(page, 'inbox-callback-live');
  });

  it('with the hours closed, the visitor gets an SMS and the call is scheduled; an operator cancels it', async () => {
    await openSettings('Business hours');
    const hours = page.getByRole('form', { name: 'Business hours' });
    await hours.waitFor();
    // Closed every day, open only on a special day next week: closed now, with a next opening.
    const removeWeekly = hours.getByRole('button', {
      name: /^Remove (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) /,
    });
    while ((await removeWeekly.count()) > 0) await removeWeekly.first().click();
    await hours.getByLabel('Time zone').fill('Europe/Rome');
    await hours.getByRole('button', { name: 'Add a special opening' }).click();
    const special = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await hours.getByLabel('Open on').fill(special);
    await hours.getByLabel('Closed on public holidays').check();
    await hours.getByLabel('Country (ISO code)').fill('IT');
    await hours.getByRole('button', { name: 'Save hours' }).click();
    await page.getByText(/Closed now · next opening/).waitFor();
    await page.getByRole('heading', { name: 'Coming holidays' }).waitFor();
    await expectAccessible(page, 'business hours');
    await browser.screenshot(page, 'settings-business-hours');

    const calledBefore = twilio.calls.length;
    expect(await visitorAsks(LATE_VISITOR.national)).toMatch(/chiusi/);
    const messages = await twilio.waitForMessages(1, 20_000);
    expect(messages[0]).toMatchObject({ to: LATE_VISITOR.e164, from: account.numbers[0]?.phoneNumber });
    expect(messages[0]?.body).toMatch(/chiusi/);
    expect(twilio.calls).toHaveLength(calledBefore);

    await openSettings('Call-backs');
    const row = page.getByRole('row', { name: new RegExp(LATE_VISITOR.e164.replace('+', '\\+')) });
    await row.getByText('Scheduled').waitFor();
    await page
      .getByRole('row', { name: /Completed/ })
      .getByText('42 s')
      .waitFor();
    await page.getByLabel('Status or outcome').selectOption('scheduled');
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await expectAccessible(page, 'call-backs list');
    await browser.screenshot(page, 'settings-callbacks');
    // Moved ten days on (the browser's local time), then canceled.
    const scheduledFor = async () =>
      (
        await stack.database.ownerDb
          .selectFrom('callbacks')
          .select('scheduledFor')
          .where('visitorE164', '=', LATE_VISITOR.e164)
          .executeTakeFirst()
      )?.scheduledFor?.getTime() ?? 0;
    const before = await scheduledFor();
    await row.getByRole('button', { name: /Reschedule/ }).click();
    const later = new Date(before + 10 * 86_400_000);
    const local = new Date(later.getTime() - later.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await row.getByLabel('Call at').fill(local);
    await row.getByRole('button', { name: 'Move' }).click();
    await expect.poll(scheduledFor).toBeGreaterThan(before + 9 * 86_400_000);
    await row.getByRole('button', { name: /Cancel call/ }).click();
    await page.getByText('No call-back matches these filters').waitFor();
    await page.getByLabel('Status or outcome').selectOption('canceled');
    await page.getByRole('row', { name: /Canceled/ }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
