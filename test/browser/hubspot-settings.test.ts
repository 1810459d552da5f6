import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_HUBSPOT_TOKEN, type FakeHubspot, startFakeHubspot } from '../fakes/hubspot.js';
import { waitFor } from '../fixtures/wait-for.js';
import { expectAccessible } from '../support/axe.js';
import type { TestBrowser } from '../support/browser.js';
import type { DashboardStack } from '../support/dashboard-stack.js';
import { signedInDashboard } from '../support/signed-in-dashboard.js';

/** Settings › HubSpot (issue 15): connect with a private-app token and watch a sync happen. */
let fake: FakeHubspot;

beforeAll(async () => {
  fake = await startFakeHubspot();
});

afterAll(async () => {
  await fake?.close();
});

const dashboard = signedInDashboard({ env: () => ({ HUBSPOT_API_URL: fake.url }) });
const { pageErrors } = dashboard;
let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;

beforeAll(() => {
  ({ stack, browser, page } = dashboard);
});

describe('Settings › HubSpot', { timeout: 120_000 }, () => {
  it('connects with a token checked by HubSpot, then shows a contact synced by the worker', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'HubSpot', exact: true })
      .click();
    await page.getByRole('heading', { level: 1, name: 'HubSpot', exact: true }).waitFor();
    await page.getByText('HubSpot is not connected').waitFor();
    await expectAccessible(page, 'settings: hubspot not connected');

    // A token HubSpot refuses is reported, and nothing is connected.
    await page.getByLabel('Private-app access token').fill('pat-eu1-99999999-2222-3333-4444-555555555555');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('HubSpot refused this token').waitFor();

    await page.getByLabel('Private-app access token').fill(FAKE_HUBSPOT_TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Connected account' }).waitFor();
    expect(await page.getByLabel('Private-app access token').inputValue()).toBe('');
    expect(await page.content()).not.toContain(FAKE_HUBSPOT_TOKEN);

    // A new lead writes on WhatsApp: the contact is created, the outbox row with it, and the worker syncs it.
    await stack.customerWrites({
      from: '393471112233',
      name: 'Carla Neri',
      body: 'Ciao, vorrei un preventivo',
    });
    await waitFor(
      () => [...fake.contacts.values()].some((contact) => contact.properties.phone === '+393471112233'),
      {
        timeoutMs: 60_000,
        description: 'the new lead in HubSpot',
      },
    );
    const synced = page.getByTestId('hubspot-synced');
    await page.getByTestId('hubspot-backlog').getByText('0', { exact: true }).waitFor({ timeout: 60_000 });
    await waitFor(async () => Number(await synced.textContent()) >= 1, {
      timeoutMs: 60_000,
      description: 'a synced record on the page',
    });
    expect(await page.getByTestId('hubspot-last-sync').textContent()).not.toBe('Not yet');
    expect(fake.duplicateContacts()).toBe(0);
    await expectAccessible(page, 'settings: hubspot connected');
    await browser.screenshot(page, 'settings-hubspot-synced');
    expect(pageErrors).toEqual([]);
  });
});
