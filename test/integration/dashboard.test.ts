import { readdirSync } from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DASHBOARD_DIR, loadDashboard } from '../../src/platform/http/dashboard.routes.js';
import { buildTestApp } from '../support/app.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };
let app: FastifyInstance;
let script: string;

beforeAll(async () => {
  if (!loadDashboard().indexHtml) {
    throw new Error(
      `the dashboard is not built in ${DEFAULT_DASHBOARD_DIR}: run \`npm run build:web\` first`,
    );
  }
  script = readdirSync(path.join(DEFAULT_DASHBOARD_DIR, 'assets')).find((name) =>
    name.endsWith('.js'),
  ) as string;
  ({ app } = await buildTestApp({ env: { PUBLIC_URL: 'https://inbox.example.com' } }));
});

afterAll(async () => {
  await app?.close();
});

describe('the dashboard', () => {
  it('serves its page at / under the strict CSP, with the live channel allowed and no inline script', async () => {
    const response = await app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toContain('<div id="root"></div>');
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.body).not.toMatch(/\sstyle=/);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("connect-src 'self' wss://inbox.example.com;");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('answers its client-side routes with the same page when a browser navigates to them', async () => {
    for (const url of ['/inbox', '/inbox/0b0e6f2e-2c1b-4a43-9d7c-9a8f1d1e2c3b', '/settings/api-keys']) {
      const response = await app.inject({ method: 'GET', url, headers: HTML });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<div id="root"></div>');
    }
  });

  it('never answers server paths or API clients with the page', async () => {
    for (const url of [
      '/api/v1/nothing-here',
      '/webhooks/nothing',
      '/health/x',
      '/ready/x',
      '/assets/missing.js',
    ]) {
      const response = await app.inject({ method: 'GET', url, headers: HTML });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    const json = await app.inject({ method: 'GET', url: '/inbox', headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(404);
    const post = await app.inject({ method: 'POST', url: '/inbox', headers: HTML });
    expect(post.statusCode).not.toBe(200);
  });

  it('serves hashed assets for a year, immutable', async () => {
    const response = await app.inject({ method: 'GET', url: `/assets/${script}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toContain('immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses path traversal out of the assets folder', async () => {
    for (const url of [
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%2f..%2fpackage.json',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).not.toBe(200);
    }
  });
});

describe('the dashboard over the wire', () => {
  let production: FastifyInstance;
  beforeAll(async () => {
    ({ app: production } = await buildTestApp({
      env: { NODE_ENV: 'production', PUBLIC_URL: 'https://inbox.example.com' },
    }));
  });
  afterAll(async () => {
    await production?.close();
  });

  it('sends the build’s brotli or gzip copy to a browser that accepts it, and plain bytes otherwise', async () => {
    const plain = await app.inject({ method: 'GET', url: `/assets/${script}` });
    for (const [accept, encoding] of [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
      ['identity', undefined],
    ] as const) {
      const response = await app.inject({
        method: 'GET',
        url: `/assets/${script}`,
        headers: { 'accept-encoding': accept },
      });
      expect(response.statusCode, accept).toBe(200);
      expect(response.headers['content-encoding'], accept).toBe(encoding);
      expect(response.headers.vary, accept).toMatch(/accept-encoding/i);
      expect(response.headers['cache-control']).toContain('immutable');
      const bytes = response.rawPayload;
      const decoded =
        encoding === 'br' ? brotliDecompressSync(bytes) : encoding === 'gzip' ? gunzipSync(bytes) : bytes;
      expect(decoded.equals(plain.rawPayload), accept).toBe(true);
      if (encoding) expect(bytes.length).toBeLessThan(plain.rawPayload.length / 2);
    }
  });

  it('compresses the page itself, which is always revalidated', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/inbox',
      headers: { ...HTML, 'accept-encoding': 'gzip, br' },
    });
    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(brotliDecompressSync(response.rawPayload).toString()).toContain('<div id="root"></div>');
  });

  it('names a favicon that is served from the hashed assets', async () => {
    const page = await app.inject({ method: 'GET', url: '/', headers: HTML });
    const icon = /<link rel="icon" type="image\/svg\+xml" href="(\/assets\/[^"]+\.svg)"/.exec(page.body)?.[1];
    expect(icon).toBeDefined();
    const response = await app.inject({ method: 'GET', url: icon as string });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('never serves the compressed copies by their own names', async () => {
    for (const url of [`/assets/${script}.br`, `/assets/${script}.gz`]) {
      const response = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'br, gzip' } });
      expect(response.statusCode, url).toBe(404);
    }
  });

  it('serves source maps in development but not in production unless configured', async () => {
    const development = await app.inject({ method: 'GET', url: `/assets/${script}.map` });
    expect(development.statusCode).toBe(200);
    const hidden = await production.inject({ method: 'GET', url: `/assets/${script}.map` });
    expect(hidden.statusCode).toBe(404);
    const { app: configured } = await buildTestApp({
      env: { NODE_ENV: 'production', PUBLIC_URL: 'https://x.example.com', DASHBOARD_SOURCE_MAPS: 'true' },
    });
    try {
      expect((await configured.inject({ method: 'GET', url: `/assets/${script}.map` })).statusCode).toBe(200);
    } finally {
      await configured.close();
    }
  });
});
