import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../support/account-session.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * Every main screen passes axe-core (WCAG 2.2 A/AA rules) with no serious or critical violation, and the
 * main flow works from the keyboard alone with focus managed on every view change.
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

/** What has focus: its tag and its label or text. */
const focused = () =>
  page.evaluate(`(() => {
    const element = document.activeElement;
    return {
      tag: element ? element.tagName.toLowerCase() : '',
      text: ((element && (element.getAttribute('aria-label') || element.textContent)) || '').trim().slice(0, 80),
    };
  })()`) as Promise<{ tag: string; text: string }>;

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrastRatio(first: string, second: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((part) => {
      const channel = Number(part) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

/** Presses Tab until `label`'s field has focus (at most `limit` times). */
async function tabTo(label: string, limit = 8): Promise<void> {
  const id = await page.getByLabel(label).evaluate((element) => element.id || element.getAttribute('name'));
  const target = page.getByLabel(label);
  for (let step = 0; step < limit; step += 1) {
    if (await target.evaluate((element) => element === element.ownerDocument.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${label} (${id})`);
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await stack.customerWrites({
    from: '393471112233',
    name: 'Lina Bo Bardi',
    body: 'Ciao, vorrei un preventivo',
  });
  await stack.customerWrites({
    from: '393471112244',
    name: 'Carlo Scarpa',
    body: 'A long message so the list and the thread have something to show, https://example.com/x',
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('accessibility of the main screens (axe-core)', { timeout: 60_000 }, () => {
  it('sign-in and the account pages', async () => {
    await page.goto(`${stack.url}/`);
    await page.getByLabel('Email').waitFor();
    await expectAccessible(page, 'sign-in');
    await page.goto(`${stack.url}/forgot-password`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await expectAccessible(page, 'forgot password');
  });

  it('the inbox, an open conversation and the contact', async () => {
    await signInThroughPage(page, stack);
    await page.getByRole('link', { name: /Lina Bo Bardi/ }).waitFor();
    await expectAccessible(page, 'inbox');
    await page.getByRole('link', { name: /Lina Bo Bardi/ }).click();
    await page
      .getByRole('region', { name: 'Conversation' })
      .getByText('Ciao, vorrei un preventivo')
      .waitFor();
    await page.getByRole('complementary', { name: 'Contact' }).waitFor();
    await expectAccessible(page, 'open conversation');
    await page.getByRole('tab', { name: 'Private note' }).click();
    await expectAccessible(page, 'private note');
    await page.getByRole('tab', { name: 'Reply' }).click();
  });

  it('the conversation on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    try {
      await expectAccessible(page, 'conversation on a phone');
    } finally {
      await page.setViewportSize({ width: 1400, height: 860 });
    }
  });

  it('opens the contact as a drawer below 1100 px, and returns focus on close', async () => {
    await page.setViewportSize({ width: 1000, height: 800 });
    try {
      const panel = page.getByRole('complementary', { name: 'Contact' });
      expect(await panel.isVisible()).toBe(false);
      const toggle = page.getByRole('button', { name: 'Contact', exact: true });
      await toggle.click();
      await panel.getByLabel('First name').waitFor();
      expect(await focused()).toMatchObject({ tag: 'h2', text: 'Contact' });
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      await expectAccessible(page, 'contact drawer');
      await panel.getByRole('button', { name: 'Close' }).click();
      expect(await panel.isVisible()).toBe(false);
      expect(await focused()).toMatchObject({ tag: 'button', text: 'Contact' });
    } finally {
      await page.setViewportSize({ width: 1400, height: 860 });
    }
  });

  it('draws a focus ring of 3:1 or more inside list items, where the scrolling list cannot clip it', async () => {
    // The search box, the seven filters, then the first conversation.
    await page.getByRole('searchbox', { name: 'Search conversations' }).focus();
    for (let step = 0; step < 8; step += 1) await page.keyboard.press('Tab');
    const ring = (await page.evaluate(`(() => {
      const element = document.activeElement;
      const style = getComputedStyle(element);
      return {
        className: element.className,
        offset: parseFloat(style.outlineOffset),
        width: parseFloat(style.outlineWidth),
        color: style.outlineColor,
        background: getComputedStyle(element.closest('li')).backgroundColor,
        page: getComputedStyle(element).backgroundColor,
      };
    })()`)) as { className: string; offset: number; width: number; color: string; page: string };
    expect(ring.className).toContain('conversation-item');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    expect(ring.offset).toBeLessThanOrEqual(-ring.width);
    const background = ring.page === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : ring.page;
    const contrast = contrastRatio(ring.color, background);
    console.log(`focus ring ${ring.color} on ${background}: ${contrast.toFixed(2)}:1`);
    expect(contrast).toBeGreaterThanOrEqual(3);
  });

  // Thirteen fresh page loads, each with its screen's code and strings: generous on a loaded machine.
  it('each settings page', { timeout: 240_000 }, async () => {
    for (const [link, screen] of [
      ['Channels', 'settings: channels'],
      ['Members', 'settings: members'],
      ['Inbox', 'settings: inbox'],
      ['API keys', 'settings: API keys'],
      ['Audit log', 'settings: audit log'],
      ['Catalog', 'settings: catalog'],
      ['Quotes', 'settings: quotes'],
      ['Twilio', 'settings: Twilio'],
      ['Call-back widgets', 'settings: call-back widgets'],
      ['Business hours', 'settings: business hours'],
      ['Call-backs', 'settings: call-backs'],
      ['Bot', 'settings: bot'],
      ['LLM agent', 'settings: LLM agent'],
      ['My account', 'settings: my account'],
    ] as const) {
      await page.goto(`${stack.url}/settings`);
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: link }).click();
      await page.getByRole('heading', { level: 1, name: link }).waitFor();
      await page.waitForLoadState('networkidle');
      await expectAccessible(page, screen);
    }
  });

  it('the e-mail events settings page', async () => {
    await page.goto(`${stack.url}/settings`);
    await page
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'E-mail events' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'E-mail events' }).waitFor();
    await page.getByLabel(/^Postmark/).waitFor();
    expect(await page.title()).toBe('E-mail events · Settings · Leadline');
    await expectAccessible(page, 'settings: e-mail events');
  });
});

describe('accessibility of the quote screens', { timeout: 60_000 }, () => {
  it('the approval queue, and the quote panel with its editor in a conversation', async () => {
    await page.goto(`${stack.url}/quotes/approvals`);
    await page.getByRole('heading', { level: 1, name: 'Quote approvals' }).waitFor();
    await page.getByText('No quote is waiting for approval').waitFor();
    await expectAccessible(page, 'quote approvals');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Inbox', exact: true })
      .click();
    await page.getByRole('link', { name: /Lina Bo Bardi/ }).click();
    const panel = page.getByRole('region', { name: 'Quotes' });
    await panel.getByText('No quotes in this conversation').waitFor();
    await expectAccessible(page, 'conversation quotes');
    await panel.getByRole('button', { name: 'New quote' }).click();
    await panel.getByLabel('Find a catalog item').waitFor();
    await expectAccessible(page, 'quote editor');
  });
});

describe('the main flow from the keyboard alone', { timeout: 60_000 }, () => {
  it('signs in, opens a conversation, replies, writes a note and goes back, focus following each view', async () => {
    const keyboard = await browser.newPage();
    await browser.context.clearCookies();
    const previous = page;
    page = keyboard;
    try {
      await page.goto(`${stack.url}/`);
      await page.getByLabel('Email').waitFor();
      // Sign-in: Tab to the e-mail field, the password next, then Enter; the code field takes focus.
      expect(await page.title()).toBe('Sign in · Leadline');
      await tabTo('Email');
      await page.keyboard.type(stack.operator.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(stack.operator.password);
      await page.keyboard.press('Enter');
      await page.getByLabel('Authentication code').waitFor();
      expect(await focused()).toMatchObject({ tag: 'input' });
      expect(
        await page.getByLabel('Authentication code').evaluate((e) => e === e.ownerDocument.activeElement),
      ).toBe(true);
      // The next period's code: this period's was used by the first sign-in, and codes are single-use.
      await page.keyboard.type(await totpCode(stack.operator.secret, 1));
      await page.keyboard.press('Enter');
      await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
      expect(await page.title()).toMatch(/^Inbox/);
      // The view's heading takes focus, so the next Tab starts from the view, not the top of the page.
      expect((await focused()).text).toBe('Inbox');

      // Open the newest conversation from the list with Enter.
      const item = page.locator('.conversation-item').first();
      await item.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/inbox\/[0-9a-f-]{36}$/);
      await page.getByRole('region', { name: 'Conversation' }).locator('h1').waitFor();
      expect((await focused()).tag).toBe('h1');
      expect(await page.title()).not.toMatch(/^Inbox/);

      // The messages take focus (they scroll), then the composer: arrows switch Reply / Private note.
      const reply = page.getByRole('textbox', { name: 'Reply' });
      await reply.focus();
      await page.keyboard.type('Grazie, il preventivo arriva oggi.');
      await page.keyboard.press('Enter');
      await expect.poll(() => reply.inputValue()).toBe('');
      expect((await focused()).tag).toBe('textarea');
      await page.getByRole('tab', { name: 'Reply' }).focus();
      await page.keyboard.press('ArrowRight');
      expect((await focused()).text).toBe('Private note');
      expect(await page.getByRole('tab', { name: 'Private note' }).getAttribute('aria-selected')).toBe(
        'true',
      );
      await page.keyboard.press('Tab');
      await page.keyboard.type('Cliente storico');
      await page.keyboard.press('Enter');
      await page.getByText('Cliente storico').waitFor();
      // The live event may show the note before the request answers; then the composer empties.
      await expect.poll(() => page.getByRole('textbox', { name: 'Private note' }).inputValue()).toBe('');

      // Back to the list on a phone: focus goes to the conversation that was open.
      await page.setViewportSize({ width: 390, height: 800 });
      const back = page.getByRole('link', { name: '← Conversations' });
      await back.waitFor();
      await back.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
      expect(await page.evaluate('document.activeElement.className')).toContain('conversation-item');
    } finally {
      await page.setViewportSize({ width: 1400, height: 860 });
      page = previous;
      await keyboard.close();
    }
    expect(pageErrors).toEqual([]);
  });
});
