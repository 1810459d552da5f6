import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots of the main screens, kept as test artifacts (git-ignored). */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');

export interface TestBrowser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  /** Saves a full-page screenshot as test-artifacts/<name>.png; returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Debian's Chromium driven by playwright-core, headless, with a fresh profile. No download of a browser
 * build: when Chromium is missing the suite fails with how to install it.
 */
export async function launchBrowser(options: { locale?: string } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium`,
    );
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'leadline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 860 },
    timezoneId: 'Europe/Rome',
    // The browser's language (navigator.languages), which the dashboard starts in (ADR 0045).
    locale: options.locale ?? 'en-GB',
  });
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return {
    context,
    newPage: () => context.newPage(),
    screenshot: async (page, name) => {
      const file = path.join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: false });
      return file;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface TransferReport {
  /** Bytes on the wire (headers and bodies, as compressed) of every request the action made. */
  readonly totalBytes: number;
  readonly requests: ReadonlyArray<{ url: string; bytes: number }>;
}

/** Runs `action` on `page` with the HTTP cache off and counts what crossed the network meanwhile. */
export async function measureTransfer(
  browser: TestBrowser,
  page: Page,
  action: () => Promise<void>,
): Promise<TransferReport> {
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map<string, string>();
  const requests: { url: string; bytes: number }[] = [];
  cdp.on('Network.requestWillBeSent', (event) => urls.set(event.requestId, event.request.url));
  cdp.on('Network.loadingFinished', (event) => {
    const url = urls.get(event.requestId);
    // A request the previous page started before the action (a live refetch still in flight) finishes
    // here too: it is not part of what the action loads.
    if (url !== undefined) requests.push({ url, bytes: event.encodedDataLength });
  });
  try {
    await action();
  } finally {
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await cdp.detach();
  }
  return { totalBytes: requests.reduce((sum, request) => sum + request.bytes, 0), requests };
}
