import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, type ZodApp } from '../support/app.js';
import type { CapturedLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ALLOWED_ORIGIN = 'https://app.example.com';

function ipRoute(app: ZodApp): void {
  app.get('/test/ip', { config: { access: 'public' } }, async (request) => ({ ip: request.ip }));
  app.get('/api/v1/test/ping', { config: { access: 'public' } }, async () => ({ ok: true }));
  app.post('/test/echo', { config: { access: 'public' } }, async (request) => ({ body: request.body }));
}

let database: TestDatabase;
const apps: TestApp[] = [];

async function appWith(env: Record<string, string>): Promise<TestApp> {
  const built = await buildTestApp({ database, env, extraRoutes: ipRoute });
  apps.push(built);
  return built;
}

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  for (const built of apps) await built.app.close();
  await database?.drop();
});

describe('client IP behind proxies (V4.1.3 / V15.3.4)', () => {
  let behindProxy: FastifyInstance;
  let direct: FastifyInstance;

  beforeAll(async () => {
    ({ app: behindProxy } = await appWith({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1' }));
    ({ app: direct } = await appWith({}));
  });

  const ipSeen = async (app: FastifyInstance, remoteAddress: string, forwardedFor?: string) => {
    const response = await app.inject({
      method: 'GET',
      url: '/test/ip',
      remoteAddress,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });
    return response.json().ip as string;
  };

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    expect(await ipSeen(direct, '10.1.2.3', '198.51.100.7')).toBe('10.1.2.3');
  });

  it('ignores a spoofed X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    expect(await ipSeen(behindProxy, '203.0.113.5', '198.51.100.7')).toBe('203.0.113.5');
  });

  it('honours X-Forwarded-For from a trusted proxy (CIDR or single address)', async () => {
    expect(await ipSeen(behindProxy, '10.1.2.3', '198.51.100.7')).toBe('198.51.100.7');
    expect(await ipSeen(behindProxy, '192.168.1.1', '198.51.100.8')).toBe('198.51.100.8');
  });

  it('takes the nearest untrusted hop, so a client cannot prepend a fake address', async () => {
    expect(await ipSeen(behindProxy, '10.1.2.3', '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7');
    expect(await ipSeen(behindProxy, '10.1.2.3', '6.6.6.6, 198.51.100.7, 10.9.9.9')).toBe('198.51.100.7');
  });

  it('rate limits the real client behind the proxy; spoofed headers from outside buy no fresh budget', async () => {
    const { app } = await appWith({ TRUST_PROXY: '10.0.0.0/8', RATE_LIMIT_API_PER_MINUTE: '2' });
    const ping = async (remoteAddress: string, forwardedFor: string) =>
      (
        await app.inject({
          method: 'GET',
          url: '/api/v1/test/ping',
          remoteAddress,
          headers: { 'x-forwarded-for': forwardedFor },
        })
      ).statusCode;
    const clientA = [];
    for (let i = 0; i < 3; i++) clientA.push(await ping('10.0.0.1', '198.51.100.1'));
    expect(clientA).toEqual([200, 200, 429]);
    expect(await ping('10.0.0.1', '198.51.100.2')).toBe(200);

    const spoofer = [];
    for (const fake of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) spoofer.push(await ping('203.0.113.9', fake));
    expect(spoofer).toEqual([200, 200, 429]);
  });
});

describe('CORS allowlist (V3.4.x)', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ app } = await appWith({ CORS_ORIGINS: `${ALLOWED_ORIGIN},https://admin.example.com` }));
  });

  it('an allowed origin gets CORS headers with credentials', async () => {
    const response = await app.inject({ method: 'GET', url: '/health', headers: { origin: ALLOWED_ORIGIN } });
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(String(response.headers['access-control-expose-headers'])).toContain('x-request-id');
    expect(String(response.headers.vary)).toMatch(/origin/i);
  });

  it('any other origin gets no CORS headers at all', async () => {
    for (const origin of [
      'https://evil.example',
      'https://app.example.com.evil.example',
      'null',
      'http://app.example.com',
    ]) {
      const response = await app.inject({ method: 'GET', url: '/health', headers: { origin } });
      expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(response.headers['access-control-allow-credentials'], origin).toBeUndefined();
    }
  });

  it('a preflight from an allowed origin is answered before authentication', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/api-keys',
      headers: {
        origin: ALLOWED_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-csrf-token',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(response.headers['access-control-allow-headers'])).toContain('x-csrf-token');
  });

  it('a preflight from another origin gets no CORS headers', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/api-keys',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('error responses to an allowed origin stay readable (CORS headers on a 401)', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/api-keys',
      headers: { origin: ALLOWED_ORIGIN },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
  });
});

describe('CSP violation reports (V3.4.3, V16.3.x)', () => {
  let app: FastifyInstance;
  let logs: CapturedLogger;

  beforeAll(async () => {
    ({ app, logs } = await appWith({}));
  });

  const post = (contentType: string, payload: string | Buffer) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/csp-reports',
      headers: { 'content-type': contentType },
      payload,
    });

  it('the Content-Security-Policy names the report endpoint', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(String(response.headers['content-security-policy'])).toContain('report-uri /api/v1/csp-reports');
  });

  it('accepts application/csp-report and logs only the directive and the blocked origin', async () => {
    const response = await post(
      'application/csp-report',
      JSON.stringify({
        'csp-report': {
          'document-uri': 'https://app.example.com/contacts/42?email=ada@example.com',
          'violated-directive': 'script-src-elem',
          'effective-directive': 'script-src-elem',
          'blocked-uri': 'https://evil.example/steal.js?token=s3cr3t-value',
          'original-policy': "default-src 'self'",
        },
      }),
    );
    expect(response.statusCode).toBe(204);
    const line = logs.lines
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'content security policy violation');
    expect(line).toMatchObject({
      level: 40,
      csp: { directive: 'script-src-elem', blocked: 'https://evil.example' },
    });
    expect(logs.text()).not.toContain('s3cr3t-value');
    expect(logs.text()).not.toContain('ada@example.com');
  });

  it('accepts the Reporting API format (application/reports+json)', async () => {
    const response = await post(
      'application/reports+json',
      JSON.stringify([
        {
          type: 'csp-violation',
          age: 10,
          url: 'https://app.example.com/',
          body: {
            effectiveDirective: 'img-src',
            blockedURL: 'https://tracker.example/pixel.gif',
            disposition: 'enforce',
          },
        },
      ]),
    );
    expect(response.statusCode).toBe(204);
    expect(logs.text()).toContain('"directive":"img-src"');
    expect(logs.text()).toContain('"blocked":"https://tracker.example"');
  });

  it('needs no credentials and no CSRF token', async () => {
    const response = await post(
      'application/csp-report',
      JSON.stringify({ 'csp-report': { 'blocked-uri': 'inline' } }),
    );
    expect(response.statusCode).toBe(204);
  });

  it('refuses a body over 16 KiB with 413', async () => {
    const big = JSON.stringify({ 'csp-report': { 'blocked-uri': 'inline', padding: 'x'.repeat(17 * 1024) } });
    expect((await post('application/csp-report', big)).statusCode).toBe(413);
  });

  it.each([
    ['malformed JSON', 'application/csp-report', '{"csp-report":', 400],
    ['a __proto__ key', 'application/csp-report', '{"__proto__":{"x":1},"csp-report":{}}', 400],
    ['a body of the wrong shape', 'application/csp-report', '{"hello":"world"}', 400],
    ['another content type', 'text/plain', 'hello', 415],
  ])('refuses %s', async (_label, contentType, payload, status) => {
    const response = await post(contentType, payload);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.requestId).toBe(response.headers['x-request-id']);
  });

  it('other routes still accept application/json only', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/csp-report' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(415);
  });
});
