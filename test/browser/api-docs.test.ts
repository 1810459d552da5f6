import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/app.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';

/** The API reference page works in a real browser under its own strict CSP, asking for nothing it forbids. */

let app: FastifyInstance;
let url: string;
let browser: TestBrowser;
let page: Page;
const cspViolations: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  ({ app } = await buildTestApp({ env: { NODE_ENV: 'production', PUBLIC_URL: 'http://127.0.0.1' } }));
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('the API reference page', { timeout: 60_000 }, () => {
  it('is served under a CSP without unsafe-inline or outside sources', async () => {
    const response = await fetch(`${url}/api/docs/static/index.html`);
    const csp = String(response.headers.get('content-security-policy'));
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('https:');
    expect(csp).not.toContain('validator.swagger.io');
  });

  it('renders the operations and expands one without a CSP violation', async () => {
    await page.goto(`${url}/api/docs`);
    await page.getByText('Leadline API').first().waitFor();
    const operation = page.locator('.opblock-summary').first();
    await operation.waitFor();
    await operation.click();
    await page.locator('.opblock-body').first().waitFor();
    await browser.screenshot(page, 'api-docs');
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
