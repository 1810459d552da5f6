import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../support/account-session.js';
import { expectAccessible } from '../support/axe.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, signInThroughPage, startDashboardStack } from '../support/dashboard-stack.js';

/**
 * The dashboard in four languages (ADR 0045): chosen per person in My account and stored on the server,
 * the browser's language until then; dates follow the language.
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];
const cspViolations: string[] = [];

function watch(target: Page): Page {
  target.on('pageerror', (error) => pageErrors.push(error.message));
  target.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
  return target;
}

/** The signed-in person's stored language, as the session reports it. */
async function storedLocale(target: Page): Promise<string | null> {
  return target.evaluate(async () => {
    const response = await fetch('/api/v1/auth/session');
    return ((await response.json()) as { user: { locale: string | null } }).user.locale;
  });
}

/** When this browser session started, as the page formats it in `locale` (the page's own ICU data). */
async function sessionStartIn(target: Page, locale: string): Promise<string> {
  return target.evaluate(async (tag) => {
    const response = await fetch('/api/v1/auth/sessions');
    const { items } = (await response.json()) as { items: { current: boolean; createdAt: string }[] };
    const created = items.find((item) => item.current)?.createdAt ?? '';
    return new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short' }).format(
      new Date(created),
    );
  }, locale);
}

async function chooseLanguage(label: RegExp | string, option: string): Promise<void> {
  await page.getByLabel(label).selectOption(option);
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack();
  page = watch(await browser.newPage());
  await signInThroughPage(page, stack);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the dashboard in four languages', { timeout: 90_000 }, () => {
  it('starts in the browser’s language (English here) with nothing stored', async () => {
    expect(await storedLocale(page)).toBeNull();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'My account' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    expect(await page.getByLabel('Dashboard language').inputValue()).toBe('');
    await page.getByText(`signed in ${await sessionStartIn(page, 'en')}`, { exact: false }).waitFor();
  });

  it('switches to Italian in My account: settings and the inbox speak Italian, dates too, and it is stored', async () => {
    await stack.customerWrites({
      from: '393331112222',
      name: 'Mario Rossi',
      body: 'Buongiorno, un preventivo?',
    });
    await chooseLanguage('Dashboard language', 'it');
    await page.getByRole('heading', { level: 1, name: 'Il mio account' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('it');
    expect(await page.title()).toBe('Il mio account · Impostazioni · Leadline');
    expect(await storedLocale(page)).toBe('it');
    // Dates in Italian (day month year, the month's Italian abbreviation).
    const italianDate = await sessionStartIn(page, 'it');
    expect(italianDate).not.toBe(await sessionStartIn(page, 'en'));
    await page.getByText(`accesso ${italianDate}`, { exact: false }).waitFor();
    await page
      .getByRole('navigation', { name: 'Impostazioni' })
      .getByRole('link', { name: 'Membri' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Membri' }).waitFor();
    await page.getByRole('columnheader', { name: 'Ruolo' }).waitFor();
    await page.getByRole('cell', { name: 'Proprietario' }).waitFor();
    await expectAccessible(page, 'settings in Italian');
    await browser.screenshot(page, 'languages-settings-it');

    await page.getByRole('banner').getByRole('link', { name: 'Posta in arrivo', exact: true }).click();
    await page.getByRole('navigation', { name: 'Conversazioni' }).waitFor();
    await page.getByRole('button', { name: 'Aperte' }).waitFor();
    await page.getByRole('searchbox', { name: 'Cerca conversazioni' }).waitFor();
    expect(await page.title()).toBe('Posta in arrivo · Leadline');
    await page.getByRole('link', { name: /Mario Rossi/ }).click();
    await page.getByRole('log', { name: 'Messaggi' }).waitFor();
    await page.getByRole('tab', { name: 'Rispondi' }).waitFor();
    await page.getByRole('group', { name: 'Risponde' }).waitFor();
    await browser.screenshot(page, 'languages-inbox-it');

    // Stored on the server: a reload (and any other browser) opens in Italian.
    await page.reload();
    await page.getByRole('navigation', { name: 'Conversazioni' }).waitFor();
    await page.getByRole('link', { name: 'Impostazioni' }).waitFor();
  });

  it('switches to Spanish, then back to the browser’s language', async () => {
    await page.getByRole('link', { name: 'Impostazioni' }).click();
    await page
      .getByRole('navigation', { name: 'Impostazioni' })
      .getByRole('link', { name: 'Il mio account' })
      .click();
    await chooseLanguage('Lingua della dashboard', 'es');
    await page.getByRole('heading', { level: 1, name: 'Mi cuenta' }).waitFor();
    await page.getByText(`inicio de sesión ${await sessionStartIn(page, 'es')}`, { exact: false }).waitFor();
    await page.getByRole('banner').getByRole('link', { name: 'Bandeja de entrada', exact: true }).waitFor();
    expect(await storedLocale(page)).toBe('es');
    await chooseLanguage('Idioma del panel', '');
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    expect(await storedLocale(page)).toBeNull();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
  });

  it('opens in Brazilian Portuguese for a browser set to pt-BR, from the sign-in page on', async () => {
    const portuguese = await launchBrowser({ locale: 'pt-BR' });
    try {
      const other = watch(await portuguese.newPage());
      await other.goto(`${stack.url}/`);
      await other.getByRole('button', { name: 'Entrar' }).waitFor();
      expect(await other.locator('html').getAttribute('lang')).toBe('pt-BR');
      await other.getByLabel('E-mail').fill(stack.operator.email);
      await other.getByLabel('Senha').fill(stack.operator.password);
      await portuguese.screenshot(other, 'languages-sign-in-pt-br');
      await other.getByRole('button', { name: 'Entrar' }).click();
      // The next step's code: the one of this step may already have signed the first browser in (a code is usable once).
      await other.getByLabel('Código de autenticação').fill(await totpCode(stack.operator.secret, 1));
      await other.getByRole('button', { name: 'Verificar' }).click();
      await other.getByRole('navigation', { name: 'Conversas' }).waitFor();
      await other.getByRole('banner').getByRole('link', { name: 'Caixa de entrada', exact: true }).waitFor();
      await other.getByRole('button', { name: 'Abertas' }).waitFor();
      expect(await other.title()).toBe('Caixa de entrada · Leadline');
      await portuguese.screenshot(other, 'languages-inbox-pt-br');
    } finally {
      await portuguese.close();
    }
  });

  it('needed nothing the Content-Security-Policy forbids, and threw no error', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
