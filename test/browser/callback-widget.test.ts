import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type CallbackWorld, startCallbackWorld } from '../support/callback-world.js';
import { freePort } from '../support/free-port.js';

/**
 * The widget embedded in a page served from another origin (a second local port), as a tenant's website
 * would: it renders in a shadow root, solves ALTCHA in Chromium, submits, and the fake Twilio receives the
 * calls to the business. The site's own requests go to its own server only; the widget's to Leadline only.
 */
describe('the call-me-back widget on another site', () => {
  let world: CallbackWorld;
  let site: Server;
  let siteOrigin: string;
  let browser: TestBrowser;

  beforeAll(async () => {
    execFileSync(process.execPath, ['widget/build.mjs'], { stdio: 'ignore' });
    const port = await freePort();
    siteOrigin = `http://127.0.0.1:${port}`;
    world = await startCallbackWorld({ allowedOrigins: [siteOrigin] });
    site = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html lang="it"><head><title>Negozio</title>
        <style>button{background:red!important} input{display:none!important}</style></head>
        <body><h1>Negozio di prova</h1>
        <script src="${world.baseUrl}/widget.js" data-leadline-widget="${world.widget.publicKey}" async></script>
        </body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(port, '127.0.0.1', resolve));
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
    await world?.close();
  });

  it('solves ALTCHA, submits, and the business’s phones ring', async () => {
    const page = await browser.newPage();
    const requested = new Set<string>();
    page.on('request', (request) => requested.add(new URL(request.url()).origin));
    await page.goto(siteOrigin);
    const open = page.getByRole('button', { name: 'Richiamami', exact: true });
    await open.click();
    const phone = page.getByLabel('Numero di telefono');
    await expect.poll(() => phone.isVisible()).toBe(true);
    await phone.fill('347 555 1234');
    await page.getByLabel('Nome (facoltativo)').fill('Marco');
    await page.getByRole('button', { name: 'Chiamami', exact: true }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), { timeout: 20_000 })
      .toMatch(/Ti stiamo chiamando/);
    await browser.screenshot(page, 'callback-widget');
    // The form is ready for another request, with the widget's default country chosen again.
    expect(await page.getByLabel('Paese').inputValue()).toBe('39');

    const calls = await world.twilio.waitForCalls(2, 10_000);
    expect(calls.map((call) => call.from)).toEqual([world.callerNumber, world.callerNumber]);
    const row = await world.database.ownerDb.selectFrom('callbacks').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ visitorE164: '+393475551234', visitorName: 'Marco', language: 'it' });
    expect([...requested].sort()).toEqual([world.baseUrl, siteOrigin].sort());
  }, 60_000);
});
